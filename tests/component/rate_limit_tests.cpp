// Component tier: sparing api.video's rate limit. A returning viewer is served from the
// signed cookie; after a 429 visitors wait for turns and no call goes out until
// Retry-After has passed.
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <map>
#include <string>

#include "tests/support/core.h"
#include "tests/support/http.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const std::string kCookieSecret = "fedcba9876543210fedcba9876543210-cookie";

long long now() { return static_cast<long long>(std::time(nullptr)); }

std::string watch_query(const char* id) { return std::string("id=") + id; }

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(rate_limit_tests)

BOOST_AUTO_TEST_CASE(a_reload_within_the_session_makes_no_api_video_call_and_its_assets_load) {
    Core core(Core::Settings{{"WATCH_COOKIE_SECRET", kCookieSecret}});
    watch::Response first = core.get(watch_query(kPrivateVideo));
    BOOST_REQUIRE(first.status == 200);
    const std::string* set = first.header("Set-Cookie");
    BOOST_REQUIRE(set);
    for (const char* attr : {"HttpOnly", "Secure", "SameSite=Lax", "Path=/watch", "Max-Age=82800"}) {
        BOOST_TEST(set->find(attr) != std::string::npos, attr << " in " << *set);
    }
    size_t calls = shared_standin().requests().size();

    watch::Response reload = core.get(Core::Call{watch_query(kPrivateVideo), "GET", cookie_pair(first)});
    BOOST_TEST(reload.status == 200);
    BOOST_TEST(shared_standin().requests().size() == calls);  // not one call, API or session
    auto urls = asset_urls(reload.body);
    BOOST_TEST(!urls.empty());
    BOOST_TEST(session_of(urls.front()) == session_of(asset_urls(first.body).front()));
    for (const auto& u : urls) BOOST_TEST(http_get(u).status == 200, u);
}

BOOST_AUTO_TEST_CASE(tampered_foreign_and_expired_cookies_make_a_fresh_flow) {
    Core core(Core::Settings{{"WATCH_COOKIE_SECRET", kCookieSecret}});
    watch::Response first = core.get(watch_query(kPrivateVideo));
    std::string good = cookie_pair(first);
    BOOST_REQUIRE(!good.empty());

    std::string tampered = good;
    tampered[tampered.find('=') + 5] ^= 1;  // one bit of the payload
    Core other(Core::Settings{{"WATCH_COOKIE_SECRET", kCookieSecret + "-other-site"}});
    std::string foreign = cookie_pair(other.get(watch_query(kPrivateVideo)));

    const std::pair<const char*, Core::Call> cases[] = {
        {"tampered", {watch_query(kPrivateVideo), "GET", tampered}},
        {"foreign", {watch_query(kPrivateVideo), "GET", foreign}},
        {"expired", {watch_query(kPrivateVideo), "GET", good, "", now() + 23 * 3600 + 1}},
        {"another video's", {watch_query(kNoMp4Video), "GET", good}},
        {"garbage", {watch_query(kPrivateVideo), "GET", "apivideo_watch=%%%.###"}},
    };
    for (const auto& c : cases) {
        shared_standin().reset();
        watch::Response r = core.get(c.second);
        BOOST_TEST(r.status == 200, c.first);
        BOOST_TEST(shared_standin().video_reads() == 1u, c.first << " cookie still spared api.video");
    }
}

// A site that sets no secret signs with one made once in its shared state: a reload
// costs no read by default, and a site whose state is another's (another store, a store
// emptied) does not honour the cookie.
BOOST_AUTO_TEST_CASE(without_a_secret_set_the_one_made_in_the_shared_state_signs) {
    Core core;
    watch::Response first = core.get(watch_query(kPrivateVideo));
    BOOST_TEST_REQUIRE(first.header("Set-Cookie"));
    const std::string secret = core.account_state().secret;
    BOOST_TEST(secret.size() == 64u);
    shared_standin().reset();
    watch::Response reload = core.get(Core::Call{watch_query(kPrivateVideo), "GET", cookie_pair(first)});
    BOOST_TEST(reload.status == 200);
    BOOST_TEST(shared_standin().requests().empty(), "the cookie spared api.video");
    BOOST_TEST(core.account_state().secret == secret, "made once");
    // Another process with the same store (a new Core sharing this one's memory) honours it.
    Core other;
    other.state = std::move(core.state);
    watch::Response there = other.get(Core::Call{watch_query(kPrivateVideo), "GET", cookie_pair(first)});
    BOOST_TEST(shared_standin().requests().empty(), "honoured by a process that shares the state");
    // A site with a state of its own (a fresh store) makes its own secret, and reads.
    Core elsewhere;
    watch::Response fresh = elsewhere.get(Core::Call{watch_query(kPrivateVideo), "GET", cookie_pair(first)});
    BOOST_TEST(fresh.status == 200);
    BOOST_TEST(shared_standin().video_reads() == 1u, "a cookie signed in another state is not honoured");
}

