// End-to-end tier, `make demo` (tools/demo) as a new user meets it: on a free port it
// starts the stand-in, nginx and the handler, checks its own page, its thumbnail and the
// player scripts nginx serves, then stops by itself (DEMO_SECONDS=0).
#include <boost/test/unit_test.hpp>

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

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
