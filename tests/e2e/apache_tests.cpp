// End-to-end tier, Apache: Debian's apache2 started for real from a generated httpd.conf,
// with the project's recipes in it: examples/apache/apivideo-watch.conf (mod_fcgid) and
// examples/apache/htaccess (plain CGI, as on shared hosting), the stand-in behind them.
#include <boost/test/unit_test.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <future>
#include <regex>
#include <sstream>

#include "tests/support/apache.h"
#include "tests/support/http.h"
#include "tests/support/servers.h"
#include "tests/support/staging.h"
#include "tests/support/standin.h"
#include "tests/support/visitor.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

// The key in a file only root and the web server's group may read, outside the web root.
std::string write_key_file(const TempDir& dir) {
    mkdir(dir.file("private").c_str(), 0755);
    std::string path = dir.file("private/apivideo-api-key");
    write_file(path, std::string(kKey) + "\n");
    give_to_group(path, "www-data", 0640);
    return path;
}

// Apache + mod_fcgid + the handler, from examples/apache/apivideo-watch.conf with its
// paths replaced; `extra` is appended (test-only settings).
struct FcgidSite {
    TempDir dir;
    std::string handler = staged_handler(dir);  // mod_fcgid runs it as www-data
    std::string ipc_dir = dir.file("fcgid-sock");
    std::unique_ptr<Apache> apache;

    explicit FcgidSite(const std::string& extra = "", const std::string& timeout_ms = "5000") {
        standin().reset();
        standin().knobs("");
        std::string key = write_key_file(dir);

        std::string site = read_file(repo_root() + "/examples/apache/apivideo-watch.conf");
        site = must_replace(site, "FcgidInitialEnv APIVIDEO_API_KEY_FILE /etc/apivideo-watch/api-key",
                            "FcgidInitialEnv APIVIDEO_API_KEY_FILE " + key);
        site = must_replace(site, "# FcgidInitialEnv APIVIDEO_API_URL https://sandbox.api.video",
                            "FcgidInitialEnv APIVIDEO_API_URL " + standin().api());
        site = must_replace(site, "FcgidIPCDir /var/lib/apache2/fcgid/sock", "FcgidIPCDir " + ipc_dir);
        site = must_replace(site, "FcgidInitialEnv APIVIDEO_TIMEOUT_MS 5000",
                            "FcgidInitialEnv APIVIDEO_TIMEOUT_MS " + timeout_ms);
        site = must_replace(site, "Alias /watch /usr/local/bin/apivideo-watch", "Alias /watch " + handler);
        site = must_replace(site, "<Directory /usr/local/bin>", "<Directory " + dir.file("bin") + ">");
        Apache::Options o;
        o.site = site + extra;
        apache = std::make_unique<Apache>(dir, o);
    }
    std::string watch(const std::string& query) const { return apache->url("/watch?" + query); }
};

struct FcgidSiteLoggingRequests : FcgidSite {
    FcgidSiteLoggingRequests() : FcgidSite("FcgidInitialEnv WATCH_LOG requests\n") {}
};

// The example's FcgidIOTimeout, with a handler budget short enough to run out in a test.
struct FcgidSiteWithShortBudget : FcgidSite {
    FcgidSiteWithShortBudget() : FcgidSite("", "1000") {}
};

// examples/apache/htaccess saved as .htaccess in a DocumentRoot whose AllowOverride is
// `allow_override`, with the binary beside it as apivideo-watch.cgi.
struct CgiSite {
    TempDir dir;
    std::string handler;
    std::unique_ptr<Apache> apache;

    // "FileInfo Options=ExecCGI" is the narrowest that works: Options needs Options=ExecCGI,
    // AddHandler, SetEnv and the Rewrite lines need FileInfo (see the test below).
    explicit CgiSite(const std::string& allow_override = "FileInfo Options=ExecCGI", const std::string& extra = "") {
        standin().reset();
        standin().knobs("");
        std::string key = write_key_file(dir);
        Apache::Options o;
        o.docroot_allow_override = allow_override;
        apache = std::make_unique<Apache>(dir, o);

        handler = staged_handler(apache->docroot() + "/apivideo-watch.cgi");
        std::string htaccess = read_file(repo_root() + "/examples/apache/htaccess");
        htaccess = must_replace(htaccess, "SetEnv APIVIDEO_API_KEY_FILE /home/USER/private/apivideo-api-key",
                                "SetEnv APIVIDEO_API_KEY_FILE " + key);
        htaccess = must_replace(htaccess, "# SetEnv APIVIDEO_API_URL https://sandbox.api.video",
                                "SetEnv APIVIDEO_API_URL " + standin().api());
        write_file(apache->docroot() + "/.htaccess", htaccess + extra);
    }
    std::string watch(const std::string& query) const { return apache->url("/watch?" + query); }
};

