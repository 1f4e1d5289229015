// End-to-end tier, the Debian package (`make deb`, debian/): installed with dpkg -i into
// this machine (the tests run as root), checked as its user would check it, then purged.
// No systemd runs here: the installed units are checked offline (systemd-analyze verify)
// and started as they describe it by systemd-socket-activate (tests/support/systemd.*),
// behind nginx with the installed snippet. The cases run in order: install, use, purge.
#include <boost/test/unit_test.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include "tests/support/browser.h"
#include "tests/support/http.h"
#include "tests/support/servers.h"
#include "tests/support/staging.h"
#include "tests/support/standin.h"
#include "tests/support/systemd.h"
#include "tests/support/visitor.h"

using namespace testing;

namespace {

const char* const kPackage = "apivideo-watch";
const std::string kUnits = "/lib/systemd/system/";
const std::string kSnippet = "/etc/nginx/snippets/apivideo-watch.conf";
// Read by Debian's nginx inside http { } (include /etc/nginx/conf.d/*.conf).
const std::string kUpstream = "/etc/nginx/conf.d/apivideo-watch-upstream.conf";
// The service's StateDirectory=, as systemd makes it for a DynamicUser= service: the
// folder below private/, and the path $STATE_DIRECTORY names, a symlink to it.
const std::string kStateFolder = "/var/lib/private/apivideo-watch";
const std::string kStateDirectory = "/var/lib/apivideo-watch";

// The package make test built (APIVIDEO_WATCH_DEB), "" for none.
std::string given_package() {
    const char* f = std::getenv("APIVIDEO_WATCH_DEB");
    return f ? f : "";
}

std::string deb_file() {
    std::string f = given_package();
    if (f.empty()) throw std::runtime_error("APIVIDEO_WATCH_DEB is not set: run the tests with make test");
    return f;
}

// The suite runs when there is a package to install: make test builds one, a SANITIZE=
// run none (the package is the same either way), and then the suite says it skipped.
boost::test_tools::assertion_result a_package_to_install(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result given(!given_package().empty());
    given.message() << "APIVIDEO_WATCH_DEB names no package (make test SANITIZE=… builds none)";
    return given;
}

// A command's output without its last line's end; throws when it fails.
std::string output_of(const std::vector<std::string>& argv) {
    std::string out;
    if (run(argv, &out) != 0) throw std::runtime_error(argv[0] + " failed: " + out);
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

bool exists(const std::string& path) {
    struct stat st {};
    return lstat(path.c_str(), &st) == 0;
}

std::string package_status() {
    std::string out;
    run({"/usr/bin/dpkg-query", "-W", "-f=${Status}", kPackage}, &out);
    return out;
}

// Every path the package holds ("/usr/bin/apivideo-watch", …), from the .deb itself.
std::vector<std::string> package_paths() {
    std::vector<std::string> out;
    for (std::string line :
         lines_of(output_of({"/bin/sh", "-c", "dpkg-deb --fsys-tarfile \"$0\" | tar -t", deb_file()}))) {
        if (line.rfind("./", 0) == 0) line.erase(0, 1);
        while (line.size() > 1 && line.back() == '/') line.pop_back();
        if (line != "/") out.push_back(line);
    }
    return out;
}

// Paths under the folders a package and its maintainer scripts write to, whose name says
// apivideo-watch: what a purge must leave none of.
std::vector<std::string> traces() {
    return lines_of(output_of({"/bin/sh", "-c",
                               "find /etc /lib/systemd /usr/lib/systemd /var/lib/systemd /usr/bin /usr/share "
                               "/var/lib/dpkg/info /run -name '*apivideo-watch*' 2>/dev/null; true"}));
}

// What the suite did to the machine, so that its end undoes exactly that.
struct Machine {
    bool installed_by_us = false;
    std::set<std::string> there_before;  // the package's paths that existed before it came
    std::string run_dir;                 // the socket's folder the test made
    bool state_made = false;             // the test made the state folder (systemd's part)
};
Machine& machine() {
    static Machine m;
    return m;
}

// Whatever a failed case left: the package purged, the socket's folder removed.
struct Cleanup {
    Cleanup() = default;
    ~Cleanup() {
        if (machine().installed_by_us) run({"/usr/bin/dpkg", "--purge", kPackage});
        if (!machine().run_dir.empty()) run({"/bin/rm", "-rf", machine().run_dir});
        if (machine().state_made) run({"/bin/rm", "-rf", kStateDirectory, kStateFolder});
    }
};

void require_installed_by_us() {
    BOOST_TEST_REQUIRE(machine().installed_by_us, "the package was not installed by this run");
}

std::string unit(const std::string& name) { return read_file(kUnits + name); }

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(deb_tests,
                      *boost::unit_test::precondition(a_package_to_install) * boost::unit_test::fixture<Cleanup>())

BOOST_AUTO_TEST_CASE(the_package_is_lintian_clean) {
    std::string out;
    // Errors and warnings fail; each override in debian/ says why it is there.
    int rc = run({"/usr/bin/lintian", "--fail-on", "error,warning", deb_file()}, &out);
    BOOST_TEST(rc == 0, out);
    BOOST_TEST(out.find("E: ") == std::string::npos, out);
    BOOST_TEST(out.find("W: ") == std::string::npos, out);
}

BOOST_AUTO_TEST_CASE(dpkg_installs_it_with_everything_in_its_place) {
    // A machine where it is installed already is someone's: the suite leaves it alone.
    BOOST_TEST_REQUIRE(package_status().find("installed") == std::string::npos,
                       "apivideo-watch is installed on this machine; the package test installs and purges it: "
                       "run it where it is not installed");
    for (const std::string& p : package_paths()) {
        if (exists(p)) machine().there_before.insert(p);
    }
    std::string out;
    int rc = run({"/usr/bin/dpkg", "-i", deb_file()}, &out);
    machine().installed_by_us = rc == 0 || package_status().find("installed") != std::string::npos;
    BOOST_TEST_REQUIRE(rc == 0, out);
    BOOST_TEST(package_status() == "install ok installed");

    // The version is the package's, from the one home both take it from.
    std::string version = output_of({"/usr/bin/dpkg-deb", "-f", deb_file(), "Version"});
    BOOST_TEST(output_of({"/usr/bin/apivideo-watch", "--version"}) == "apivideo-watch " + version);
    std::string deps = output_of({"/usr/bin/dpkg-deb", "-f", deb_file(), "Depends"});
    BOOST_TEST(deps.find("libcurl4") != std::string::npos, deps);  // from ${shlibs:Depends}
    BOOST_TEST(deps.find("libssl3") != std::string::npos, deps);
    // libfcgi is a build dependency only (its fastcgi.h): nothing of it is linked.
    BOOST_TEST(deps.find("libfcgi") == std::string::npos, deps);

    BOOST_TEST(exists("/usr/share/man/man1/apivideo-watch.1.gz"));
    for (const char* t : {"player-videojs.html", "player-hlsjs.html", "player-native.html", "player-embed.html",
                          "error.html", "_style.html", "_with-session.html"}) {
        BOOST_TEST(
            read_file(std::string("/usr/share/apivideo-watch/html/") + t) == read_file(repo_root() + "/html/" + t), t);
    }
    // The player scripts are the pinned ones (what tools/stage-player takes from npm ci).
    TempDir pinned;
    std::string staged = staged_player_scripts(pinned);
    for (const char* f : {"video.js/video.min.js", "video.js/video-js.min.css", "hls.js/hls.min.js"}) {
        std::string installed = read_file(std::string("/usr/share/apivideo-watch/player/") + f);
        BOOST_TEST(!installed.empty(), f);
        BOOST_TEST((installed == read_file(staged + "/" + f)), f);
    }
    BOOST_TEST(read_file("/usr/share/doc/apivideo-watch/examples/nginx.conf.example") ==
               read_file(repo_root() + "/nginx.conf.example"));
    BOOST_TEST(exists("/usr/share/doc/apivideo-watch/copyright"));

    // The key's folder: there, root's only; the key itself is the admin's to put.
    struct stat st {};
    BOOST_TEST_REQUIRE(stat("/etc/apivideo-watch", &st) == 0);
    BOOST_TEST(S_ISDIR(st.st_mode));
    BOOST_TEST((st.st_mode & 07777) == 0700u);
    BOOST_TEST(st.st_uid == 0u);
    BOOST_TEST(!exists("/etc/apivideo-watch/api-key"));
    // The snippet and the upstream are conffiles: an admin's edits survive upgrades.
    std::string conffiles = output_of({"/usr/bin/dpkg-query", "-W", "-f=${Conffiles}", kPackage});
    BOOST_TEST(conffiles.find(kSnippet) != std::string::npos, conffiles);
    BOOST_TEST(conffiles.find(kUpstream) != std::string::npos, conffiles);
}

BOOST_AUTO_TEST_CASE(the_units_are_where_systemd_reads_them_and_only_the_socket_is_enabled) {
    require_installed_by_us();
    std::string socket = unit("apivideo-watch.socket"), service = unit("apivideo-watch.service");
    BOOST_TEST(unit_setting(service, "ExecStart") == "/usr/bin/apivideo-watch");
    BOOST_TEST(unit_setting(socket, "ListenStream") == "/run/apivideo-watch/apivideo-watch.sock");
    // Enabled as `systemctl enable` would (deb-systemd-helper: no systemd needs to run).
    std::string wants = "/etc/systemd/system/sockets.target.wants/apivideo-watch.socket";
    char target[256] = {};
    BOOST_TEST_REQUIRE(readlink(wants.c_str(), target, sizeof target - 1) > 0, wants);
    BOOST_TEST(std::string(target) == kUnits + "apivideo-watch.socket");
    // The service is started by the socket, never by itself.
    std::string enabled_service = output_of({"/bin/sh", "-c", "find /etc/systemd/system -name apivideo-watch.service"});
    BOOST_TEST(enabled_service.empty(), enabled_service);

    std::string out;
    int rc =
        run({"/usr/bin/systemd-analyze", "verify", kUnits + "apivideo-watch.socket", kUnits + "apivideo-watch.service"},
            &out, {{"SYSTEMD_COLORS", "0"}});
    std::string ours;
    for (const std::string& line : lines_of(out)) {
        if (line.find("apivideo-watch") != std::string::npos) ours += line + "\n";
    }
    BOOST_TEST(ours.empty(), ours);
    BOOST_TEST((rc == 0 || !ours.empty()), out);
}

// The three steps of the README on a site: the package, the key in its file, the snippet
// in the site's server { }. The service starts as the units say, on the first request.
BOOST_AUTO_TEST_CASE(the_snippet_serves_a_private_video_and_the_player_from_the_sites_own_origin) {
    require_installed_by_us();
    const Standin& standin = shared_standin();
    standin.reset();
    standin.knobs("");
    UnitsStarted::Units units{unit("apivideo-watch.socket"), unit("apivideo-watch.service"), "", ""};
    units.socket_path = unit_setting(units.socket_unit, "ListenStream");
    units.program = unit_setting(units.service_unit, "ExecStart");
    machine().run_dir = units.socket_path.substr(0, units.socket_path.rfind('/'));
    unlink(units.socket_path.c_str());  // a socket a crashed run left

    // Step 2: the key where LoadCredential= reads it; systemd hands the service a copy.
    std::string credential = unit_setting(units.service_unit, "LoadCredential");
    std::string key_file = credential.substr(credential.find(':') + 1);
    BOOST_TEST(key_file == "/etc/apivideo-watch/api-key");
    write_file(key_file, std::string(kKey) + "\n");
    BOOST_REQUIRE(chmod(key_file.c_str(), 0600) == 0);

    TempDir dir;
    // An admin's drop-in would set the API URL the same way: the stand-in's, here.
    std::string key = read_file(key_file);
    key.erase(key.find_last_not_of("\n") + 1);
    UnitsStarted handler(dir, units, key, {{"APIVIDEO_API_URL", standin.api()}}, "nobody", dir.file("journal.log"));
    auto exe = [&] {
        char target[256] = {};
        ssize_t n =
            readlink(("/proc/" + std::to_string(handler.process().pid()) + "/exe").c_str(), target, sizeof target - 1);
        return n > 0 ? std::string(target, static_cast<size_t>(n)) : std::string();
    };
    BOOST_TEST(exe() != "/usr/bin/apivideo-watch");  // on demand: nothing runs before a request
    machine().state_made = true;
    BOOST_TEST(handler.state_directory() == kStateDirectory);
    BOOST_TEST(handler.state_folder() == kStateFolder);

    // Step 3: the snippet in a site's server { }, nginx's workers as www-data.
    int port = free_port();
    NginxWithConf nginx(dir,
                        "include " + kUpstream + ";\nserver {\n    listen 127.0.0.1:" + std::to_string(port) +
                            ";\n    root " + dir.file("www") + ";\n    include " + kSnippet + ";\n}\n",
                        {port});
    std::string site = "http://127.0.0.1:" + std::to_string(port);
    std::string page_url = site + "/watch?id=" + kPrivateVideo;
    expect_page_plays(page_url, nginx.error_log() + read_file(dir.file("journal.log")));
    BOOST_TEST(exe() == "/usr/bin/apivideo-watch");

    // The site's state is in the service's StateDirectory=: the status the snippet gives
    // this server names it as the store in use, shared; the folder is the service user's.
    HttpReply status = http_get(site + "/watch-status");
    BOOST_TEST(status.status == 200, status.body);
    std::smatch store;
    BOOST_TEST_REQUIRE(std::regex_search(status.body, store, std::regex("\nstate store: lmdb (\\S+) \\(shared\\)\n")),
                       status.body + read_file(dir.file("journal.log")));
    char* named = realpath(store[1].str().c_str(), nullptr);
    BOOST_TEST(std::string(named ? named : "") == kStateFolder, store[1]);
    free(named);
    struct stat st {};
    BOOST_TEST_REQUIRE(lstat(kStateFolder.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 07777) == 0700u);
    BOOST_TEST(st.st_uid == getpwnam("nobody")->pw_uid);
    BOOST_TEST(exists(kStateFolder + "/data.mdb"));

    // The player comes from this site, without integrity="" (there is no hash to check).
    HttpReply page = http_get(page_url);
    BOOST_TEST(page.body.find("<script src=\"/player/video.js/video.min.js\"></script>") != std::string::npos,
               page.body);
    BOOST_TEST(page.body.find("integrity") == std::string::npos);
    HttpReply hls_page = http_get(page_url + "&player=hlsjs");
    BOOST_TEST(hls_page.body.find("<script src=\"/player/hls.js/hls.min.js\"></script>") != std::string::npos,
               hls_page.body);
    for (const char* f : {"video.js/video.min.js", "video.js/video-js.min.css", "hls.js/hls.min.js"}) {
        HttpReply r = http_get(site + "/player/" + f);
        BOOST_TEST(r.status == 200, f << " " << nginx.error_log());
        BOOST_TEST((r.body == read_file(std::string("/usr/share/apivideo-watch/player/") + f)), f);
    }
    // And a browser plays it: video.js loaded from the site, under the page's CSP.
    standin.reset();
    PlayResult played = play_in_browser(page_url);
    BOOST_TEST(played.ok, played);
    BOOST_TEST(played.played == "hls-mse", played);  // VHS, so video.js did load
    BOOST_TEST(played.csp_violations.empty(), played);
}

// Removed, the package leaves its configuration (the snippet, the admin's key); purged,
// nothing: no file, no unit, no enablement, no record.
BOOST_AUTO_TEST_CASE(remove_keeps_the_configuration_and_purge_leaves_nothing_behind) {
    require_installed_by_us();
    std::string out;
    BOOST_TEST_REQUIRE(run({"/usr/bin/dpkg", "--remove", kPackage}, &out) == 0, out);
    BOOST_TEST(!exists("/usr/bin/apivideo-watch"));
    BOOST_TEST(!exists(kUnits + "apivideo-watch.service"));
    BOOST_TEST(exists(kSnippet));
    BOOST_TEST(exists(kUpstream));
    BOOST_TEST(exists("/etc/apivideo-watch/api-key"));
    BOOST_TEST(exists(kStateFolder + "/data.mdb"));  // the site's state, like the key

    BOOST_TEST_REQUIRE(run({"/usr/bin/dpkg", "--purge", kPackage}, &out) == 0, out);
    machine().installed_by_us = false;
    BOOST_TEST(package_status().find("installed") == std::string::npos, package_status());
    run({"/bin/rm", "-rf", machine().run_dir});  // systemd's runtime folder, gone with the socket
    machine().run_dir.clear();
    BOOST_TEST(!exists(kStateDirectory));
    BOOST_TEST(!exists(kStateFolder));
    machine().state_made = false;
    std::vector<std::string> left = traces();
    BOOST_TEST(left.empty(), [&] {
        std::string all;
        for (const auto& l : left) all += l + " ";
        return all;
    }());
    for (const std::string& p : package_paths()) {
        BOOST_TEST(exists(p) == (machine().there_before.count(p) == 1), p);
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
