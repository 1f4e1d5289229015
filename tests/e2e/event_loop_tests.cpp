// End-to-end tier, the FastCGI event loop: connections kept between requests, many
// visitors in flight at once, a visitor who leaves, an upstream that stalls, a request
// that arrives slowly or crafted, and restarts under load that lose nothing (spawn-fcgi
// with WATCH_SOCKET, systemd's socket hand-over), SIGHUP. Real nginx from
// nginx.conf.example where a web server is in the story; a FastCGI client of the tests'
// own where the test must hold the connection itself. Counts, never times.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/fastcgi_client.h"
#include "tests/support/fastcgi_site.h"
#include "tests/support/http.h"
#include "tests/support/load.h"
#include "tests/support/systemd.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

std::string id_query(const char* id) { return std::string("id=") + id; }

// The inodes of the Unix-socket connections `pid` holds, its listening socket left out.
std::set<std::string> unix_connections(pid_t pid) {
    std::set<std::string> unix_inodes;
    std::ifstream net("/proc/net/unix");
    std::string line;
    std::getline(net, line);  // header
    while (std::getline(net, line)) {
        std::istringstream f(line);
        std::string num, refs, proto, flags, type, state, inode;
        f >> num >> refs >> proto >> flags >> type >> state >> inode;
        if (flags != "00010000") unix_inodes.insert(inode);  // __SO_ACCEPTCON: a listener
    }
    std::set<std::string> out;
    std::string dir = "/proc/" + std::to_string(pid) + "/fd";
    DIR* d = opendir(dir.c_str());
    if (!d) return out;
    while (dirent* e = readdir(d)) {
        char target[128] = {};
        std::string link = dir + "/" + e->d_name;
        if (readlink(link.c_str(), target, sizeof target - 1) <= 0) continue;
        std::string t = target;
        if (t.rfind("socket:[", 0) != 0) continue;
        std::string inode = t.substr(8, t.size() - 9);
        if (unix_inodes.count(inode)) out.insert(inode);
    }
    closedir(d);
    return out;
}

