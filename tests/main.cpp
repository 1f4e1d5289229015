// The one test binary's entry point. Suites are tiered by name: unit/ (pure functions),
// component/ (the core against the stand-in), e2e/ (real nginx, spawn-fcgi, CGI).
// Run one tier with --run_test='unit*' (or component*, e2e*).
#define BOOST_TEST_MODULE apivideo_watch_tests
#include <boost/test/unit_test.hpp>
