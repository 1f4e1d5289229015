// End-to-end tier, systemd: examples/systemd/apivideo-watch.{socket,service}. No systemd
// runs as PID 1 here, so the units are checked offline (systemd-analyze verify and
// security --offline), and the hand-over they describe (the listening socket on fd 3,
// LISTEN_FDS=1, LISTEN_PID) is reproduced with systemd-socket-activate, behind the real
// nginx of nginx.conf.example. The handler's stderr file stands in for the journal.
#include <boost/test/unit_test.hpp>

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <map>
#include <regex>
#include <sstream>

#include "tests/support/http.h"
#include "tests/support/servers.h"
#include "tests/support/staging.h"
#include "tests/support/standin.h"
#include "tests/support/systemd.h"
#include "tests/support/visitor.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

std::string socket_unit() { return read_file(repo_root() + "/examples/systemd/apivideo-watch.socket"); }
std::string service_unit() { return read_file(repo_root() + "/examples/systemd/apivideo-watch.service"); }

// The two units in dir/units, ExecStart on a copy of the binary (verify checks that it
// exists), and the man page where `man` finds it (verify runs man for Documentation=).
struct Units {
    TempDir dir;
    std::string socket = dir.file("units/apivideo-watch.socket");
    std::string service = dir.file("units/apivideo-watch.service");
    std::map<std::string, std::string> env{{"MANPATH", dir.file("man")}, {"SYSTEMD_COLORS", "0"}};
    std::string program = staged_handler(dir);
    Units() {
        mkdir(dir.file("units").c_str(), 0755);
        mkdir(dir.file("man").c_str(), 0755);
        mkdir(dir.file("man/man1").c_str(), 0755);
        write_file(dir.file("man/man1/apivideo-watch.1"), read_file(repo_root() + "/docs/apivideo-watch.1"));
        write_file(socket, socket_unit());
        write_file(service,
                   must_replace(service_unit(), "ExecStart=/usr/local/bin/apivideo-watch", "ExecStart=" + program));
    }
    // systemd-analyze's lines about our units (it may say things about system units too).
    std::string verify() const {
        std::string out;
        int rc = run({"/usr/bin/systemd-analyze", "verify", socket, service}, &out, env);
        std::string ours;
        std::istringstream lines(out);
        for (std::string line; std::getline(lines, line);) {
            if (line.find("apivideo-watch") != std::string::npos) ours += line + "\n";
        }
        if (rc != 0 && ours.empty()) ours = "exit " + std::to_string(rc) + ": " + out;
        return ours;
    }
};

uid_t uid_of(const char* user) { return getpwnam(user)->pw_uid; }

