// End-to-end tier, a hostile peer on the FastCGI socket: every case found by talking
// FastCGI to the handler directly, each with a witness, a normal visitor on another
// connection who must be served meanwhile. The handler runs as the README's spawn-fcgi
// recipe runs it. Counts and contents, never times.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/fastcgi_client.h"
#include "tests/support/fastcgi_site.h"

using namespace testing;

namespace {

constexpr int kBegin = 1, kAbort = 2, kEnd = 3, kParams = 4, kStdin = 5, kGetValues = 9, kGetValuesResult = 10;

std::string id_query(const char* id) { return std::string("id=") + id; }

std::string get_values(const std::vector<std::string>& names) {
    std::string pairs;
    for (const std::string& n : names) pairs += fcgi_pairs({{n, ""}});
    return fcgi_record(kGetValues, 0, pairs);
}

// A visitor on a connection of its own, asked after (or while) the peer did its worst.
bool witness_served(const std::string& socket) {
    FastCgiConnection witness(socket);
    for (int i = 0; i < 3; ++i) {
        if (witness.get(id_query(kPublicVideo), true, 5000).status() != 200) return false;
    }
    return true;
}

size_t count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(fastcgi_peer_tests)

// libfcgi 2.4.2 overflowed a 64-byte stack buffer answering this ("stack smashing").
BOOST_AUTO_TEST_CASE(get_values_asking_one_variable_four_times_gets_one_answer_each) {
    FastCgiSite site;
    FastCgiConnection peer(site.handler.socket());
    peer.send(get_values({"FCGI_MPXS_CONNS", "FCGI_MPXS_CONNS", "FCGI_MPXS_CONNS", "FCGI_MPXS_CONNS"}) +
              fcgi_get(1, watch_params(id_query(kPublicVideo)), true));
    std::vector<FastCgiConnection::Record> r = peer.read_records(1);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].type == kGetValuesResult);
    BOOST_TEST(r[0].content == fcgi_pairs({{"FCGI_MPXS_CONNS", "0"}}));
    BOOST_TEST(peer.read_answer().status() == 200);
    BOOST_TEST(site.handler.process().running());
    BOOST_TEST(witness_served(site.handler.socket()));
}

BOOST_AUTO_TEST_CASE(a_lone_get_values_is_answered) {
    FastCgiSite site;
    FastCgiConnection peer(site.handler.socket());
    peer.send(get_values({"FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"}));
    std::vector<FastCgiConnection::Record> r = peer.read_records(1);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].type == kGetValuesResult);
    BOOST_TEST(r[0].content == fcgi_pairs({{"FCGI_MAX_CONNS", "1000000"}}) +
                                   fcgi_pairs({{"FCGI_MAX_REQS", "1000000"}}) + fcgi_pairs({{"FCGI_MPXS_CONNS", "0"}}));
}

