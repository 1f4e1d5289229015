// Unit tests for handler/fastcgi_protocol.cpp: requests framed as they arrive (cut at every
// byte), replies the protocol owes, what is refused, and a response's records. Every
// case a hostile peer was seen to try on the socket is here as bytes.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "handler/fastcgi_protocol.h"
#include "tests/support/fastcgi_client.h"

using watch::FastCgiReader;
using Event = FastCgiReader::Event;

namespace {

constexpr int kBegin = 1, kAbort = 2, kEnd = 3, kParams = 4, kStdin = 5, kStdout = 6, kStderr = 7, kGetValues = 9,
              kGetValuesResult = 10, kUnknownType = 11;

struct Record {
    int type, id;
    std::string content;
};

// Reads records back, checking every header; fails the test on a cut record.
std::vector<Record> records(const std::string& s) {
    std::vector<Record> out;
    size_t pos = 0;
    while (pos < s.size()) {
        BOOST_TEST_REQUIRE(s.size() - pos >= 8u, "cut header");
        auto b = [&](size_t i) { return static_cast<unsigned char>(s[pos + i]); };
        BOOST_TEST(b(0) == 1u);
        size_t len = (b(4) << 8) | b(5), pad = b(6);
        BOOST_TEST_REQUIRE(s.size() - pos >= 8 + len + pad, "cut record");
        BOOST_TEST((8 + len + pad) % 8 == 0u);
        out.push_back({b(1), static_cast<int>((b(2) << 8) | b(3)), s.substr(pos + 8, len)});
        pos += 8 + len + pad;
    }
    return out;
}

// A connection's reader as the connection drives it: bytes appended, events read until
// there are no more, used bytes dropped.
struct Peer {
    FastCgiReader reader;
    std::string in, out;
    std::vector<Event> events;
    std::vector<watch::FastCgiRequest> requests;

    Peer& send(const std::string& bytes) {
        in += bytes;
        for (;;) {
            size_t used = 0;
            Event e = reader.next(in, used, out);
            in.erase(0, used);
            if (e == Event::NeedMore) break;
            events.push_back(e);
            if (e == Event::Request) requests.push_back(reader.take_request());
            if (e == Event::Invalid) break;
        }
        return *this;
    }
    // The response of the current request is written.
    Peer& respond() {
        reader.responded();
        return send("");
    }
};

std::string begin(int id, bool keep = true, int role = 1) {
    return testing::fcgi_record(kBegin, id, testing::fcgi_begin_body(keep, role));
}
std::string params(int id, const std::map<std::string, std::string>& p) {
    return testing::fcgi_record(kParams, id, testing::fcgi_pairs(p)) + testing::fcgi_record(kParams, id, "");
}
std::string stdin_end(int id) { return testing::fcgi_record(kStdin, id, ""); }
std::string get_values(const std::vector<std::string>& names) {
    std::string pairs;
    for (const std::string& n : names) pairs += testing::fcgi_pairs({{n, ""}});
    return testing::fcgi_record(kGetValues, 0, pairs);
}

const std::string kRequest = testing::fcgi_get(7, testing::watch_params("id=vi5fG2hPr1vAtEpr1vAtE001"), true);

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(fastcgi_protocol_tests)

BOOST_AUTO_TEST_CASE(a_request_cut_at_every_byte_is_read_whole) {
    Peer p;
    for (char c : kRequest) p.send(std::string(1, c));
    BOOST_TEST((p.events == std::vector<Event>{Event::Request, Event::InputEnd}));
    BOOST_TEST_REQUIRE(p.requests.size() == 1u);
    BOOST_TEST(p.requests[0].id == 7u);
    BOOST_TEST(p.requests[0].keep_connection);
    BOOST_TEST(std::string(p.requests[0].param("QUERY_STRING")) == "id=vi5fG2hPr1vAtEpr1vAtE001");
    BOOST_TEST(p.requests[0].param("NO_SUCH") == nullptr);
    BOOST_TEST(p.out.empty());
    BOOST_TEST(p.in.empty());
}

BOOST_AUTO_TEST_CASE(parameters_may_span_records_and_a_body_is_read_and_dropped) {
    std::string pairs = testing::fcgi_pairs({{"REQUEST_METHOD", "POST"}, {"QUERY_STRING", "id=x"}});
    Peer p;
    p.send(begin(1) + testing::fcgi_record(kParams, 1, pairs.substr(0, 10)) +
           testing::fcgi_record(kParams, 1, pairs.substr(10)) + testing::fcgi_record(kParams, 1, ""));
    BOOST_TEST((p.events == std::vector<Event>{Event::Request}));
    BOOST_TEST(std::string(p.requests.at(0).param("REQUEST_METHOD")) == "POST");
    p.send(testing::fcgi_record(kStdin, 1, std::string(60000, 'a')));
    BOOST_TEST(p.events.size() == 1u);
    BOOST_TEST(p.reader.awaiting_input());
    // Responded to before its body ended: the rest of the body is read, then it is over.
    p.respond();
    BOOST_TEST(!p.reader.idle());
    p.send(stdin_end(1));
    BOOST_TEST((p.events.back() == Event::InputEnd));
    BOOST_TEST(p.reader.idle());
}

BOOST_AUTO_TEST_CASE(get_values_is_answered_once_per_variable_however_often_it_is_asked) {
    // libfcgi 2.4.2 overflowed a 64-byte stack buffer on four copies of FCGI_MPXS_CONNS.
    Peer p;
    p.send(get_values({"FCGI_MPXS_CONNS", "FCGI_MPXS_CONNS", "FCGI_MPXS_CONNS", "FCGI_MPXS_CONNS", "FCGI_MAX_CONNS",
                       "NOT_A_VARIABLE"}));
    std::vector<Record> r = records(p.out);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].type == kGetValuesResult);
    BOOST_TEST(r[0].id == 0);
    BOOST_TEST(r[0].content ==
               testing::fcgi_pairs({{"FCGI_MAX_CONNS", "1000000"}}) + testing::fcgi_pairs({{"FCGI_MPXS_CONNS", "0"}}));
    // A lone GET_VALUES, and one between two requests, are answered too.
    Peer q;
    q.send(get_values({"FCGI_MPXS_CONNS"}) + kRequest);
    BOOST_TEST(records(q.out).size() == 1u);
    BOOST_TEST((q.events == std::vector<Event>{Event::Request, Event::InputEnd}));
}