std::string link_of(const std::string& path) {
    char buf[256];
    ssize_t n = readlink(path.c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

// The service as its units run it (UnitsStarted): a copy of the handler as an
// unprivileged user (DynamicUser=) with the key as a credential file (LoadCredential=),
// found through the unit's own Environment= line, and its StateDirectory= made below a
// state root of its own; nginx from nginx.conf.example in front.
struct ActivatedSite {
    TempDir dir;
    std::string sock = dir.file("run/apivideo-watch.sock");
    std::string stderr_path = dir.file("handler-stderr.log");  // the journal's stand-in
    std::unique_ptr<UnitsStarted> handler;
    std::unique_ptr<Nginx> nginx;

    explicit ActivatedSite(const std::map<std::string, std::string>& extra = {}) {
        standin().reset();
        standin().knobs("");
        std::map<std::string, std::string> env{{"APIVIDEO_API_URL", standin().api()}, {"APIVIDEO_TIMEOUT_MS", "1500"}};
        for (const auto& kv : extra) env[kv.first] = kv.second;
        handler = std::make_unique<UnitsStarted>(
            dir, UnitsStarted::Units{socket_unit(), service_unit(), sock, staged_handler(dir), dir.file("var-lib")},
            kKey, env, "nobody", stderr_path);
        nginx = std::make_unique<Nginx>(dir, sock);
    }
    std::string watch(const std::string& query) const { return nginx->url("/watch?" + query); }
};

struct ActivatedSiteLoggingRequests : ActivatedSite {
    ActivatedSiteLoggingRequests() : ActivatedSite(std::map<std::string, std::string>{{"WATCH_LOG", "requests"}}) {}
};

std::string id_query(const char* id) { return std::string("id=") + id; }

// The folder a status names as its store ("state store: lmdb FOLDER (shared)"), resolved
// as the host sees it; "" when the status names no shared LMDB folder.
std::string shared_store_folder(const std::string& status) {
    std::smatch m;
    if (!std::regex_search(status, m, std::regex("\nstate store: lmdb (\\S+) \\(shared\\)\n"))) return "";
    char* real = realpath(m[1].str().c_str(), nullptr);
    std::string out = real ? real : "";
    free(real);
    return out;
}

// A log line of the handler, wherever the server put it in its own line (nginx:
// `FastCGI sent in stderr: "apivideo-watch: …"`).
bool logged(const std::string& log, int status, const std::string& id) {
    return std::regex_search(log, std::regex("apivideo-watch: \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\S* " +
                                             std::to_string(status) + " id=" + id + " step=\\S+ ms=\\d+"));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(systemd_tests)

// --- the unit files, offline ---

BOOST_FIXTURE_TEST_CASE(units_pass_systemd_analyze_verify_without_a_warning, Units) {
    std::string ours = verify();
    BOOST_TEST(ours.empty(), ours);
}

BOOST_FIXTURE_TEST_CASE(verify_works_offline_here_and_would_catch_a_broken_unit, Units) {
    // Without this, a verify that silently checked nothing would pass the test above.
    write_file(socket, must_replace(socket_unit(), "SocketMode=0660", "SocketMode=0660x"));
    write_file(service, read_file(service) + "NoSuchSetting=1\n");
    std::string ours = verify();
    BOOST_TEST(ours.find("0660x") != std::string::npos, ours);
    BOOST_TEST(ours.find("NoSuchSetting") != std::string::npos, ours);
}

BOOST_FIXTURE_TEST_CASE(service_hardening_scores_ok_in_systemd_analyze_security, Units) {
    // --threshold is in tenths: exposure above 2.0 (of 10) fails.
    std::string out;
    int rc = run({"/usr/bin/systemd-analyze", "security", "--offline=yes", "--threshold=20", service}, &out, env);
    BOOST_TEST(rc == 0, out);
    // The same unit without its hardening fails the same threshold.
    write_file(service, "[Unit]\nDescription=x\n[Service]\nExecStart=" + program + "\n");
    BOOST_TEST(
        run({"/usr/bin/systemd-analyze", "security", "--offline=yes", "--threshold=20", service}, &out, env) != 0, out);
}

BOOST_AUTO_TEST_CASE(units_promise_a_private_socket_fd3_and_the_journal) {
    std::string s = socket_unit();
    std::string listen = unit_setting(s, "ListenStream");
    BOOST_TEST((listen.rfind('/', 0) == 0 || listen.rfind("127.0.0.1:", 0) == 0), listen);
    BOOST_TEST(unit_setting(s, "SocketMode") == "0660");
    BOOST_TEST(unit_setting(s, "SocketUser") == "www-data");
    BOOST_TEST(unit_setting(s, "SocketGroup") == "www-data");
    BOOST_TEST((unit_setting(s, "Accept").empty() || unit_setting(s, "Accept") == "no"));
    // nginx.conf.example works with the socket unit unchanged.
    BOOST_TEST(read_file(repo_root() + "/nginx.conf.example").find("server unix:" + listen + ";") != std::string::npos);

    std::string v = service_unit();
    // fd 3 (LISTEN_FDS), not StandardInput=socket: stdout and stderr stay the journal.
    BOOST_TEST(unit_setting(v, "StandardInput") != "socket");
    BOOST_TEST(unit_setting(v, "StandardOutput") == "journal");
    BOOST_TEST(unit_setting(v, "StandardError") == "journal");
    for (const char* key : {"DynamicUser", "NoNewPrivileges", "PrivateTmp", "ProtectHome"}) {
        BOOST_TEST(unit_setting(v, key) == "yes", key);
    }
    BOOST_TEST(unit_setting(v, "ProtectSystem") == "strict");
    BOOST_TEST(unit_setting(v, "Restart") == "on-failure");
    // Long enough for the requests in flight: two upstream calls of 5 s at most.
    std::string stop = unit_setting(v, "TimeoutStopSec");
    BOOST_TEST(!stop.empty());
    BOOST_TEST(std::stoi(stop) > 10);
    // The key is a credential, reached through the unit's own Environment= line.
    std::string credential = unit_setting(v, "LoadCredential");
    BOOST_REQUIRE(credential.find(':') != std::string::npos);
    std::string id = credential.substr(0, credential.find(':'));
    bool key_file_from_credential = false;
    for (const auto& e : unit_settings(v, "Environment")) {
        if (e == "APIVIDEO_API_KEY_FILE=%d/" + id) key_file_from_credential = true;
        BOOST_TEST(e.rfind("APIVIDEO_API_KEY=", 0) != 0u, "the key itself in the unit: " << e);
    }
    BOOST_TEST(key_file_from_credential);
}

// --- the socket hand-over, for real ---

BOOST_FIXTURE_TEST_CASE(socket_activated_page_and_every_asset_load_through_nginx, ActivatedSite) {
    expect_page_plays(watch(id_query(kPrivateVideo)), nginx->error_log());

    // It is the fd-3 hand-over: stdin is /dev/null, fd 3 the socket, LISTEN_PID its own.
    std::string proc = "/proc/" + std::to_string(handler->process().pid());
    BOOST_TEST(link_of(proc + "/fd/0") == "/dev/null");
    BOOST_TEST(link_of(proc + "/fd/3").rfind("socket:", 0) == 0u);
    std::string environ = read_file(proc + "/environ");
    BOOST_TEST(environ.find(std::string("LISTEN_FDS=1") + '\0') != std::string::npos);
    BOOST_TEST(environ.find("LISTEN_PID=" + std::to_string(handler->process().pid()) + '\0') != std::string::npos);
    struct stat st {};
    BOOST_REQUIRE(stat(proc.c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == uid_of("nobody"));  // no privilege needed
}

// The site's state store is the unit's StateDirectory=, as systemd makes it for a
// DynamicUser= service (STATE_DIRECTORY a symlink into private/): 0700, the service's
// user's, and in use, shared: the status through the unit's nginx names it.
BOOST_FIXTURE_TEST_CASE(socket_activated_state_store_is_the_units_state_directory, ActivatedSite) {
    BOOST_TEST(unit_setting(service_unit(), "StateDirectory") == "apivideo-watch");
    BOOST_TEST(unit_setting(service_unit(), "StateDirectoryMode") == "0700");
    BOOST_TEST(handler->state_directory() == dir.file("var-lib/apivideo-watch"));
    BOOST_REQUIRE(http_get(watch(id_query(kPublicVideo))).status == 200);

    const std::string folder = handler->state_folder();
    struct stat st {};
    BOOST_REQUIRE(lstat(folder.c_str(), &st) == 0);
    BOOST_TEST(S_ISDIR(st.st_mode));
    BOOST_TEST((st.st_mode & 07777) == 0700u);
    BOOST_TEST(st.st_uid == uid_of("nobody"));
    BOOST_TEST(lstat((folder + "/data.mdb").c_str(), &st) == 0, "no LMDB file in " << folder);

    HttpReply status = http_get(nginx->url("/watch-status"));
    BOOST_TEST(status.status == 200);
    char* real = realpath(folder.c_str(), nullptr);
    BOOST_TEST(shared_store_folder(status.body) == std::string(real ? real : folder), status.body);
    free(real);
    // Nothing refused: no line in the journal.
    BOOST_TEST(read_file(stderr_path).find("apivideo-watch: ") == std::string::npos, read_file(stderr_path));
}

BOOST_FIXTURE_TEST_CASE(socket_activated_socket_mode_keeps_others_out, ActivatedSite) {
    BOOST_TEST_MESSAGE("systemd-socket-activate bound the socket with mode 0"
                       << std::oct << handler->mode_as_bound() << " (its umask; systemd applies SocketMode=)");
    struct stat st {};
    BOOST_REQUIRE(stat(sock.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0660u);
    BOOST_TEST(st.st_uid == uid_of("www-data"));
    BOOST_TEST(connect_as(sock, "www-data") == 0);     // nginx's workers
    BOOST_TEST(connect_as(sock, "nobody") == EACCES);  // anyone else on the machine
    BOOST_TEST(connect_as(sock, "daemon") == EACCES);
}

BOOST_FIXTURE_TEST_CASE(socket_activated_bad_id_400_unknown_404_failure_in_the_journal, ActivatedSite) {
    BOOST_TEST(http_get(watch("id=nope")).status == 400);
    BOOST_TEST(standin().requests().empty());
    BOOST_TEST(http_get(watch(id_query(kUnknownVideo))).status == 404);
    // Under systemd (JOURNAL_STREAM names stderr) the lines go to the journal, where
    // `journalctl -u apivideo-watch` shows them, and not to nginx's error log.
    std::string journal = read_file(stderr_path);
    BOOST_TEST(logged(journal, 404, kUnknownVideo), journal);
    BOOST_TEST(journal.find(kKey) == std::string::npos);
    BOOST_TEST(!logged(nginx->error_log(), 404, kUnknownVideo));
}

BOOST_FIXTURE_TEST_CASE(socket_activated_logs_every_request_with_watch_log_requests, ActivatedSiteLoggingRequests) {
    BOOST_TEST(http_get(watch(id_query(kPrivateVideo))).status == 200);
    std::string log = read_file(stderr_path);
    BOOST_TEST(logged(log, 200, kPrivateVideo), log);
    BOOST_TEST(std::regex_search(log, std::regex(std::string(" 200 id=") + kPrivateVideo +
                                                 " step=\\S+ ms=\\d+ video_ms=\\d+ session_ms=\\d+")),
               log);
}

struct ActivatedSiteWithBrokenSettings : ActivatedSite {
    ActivatedSiteWithBrokenSettings()
        : ActivatedSite(std::map<std::string, std::string>{{"APIVIDEO_TIMEOUT_MS", "soon"}}) {}
};

// What does reach the journal: why the service will not start. It exits 1, a failure,
// so Restart=on-failure tries again (and systemd's start limit ends the loop).
BOOST_FIXTURE_TEST_CASE(socket_activated_broken_settings_are_told_on_stderr_the_journal,
                        ActivatedSiteWithBrokenSettings) {
    BOOST_TEST(http_get(watch(id_query(kPublicVideo))).status == 502);
    int status = handler->process().wait(5000);
    BOOST_REQUIRE(status != -1);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 1);
    std::string journal = read_file(stderr_path);
    BOOST_TEST(journal.find("apivideo-watch: APIVIDEO_TIMEOUT_MS: ") != std::string::npos, journal);
    BOOST_TEST(journal.find(kKey) == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(socket_activated_sigterm_ends_the_handler_with_exit_0, ActivatedSite) {
    BOOST_REQUIRE(http_get(watch(id_query(kPublicVideo))).status == 200);
    int status = handler->process().stop(SIGTERM, 5000);
    BOOST_REQUIRE(status != -1);  // idle threads too: within 5 s, long before TimeoutStopSec
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    // Restart=on-failure would not restart it: a clean stop is not a failure.
    BOOST_TEST(read_file(stderr_path).find("apivideo-watch: ") == std::string::npos, read_file(stderr_path));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
