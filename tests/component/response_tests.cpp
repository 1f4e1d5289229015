// Component tier: the forms a response takes. The JSON response for custom players (and
// problem+json errors), and each player's page with its own Content-Security-Policy.
#include <boost/test/unit_test.hpp>

#include "tests/support/core.h"
#include "tests/support/http.h"
#include "tests/support/standin.h"

using namespace testing;

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(response_tests)

BOOST_AUTO_TEST_CASE(format_json_gives_the_session_and_final_asset_urls) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kPrivateVideo + "&format=json");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(*r.header("Content-Type") == "application/json; charset=utf-8");
    BOOST_TEST(r.header("Cache-Control")->find("no-store") != std::string::npos);
    std::string token = json_string_field(r.body, "session.token");
    BOOST_TEST(!token.empty());
    BOOST_TEST(json_string_field(r.body, "session.expiresAt").size() == 20u);
    BOOST_TEST(json_string_field(r.body, "videoId") == kPrivateVideo);
    BOOST_TEST(json_string_field(r.body, "title") == "A private video");
    for (const char* a : {"assets.thumbnail", "assets.hls", "assets.mp4", "assets.player"}) {
        std::string url = json_string_field(r.body, a);
        BOOST_TEST(session_of(url) == token, a << " " << url);
        BOOST_TEST(http_get(url).status == 200, a << " " << url);
    }
}

BOOST_AUTO_TEST_CASE(accept_json_gives_json_and_errors_are_problem_json) {
    Core core;
    watch::Response ok = core.get(Core::Call{std::string("id=") + kPublicVideo, "GET", "", "application/json"});
    BOOST_TEST(*ok.header("Content-Type") == "application/json; charset=utf-8");
    BOOST_TEST(ok.body.find("\"session\":null") != std::string::npos, ok.body);

    watch::Response missing = core.get(std::string("id=") + kUnknownVideo + "&format=json");
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(*missing.header("Content-Type") == "application/problem+json; charset=utf-8");
    BOOST_TEST(missing.body.find("\"status\":404") != std::string::npos, missing.body);
    BOOST_TEST(json_string_field(missing.body, "code") == "unknown-video");

    // A browser's Accept names text/html too: it gets the page.
    watch::Response page = core.get(Core::Call{std::string("id=") + kPublicVideo, "GET", "",
                                               "text/html,application/xhtml+xml,application/json;q=0.9"});
    BOOST_TEST(*page.header("Content-Type") == "text/html; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(a_custom_player_gets_even_a_400_or_405_as_problem_json) {
    Core core;
    for (const Core::Call& c : {Core::Call("id=nope&format=json"), Core::Call("id=nope", "GET", "", "application/json"),
                                Core::Call(std::string("id=") + kPrivateVideo + "&format=json", "POST")}) {
        watch::Response r = core.get(c);
        BOOST_TEST((r.status == 400 || r.status == 405), c.query << " " << c.method);
        BOOST_TEST(*r.header("Content-Type") == "application/problem+json; charset=utf-8", c.query);
    }
    // format=html wins over Accept.
    watch::Response page =
        core.get(Core::Call(std::string("id=") + kPublicVideo + "&format=html", "GET", "", "application/json"));
    BOOST_TEST(*page.header("Content-Type") == "text/html; charset=utf-8");
}

BOOST_AUTO_TEST_CASE(public_in_the_json_response_is_api_videos_flag) {
    Core core;
    // Marked private, no token in any asset: played without a session, still not public.
    watch::Response r = core.get(std::string("id=") + kNodeClientVideo + "&format=json");
    BOOST_TEST(r.body.find("\"public\":false") != std::string::npos, r.body);
    BOOST_TEST(r.body.find("\"session\":null") != std::string::npos, r.body);
    BOOST_TEST(core.get(std::string("id=") + kPublicVideo + "&format=json").body.find("\"public\":true") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(each_player_has_its_page_and_a_csp_made_for_it) {
    Core core;
    struct Expect {
        const char* player;
        const char* marker;     // something only that player's page has
        const char* csp_has;    // a directive it needs
        const char* csp_lacks;  // one it must not have
    };
    const Expect cases[] = {
        {"videojs", "video.min.js", "worker-src blob:", "frame-src"},
        {"hlsjs", "hls.min.js", "worker-src blob:", "frame-src"},
        {"native", "application/vnd.apple.mpegurl", "media-src http://127.0.0.1", "worker-src"},
        {"embed", "<iframe", "frame-src http://127.0.0.1", "media-src"},
    };
    for (const Expect& e : cases) {
        watch::Response r = core.get(std::string("id=") + kPrivateVideo + "&player=" + e.player);
        BOOST_TEST(r.status == 200, e.player);
        BOOST_TEST(r.body.find(e.marker) != std::string::npos, e.player);
        const std::string& csp = *r.header("Content-Security-Policy");
        BOOST_TEST(csp.find(e.csp_has) != std::string::npos, e.player << ": " << csp);
        BOOST_TEST(csp.find(e.csp_lacks) == std::string::npos, e.player << ": " << csp);
        BOOST_TEST(csp.find("default-src 'none'") == 0u, e.player << ": " << csp);
    }
    BOOST_TEST(core.get(std::string("id=") + kPrivateVideo + "&player=flash").status == 400);
}

BOOST_AUTO_TEST_CASE(watch_player_sets_the_default_player) {
    Core core(Core::Settings{{"WATCH_PLAYER", "embed"}});
    watch::Response r = core.get(std::string("id=") + kPrivateVideo);
    BOOST_TEST(r.body.find("<iframe") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