size_t open_descriptors(pid_t pid) {
    size_t n = 0;
    DIR* d = opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
    if (!d) return 0;
    while (dirent* e = readdir(d)) n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

// Polls `condition` until it holds or `timeout_ms` passes.
template <typename Condition>
bool eventually(Condition condition, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

size_t count_requests(const std::string& needle) {
    size_t n = 0;
    for (const StandinRequest& q : standin().requests()) n += q.path.find(needle) != std::string::npos;
    return n;
}

// Waits until the stand-in has seen `count` requests whose path matches `needle`.
bool standin_saw(const std::string& needle, size_t count, int timeout_ms) {
    return eventually([&] { return count_requests(needle) >= count; }, timeout_ms);
}

// Under load, each page wrk counted read its video once; a read may also belong to a page
// still in flight when wrk stopped (at most one a connection).
void every_page_read_its_video(const LoadResult& r, const char* id, long connections) {
    long reads = 0;  // the video's own reads, its caption and chapter lists left out
    for (const StandinRequest& q : standin().requests())
        reads += q.host == "api" && q.path == std::string("/videos/") + id;
    BOOST_TEST(r.requests >= connections, r.raw);
    BOOST_TEST(reads >= r.requests, "reads " << reads << ", pages " << r.requests);
    BOOST_TEST(reads <= r.requests + connections, "reads " << reads << ", pages " << r.requests);
}

// A TCP connection to 127.0.0.1:port that sends `request`; the caller closes it.
int connect_and_send(int port, const std::string& request) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(event_loop_tests)

// ---- kept connections -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(one_kept_connection_carries_many_requests) {
    FastCgiSite site;
    FastCgiConnection a(site.handler.socket()), b(site.handler.socket());
    for (int i = 0; i < 100; ++i) {
        // Two connections, each asked in turn, each kept between its requests.
        for (FastCgiConnection* c : {&a, &b}) {
            FastCgiConnection::Answer r = c->get(id_query(i % 2 ? kPrivateVideo : kPublicVideo));
            BOOST_REQUIRE_MESSAGE(r.ended && r.status() == 200, "request " << i << ": " << r.out.substr(0, 200));
        }
    }
    BOOST_TEST(standin().video_reads() == 200u);
    // Asked not to keep it, the handler closes the connection after the answer.
    FastCgiConnection::Answer last = a.get(id_query(kPublicVideo), false);
    BOOST_TEST(last.status() == 200);
    BOOST_TEST(a.closed_within(5000));
}

BOOST_AUTO_TEST_CASE(nginx_keeps_its_connections_to_the_handler) {
    FastCgiSite site;
    pid_t pid = site.handler.process().pid();
    for (int i = 0; i < 30; ++i) BOOST_REQUIRE(http_get(site.watch(id_query(kPublicVideo))).status == 200);
    std::set<std::string> kept = unix_connections(pid);
    BOOST_TEST_REQUIRE(!kept.empty(), "nginx kept no connection to the handler (fastcgi_keep_conn, keepalive)");
    for (int i = 0; i < 30; ++i) BOOST_REQUIRE(http_get(site.watch(id_query(kPublicVideo))).status == 200);
    // The same connections carried the second thirty requests: none was opened anew.
    BOOST_TEST(unix_connections(pid) == kept);
}

// ---- many visitors, one slow upstream -------------------------------------------------

BOOST_AUTO_TEST_CASE(a_thousand_visitors_in_flight_at_once_are_all_answered) {
    FastCgiSite site(std::map<std::string, std::string>{{"APIVIDEO_TIMEOUT_MS", "20000"}});
    // Every api.video answer takes 3 s: a thread per visitor would need a thousand.
    standin().knobs(R"({"latency_ms": 3000})");
    std::vector<HttpRequest> visitors(1000);
    for (size_t i = 0; i < visitors.size(); ++i) {
        visitors[i].url = site.watch(id_query(i % 2 ? kPrivateVideo : kPublicVideo));
        visitors[i].timeout_ms = 60000;
    }
    std::atomic<bool> done{false};
    size_t most_in_flight = 0;
    std::thread watcher([&] {
        while (!done) {
            size_t in_flight = 0;
            for (const StandinRequest& q : standin().requests()) in_flight += q.host == "api" && q.status == 0;
            most_in_flight = std::max(most_in_flight, in_flight);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    });
    std::vector<HttpReply> replies = http_all(visitors);
    done = true;
    watcher.join();
    size_t ok = 0;
    for (const HttpReply& r : replies) ok += r.status == 200;
    BOOST_TEST(
        ok == 1000u, "first failure: " << [&] {
            for (const HttpReply& r : replies) {
                if (r.status != 200) return std::to_string(r.status) + " " + r.error + " " + r.body.substr(0, 200);
            }
            return std::string();
        }());
    // They waited on api.video together, not in turns.
    BOOST_TEST(most_in_flight >= 1000u);
}

BOOST_AUTO_TEST_CASE(an_upstream_that_stalls_on_one_page_leaves_the_rest_flowing) {
    FastCgiSite site(std::map<std::string, std::string>{{"APIVIDEO_TIMEOUT_MS", "10000"}});
    standin().knobs(std::string(R"({"rules":[{"host":"api","path":"^/videos/)") + kPrivateVideo +
                    R"(","action":{"delay_ms":4000}}]})");
    auto stalled = std::async(std::launch::async, [&] { return http_get(site.watch(id_query(kPrivateVideo))); });
    BOOST_REQUIRE(standin_saw(std::string("/videos/") + kPrivateVideo, 1, 5000));
    for (int i = 0; i < 30; ++i) BOOST_REQUIRE(http_get(site.watch(id_query(kPublicVideo))).status == 200);
    // Thirty pages served while the one page still waits.
    BOOST_TEST((stalled.wait_for(std::chrono::seconds(0)) == std::future_status::timeout));
    BOOST_TEST(stalled.get().status == 200);
}

BOOST_AUTO_TEST_CASE(a_visitor_who_leaves_mid_flight_costs_nothing_more) {
    FastCgiSite site(std::map<std::string, std::string>{{"APIVIDEO_TIMEOUT_MS", "10000"}});
    pid_t pid = site.handler.process().pid();
    BOOST_REQUIRE(http_get(site.watch(id_query(kPublicVideo))).status == 200);
    size_t before = open_descriptors(pid);
    standin().reset();
    standin().knobs(std::string(R"({"rules":[{"host":"api","path":"^/videos/)") + kPrivateVideo +
                    R"(","action":{"delay_ms":2000}}]})");
    HttpRequest leaving;
    leaving.url = site.watch(id_query(kPrivateVideo));
    leaving.timeout_ms = 300;  // the visitor gives up while api.video is still answering
    HttpReply r = http(leaving);
    BOOST_TEST(r.status == 0);
    BOOST_REQUIRE(standin_saw(std::string("/videos/") + kPrivateVideo, 1, 2000));
    // Others are served meanwhile.
    BOOST_TEST(http_get(site.watch(id_query(kPublicVideo))).status == 200);
    // The stand-in answered the video's read (to a caller who was gone); a page served
    // after it shows the loop went on, and the page never went on to its session.
    BOOST_TEST_REQUIRE(eventually(
        [] {
            for (const StandinRequest& q : standin().requests()) {
                if (q.path == std::string("/videos/") + kPrivateVideo && q.status != 0) return true;
            }
            return false;
        },
        5000));
    BOOST_TEST(http_get(site.watch(id_query(kPublicVideo))).status == 200);
    BOOST_TEST(count_requests("/session") == 0u);
    // Its connection and its upstream call are gone.
    BOOST_TEST(open_descriptors(pid) <= before + 1, "before " << before << ", after " << open_descriptors(pid));
}

