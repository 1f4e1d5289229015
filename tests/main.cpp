// The entry point of both test binaries, built once for each (the Makefile names it by
// TEST_BINARY): unit_tests holds the unit and component tiers (tests/unit/, pure functions;
// tests/component/, the core against the stand-in), e2e_tests the end-to-end tier
// (tests/e2e/: real nginx, spawn-fcgi, Apache, systemd units, Chromium). Suites are named
// by tier too, so --run_test='unit' or 'component' runs one tier of unit-tests.
#ifndef TEST_BINARY
#error "TEST_BINARY names the binary (the Makefile sets it)"
#endif
#define BOOST_TEST_MODULE TEST_BINARY
#include <boost/test/unit_test.hpp>
