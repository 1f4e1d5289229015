// Unit tests for handler/fastcgi_records.cpp: when a request has wholly arrived (cut at
// every byte), what is refused before libfcgi sees it, and the records of an answer.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "handler/fastcgi_records.h"
#include "tests/support/fastcgi_client.h"

using watch::Arrival;

namespace {

Arrival arrival(const std::string& bytes) {
    std::string why;
    return watch::fastcgi_arrival(bytes, why);
}

std::string begin(int id, int role = 1) {
    return testing::fcgi_record(1, id, std::string{0, static_cast<char>(role), 1, 0, 0, 0, 0, 0});
}

struct Record {
    int type, id;
    std::string content;
    size_t padding;
};

// Reads records back, checking every header; throws on a cut record.
std::vector<Record> records(const std::string& s) {
    std::vector<Record> out;
    size_t pos = 0;
    while (pos < s.size()) {
        if (s.size() - pos < 8) throw std::runtime_error("cut header");
        auto b = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
        BOOST_TEST(b(0) == 1u);
        size_t len = (b(4) << 8) | b(5), pad = b(6);
        if (s.size() - pos < 8 + len + pad) throw std::runtime_error("cut record");
        out.push_back({b(1), static_cast<int>((b(2) << 8) | b(3)), s.substr(pos + 8, len), pad});
        pos += 8 + len + pad;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(fastcgi_records_tests)

BOOST_AUTO_TEST_CASE(a_request_is_whole_only_at_its_empty_stdin_record) {
    const std::string request = testing::fcgi_get(7, testing::watch_params("id=vi5fG2hPr1vAtEpr1vAtE001"), true);
    const std::string head = request.substr(0, request.size() - 8);  // without the empty FCGI_STDIN
    BOOST_TEST((arrival(request) == Arrival::Whole));
    BOOST_TEST((arrival(head) == Arrival::HeadersIn));
    for (size_t n = 0; n < head.size(); ++n) {
        BOOST_TEST((arrival(request.substr(0, n)) == Arrival::Partial), "cut at " << n);
    }
    for (size_t n = head.size(); n < request.size(); ++n) {
        BOOST_TEST((arrival(request.substr(0, n)) == Arrival::HeadersIn), "cut at " << n);
    }
}

BOOST_AUTO_TEST_CASE(parameters_may_span_records_and_a_body_may_follow) {
    std::string pairs = testing::fcgi_pairs(testing::watch_params("id=x"));
    std::string split = begin(1) + testing::fcgi_record(4, 1, pairs.substr(0, 10)) +
                        testing::fcgi_record(4, 1, pairs.substr(10)) + testing::fcgi_record(4, 1, "");
    BOOST_TEST((arrival(split) == Arrival::HeadersIn));
    BOOST_TEST((arrival(split + testing::fcgi_record(5, 1, "a=1")) == Arrival::HeadersIn));
    BOOST_TEST((arrival(split + testing::fcgi_record(5, 1, "a=1") + testing::fcgi_record(5, 1, "")) == Arrival::Whole));
    // A management record before the request is libfcgi's to answer.
    std::string get_values = testing::fcgi_record(9, 0, testing::fcgi_pairs({{"FCGI_MPXS_CONNS", ""}}));
    BOOST_TEST((arrival(get_values + split + testing::fcgi_record(5, 1, "")) == Arrival::Whole));
}

BOOST_AUTO_TEST_CASE(what_libfcgi_is_never_given) {
    const std::string params =
        testing::fcgi_record(4, 1, testing::fcgi_pairs({{"A", "b"}})) + testing::fcgi_record(4, 1, "");
    // CVE-2025-23016's shape: lengths of 0x7FFFFFFE, which Debian's libfcgi 2.4.2 mallocs.
    std::string huge = std::string("\xFF\xFF\xFF\xFE\xFF\xFF\xFF\xFE", 8) + "x";
    std::string cases[] = {
        begin(1) + testing::fcgi_record(4, 1, huge) + testing::fcgi_record(4, 1, ""),
        begin(1) +
            testing::fcgi_record(4, 1,
                                 std::string("\x05\x01"
                                             "ab",
                                             4)) +
            testing::fcgi_record(4, 1, ""),
        std::string("\x02", 1) + begin(1).substr(1) + params,  // version 2
        begin(1, 2) + params,                                  // an authorizer
        testing::fcgi_record(4, 1, "") + begin(1),             // no FCGI_BEGIN_REQUEST first
        begin(1) + testing::fcgi_record(4, 2, ""),             // another request's parameters
        begin(1) + params + testing::fcgi_record(2, 1, ""),    // aborted
        testing::fcgi_record(11, 0, "x") + begin(1) + params,  // an unknown management record
        // Parameters that never end within what the loop looks at.
        begin(1) + testing::fcgi_record(4, 1, std::string(40000, 'x')) +
            testing::fcgi_record(4, 1, std::string(40000, 'x')),
    };
    for (size_t i = 0; i < std::size(cases); ++i) {
        std::string why;
        BOOST_TEST((watch::fastcgi_arrival(cases[i], why) == Arrival::Invalid), "case " << i);
        BOOST_TEST(!why.empty(), "case " << i);
    }
}

BOOST_AUTO_TEST_CASE(an_answer_is_records_that_end_the_request) {
    std::vector<Record> r = records(watch::fastcgi_answer(300, "Status: 200 OK\r\n\r\nhi", ""));
    BOOST_TEST_REQUIRE(r.size() == 3u);
    BOOST_TEST(r[0].type == 6);
    BOOST_TEST(r[0].id == 300);
    BOOST_TEST(r[0].content == "Status: 200 OK\r\n\r\nhi");
    BOOST_TEST((r[0].content.size() + r[0].padding) % 8 == 0u);
    BOOST_TEST(r[1].type == 6);
    BOOST_TEST(r[1].content.empty());
    BOOST_TEST(r[2].type == 3);
    BOOST_TEST(r[2].content == std::string(8, '\0'));  // status 0, FCGI_REQUEST_COMPLETE
}

BOOST_AUTO_TEST_CASE(a_long_answer_is_split_and_a_log_line_goes_to_stderr) {
    std::string body(65535 * 2 + 10, 'x');
    std::vector<Record> r = records(watch::fastcgi_answer(1, body, "apivideo-watch: a line\n"));
    BOOST_TEST_REQUIRE(r.size() == 7u);
    BOOST_TEST(r[0].type == 7);
    BOOST_TEST(r[0].content == "apivideo-watch: a line\n");
    BOOST_TEST(r[1].type == 7);
    BOOST_TEST(r[1].content.empty());
    BOOST_TEST(r[2].content.size() == 65535u);
    BOOST_TEST(r[3].content.size() == 65535u);
    BOOST_TEST(r[4].content.size() == 10u);
    BOOST_TEST(r[2].content + r[3].content + r[4].content == body);
    BOOST_TEST(r[5].content.empty());
    BOOST_TEST(r[6].type == 3);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
