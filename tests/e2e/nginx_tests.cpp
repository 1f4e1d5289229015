// End-to-end tier: real nginx from nginx.conf.example, the handler under spawn-fcgi
// (FastCGI) and under fcgiwrap (CGI), the stand-in behind them. What a visitor's browser
// would fetch, fetched for real.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <future>

#include "tests/support/fastcgi_site.h"
#include "tests/support/http.h"
#include "tests/support/servers.h"
#include "tests/support/staging.h"
#include "tests/support/standin.h"
#include "tests/support/visitor.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

// nginx + fcgiwrap + the handler as a CGI program: settings arrive as fastcgi_param,
// which is how a CGI program behind nginx gets them.
struct CgiSite {
    TempDir dir;
    Fcgiwrap wrap{dir.file("fcgiwrap.sock"), {}, dir.file("fcgiwrap-stderr.log")};
    Nginx nginx{dir, dir.file("unused.sock"), cgi_location()};
    CgiSite() {
        standin().reset();
        standin().knobs("");
    }
    std::string cgi_location() const {
        std::string loc =
            "    location = /cgi/watch {\n        include fastcgi_params;\n"
            "        fastcgi_param SCRIPT_FILENAME " +
            staged_handler(dir) + ";\n";
        for (const auto& kv : standin_settings()) loc += "        fastcgi_param " + kv.first + " " + kv.second + ";\n";
        return loc + "        fastcgi_pass unix:" + dir.file("fcgiwrap.sock") + ";\n    }\n";
    }
    std::string watch(const std::string& query) const { return nginx.url("/cgi/watch?" + query); }
};

std::string id_query(const char* id) { return std::string("id=") + id; }

template <typename Site>
void error_table(const Site& site) {
    BOOST_TEST(http_get(site.watch("id=nope")).status == 400);
    BOOST_TEST(http_get(site.watch("")).status == 400);
    BOOST_TEST(standin().requests().empty());  // a bad request costs no upstream call
    BOOST_TEST(http_get(site.watch(id_query(kUnknownVideo))).status == 404);

    standin().knobs(R"({"rules":[{"host":"api","path":"^/videos/","action":{"status":500}}]})");
    BOOST_TEST(http_get(site.watch(id_query(kPrivateVideo))).status == 502);
    standin().knobs(R"({"rules":[{"host":"vod","path":"/session$","action":{"delay_ms":2500}}]})");
    BOOST_TEST(http_get(site.watch(id_query(kPrivateVideo))).status == 504);
    standin().knobs("");

    HttpRequest post;
    post.method = "POST";
    post.url = site.watch(id_query(kPrivateVideo));
    HttpReply r = http(post);
    BOOST_TEST(r.status == 405);
    BOOST_TEST(r.header("allow") == "GET, HEAD");

    HttpRequest head;
    head.method = "HEAD";
    head.url = site.watch(id_query(kPublicVideo));
    r = http(head);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.empty());

    // Last: a 429 shuts the handler's read budget for Retry-After seconds: the visitor gets
    // the page that waits for a turn, a custom player the 503 JSON that says when.
    standin().knobs(R"({"rules":[{"host":"api","path":"^/videos/","action":{"status":429,"retry_after":7}}]})");
    HttpReply limited = http_get(site.watch(id_query(kPrivateVideo)));
    BOOST_TEST(limited.status == 200);
    BOOST_TEST(limited.body.find("Starting in about") != std::string::npos, limited.body.substr(0, 300));
    HttpReply json = http_get(site.watch(id_query(kPrivateVideo) + "&format=json"));
    BOOST_TEST(json.status == 503);
    std::string wait = json.header("retry-after");
    // Retry-After 7 plus the budget's one-second margin, less what has passed since.
    BOOST_TEST((wait == "8" || wait == "7"), wait);
    BOOST_TEST(json.body.find("\"code\":\"waiting\"") != std::string::npos, json.body);
    standin().knobs("");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(nginx_fastcgi_tests)

BOOST_FIXTURE_TEST_CASE(page_and_every_asset_load_through_nginx, FastCgiSite) {
    expect_page_plays(watch(id_query(kPrivateVideo)));
}

BOOST_FIXTURE_TEST_CASE(seed_usage_without_session_fails_on_the_second_asset, FastCgiSite) {
    // What the seed's HTML does: one private token, two assets, no session.
    std::string video = standin().get_video_as_seed(kPrivateVideo);
    std::string thumb = json_string_field(video, "assets.thumbnail");
    std::string mp4 = json_string_field(video, "assets.mp4");
    BOOST_REQUIRE(!thumb.empty() && !mp4.empty());
    BOOST_TEST(http_get(mp4).status == 200);
    BOOST_TEST(http_get(thumb).status == 404);

    // And the page's own URLs stripped of avh: their token is spent on the session.
    HttpReply page = http_get(watch(id_query(kPrivateVideo)));
    BOOST_REQUIRE(page.status == 200);
    for (const auto& u : page_urls(page.body)) {
        if (u.rfind(standin().vod(), 0) == 0) BOOST_TEST(http_get(without_avh(u)).status == 404, u);
    }
}

