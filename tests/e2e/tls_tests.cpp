// End-to-end tier: api.video over TLS, as in production. A CA and a certificate made at
// test time (openssl), trusted through APIVIDEO_CA_FILE; 1,000 page views through nginx;
// the stand-in's own count shows the handler's connections (and so TLS handshakes) stay
// at one per worker thread and host: libcurl handles are reused, not made per request.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "tests/support/certificates.h"
#include "tests/support/http.h"
#include "tests/support/servers.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

// Visitors at once: a page in flight holds at most one connection to each host.
constexpr int kClients = 8;

// The stand-in on HTTPS, its certificate for `names` from that CA (ca.pem in `dir`): what
// the handler trusts through APIVIDEO_CA_FILE, or does not.
std::unique_ptr<Standin> tls_standin(const TempDir& dir, const std::string& names = "IP:127.0.0.1,DNS:localhost") {
    make_certificates(dir, names);
    Standin::Options o;
    o.tls_cert = dir.file("server.pem");
    o.tls_key = dir.file("server.key");
    return std::make_unique<Standin>(o);
}

long stat_of(const std::string& stats, const char* counter, const char* host) {
    // {"tls_handshakes": {"api": 4, "vod": 4}, ...}: a tiny reader for two levels.
    size_t at = stats.find(std::string("\"") + counter + "\"");
    if (at == std::string::npos) return -1;
    at = stats.find(std::string("\"") + host + "\"", at);
    if (at == std::string::npos) return -1;
    return std::stol(stats.substr(stats.find(':', at) + 1));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(tls_tests)

BOOST_AUTO_TEST_CASE(a_thousand_page_views_make_at_most_one_handshake_per_concurrent_visitor_and_host) {
    TempDir dir;
    std::unique_ptr<Standin> tls = tls_standin(dir);
    BOOST_REQUIRE(tls->api().rfind("https://", 0) == 0);

    SpawnFcgiHandler handler(
        dir.file("watch.sock"),
        {{"APIVIDEO_API_KEY", kKey}, {"APIVIDEO_API_URL", tls->api()}, {"APIVIDEO_CA_FILE", dir.file("ca.pem")}},
        dir.file("handler.log"));
    Nginx nginx(dir, handler.socket());
    HttpRequest q;
    q.url = tls->api() + "/_standin/stats";
    q.ca_file = dir.file("ca.pem");
    const std::string page = nginx.url(std::string("/watch?id=") + kPrivateVideo);

    // One visitor first, alone: the video and its caption list are read at once, on two
    // API connections; the session and the manifest's probe follow on one delivery
    // connection. The next view (the chapter list beside the video) reuses them all.
    for (int i = 0; i < 2; ++i) BOOST_REQUIRE(http_get(page).status == 200);
    std::string alone = http(q).body;
    BOOST_TEST(stat_of(alone, "tls_handshakes", "api") == 2, alone);
    BOOST_TEST(stat_of(alone, "tls_handshakes", "vod") == 1, alone);

    std::atomic<int> ok{0}, failed{0};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
        clients.emplace_back([&] {
            for (int i = 0; i < 125; ++i) {
                HttpReply r = http_get(page);
                (r.status == 200 ? ok : failed)++;
            }
        });
    }
    for (auto& t : clients) t.join();
    BOOST_TEST(ok == 1000, read_file(dir.file("handler.log")));
    BOOST_TEST(failed == 0);

    std::string stats = http(q).body;
    BOOST_TEST_MESSAGE("stand-in stats: " << stats);
    // How many connections the burst opened depends on how its page views overlapped; at
    // most one per visitor at once, and the first two.
    BOOST_TEST(stat_of(stats, "tls_handshakes", "api") <= kClients + 2, stats);
    BOOST_TEST(stat_of(stats, "tls_handshakes", "vod") <= kClients, stats);
    // A read a page, and beside them the video's caption and chapter lists, once each.
    BOOST_TEST(stat_of(stats, "requests", "api") == 1000 + 2 + 2, stats);
}

BOOST_AUTO_TEST_CASE(an_untrusted_certificate_gets_502) {
    TempDir dir;
    std::unique_ptr<Standin> tls = tls_standin(dir);
    // No APIVIDEO_CA_FILE: the test CA is not trusted.
    SpawnFcgiHandler handler(dir.file("watch.sock"), {{"APIVIDEO_API_KEY", kKey}, {"APIVIDEO_API_URL", tls->api()}},
                             dir.file("handler.log"));
    Nginx nginx(dir, handler.socket());
    BOOST_TEST(http_get(nginx.url(std::string("/watch?id=") + kPrivateVideo)).status == 502);
    BOOST_TEST(nginx.error_log().find("step=video") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_certificate_for_another_host_name_gets_502_even_from_a_trusted_ca) {
    TempDir dir;
    std::unique_ptr<Standin> tls = tls_standin(dir, "DNS:api.example.test");
    SpawnFcgiHandler handler(
        dir.file("watch.sock"),
        {{"APIVIDEO_API_KEY", kKey}, {"APIVIDEO_API_URL", tls->api()}, {"APIVIDEO_CA_FILE", dir.file("ca.pem")}},
        dir.file("handler.log"));
    Nginx nginx(dir, handler.socket());
    BOOST_TEST(http_get(nginx.url(std::string("/watch?id=") + kPrivateVideo)).status == 502);
    std::string log = nginx.error_log();
    BOOST_TEST(log.find("step=video") != std::string::npos, log);
    BOOST_TEST(log.find("tls: ") != std::string::npos, log);  // the outcome, with libcurl's reason
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