struct CgiSiteLoggingRequests : CgiSite {
    CgiSiteLoggingRequests() : CgiSite("FileInfo Options=ExecCGI", "SetEnv WATCH_LOG requests\n") {}
};

std::string id_query(const char* id) { return std::string("id=") + id; }

// A log line of the handler for `status` and `id`, whatever the server put before it
// (mod_fcgid: "… mod_fcgid: stderr: "; mod_cgid: nothing).
bool logged(const std::string& log, int status, const std::string& id) {
    std::regex line("apivideo-watch: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\S* " + std::to_string(status) +
                    " id=" + id + " step=\\S+ ms=\\d+");
    return std::regex_search(log, line);
}

template <typename Site>
void errors_responded_and_logged(const Site& site) {
    BOOST_TEST(http_get(site.watch("id=nope")).status == 400);
    BOOST_TEST(standin().requests().empty());  // a bad id costs no upstream call
    BOOST_TEST(http_get(site.watch(id_query(kUnknownVideo))).status == 404);
    std::string log = site.apache->error_log();
    BOOST_TEST(logged(log, 404, kUnknownVideo), log);
    BOOST_TEST(log.find(kKey) == std::string::npos);
    // Default logging: failures only.
    BOOST_TEST(http_get(site.watch(id_query(kPublicVideo))).status == 200);
    BOOST_TEST(!logged(site.apache->error_log(), 200, kPublicVideo));
    BOOST_TEST(site.apache->alarms().empty());
}

template <typename Site>
void requests_logged(const Site& site) {
    BOOST_TEST(http_get(site.watch(id_query(kPrivateVideo))).status == 200);
    std::string log = site.apache->error_log();
    BOOST_TEST(logged(log, 200, kPrivateVideo), log);
    BOOST_TEST(std::regex_search(log, std::regex(std::string("200 id=") + kPrivateVideo +
                                                 " step=\\S+ ms=\\d+ video_ms=\\d+ session_ms=\\d+")),
               log);
}