BOOST_AUTO_TEST_CASE(many_management_records_get_one_bounded_reply_each) {
    std::string flood;
    for (int i = 0; i < 300; ++i) flood += testing::fcgi_record(kGetValues, 0, "");
    Peer p;
    p.send(flood);
    std::vector<Record> r = records(p.out);
    BOOST_TEST(r.size() == 300u);
    BOOST_TEST(p.out.size() == 300u * 8);  // an empty GET_VALUES_RESULT each
    // A management type this side does not know: FCGI_UNKNOWN_TYPE naming it.
    Peer q;
    q.send(testing::fcgi_record(42, 0, "x"));
    r = records(q.out);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].type == kUnknownType);
    BOOST_TEST(static_cast<int>(static_cast<unsigned char>(r[0].content.at(0))) == 42);
}

BOOST_AUTO_TEST_CASE(padding_is_padding_never_a_record) {
    // A BEGIN_REQUEST whose padding starts with a PARAMS header claiming 65,535 bytes.
    std::string hidden = testing::fcgi_record(kParams, 1, "").substr(0, 4) + std::string("\xFF\xFF\0\0", 4);
    Peer p;
    p.send(testing::fcgi_record(kBegin, 1, testing::fcgi_begin_body(true), hidden) + params(1, {{"A", "b"}}) +
           stdin_end(1));
    BOOST_TEST((p.events == std::vector<Event>{Event::Request, Event::InputEnd}));
    BOOST_TEST(std::string(p.requests.at(0).param("A")) == "b");
    // Padding of any length up to 255, on every record.
    Peer q;
    q.send(testing::fcgi_record(kBegin, 2, testing::fcgi_begin_body(false), std::string(255, 'p')) +
           testing::fcgi_record(kParams, 2, testing::fcgi_pairs({{"A", "c"}}), std::string(3, 'q')) +
           testing::fcgi_record(kParams, 2, "", std::string(200, 'r')) +
           testing::fcgi_record(kStdin, 2, "", std::string(1, 's')));
    BOOST_TEST((q.events == std::vector<Event>{Event::Request, Event::InputEnd}));
    BOOST_TEST(std::string(q.requests.at(0).param("A")) == "c");
    BOOST_TEST(!q.requests.at(0).keep_connection);
}

BOOST_AUTO_TEST_CASE(a_request_written_behind_another_waits_for_its_turn) {
    const std::string second = testing::fcgi_get(8, testing::watch_params("id=second"), true);
    Peer p;
    p.send(kRequest + second);
    BOOST_TEST((p.events == std::vector<Event>{Event::Request, Event::InputEnd}));
    BOOST_TEST(p.in.size() == second.size());  // held, not lost
    p.respond();
    BOOST_TEST((p.events == std::vector<Event>{Event::Request, Event::InputEnd, Event::Request, Event::InputEnd}));
    BOOST_TEST(p.requests.at(1).id == 8u);
    BOOST_TEST(std::string(p.requests.at(1).param("QUERY_STRING")) == "id=second");
}

