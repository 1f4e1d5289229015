// End-to-end tier, `make demo` (tools/demo) as a new user meets it: on a free port it
// starts the stand-in, nginx and the handler, checks its own page, its thumbnail and the
// player scripts nginx serves, then stops by itself (DEMO_SECONDS=0), or at Ctrl-C.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

#include "tests/support/process.h"

using namespace testing;

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
