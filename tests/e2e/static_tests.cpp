// End-to-end tier: the static build (make static, mk/static.mk) where a shared host runs it.
// Alone in an empty chroot (the binary and nothing else: no /lib, no /etc) it answers a page
// as CGI, from the shell and as FastCGI; names resolve from /etc/hosts with no
// nsswitch.conf, and never through a module a host's nsswitch.conf names; TLS verifies with the CA certificates where
// each kind of host keeps them, else with those built in, and a certificate that does not verify is refused; Apache
// runs it from a user's .htaccess folder unpacked from make dist's archive, as the README's shared-hosting recipe says.
// chroot needs root, as make test runs.
#include <sys/stat.h>
#include <unistd.h>
#include <boost/test/unit_test.hpp>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/apache.h"
#include "tests/support/certificates.h"
#include "tests/support/fastcgi_client.h"
#include "tests/support/http.h"
#include "tests/support/servers.h"
#include "tests/support/staging.h"
#include "tests/support/standin.h"
#include "tests/support/visitor.h"

using namespace testing;

namespace {

// What make test built (APIVIDEO_WATCH_STATIC, APIVIDEO_WATCH_DIST).
std::string made(const char* name) {
    const char* f = std::getenv(name);
    if (!f || !*f) throw std::runtime_error(std::string(name) + " is not set: run the tests with make test");
    return f;
}

// The suite runs when make test built the static binary: a SANITIZE= run builds none (its
// runtimes are shared libraries), and then the suite says it skipped.
boost::test_tools::assertion_result a_static_build(boost::unit_test::test_unit_id) {
    const char* f = std::getenv("APIVIDEO_WATCH_STATIC");
    boost::test_tools::assertion_result given(f && *f);
    given.message() << "APIVIDEO_WATCH_STATIC names no binary (make test SANITIZE=… builds none)";
    return given;
}

// The name the TLS stand-in's certificate carries beside 127.0.0.1, resolved by the
// jail's /etc/hosts alone.
const char* const kApiName = "api.watch.test";

std::string with_host(const std::string& url, const std::string& host) {
    return std::regex_replace(url, std::regex("//127\\.0\\.0\\.1:"), "//" + host + ":");
}

// A root folder that holds the static binary (/apivideo-watch) and what a test adds.
struct Jail {
    TempDir root;

    Jail() {
        BOOST_TEST_REQUIRE(geteuid() == 0, "the static build's tests chroot: run them as root (make test does)");
        copy_file(made("APIVIDEO_WATCH_STATIC"), root.file("apivideo-watch"), 0755);
    }

    void add(const std::string& path, const std::string& content) const {
        std::string at = root.path();
        for (size_t slash = path.find('/', 1); slash != std::string::npos; slash = path.find('/', slash + 1)) {
            mkdir((at + path.substr(0, slash)).c_str(), 0755);
        }
        write_file(at + path, content);
    }

    struct Ran {
        int status = -1;
        std::string out, err;
    };
    // The binary run inside, with `env` as its whole environment.
    Ran run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env) const {
        TempDir io;
        std::vector<std::string> argv = {"/usr/bin/env", "-i"};
        for (const auto& [k, v] : env) argv.push_back(k + "=" + v);
        argv.insert(argv.end(), {"/usr/sbin/chroot", root.path(), "/apivideo-watch"});
        argv.insert(argv.end(), args.begin(), args.end());
        Process::Options o;
        o.stdout_path = io.file("out");
        o.stderr_path = io.file("err");
        Process p(argv, o);
        int st = p.wait(30000);
        Ran r;
        r.status = st == -1 ? -1 : WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        r.out = read_file(io.file("out"));
        r.err = read_file(io.file("err"));
        return r;
    }

    // The page for the private fixture from the shell (--query).
    Ran query(const std::map<std::string, std::string>& env) const {
        return run({"--query", std::string("id=") + kPrivateVideo}, env);
    }
};