BOOST_AUTO_TEST_CASE(a_second_request_while_one_arrives_is_refused_as_multiplexing) {
    Peer p;
    p.send(begin(1) + params(1, {{"A", "1"}}));  // its FCGI_STDIN has not ended
    p.send(begin(2) + params(2, {{"A", "2"}}) + stdin_end(2));
    std::vector<Record> r = records(p.out);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].type == kEnd);
    BOOST_TEST(r[0].id == 2);
    BOOST_TEST(static_cast<int>(r[0].content.at(4)) == 1);  // FCGI_CANT_MPX_CONN
    // Request 2's records were dropped; request 1 goes on.
    BOOST_TEST((p.events == std::vector<Event>{Event::Request}));
    p.send(stdin_end(1));
    BOOST_TEST((p.events == std::vector<Event>{Event::Request, Event::InputEnd}));
}

BOOST_AUTO_TEST_CASE(another_role_is_refused_and_its_records_dropped) {
    Peer p;
    p.send(begin(3, true, 2) + params(3, {{"A", "1"}}) + stdin_end(3) + kRequest);
    std::vector<Record> r = records(p.out);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].type == kEnd);
    BOOST_TEST(r[0].id == 3);
    BOOST_TEST(static_cast<int>(r[0].content.at(4)) == 3);  // FCGI_UNKNOWN_ROLE
    BOOST_TEST((p.events == std::vector<Event>{Event::Request, Event::InputEnd}));
    BOOST_TEST(p.requests.at(0).id == 7u);
}

BOOST_AUTO_TEST_CASE(an_abort_ends_the_request) {
    Peer p;
    p.send(begin(4) + params(4, {{"A", "1"}}) + testing::fcgi_record(kAbort, 4, ""));
    BOOST_TEST((p.events == std::vector<Event>{Event::Request, Event::Abort}));
    BOOST_TEST(p.reader.idle());
    std::vector<Record> r = records(p.out);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST((r[0].type == kEnd && r[0].id == 4));
    // Aborted while its parameters came: answered, never given as a request.
    Peer q;
    q.send(begin(5) + testing::fcgi_record(kParams, 5, testing::fcgi_pairs({{"A", "1"}})) +
           testing::fcgi_record(kAbort, 5, "") + kRequest);
    BOOST_TEST((q.events == std::vector<Event>{Event::Request, Event::InputEnd}));
    BOOST_TEST(q.requests.at(0).id == 7u);
    BOOST_TEST(records(q.out).at(0).id == 5);
    // An abort for a request not under way is nothing.
    Peer z;
    z.send(testing::fcgi_record(kAbort, 9, "") + kRequest);
    BOOST_TEST((z.events == std::vector<Event>{Event::Request, Event::InputEnd}));
    BOOST_TEST(z.out.empty());
}

BOOST_AUTO_TEST_CASE(what_breaks_the_framing_is_invalid) {
    std::string cve = std::string("\xFF\xFF\xFF\xFE\xFF\xFF\xFF\xFE", 8) + "x";
    std::string big_params;
    for (int i = 0; i < 2; ++i) big_params += testing::fcgi_record(kParams, 1, std::string(40000, 'a'));
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"version 2", std::string("\2\1\0\1\0\0\0\0", 8)},
        {"CVE-2025-23016's lengths",
         begin(1) + testing::fcgi_record(kParams, 1, cve) + testing::fcgi_record(kParams, 1, "")},
        {"parameters over 64 KiB", begin(1) + big_params},
        {"FCGI_STDIN before the parameters end", begin(1) + stdin_end(1)},
        {"FCGI_BEGIN_REQUEST twice", begin(1) + begin(1)},
        {"FCGI_BEGIN_REQUEST too short", testing::fcgi_record(kBegin, 1, "\0\1")},
        {"GET_VALUES with lengths past its end", testing::fcgi_record(kGetValues, 0, std::string("\x7f\x01", 2))},
    };
    for (const auto& [name, bytes] : cases) {
        Peer p;
        p.send(bytes);
        BOOST_TEST((!p.events.empty() && p.events.back() == Event::Invalid), name);
        BOOST_TEST(!p.reader.why().empty(), name);
    }
}

BOOST_AUTO_TEST_CASE(a_response_is_its_streams_each_closed_then_end_request) {
    std::vector<Record> r = records(watch::fastcgi_response(5, std::string(70000, 'b'), "a log line\n"));
    BOOST_TEST_REQUIRE(r.size() == 6u);
    BOOST_TEST(r[0].type == kStderr);
    BOOST_TEST(r[0].content == "a log line\n");
    BOOST_TEST((r[1].type == kStderr && r[1].content.empty()));
    BOOST_TEST((r[2].type == kStdout && r[2].content.size() == 65535u));
    BOOST_TEST((r[3].type == kStdout && r[3].content.size() == 70000u - 65535u));
    BOOST_TEST((r[4].type == kStdout && r[4].content.empty()));
    BOOST_TEST(r[5].type == kEnd);
    BOOST_TEST(r[5].content == std::string(8, '\0'));
    for (const Record& x : r) BOOST_TEST(x.id == 5);
    // No log: no FCGI_STDERR at all.
    BOOST_TEST(records(watch::fastcgi_response(5, "x", "")).size() == 3u);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