// What a browser tab can do: visitors who open a page and hang up 10 to 40 ms later,
// while 64 steady ones (wrk) never do and api.video answers in 20 ms. A connection closed
// in one turn of the loop and a new one given its number in the same turn once ended the
// process ("epoll_ctl: Bad file descriptor"), or cost a steady visitor a 502.
BOOST_AUTO_TEST_CASE(visitors_who_hang_up_early_cost_the_steady_ones_nothing) {
    FastCgiSite site;
    pid_t pid = site.handler.process().pid();
    standin().knobs(R"({"latency_ms": 20})");
    std::atomic<bool> stop{false};
    std::atomic<long> hang_ups{0};
    std::vector<std::thread> churn;
    const std::string request = std::string("GET /watch?") + id_query(kNoMp4Video) +
                                " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    for (int i = 0; i < 6; ++i) {
        churn.emplace_back([&, i] {
            std::mt19937 rng(static_cast<unsigned>(i));
            std::uniform_int_distribution<int> after_ms(10, 40);
            while (!stop) {
                int fd = connect_and_send(site.port(), request);
                // The visitor's own pace, not a wait for the handler: it leaves mid-page.
                std::this_thread::sleep_for(std::chrono::milliseconds(after_ms(rng)));
                if (fd >= 0) {
                    close(fd);
                    ++hang_ups;
                }
            }
        });
    }
    Load load(site.watch(id_query(kPrivateVideo)), 64, 10);
    LoadResult r = load.finish();
    stop = true;
    for (std::thread& t : churn) t.join();
    BOOST_TEST_REQUIRE(hang_ups > 600);  // the churn happened: about 6 × 10 s / 25 ms
    BOOST_TEST(r.non_2xx == 0, r.raw);
    BOOST_TEST(r.socket_errors == 0, r.raw);
    every_page_read_its_video(r, kPrivateVideo, 64);
    // The same process is alive and serves.
    BOOST_TEST(site.handler.process().running());
    BOOST_TEST(open_descriptors(pid) > 0u);
    BOOST_TEST(http_get(site.watch(id_query(kPublicVideo))).status == 200);
    std::string log = read_file(site.dir.file("handler-stderr.log"));
    BOOST_TEST(log.find("epoll") == std::string::npos, log.substr(0, 2000));
}

// ---- what arrives on a connection -----------------------------------------------------

BOOST_AUTO_TEST_CASE(a_request_that_arrives_slowly_holds_up_nobody) {
    FastCgiSite site;
    FastCgiConnection slow(site.handler.socket()), other(site.handler.socket());
    std::string request = fcgi_get(1, watch_params(id_query(kPublicVideo)), true);
    slow.send(request.substr(0, request.size() / 2));
    for (int i = 0; i < 20; ++i) BOOST_REQUIRE(other.get(id_query(kPublicVideo)).status() == 200);
    FastCgiConnection::Answer nothing = slow.read_answer(200);
    BOOST_TEST(!nothing.ended);  // half a request: nothing to answer yet
    slow.send(request.substr(request.size() / 2));
    BOOST_TEST(slow.read_answer().status() == 200);
}