std::map<std::string, std::string> settings(const std::string& api, std::map<std::string, std::string> more = {}) {
    more.insert({{"APIVIDEO_API_KEY", kKey}, {"APIVIDEO_API_URL", api}});
    return more;
}

bool page_with_session(const Jail::Ran& r) {
    return r.out.rfind("Status: 200 OK\r\n", 0) == 0 && r.out.find("avh=") != std::string::npos;
}

// A TLS stand-in whose certificate names 127.0.0.1 and kApiName, from the CA in ca/.
struct TlsStandin {
    TempDir ca;
    std::unique_ptr<Standin> standin;
    explicit TlsStandin(const std::string& names = std::string("IP:127.0.0.1,DNS:") + kApiName) {
        make_certificates(ca, names);
        Standin::Options o;
        o.tls_cert = ca.file("server.pem");
        o.tls_key = ca.file("server.key");
        standin = std::make_unique<Standin>(o);
    }
    std::string ca_pem() const { return read_file(ca.file("ca.pem")); }
    // The CA's file name in an OpenSSL hashed folder.
    std::string hashed_name() const {
        std::string out;
        if (testing::run({"/usr/bin/openssl", "x509", "-noout", "-subject_hash", "-in", ca.file("ca.pem")}, &out) !=
            0) {
            throw std::runtime_error("openssl x509 -subject_hash failed: " + out);
        }
        return out.substr(0, out.find('\n')) + ".0";
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(static_tests, *boost::unit_test::precondition(a_static_build))

BOOST_AUTO_TEST_CASE(the_binary_needs_no_shared_library_and_fits_in_16_mib) {
    const std::string bin = made("APIVIDEO_WATCH_STATIC");
    std::string out;
    run({"/usr/bin/ldd", bin}, &out);
    BOOST_TEST(out.find("not a dynamic executable") != std::string::npos, out);
    struct stat st {};
    BOOST_REQUIRE(stat(bin.c_str(), &st) == 0);
    BOOST_TEST(st.st_size <= 16 * 1024 * 1024, st.st_size << " bytes");
}

BOOST_AUTO_TEST_CASE(alone_in_an_empty_chroot_it_answers_a_page_as_cgi) {
    Jail jail;
    shared_standin().reset();
    auto env = settings(shared_standin().api());
    for (auto [k, v] : watch_params(std::string("id=") + kPrivateVideo)) env[k] = v;
    Jail::Ran r = jail.run({}, env);
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(page_with_session(r), r.out.substr(0, 300) << r.err);
    BOOST_TEST(shared_standin().video_reads() == 1u);
}

BOOST_AUTO_TEST_CASE(alone_in_an_empty_chroot_it_answers_a_page_from_the_shell) {
    Jail jail;
    Jail::Ran r = jail.query(settings(shared_standin().api()));
    BOOST_TEST(r.status == 0, r.err);
    BOOST_TEST(page_with_session(r), r.out.substr(0, 300) << r.err);
}

// spawn-fcgi chroots into the jail (-c), binds the socket there and starts the binary on it.
BOOST_AUTO_TEST_CASE(alone_in_an_empty_chroot_it_answers_a_page_as_fastcgi) {
    Jail jail;
    TempDir logs;
    std::vector<std::string> argv = {"/usr/bin/env", "-i"};
    for (const auto& [k, v] : settings(shared_standin().api())) argv.push_back(k + "=" + v);
    argv.insert(argv.end(),
                {"/usr/bin/spawn-fcgi", "-n", "-c", jail.root.path(), "-s", "/watch.sock", "--", "/apivideo-watch"});
    Process::Options o;
    o.stderr_path = logs.file("handler.log");
    Process handler(argv, o);
    const std::string socket = jail.root.file("watch.sock");
    BOOST_REQUIRE_MESSAGE(wait_for_unix_socket(socket, 10000), read_file(o.stderr_path));
    FastCgiConnection c(socket);
    FastCgiConnection::Answer a = c.get(std::string("id=") + kPrivateVideo);
    BOOST_TEST(a.status() == 200, a.out.substr(0, 300) << read_file(o.stderr_path));
    BOOST_TEST(a.out.find("avh=") != std::string::npos);
    // A second page on the same connection: the process serves on.
    BOOST_TEST(c.get(std::string("id=") + kPublicVideo).status() == 200);
}

// c-ares reads /etc/hosts itself, with no nsswitch.conf to say so.
BOOST_AUTO_TEST_CASE(names_resolve_from_etc_hosts_with_no_nsswitch_conf) {
    TlsStandin tls;
    Jail jail;
    jail.add("/etc/hosts", std::string("127.0.0.1 ") + kApiName + "\n");
    jail.add("/etc/ssl/certs/ca-certificates.crt", tls.ca_pem());
    BOOST_REQUIRE(access(jail.root.file("etc/nsswitch.conf").c_str(), F_OK) != 0);
    Jail::Ran r = jail.query(settings(with_host(tls.standin->api(), kApiName)));
    BOOST_TEST(page_with_session(r), r.out.substr(0, 300) << r.err);
    // Without the line, the name is unknown: it was /etc/hosts that answered.
    jail.add("/etc/hosts", "");
    r = jail.query(settings(with_host(tls.standin->api(), kApiName)));
    BOOST_TEST(r.out.rfind("Status: 502", 0) == 0u, r.out.substr(0, 300));
    BOOST_TEST(r.err.find("unreachable") != std::string::npos, r.err);
}

// A host's nsswitch.conf names modules built for its own glibc (RHEL's "hosts: files dns
// myhostname", sssd's "sss"): glibc's getaddrinfo in a static program would dlopen them into
// a process that already has a C library. c-ares never loads one. This module ends the
// process the moment it is loaded.
BOOST_AUTO_TEST_CASE(a_module_the_hosts_nsswitch_conf_names_is_never_loaded) {
    TlsStandin tls;
    Jail jail;
    jail.add("/etc/nsswitch.conf", "hosts: foreign files dns\n");
    jail.add("/etc/hosts", std::string("127.0.0.1 ") + kApiName + "\n");
    jail.add("/etc/ssl/certs/ca-certificates.crt", tls.ca_pem());
    jail.add("/lib/x86_64-linux-gnu/module.c",
             "__attribute__((constructor)) static void loaded(void) { __builtin_trap(); }\n");
    std::string out;
    BOOST_REQUIRE_MESSAGE(run({"/usr/bin/gcc", "-shared", "-fPIC", "-nostdlib", "-o",
                               jail.root.file("lib/x86_64-linux-gnu/libnss_foreign.so.2"),
                               jail.root.file("lib/x86_64-linux-gnu/module.c")},
                              &out) == 0,
                          out);
    Jail::Ran r = jail.query(settings(with_host(tls.standin->api(), kApiName)));
    BOOST_TEST(r.status == 0, r.status << ": " << r.err);
    BOOST_TEST(page_with_session(r), r.out.substr(0, 300) << r.err);
}

// Where Debian, RHEL and AlmaLinux, Alpine and FreeBSD keep their CA certificates, bundles
// and hashed folders: each alone in the jail is what the binary trusts.
BOOST_AUTO_TEST_CASE(tls_verifies_with_the_ca_certificates_where_each_kind_of_host_keeps_them) {
    TlsStandin tls;
    const std::string hashed = tls.hashed_name();
    const std::vector<std::pair<std::string, std::string>> places = {
        {"Debian, Ubuntu, Alpine", "/etc/ssl/certs/ca-certificates.crt"},
        {"Debian's hashed folder, FreeBSD", "/etc/ssl/certs/" + hashed},
        {"RHEL, AlmaLinux, CloudLinux", "/etc/pki/tls/certs/ca-bundle.crt"},
        {"RHEL 7 and later", "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem"},
        {"RHEL 9's hashed folder", "/etc/pki/ca-trust/extracted/pem/directory-hash/" + hashed},
        {"Alpine, FreeBSD", "/etc/ssl/cert.pem"},
        {"FreeBSD's ca_root_nss", "/usr/local/share/certs/ca-root-nss.crt"},
        {"FreeBSD", "/usr/local/etc/ssl/cert.pem"},
        {"openSUSE", "/etc/ssl/ca-bundle.pem"},
    };
    for (const auto& [whose, path] : places) {
        Jail jail;
        jail.add(path, tls.ca_pem());
        Jail::Ran r = jail.query(settings(tls.standin->api()));
        BOOST_TEST(page_with_session(r), whose << " (" << path << "): " << r.out.substr(0, 200) << r.err);
        Jail::Ran check = jail.run({"--check"}, settings(tls.standin->api()));
        std::string dir = path.substr(0, path.rfind('/'));
        bool folder = path.compare(path.size() - hashed.size(), hashed.size(), hashed) == 0;
        const std::string trust =
            folder ? "the hashed folder " + dir + "\n" : "the file " + path + " (1 certificate)\n";
        BOOST_TEST(check.out.find("trusted CA certificates: " + trust) != std::string::npos,
                   whose << ": " << check.out);
    }
}

// Nothing on the host: the certificates built in, which do not include the test's CA.
BOOST_AUTO_TEST_CASE(an_empty_root_trusts_the_certificates_built_in_and_refuses_the_test_ca) {
    TlsStandin tls;
    Jail jail;
    Jail::Ran check = jail.run({"--check"}, settings(tls.standin->api()));
    BOOST_TEST(check.status == 0, check.err);
    std::smatch m;
    BOOST_TEST_REQUIRE(std::regex_search(check.out, m,
                                         std::regex("trusted CA certificates: the (\\d+) certificates built in, from "
                                                    "Debian's ca-certificates (\\d{8})\\S*\n")),
                       check.out);
    BOOST_TEST(std::stoi(m[1]) >= 100, m[1]);
    Jail::Ran version = jail.run({"--version"}, {});
    BOOST_TEST(version.out.find("CA certificates built in: " + m[1].str() + ", from Debian's ca-certificates " +
                                m[2].str()) != std::string::npos,
               version.out);
    std::string date = m[2].str().substr(0, 4) + "-" + m[2].str().substr(4, 2) + "-" + m[2].str().substr(6, 2);
    BOOST_TEST(version.out.find("(" + date + ")\n") != std::string::npos, version.out);

    Jail::Ran r = jail.query(settings(tls.standin->api()));
    BOOST_TEST(r.out.rfind("Status: 502", 0) == 0u, r.out.substr(0, 300));
    BOOST_TEST(r.err.find("step=video") != std::string::npos, r.err);
    BOOST_TEST(r.err.find("tls: ") != std::string::npos, r.err);
}

BOOST_AUTO_TEST_CASE(a_certificate_that_does_not_verify_is_refused) {
    TlsStandin tls;
    TempDir other;
    make_certificates(other);
    {
        // The host trusts another CA.
        Jail jail;
        jail.add("/etc/ssl/certs/ca-certificates.crt", read_file(other.file("ca.pem")));
        Jail::Ran r = jail.query(settings(tls.standin->api()));
        BOOST_TEST(r.out.rfind("Status: 502", 0) == 0u, r.out.substr(0, 300));
        BOOST_TEST(r.err.find("tls: ") != std::string::npos, r.err);
    }
    {
        // The CA is trusted, the certificate names another host.
        TlsStandin elsewhere("DNS:api.example.test");
        Jail jail;
        jail.add("/etc/ssl/certs/ca-certificates.crt", elsewhere.ca_pem());
        Jail::Ran r = jail.query(settings(elsewhere.standin->api()));
        BOOST_TEST(r.out.rfind("Status: 502", 0) == 0u, r.out.substr(0, 300));
        BOOST_TEST(r.err.find("tls: ") != std::string::npos, r.err);
    }
}

BOOST_AUTO_TEST_CASE(apivideo_ca_trust_overrides_the_hosts_certificates) {
    TlsStandin tls;
    TempDir other;
    make_certificates(other);
    Jail jail;
    jail.add("/etc/ssl/certs/ca-certificates.crt", read_file(other.file("ca.pem")));
    jail.add("/srv/ca.pem", tls.ca_pem());
    BOOST_TEST(jail.query(settings(tls.standin->api())).out.rfind("Status: 502", 0) == 0u);
    Jail::Ran r = jail.query(settings(tls.standin->api(), {{"APIVIDEO_CA_TRUST", "/srv/ca.pem"}}));
    BOOST_TEST(page_with_session(r), r.out.substr(0, 300) << r.err);
    // builtin: the host's are ignored, trusted or not.
    jail.add("/etc/ssl/certs/ca-certificates.crt", tls.ca_pem());
    BOOST_TEST(page_with_session(jail.query(settings(tls.standin->api()))));
    r = jail.query(settings(tls.standin->api(), {{"APIVIDEO_CA_TRUST", "builtin"}}));
    BOOST_TEST(r.out.rfind("Status: 502", 0) == 0u, r.out.substr(0, 300));
}

// The README's shared-hosting recipe, as written: make dist's archive unpacked, its upload/
// folder put into the site, the key file set in its .htaccess; Apache (mod_cgid) runs the
// program from there with nothing but what .htaccess may set.
BOOST_AUTO_TEST_CASE(apache_runs_it_from_a_users_htaccess_folder_unpacked_from_the_archive) {
    TempDir dir;
    std::string out, archive = made("APIVIDEO_WATCH_DIST");
    BOOST_REQUIRE_MESSAGE(run({"/usr/bin/tar", "-xzf", archive, "-C", dir.path()}, &out) == 0, out);
    // apivideo-watch-<version>-linux-x86_64.tar.gz holds one folder of its name.
    std::string name = archive.substr(archive.rfind('/') + 1);
    const std::string unpacked = dir.file(name.substr(0, name.size() - std::string(".tar.gz").size()));
    BOOST_TEST(run({"/bin/sh", "-c",
                    "cd '" + archive.substr(0, archive.rfind('/')) + "' && sha256sum -c --quiet '" + name + ".sha256'"},
                   &out) == 0,
               out);
    BOOST_TEST(run({"/bin/sh", "-c", "cd '" + unpacked + "' && sha256sum -c --quiet SHA256SUMS"}, &out) == 0, out);

    shared_standin().reset();
    shared_standin().knobs("");
    mkdir(dir.file("private").c_str(), 0755);
    std::string key = dir.file("private/apivideo-api-key");
    write_file(key, std::string(kKey) + "\n");
    give_to_group(key, "www-data", 0640);

    Apache::Options o;
    o.docroot_allow_override = "FileInfo Options=ExecCGI";
    Apache apache(dir, o);
    std::string site = apache.docroot() + "/video";
    BOOST_REQUIRE(run({"/bin/cp", "-a", unpacked + "/upload", site}, &out) == 0);
    std::string htaccess = read_file(site + "/.htaccess");
    htaccess = must_replace(htaccess, "SetEnv APIVIDEO_API_KEY_FILE /home/USER/private/apivideo-api-key",
                            "SetEnv APIVIDEO_API_KEY_FILE " + key);
    // The test's own step: api.video is the stand-in.
    htaccess = must_replace(htaccess, "# SetEnv APIVIDEO_API_URL https://sandbox.api.video",
                            "SetEnv APIVIDEO_API_URL " + shared_standin().api());
    write_file(site + "/.htaccess", htaccess);
    BOOST_TEST((read_file(site + "/apivideo-watch.cgi") == read_file(made("APIVIDEO_WATCH_STATIC"))),
               "upload/apivideo-watch.cgi is not make static's binary");

    expect_page_plays(apache.url("/video/watch?id=") + kPrivateVideo, " (the static build from .htaccess)");
    BOOST_TEST(apache.alarms().empty());
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