BOOST_FIXTURE_TEST_CASE(error_table_through_nginx, FastCgiSite) { error_table(*this); }

BOOST_FIXTURE_TEST_CASE(failures_are_logged_to_the_nginx_error_log_without_secrets, FastCgiSite) {
    standin().knobs(R"({"rules":[{"host":"vod","path":"/session$","action":{"status":404}}]})");
    BOOST_TEST(http_get(watch(id_query(kPrivateVideo))).status == 502);
    standin().knobs("");
    std::string log = nginx.error_log();
    BOOST_TEST(log.find(std::string("Z 502 id=") + kPrivateVideo + " step=session") != std::string::npos, log);
    BOOST_TEST(log.find(kKey) == std::string::npos);
}

// A location a user wrote without `include fastcgi_params;`: nginx then sends no CGI
// variables, and the log says so and names the likely cause, instead of "405 method".
struct SiteWithoutFastcgiParams {
    TempDir dir;
    SpawnFcgiHandler handler{dir.file("watch.sock"), standin_settings(), dir.file("handler-stderr.log")};
    Nginx nginx{dir, handler.socket(),
                "    location = /bare {\n        fastcgi_pass unix:" + handler.socket() + ";\n    }\n"};
};

BOOST_FIXTURE_TEST_CASE(a_location_without_fastcgi_params_is_logged_as_such, SiteWithoutFastcgiParams) {
    standin().reset();
    HttpReply r = http_get(nginx.url(std::string("/bare?") + id_query(kPrivateVideo)));
    BOOST_TEST(r.status == 500);
    BOOST_TEST(standin().requests().empty());
    std::string log = nginx.error_log();
    BOOST_TEST(log.find(" 500 id=- step=validate ms=") != std::string::npos, log);
    BOOST_TEST(log.find("the web server sent no REQUEST_METHOD QUERY_STRING: a location without "
                        "`include fastcgi_params;`?") != std::string::npos,
               log);
    // The same handler behind the example's location, which includes them, is fine.
    BOOST_TEST(http_get(nginx.url(std::string("/watch?") + id_query(kPublicVideo))).status == 200);
}

BOOST_FIXTURE_TEST_CASE(a_slow_upstream_call_does_not_hold_up_other_visitors, FastCgiSite) {
    standin().knobs(std::string(R"({"rules":[{"host":"api","path":"^/videos/)") + kPrivateVideo +
                    R"(","action":{"delay_ms":1200}}]})");
    auto slow = std::async(std::launch::async, [&] { return http_get(watch(id_query(kPrivateVideo))).status; });
    // The slow call is under way: api.video has its request.
    BOOST_REQUIRE(standin().wait_for_request("api", std::string("/videos/") + kPrivateVideo, 5000));
    auto start = std::chrono::steady_clock::now();
    BOOST_TEST(http_get(watch(id_query(kPublicVideo))).status == 200);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    BOOST_TEST(ms < 900, "the fast request waited " << ms << " ms behind the slow one");
    BOOST_TEST(slow.get() == 200);
}

BOOST_FIXTURE_TEST_CASE(sigterm_lets_the_request_in_flight_finish_then_exits, FastCgiSite) {
    standin().knobs(R"({"rules":[{"host":"api","path":"^/videos/","action":{"delay_ms":800}}]})");
    auto inflight = std::async(std::launch::async, [&] { return http_get(watch(id_query(kPublicVideo))).status; });
    BOOST_REQUIRE(standin().wait_for_request("api", std::string("/videos/") + kPublicVideo, 5000));
    int status = handler.process().stop(SIGTERM, 5000);
    BOOST_TEST(inflight.get() == 200);
    BOOST_REQUIRE(status != -1);  // it exited, with idle threads too
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(WEXITSTATUS(status) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(nginx_cgi_tests)

BOOST_FIXTURE_TEST_CASE(page_and_every_asset_load_in_cgi_mode, CgiSite) {
    expect_page_plays(watch(id_query(kPrivateVideo)));
}

BOOST_FIXTURE_TEST_CASE(error_table_in_cgi_mode, CgiSite) { error_table(*this); }

BOOST_FIXTURE_TEST_CASE(cgi_failures_reach_the_nginx_error_log, CgiSite) {
    BOOST_TEST(http_get(watch(id_query(kUnknownVideo))).status == 404);
    std::string log = nginx.error_log();
    BOOST_TEST(log.find(std::string("Z 404 id=") + kUnknownVideo) != std::string::npos, log);
    BOOST_TEST(log.find(kKey) == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