// libfcgi's writer blocks until the web server takes the answer; the loop's does not: a
// peer that stops reading a page larger than the socket's buffer holds up nobody.
BOOST_AUTO_TEST_CASE(a_web_server_that_stops_reading_holds_up_nobody) {
    TempDir templates;
    std::string page = read_file(repo_root() + "/html/player-videojs.html");
    write_file(templates.file("player-videojs.html"),
               must_replace(page, "<main>", "<main><p>" + std::string(4 << 20, 'x') + "</p>"));
    FastCgiSite site(std::map<std::string, std::string>{{"WATCH_TEMPLATE_DIR", templates.path()}});
    FastCgiConnection stuck(site.handler.socket()), other(site.handler.socket());
    stuck.send(fcgi_get(1, watch_params(id_query(kPublicVideo)), true));  // and reads nothing yet
    BOOST_REQUIRE(standin_saw("/videos/", 1, 5000));
    for (int i = 0; i < 5; ++i) {
        FastCgiConnection::Answer a = other.get(id_query(kPublicVideo), true, 20000);
        BOOST_REQUIRE(a.status() == 200);
        BOOST_TEST(a.out.size() > (4u << 20));
    }
    // The stuck one gets its whole page once it reads.
    FastCgiConnection::Answer late = stuck.read_answer(20000);
    BOOST_TEST(late.ended);
    BOOST_TEST(late.status() == 200);
    BOOST_TEST(late.out.size() > (4u << 20));
}

BOOST_AUTO_TEST_CASE(a_crafted_params_record_closes_only_its_own_connection) {
    FastCgiSite site;
    FastCgiConnection crafted(site.handler.socket());
    // CVE-2025-23016's shape: lengths of 0x7FFFFFFE that Debian's libfcgi 2.4.2 still
    // mallocs, and aborts on.
    std::string pairs = std::string("\xFF\xFF\xFF\xFE\xFF\xFF\xFF\xFE", 8) + "x";
    crafted.send(fcgi_record(1, 1, std::string("\0\1\1\0\0\0\0\0", 8)) + fcgi_record(4, 1, pairs) +
                 fcgi_record(4, 1, "") + fcgi_record(5, 1, ""));
    BOOST_TEST(crafted.closed_within(5000));
    BOOST_TEST(site.handler.process().running());
    FastCgiConnection other(site.handler.socket());
    BOOST_TEST(other.get(id_query(kPublicVideo)).status() == 200);
}

// ---- stopping and restarting under load -----------------------------------------------