// libfcgi answered each with a blocking write(): a peer that never read stopped the loop.
BOOST_AUTO_TEST_CASE(a_peer_flooding_management_records_and_never_reading_holds_up_nobody) {
    FastCgiSite site;
    FastCgiConnection few(site.handler.socket()), many(site.handler.socket());
    // 300 empty ones and a request, one small reply each: a blocking writer's socket
    // buffer fills with them.
    std::string three_hundred;
    for (int i = 0; i < 300; ++i) three_hundred += fcgi_record(kGetValues, 0, "");
    few.send(three_hundred + fcgi_get(1, watch_params(id_query(kPublicVideo)), true));
    BOOST_TEST(witness_served(site.handler.socket()));
    // Then as many as the handler will take: it stops reading a peer that does not read.
    const std::string one = get_values({"FCGI_MAX_CONNS", "FCGI_MAX_REQS", "FCGI_MPXS_CONNS"});
    std::string flood;
    for (int i = 0; i < 4096; ++i) flood += one;
    size_t sent = 0;
    for (int round = 0; round < 256; ++round) {
        ssize_t n = ::send(many.fd(), flood.data(), flood.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<size_t>(n);
    }
    BOOST_TEST(sent < flood.size() * 256);  // held back, not read without end
    BOOST_TEST(witness_served(site.handler.socket()));
    BOOST_TEST(site.handler.process().running());
    // What the first peer was owed is all there when it reads at last.
    std::vector<FastCgiConnection::Record> replies = few.read_records(300);
    BOOST_TEST(replies.size() == 300u);
    BOOST_TEST(few.read_answer().status() == 200);
}

BOOST_AUTO_TEST_CASE(records_hidden_in_padding_are_padding) {
    FastCgiSite site;
    FastCgiConnection peer(site.handler.socket());
    // A BEGIN_REQUEST whose padding starts with a PARAMS header claiming 65,535 bytes:
    // libfcgi read it as a record and blocked in read() for everyone.
    std::string hidden = fcgi_record(kParams, 1, "").substr(0, 4) + std::string("\xFF\xFF\0\0", 4);
    peer.send(fcgi_record(kBegin, 1, fcgi_begin_body(true), hidden) +
              fcgi_record(kParams, 1, fcgi_pairs(watch_params(id_query(kPublicVideo)))) + fcgi_record(kParams, 1, "") +
              fcgi_record(kStdin, 1, ""));
    // A legal padded request keeps its parameters.
    FastCgiConnection::Answer a = peer.read_answer();
    BOOST_TEST(a.status() == 200, a.out.substr(0, 200));
    BOOST_TEST(witness_served(site.handler.socket()));
}

BOOST_AUTO_TEST_CASE(two_requests_written_at_once_are_both_answered_in_turn) {
    FastCgiSite site;
    FastCgiConnection peer(site.handler.socket());
    peer.send(fcgi_get(1, watch_params(id_query(kPublicVideo)), true) +
              fcgi_get(2, watch_params(id_query(kPrivateVideo)), true));
    FastCgiConnection::Answer first = peer.read_answer(), second = peer.read_answer();
    BOOST_TEST(first.status() == 200);
    BOOST_TEST(second.status() == 200);
    BOOST_TEST(second.out.find(kPrivateVideo) != std::string::npos);
    // The connection is still good for more.
    BOOST_TEST(peer.get(id_query(kPublicVideo)).status() == 200);
}

BOOST_AUTO_TEST_CASE(an_aborted_request_is_ended_and_the_connection_serves_on) {
    FastCgiSite site(std::map<std::string, std::string>{{"APIVIDEO_TIMEOUT_MS", "10000"}});
    shared_standin().knobs(R"({"latency_ms": 1000})");
    FastCgiConnection peer(site.handler.socket());
    peer.send(fcgi_get(5, watch_params(id_query(kPrivateVideo)), true) + fcgi_record(kAbort, 5, ""));
    std::vector<FastCgiConnection::Record> r = peer.read_records(1, 5000);
    BOOST_TEST_REQUIRE(r.size() == 1u);
    BOOST_TEST(r[0].type == kEnd);  // FCGI_END_REQUEST at once, no page
    BOOST_TEST(r[0].id == 5);
    shared_standin().knobs("");
    BOOST_TEST(peer.get(id_query(kPublicVideo)).status() == 200);
}

BOOST_AUTO_TEST_CASE(settings_files_named_by_parameters_never_block_or_fill_memory) {
    FastCgiSite site;
    FastCgiConnection peer(site.handler.socket());
    std::map<std::string, std::string> params = watch_params(id_query(kPublicVideo));
    params["APIVIDEO_API_KEY_FILE"] = "/dev/zero";
    peer.send(fcgi_get(1, params, true));
    FastCgiConnection::Answer a = peer.read_answer(5000);
    BOOST_TEST(a.status() == 500);
    BOOST_TEST(a.err.find("not a regular file") != std::string::npos, a.err);
    BOOST_TEST(witness_served(site.handler.socket()));
}

// SIGTERM with a peer that never reads what it asked for (once, the loop froze writing to
// it, and SIGTERM went unheard) and one that began a request and went quiet: the process
// waits for them no longer than a connection may stall, then exits.
BOOST_AUTO_TEST_CASE(sigterm_with_peers_that_stall_stops_the_process) {
    FastCgiSite site;
    FastCgiConnection not_reading(site.handler.socket()), stalled(site.handler.socket()), idle(site.handler.socket());
    std::string three_hundred;
    for (int i = 0; i < 300; ++i) three_hundred += fcgi_record(kGetValues, 0, "");
    not_reading.send(three_hundred + fcgi_get(1, watch_params(id_query(kPublicVideo)), true));
    std::string request = fcgi_get(1, watch_params(id_query(kPublicVideo)), true);
    stalled.send(request.substr(0, request.size() / 2));
    BOOST_TEST_REQUIRE(witness_served(site.handler.socket()));
    kill(site.handler.process().pid(), SIGTERM);
    BOOST_TEST(idle.closed_within(2000));  // an idle one goes at once
    int status = site.handler.process().wait(15000);
    BOOST_TEST_REQUIRE(status != -1, "still running 15 s after SIGTERM");
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    BOOST_TEST(stalled.closed_within(100));
}

// A connection opened while the handler waits for its successor (WATCH_SOCKET), sending
// nothing, kept the process alive for ever.
BOOST_AUTO_TEST_CASE(a_silent_connection_during_the_handover_does_not_keep_the_process) {
    TempDir dir;
    const std::string sock = dir.file("watch.sock");
    auto start = [&](const std::string& log) {
        auto h = std::make_unique<SpawnFcgiHandler>(sock + ".new", standin_settings({{"WATCH_SOCKET", sock}}),
                                                    dir.file(log));
        BOOST_TEST_REQUIRE(wait_for_unix_socket(sock, 10000));
        return h;
    };
    std::unique_ptr<SpawnFcgiHandler> old_handler = start("old.log");
    BOOST_TEST_REQUIRE(witness_served(sock));
    kill(old_handler->process().pid(), SIGTERM);
    FastCgiConnection silent(sock);    // reaches the old handler: no successor yet
    BOOST_TEST(witness_served(sock));  // still served during the wait
    struct stat before {};
    BOOST_TEST_REQUIRE(stat(sock.c_str(), &before) == 0);
    std::unique_ptr<SpawnFcgiHandler> successor = start("new.log");
    int status = old_handler->process().wait(5000);
    BOOST_TEST_REQUIRE(status != -1, "the old handler still runs: " << read_file(dir.file("old.log")));
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
    BOOST_TEST(silent.closed_within(100));
    BOOST_TEST(witness_served(sock));
}

// Idle connections up to the descriptor limit starved every new visitor: now the oldest
// idle ones go first, and the log says so once, not ten times a second.
BOOST_AUTO_TEST_CASE(at_the_descriptor_limit_the_oldest_idle_connections_make_room) {
    TempDir dir;
    SpawnFcgiHandler handler(dir.file("watch.sock"), standin_settings(), dir.file("stderr.log"),
                             {"/usr/bin/prlimit", "--nofile=64:64", "--"});
    shared_standin().reset();
    std::vector<std::unique_ptr<FastCgiConnection>> idle;
    for (int i = 0; i < 150; ++i) idle.push_back(std::make_unique<FastCgiConnection>(handler.socket()));
    BOOST_TEST(witness_served(handler.socket()));
    // The first ones opened were let go; the last ones are still held.
    BOOST_TEST(idle.front()->closed_within(2000));
    BOOST_TEST(!idle.back()->closed_within(200));
    BOOST_TEST(handler.process().running());
    std::string log = read_file(dir.file("stderr.log"));
    BOOST_TEST(count(log, "accepting a connection") == 1u, log);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
