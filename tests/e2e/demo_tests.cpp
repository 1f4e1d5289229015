// End-to-end tier, `make demo` (tools/demo) as a new user meets it: on a free port it
// starts the stand-in, nginx and the handler, checks its own pages, their thumbnails and
// the player scripts nginx serves, then stops by itself (DEMO_SECONDS=0), or at Ctrl-C;
// the URLs it prints play.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/http.h"
#include "tests/support/process.h"

using namespace testing;

namespace {

// The demo, started on a free port, until the test ends.
struct Demo {
    TempDir dir;
    std::unique_ptr<Process> process;
    Demo() {
        Process::Options o;
        o.env = {{"DEMO_PORT", std::to_string(free_port())}, {"APIVIDEO_WATCH_BIN", handler_binary()}};
        o.stdout_path = dir.file("stdout");
        o.stderr_path = dir.file("stderr");
        process = std::make_unique<Process>(std::vector<std::string>{repo_root() + "/tools/demo"}, o);
    }
    std::string out() const { return read_file(dir.file("stdout")); }
    // Once it says how to stop it, it has checked its pages and printed everything.
    bool ready() const {
        return wait_until([&] { return out().find("Ctrl-C stops the demo.") != std::string::npos; }, 60000);
    }
};

// The URLs the demo offers to open: those alone on their line.
std::vector<std::string> offered_urls(const std::string& out) {
    static const std::regex alone("^    (http://\\S+)$");
    std::vector<std::string> urls;
    std::istringstream lines(out);
    std::smatch m;
    for (std::string line; std::getline(lines, line);) {
        if (std::regex_match(line, m, alone)) urls.push_back(m[1]);
    }
    return urls;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// The URIs a playlist lists (its lines that are not tags), resolved against its URL, with
// the session put back on, as the players' hooks put it on every request.
std::vector<std::string> playlist_children(const std::string& url, const std::string& body) {
    const std::string base = url.substr(0, url.rfind('/', url.find('?')) + 1);
    const std::string avh = url.substr(url.find("avh="));
    std::vector<std::string> out;
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && line[0] != '#') out.push_back(base + line + (contains(line, "?") ? "&" : "?") + avh);
    }
    return out;
}

// The page answers 200 and plays as a player plays it: every asset of the page, each with
// the session, answers 200; so do each HLS playlist's renditions and their last segment.
void plays_with_the_session(const std::string& url) {
    HttpReply page = http_get(url);
    BOOST_TEST_REQUIRE(page.status == 200, url);
    size_t assets = 0, playlists = 0;
    // Each once: a page names its HLS in a link too, and its thumbnail as the poster.
    const std::vector<std::string> urls = page_urls(page.body);
    for (const std::string& u : std::set<std::string>(urls.begin(), urls.end())) {
        if (!contains(u, "avh=")) continue;  // the player scripts
        ++assets;
        HttpReply asset = http_get(u);
        BOOST_TEST(asset.status == 200, u);
        if (!contains(u, ".m3u8")) continue;
        ++playlists;
        for (const std::string& rendition : playlist_children(u, asset.body)) {
            HttpReply playlist = http_get(rendition);
            BOOST_TEST_REQUIRE(playlist.status == 200, rendition);
            std::vector<std::string> segments = playlist_children(rendition, playlist.body);
            BOOST_TEST_REQUIRE(!segments.empty(), playlist.body);
            BOOST_TEST(http_get(segments.back()).status == 200, segments.back());
        }
    }
    BOOST_TEST(assets >= 2u, url << ": the thumbnail and the HLS, with the session");
    BOOST_TEST(playlists == 1u, url);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(demo_tests)

BOOST_AUTO_TEST_CASE(demo_serves_its_page_and_the_player_scripts_then_stops) {
    std::string out;
    int rc = run(
        {repo_root() + "/tools/demo"}, &out,
        {{"DEMO_PORT", std::to_string(free_port())}, {"DEMO_SECONDS", "0"}, {"APIVIDEO_WATCH_BIN", handler_binary()}});
    BOOST_TEST(rc == 0, out);
    BOOST_TEST(out.find("apivideo-watch demo is running") != std::string::npos, out);
}

// The two URLs the demo offers, a private video's and a private live stream's (on air),
// each play with the session.
BOOST_AUTO_TEST_CASE(the_video_and_the_live_stream_the_demo_offers_play) {
    Demo demo;
    BOOST_REQUIRE_MESSAGE(demo.ready(), "the demo did not start: " << demo.out() << read_file(demo.dir.file("stderr")));
    std::vector<std::string> urls = offered_urls(demo.out());
    BOOST_TEST_REQUIRE(urls.size() == 2u, demo.out());
    BOOST_TEST(contains(urls[0], "/watch?id=vi5fG2hPr1vAtEpr1vAtE001"), urls[0]);
    BOOST_TEST(contains(urls[1], "/watch?id=li5fG2hPr1vAtEL1vEStr001"), urls[1]);
    for (const std::string& url : urls) plays_with_the_session(url);
    BOOST_TEST(contains(http_get(urls[1]).body, ">Live</p>"), "the live stream's page says it is live");
}

// Ctrl-C in the terminal (SIGINT to the demo's whole process group) stops the demo at
// once, and with it everything it started.
BOOST_AUTO_TEST_CASE(ctrl_c_stops_the_demo_and_all_it_started) {
    TempDir dir;
    Process::Options o;
    o.env = {{"DEMO_PORT", std::to_string(free_port())}, {"APIVIDEO_WATCH_BIN", handler_binary()}};
    o.stdout_path = dir.file("stdout");
    o.stderr_path = dir.file("stderr");
    Process demo({repo_root() + "/tools/demo"}, o);
    BOOST_REQUIRE_MESSAGE(
        wait_until([&] { return read_file(dir.file("stdout")).find("Ctrl-C stops the demo.") != std::string::npos; },
                   60000),
        "the demo did not start: " << read_file(dir.file("stdout")) << read_file(dir.file("stderr")));
    const pid_t group = demo.pid();
    // What runs in the demo's group, for a message.
    auto group_processes = [&] {
        std::string ps;
        run({"/bin/sh", "-c", "ps -eo pid,pgid,stat,args | awk '$2 == '\"$0\"", std::to_string(group)}, &ps);
        return ps;
    };
    BOOST_REQUIRE(kill(-group, SIGINT) == 0);
    int status = demo.wait(10000);
    BOOST_TEST_REQUIRE(status != -1, "the demo still runs 10 s after Ctrl-C:\n" << group_processes());
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    // Nothing it started is left in its group (what ended is reaped by now, or soon).
    BOOST_TEST(wait_until([&] { return kill(-group, 0) == -1 && errno == ESRCH; }, 5000),
               "a process outlived the demo:\n"
                   << group_processes());
    BOOST_TEST(read_file(dir.file("stderr")).empty(), read_file(dir.file("stderr")));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
