// Unit tests for common/errors.cpp: the one table from failure to status, reason, page
// text and log code.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "common/errors.h"

namespace bdata = boost::unit_test::data;

namespace {

struct Row {
    watch::Failure failure;
    const char* name;
    int status;  // as documented in errors.h and apivideo-facts §7.2
};

std::ostream& operator<<(std::ostream& os, const Row& r) { return os << r.name << " -> " << r.status; }

const std::vector<Row> kTable = {
    {watch::Failure::BadRequest, "BadRequest", 400},
    {watch::Failure::Forbidden, "Forbidden", 403},
    {watch::Failure::MethodNotAllowed, "MethodNotAllowed", 405},
    {watch::Failure::UnknownVideo, "UnknownVideo", 404},
    {watch::Failure::KeyRefused, "KeyRefused", 502},
    {watch::Failure::BadReply, "BadReply", 502},
    {watch::Failure::NoSession, "NoSession", 502},
    {watch::Failure::Unreachable, "Unreachable", 502},
    {watch::Failure::RateLimited, "RateLimited", 503},
    {watch::Failure::Overloaded, "Overloaded", 503},
    {watch::Failure::Timeout, "Timeout", 504},
    {watch::Failure::Internal, "Internal", 500},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(errors_tests)

BOOST_AUTO_TEST_CASE(the_test_table_covers_every_failure) {
    BOOST_TEST(kTable.size() == static_cast<size_t>(watch::Failure::Internal) + 1);
    for (size_t i = 0; i < kTable.size(); ++i) BOOST_TEST(static_cast<size_t>(kTable[i].failure) == i);
}

BOOST_DATA_TEST_CASE(failure_maps_to_its_status, bdata::make(kTable), row) {
    const watch::ErrorInfo& e = watch::error_info(row.failure);
    BOOST_TEST(e.status == row.status);
    BOOST_TEST_REQUIRE(e.reason != nullptr);
    BOOST_TEST_REQUIRE(e.title != nullptr);
    BOOST_TEST_REQUIRE(e.message != nullptr);
    BOOST_TEST_REQUIRE(e.code != nullptr);
    BOOST_TEST(std::string(e.title).size() > 0u);
    BOOST_TEST(std::string(e.message).size() > 0u);
    // The reason phrase is the one status_line sends for this status.
    BOOST_TEST(watch::status_line(e.status) == std::to_string(e.status) + " " + e.reason);
}

BOOST_AUTO_TEST_CASE(codes_are_unique_and_machine_readable) {
    std::set<std::string> codes;
    for (const Row& r : kTable) {
        std::string code = watch::error_info(r.failure).code;
        BOOST_TEST(!code.empty());
        BOOST_TEST(code.find_first_not_of("abcdefghijklmnopqrstuvwxyz-") == std::string::npos, code);
        BOOST_TEST(codes.insert(code).second, "duplicate code " << code);
    }
}

BOOST_AUTO_TEST_CASE(status_line_for_each_status_sent) {
    BOOST_TEST(watch::status_line(200) == "200 OK");
    BOOST_TEST(watch::status_line(400) == "400 Bad Request");
    BOOST_TEST(watch::status_line(403) == "403 Forbidden");
    BOOST_TEST(watch::status_line(404) == "404 Not Found");
    BOOST_TEST(watch::status_line(405) == "405 Method Not Allowed");
    BOOST_TEST(watch::status_line(500) == "500 Internal Server Error");
    BOOST_TEST(watch::status_line(502) == "502 Bad Gateway");
    BOOST_TEST(watch::status_line(503) == "503 Service Unavailable");
    BOOST_TEST(watch::status_line(504) == "504 Gateway Timeout");
}

BOOST_AUTO_TEST_CASE(visitor_text_holds_no_markup) {
    // Titles and messages are rendered escaped, but they are meant as plain sentences.
    for (const Row& r : kTable) {
        const watch::ErrorInfo& e = watch::error_info(r.failure);
        for (std::string s : {std::string(e.title), std::string(e.message)}) {
            BOOST_TEST(s.find_first_of("<>&\"") == std::string::npos, r.name << ": " << s);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