// Waits up to `timeout_ms` until no process runs `path`.
bool none_left(const std::string& path, int timeout_ms) {
    return wait_until([&] { return processes_running(path).empty(); }, timeout_ms);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(apache_tests)

// --- Apache + mod_fcgid (examples/apache/apivideo-watch.conf) ---

BOOST_FIXTURE_TEST_CASE(fcgid_page_and_every_asset_load, FcgidSite) {
    expect_page_plays(watch(id_query(kPrivateVideo)));
    // mod_fcgid started the handler itself, as the Apache user.
    auto pids = processes_running(handler);
    BOOST_REQUIRE(!pids.empty());
    struct stat st {};
    BOOST_REQUIRE(stat(("/proc/" + std::to_string(pids[0])).c_str(), &st) == 0);
    if (geteuid() == 0) BOOST_TEST(st.st_uid == getpwnam("www-data")->pw_uid);
}

BOOST_FIXTURE_TEST_CASE(fcgid_bad_id_400_unknown_id_404_and_the_failure_in_the_error_log, FcgidSite) {
    errors_responded_and_logged(*this);
    BOOST_TEST(apache->error_log().find("mod_fcgid: stderr: apivideo-watch: ") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(fcgid_logs_every_request_with_watch_log_requests, FcgidSiteLoggingRequests) {
    requests_logged(*this);
}

BOOST_FIXTURE_TEST_CASE(fcgid_slow_api_video_gets_the_handlers_504_not_mod_fcgids_500, FcgidSiteWithShortBudget) {
    // The example keeps FcgidIOTimeout above the handler's two upstream calls.
    std::string example = read_file(repo_root() + "/examples/apache/apivideo-watch.conf");
    std::smatch io, budget;
    BOOST_REQUIRE(std::regex_search(example, io, std::regex("\nFcgidIOTimeout (\\d+)")));
    BOOST_REQUIRE(std::regex_search(example, budget, std::regex("\nFcgidInitialEnv APIVIDEO_TIMEOUT_MS (\\d+)")));
    BOOST_TEST(std::stol(io[1]) * 1000 > 2 * std::stol(budget[1]));

    standin().knobs(R"({"rules":[{"host":"api","path":"^/videos/","action":{"delay_ms":2500}}]})");
    HttpReply r = http_get(watch(id_query(kPrivateVideo)));
    standin().knobs("");
    BOOST_TEST(r.status == 504, r.body);
    BOOST_TEST(r.body.find("<!DOCTYPE html>") == 0u);  // the handler's page
    BOOST_TEST(apache->error_log().find("read data timeout") == std::string::npos);
    BOOST_TEST(logged(apache->error_log(), 504, kPrivateVideo), apache->error_log());
}

BOOST_FIXTURE_TEST_CASE(fcgid_socket_is_reachable_by_apache_only, FcgidSite) {
    BOOST_REQUIRE(http_get(watch(id_query(kPublicVideo))).status == 200);
    struct stat d {};
    BOOST_REQUIRE(stat(ipc_dir.c_str(), &d) == 0);
    BOOST_TEST((d.st_mode & 0077) == 0u, "FcgidIPCDir mode " << std::oct << (d.st_mode & 07777));
    std::string out;
    BOOST_REQUIRE(run({"/usr/bin/find", ipc_dir, "-type", "s", "-printf", "%m %u\n"}, &out) == 0);
    BOOST_TEST(!out.empty(), "no socket in " << ipc_dir);
    std::istringstream sockets(out);
    for (std::string mode, user; sockets >> mode >> user;) {
        BOOST_TEST((std::stoi(mode, nullptr, 8) & 0077) == 0, "socket mode " << mode);
        if (geteuid() == 0) BOOST_TEST(user == "www-data");
    }
}

BOOST_FIXTURE_TEST_CASE(fcgid_stopping_apache_sends_sigterm_and_the_handler_exits_0, FcgidSite) {
    BOOST_REQUIRE(http_get(watch(id_query(kPrivateVideo))).status == 200);
    auto pids = processes_running(handler);
    BOOST_REQUIRE(!pids.empty());

    int status = apache->stop(15000);
    BOOST_REQUIRE(status != -1);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(none_left(handler, 5000), "a handler process outlived Apache");
    // mod_fcgid's process manager sends SIGTERM on shutdown (SIGKILL only if that does not
    // work) and says how each process ended: by exit(0), not by a signal.
    std::string log = apache->error_log();
    for (pid_t pid : pids) {
        BOOST_TEST(log.find(handler + "(" + std::to_string(pid) +
                            ") exit(shutting down), terminated by calling exit(), return code: 0") != std::string::npos,
                   log);
    }
    BOOST_TEST(log.find("get stop signal") == std::string::npos, log);
    BOOST_TEST(apache->alarms().empty());
}

// --- Apache + plain CGI from .htaccess (examples/apache/htaccess) ---

BOOST_FIXTURE_TEST_CASE(cgi_page_and_every_asset_load, CgiSite) { expect_page_plays(watch(id_query(kPrivateVideo))); }

BOOST_FIXTURE_TEST_CASE(cgi_bad_id_400_unknown_id_404_and_the_failure_in_the_error_log, CgiSite) {
    errors_responded_and_logged(*this);
}

BOOST_FIXTURE_TEST_CASE(cgi_logs_every_request_with_watch_log_requests, CgiSiteLoggingRequests) {
    requests_logged(*this);
}

BOOST_FIXTURE_TEST_CASE(cgi_stopping_apache_mid_request_leaves_no_handler_process, CgiSite) {
    standin().knobs(R"({"rules":[{"host":"api","path":"^/videos/","action":{"delay_ms":1500}}]})");
    auto inflight = std::async(std::launch::async, [&] { return http_get(watch(id_query(kPrivateVideo))).status; });
    // The request is in the handler.
    BOOST_REQUIRE(wait_until([&] { return !processes_running(handler).empty(); }, 3000));
    int status = apache->stop(15000);
    BOOST_REQUIRE(status != -1);
    BOOST_TEST(WIFEXITED(status));
    inflight.wait();
    BOOST_TEST(none_left(handler, 5000), "a CGI process outlived Apache");
    standin().knobs("");
}

// The .htaccess needs both halves of "AllowOverride FileInfo Options=ExecCGI", as its
// comment tells hosting customers: without either, Apache refuses the file.
BOOST_AUTO_TEST_CASE(cgi_htaccess_needs_fileinfo_and_options_execcgi) {
    {
        CgiSite site("FileInfo");
        BOOST_TEST(http_get(site.watch(id_query(kPublicVideo))).status == 500);
        BOOST_TEST(site.apache->error_log().find("Options not allowed here") != std::string::npos);
    }
    {
        CgiSite site("Options=ExecCGI");
        BOOST_TEST(http_get(site.watch(id_query(kPublicVideo))).status == 500);
        BOOST_TEST(site.apache->error_log().find("AddHandler not allowed here") != std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