// A 429 (which the budget would have prevented, but another process or host on the key
// may spend it) shuts the budget until Retry-After: the visitor who met it, and those
// after, get the waiting page at once, no call goes out meanwhile, and each turn plays
// once the wait is over. `knob` sets the 429 on the host under test.
void a_429_makes_turns(const std::string& knob, const char* step) {
    Core core;
    shared_standin().knobs(knob);
    long long t0 = now();
    watch::Response met = core.get(Core::Call{watch_query(kPrivateVideo), "GET", "", "", t0});
    shared_standin().knobs("");
    BOOST_TEST(met.status == 200);
    BOOST_TEST(met.body.find("Starting in about") != std::string::npos);
    BOOST_TEST(met.log.find(std::string("step=turn")) != std::string::npos, met.log);
    BOOST_TEST(met.log.find(std::string(step) + ": api.video rate limit") != std::string::npos, met.log);
    std::string turn = cookie_pair(met);
    BOOST_TEST_REQUIRE(turn.rfind("apivideo_watch_turn=", 0) == 0u, turn);
    size_t calls = shared_standin().requests().size();

    // Within the wait: waiting pages at once, with nothing sent.
    watch::Response later = core.get(Core::Call{watch_query(kPublicVideo), "GET", "", "", t0 + 10});
    BOOST_TEST(later.status == 200);
    BOOST_TEST(later.body.find("Starting in about") != std::string::npos);
    watch::Response asked = core.get(Core::Call{watch_query(kPrivateVideo) + "&format=json", "GET", turn, "", t0 + 10});
    BOOST_TEST(asked.status == 503);
    BOOST_TEST(asked.body.find("\"code\":\"waiting\"") != std::string::npos, asked.body);
    BOOST_TEST(*asked.header("Retry-After") == "21");  // 30 s and a second's margin
    BOOST_TEST(shared_standin().requests().size() == calls);

    // Once it has passed, the first turn plays.
    watch::Response played = core.get(Core::Call{watch_query(kPrivateVideo), "GET", turn, "", t0 + 31});
    BOOST_TEST(played.status == 200);
    BOOST_TEST(played.body.find("Starting in about") == std::string::npos);
    BOOST_TEST(!session_of(asset_urls(played.body).at(0)).empty());
}

BOOST_AUTO_TEST_CASE(after_a_429_visitors_wait_for_turns_and_no_call_goes_out_meanwhile) {
    a_429_makes_turns(R"({"rules":[{"host":"api","path":"^/videos/","action":{"status":429,"retry_after":30}}]})",
                      "video");
}

// The delivery host's 429 shuts the budget as the API host's does: its limit is the
// same account's.
BOOST_AUTO_TEST_CASE(a_429_on_the_session_call_makes_turns_too) {
    a_429_makes_turns(R"({"rules":[{"host":"vod","path":"/session$","action":{"status":429,"retry_after":30}}]})",
                      "session");
}

// The waiting page asks again (by script, or by refresh without one) at its own URL, and
// scopes its ticket's cookie to its own path: whether the server names the path in
// REQUEST_URI, percent-encoded or not, or only in SCRIPT_NAME and PATH_INFO (some CGI
// servers send no REQUEST_URI), or not at all (then a URL of the query alone, which the
// browser resolves against the page's own).
BOOST_AUTO_TEST_CASE(the_waiting_page_asks_again_at_its_own_url_whatever_the_server_says_of_it) {
    Core core;
    // The first page view meets a 429: for 30 s every page view waits, without a call.
    shared_standin().knobs(R"({"rules":[{"host":"api","path":"^/videos/","times":1,)"
                           R"("action":{"status":429,"retry_after":30}}]})");
    const std::string query = watch_query(kPrivateVideo);
    struct Case {
        const char* server_says;
        std::map<std::string, std::string> variables;
        std::string url;   // the page's URL before its query
        std::string path;  // the cookie's Path
    };
    const Case cases[] = {
        {"REQUEST_URI", {{"REQUEST_URI", "/watch?" + query}}, "/watch", "/watch"},
        {"an escaped REQUEST_URI",
         {{"REQUEST_URI", "/v%C3%ADdeos/watch?" + query}},
         "/v%C3%ADdeos/watch",
         "/v%C3%ADdeos/watch"},
        {"SCRIPT_NAME and PATH_INFO",
         {{"SCRIPT_NAME", "/cgi-bin/watch.cgi"}, {"PATH_INFO", "/lecture"}},
         "/cgi-bin/watch.cgi/lecture",
         "/cgi-bin/watch.cgi/lecture"},
        {"nothing", {}, "", "/"},
    };
    for (const Case& c : cases) {
        std::map<std::string, std::string> variables = c.variables;
        variables.insert({{"REQUEST_METHOD", "GET"}, {"QUERY_STRING", query}});
        watch::Response r = core.get_as_sent(variables);
        BOOST_TEST_CONTEXT("the server says " << c.server_says) {
            BOOST_TEST(r.body.find("Starting in about") != std::string::npos);
            const std::string ticket = cookie_pair(r).substr(std::string("apivideo_watch_turn=").size());
            const std::string again = c.url + "?" + query + "&amp;turn=" + ticket;
            BOOST_TEST(r.body.find("; url=" + again + "&amp;format=html\"") != std::string::npos, r.body);
            BOOST_TEST(r.body.find("data-turn-url=\"" + again + "&amp;format=json\"") != std::string::npos, r.body);
            BOOST_TEST(r.header("Set-Cookie")->find("; Path=" + c.path + ";") != std::string::npos,
                       *r.header("Set-Cookie"));
        }
    }
    BOOST_TEST(shared_standin().video_reads() == 1u);  // the 429, and nothing since
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