// The README's zero-loss spawn-fcgi recipe: each handler binds a fresh path and takes the
// public one over (WATCH_SOCKET); an operator stops the old one and starts the new one at
// once, while 64 visitors keep asking.
BOOST_AUTO_TEST_CASE(restarting_under_spawn_fcgi_loses_no_request) {
    TempDir dir;
    standin().reset();
    standin().knobs("");
    const std::string sock = dir.file("watch.sock");
    auto start = [&](const std::string& log) {
        Process::Options o;
        o.env = standin_settings({{"WATCH_SOCKET", sock}});
        o.stderr_path = dir.file(log);
        o.unset = {"GATEWAY_INTERFACE"};
        struct stat before {};
        bool had = stat(sock.c_str(), &before) == 0;
        auto p = std::make_unique<Process>(
            std::vector<std::string>{"/usr/bin/spawn-fcgi", "-n", "-s", sock + ".new", "-M", "0660", "-U", "www-data",
                                     "-G", "www-data", "--", handler_binary()},
            o);
        // Up once the public path names its socket.
        for (int i = 0; i < 200; ++i) {
            struct stat now {};
            if (stat(sock.c_str(), &now) == 0 && S_ISSOCK(now.st_mode) && (!had || now.st_ino != before.st_ino))
                return p;
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        throw std::runtime_error("the handler did not take " + sock + " over: " + read_file(dir.file(log)));
    };
    std::unique_ptr<Process> old_handler = start("old.log");
    Nginx nginx(dir, sock);
    Load load(nginx.url(std::string("/watch?") + id_query(kPrivateVideo)), 64, 6);
    BOOST_REQUIRE(standin_saw(std::string("/videos/") + kPrivateVideo, 500, 10000));  // the load flows
    BOOST_REQUIRE(old_handler->running());
    kill(old_handler->pid(), SIGTERM);
    std::unique_ptr<Process> new_handler = start("new.log");
    int status = old_handler->wait(15000);
    LoadResult r = load.finish();
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    BOOST_TEST(r.non_2xx == 0, r.raw);
    BOOST_TEST(r.socket_errors == 0, r.raw);
    every_page_read_its_video(r, kPrivateVideo, 64);
    BOOST_TEST(new_handler->running());
    BOOST_TEST(http_get(nginx.url(std::string("/watch?") + id_query(kPublicVideo))).status == 200);
}

// systemd's way: the socket unit holds the socket; the service is stopped (SIGTERM) and
// started again on it while 64 visitors keep asking.
BOOST_AUTO_TEST_CASE(restarting_a_socket_activated_handler_loses_no_request) {
    TempDir dir;
    standin().reset();
    standin().knobs("");
    SocketHolder socket(dir.file("watch.sock"));
    auto settings = standin_settings();
    std::unique_ptr<Process> handler = socket.start(handler_binary(), settings, dir.file("first.log"));
    Nginx nginx(dir, socket.path());
    BOOST_REQUIRE(http_get(nginx.url(std::string("/watch?") + id_query(kPublicVideo))).status == 200);
    Load load(nginx.url(std::string("/watch?") + id_query(kPrivateVideo)), 64, 6);
    BOOST_REQUIRE(standin_saw(std::string("/videos/") + kPrivateVideo, 500, 10000));  // the load flows
    int status = handler->stop(SIGTERM, 15000);
    handler = socket.start(handler_binary(), settings, dir.file("second.log"));
    LoadResult r = load.finish();
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    BOOST_TEST(r.non_2xx == 0, r.raw);
    BOOST_TEST(r.socket_errors == 0, r.raw);
    every_page_read_its_video(r, kPrivateVideo, 64);
    BOOST_TEST(handler->running());
}

BOOST_AUTO_TEST_CASE(sighup_reads_the_templates_again_without_dropping_a_request) {
    TempDir templates;
    const std::string page = templates.file("player-videojs.html");
    const std::string original = read_file(repo_root() + "/html/player-videojs.html");
    write_file(page, original);
    FastCgiSite site(std::map<std::string, std::string>{{"WATCH_TEMPLATE_DIR", templates.path()}});
    const std::string log_file = site.dir.file("handler-stderr.log");
    auto logged = [&](const char* text) {
        return eventually([&] { return read_file(log_file).find(text) != std::string::npos; }, 5000);
    };
    Load load(site.watch(id_query(kPublicVideo)), 16, 4);
    BOOST_REQUIRE(standin_saw(std::string("/videos/") + kPublicVideo, 100, 10000));  // the load flows
    write_file(page, must_replace(original, "<main>", "<main data-edition=\"second\">"));
    kill(site.handler.process().pid(), SIGHUP);
    BOOST_REQUIRE(logged("templates read again"));
    // A broken edition is refused: the second one stays in use.
    write_file(page, "<p>{{no_such_value}}</p>");
    kill(site.handler.process().pid(), SIGHUP);
    BOOST_REQUIRE(logged("keeping those in use"));
    LoadResult r = load.finish();
    BOOST_TEST(r.non_2xx == 0, r.raw);
    BOOST_TEST(r.socket_errors == 0, r.raw);
    BOOST_TEST(site.handler.process().running());
    HttpReply after = http_get(site.watch(id_query(kPublicVideo)));
    BOOST_TEST(after.status == 200);
    BOOST_TEST(after.body.find("data-edition=\"second\"") != std::string::npos);
    std::string log = read_file(site.dir.file("handler-stderr.log"));
    BOOST_TEST(log.find("keeping those in use") != std::string::npos, log);
    BOOST_TEST(log.find("no_such_value") != std::string::npos, log);
}

// systemd said a socket is on fd 3, but there is none there: one line, exit 1, no wait.
BOOST_AUTO_TEST_CASE(socket_activation_without_a_listening_fd_3_says_so_and_exits) {
    TempDir dir;
    for (const char* fd3 : {"3<&-", "3</etc/hostname"}) {
        Process::Options o;
        o.env = standin_settings({{"LISTEN_FDS", "1"}});
        o.stderr_path = dir.file("stderr.log");
        o.unset = {"GATEWAY_INTERFACE", "LISTEN_PID"};
        write_file(o.stderr_path, "");
        Process p({"/bin/sh", "-c", std::string("LISTEN_PID=$$ exec \"$0\" ") + fd3, handler_binary()}, o);
        int status = p.wait(5000);
        std::string err = read_file(o.stderr_path);
        BOOST_TEST_REQUIRE(status != -1, fd3 << ": still running; " << err);
        BOOST_TEST(WIFEXITED(status));
        BOOST_TEST(WEXITSTATUS(status) == 1);
        BOOST_TEST(err.find("fd 3") != std::string::npos, fd3 << ": " << err);
        BOOST_TEST(std::count(err.begin(), err.end(), '\n') == 1, err);
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
