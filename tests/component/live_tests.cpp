// Component tier: private api.video live streams (issue 20), the core against the
// stand-in's live host. A stream on air plays with its session on every request; one off
// air gets the page that waits, and the site reads it again every few seconds for all who
// wait, not once a visitor.
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/links.h"
#include "common/store_lmdb.h"
#include "common/watch.h"
#include "tests/support/core.h"
#include "tests/support/http.h"
#include "tests/support/process.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

long long now() { return static_cast<long long>(std::time(nullptr)); }

std::string watch_query(const char* id, const std::string& more = "") { return std::string("id=") + id + more; }

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

size_t requests_to(const std::string& host, const std::string& path_part) {
    size_t n = 0;
    for (const auto& q : standin().requests()) n += q.host == host && contains(q.path, path_part);
    return n;
}

// The URIs a playlist lists (its lines that are not tags), resolved against its URL.
std::vector<std::string> playlist_children(const std::string& url, const std::string& body) {
    const std::string base = url.substr(0, url.rfind('/', url.find('?')) + 1);
    std::vector<std::string> out;
    std::istringstream lines(body);
    for (std::string line; std::getline(lines, line);) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!line.empty() && line[0] != '#') out.push_back(base + line);
    }
    return out;
}

// `url` with avh= put on it, as the players' hooks put it on every request.
std::string with_avh(const std::string& url, const std::string& session) {
    return url + (contains(url, "?") ? "&" : "?") + "avh=" + session;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(live_tests)

BOOST_AUTO_TEST_CASE(a_private_live_stream_plays_with_its_session_on_every_request_and_not_without) {
    Core core;
    standin().reset();
    watch::Response r = core.get(watch_query(kPrivateLive, "&player=hlsjs"));
    BOOST_REQUIRE(r.status == 200);
    BOOST_TEST(contains(r.body, "id=\"live-state\""), "the page says it is live");
    BOOST_TEST(contains(r.body, ">Live</p>"));
    BOOST_TEST(contains(r.body, "data-mp4-url=\"\""), "a live stream has no MP4");
    BOOST_TEST(standin().live_stream_reads() == 1u);
    BOOST_TEST(standin().video_reads() == 0u);
    // The session is made where api.video's SDKs make it, beside the private playlist.
    BOOST_TEST(requests_to("live", "/private/") == 1u);
    BOOST_TEST(requests_to("live", "/" + std::string(kPrivateLive) + "/session") == 1u);

    const std::vector<std::string> urls = asset_urls(r.body);
    std::string hls;
    for (const std::string& u : urls) {
        if (contains(u, ".m3u8")) hls = u;
    }
    BOOST_TEST_REQUIRE(!hls.empty(), r.body);
    BOOST_TEST(urls.size() >= 2u, "the playlist and the thumbnail");
    const std::string session = session_of(hls);
    BOOST_REQUIRE(!session.empty());
    for (const std::string& u : urls) {
        BOOST_TEST(session_of(u) == session, u);
        BOOST_TEST(http_get(u).status == 200, u);
        BOOST_TEST(http_get(without_avh(u)).status == 404, "without the session: " << u);
    }
    // The playlist's children, and theirs, as a player asks for them: with the session,
    // each 200; without it, each 404.
    HttpReply master = http_get(hls);
    BOOST_REQUIRE(master.status == 200);
    std::vector<std::string> renditions = playlist_children(hls, master.body);
    BOOST_TEST_REQUIRE(!renditions.empty(), master.body);
    for (const std::string& rendition : renditions) {
        HttpReply playlist = http_get(with_avh(rendition, session));
        BOOST_TEST_REQUIRE(playlist.status == 200, rendition);
        BOOST_TEST(http_get(rendition).status == 404, "without the session: " << rendition);
        std::vector<std::string> segments = playlist_children(rendition, playlist.body);
        BOOST_TEST_REQUIRE(!segments.empty(), playlist.body);
        BOOST_TEST(http_get(with_avh(segments.back(), session)).status == 200, segments.back());
        BOOST_TEST(http_get(segments.back()).status == 404, "without the session: " << segments.back());
    }
}

BOOST_AUTO_TEST_CASE(each_player_gets_the_live_stream_and_the_json_says_what_it_is) {
    Core core;
    for (const char* player : {"videojs", "hlsjs", "native", "embed"}) {
        standin().reset();
        watch::Response r = core.get(watch_query(kPrivateLive, std::string("&player=") + player));
        BOOST_TEST_REQUIRE(r.status == 200, player);
        BOOST_TEST(contains(r.body, "id=\"live-state\""), player);
        BOOST_TEST(standin().live_stream_reads() == 1u, player);
        const std::string* robots = r.header("X-Robots-Tag");
        BOOST_TEST((robots && contains(*robots, "noindex")), player << ": a private stream's page is not indexed");
    }
    standin().reset();
    watch::Response json = core.get(watch_query(kPrivateLive, "&format=json"));
    BOOST_REQUIRE(json.status == 200);
    BOOST_TEST(contains(json.body, std::string("\"liveStreamId\":\"") + kPrivateLive + "\""), json.body);
    BOOST_TEST(contains(json.body, "\"live\":true"));
    BOOST_TEST(contains(json.body, "\"mp4\":null"));
    BOOST_TEST(contains(json.body, "\"session\":{\"token\":"));
}

BOOST_AUTO_TEST_CASE(a_public_live_stream_plays_as_given_without_a_session) {
    Core core;
    standin().reset();
    watch::Response r = core.get(watch_query(kPublicLive));
    BOOST_REQUIRE(r.status == 200);
    BOOST_TEST(requests_to("live", "/session") == 0u);
    for (const std::string& u : asset_urls(r.body)) {
        BOOST_TEST(session_of(u).empty(), u);
        BOOST_TEST(http_get(u).status == 200, u);
    }
    BOOST_TEST(!r.header("X-Robots-Tag"), "a public stream's page may be indexed");
}

BOOST_AUTO_TEST_CASE(a_stream_off_air_gets_a_page_that_waits_and_no_session) {
    Core core;
    standin().reset();
    watch::Response r = core.get(watch_query(kWaitingLive));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(contains(r.body, "This live stream has not started yet"), r.body);
    BOOST_TEST(contains(r.body, ">Not on air yet</p>"));
    BOOST_TEST(contains(r.body, "<meta http-equiv=\"refresh\""), "a visitor without script comes back by itself");
    BOOST_TEST(contains(r.body, "data-turn-url=\"/watch?id=" + std::string(kWaitingLive) + "&amp;format=json\""),
               "the script asks the JSON form");
    BOOST_TEST(standin().live_stream_reads() == 1u);
    BOOST_TEST(requests_to("live", "/session") == 0u, "no session for a stream nobody can watch yet");
    // The live host is allowed, so the player it becomes can load.
    const std::string* csp = r.header("Content-Security-Policy");
    BOOST_REQUIRE(csp);
    const size_t at = csp->find("media-src");
    const std::string media = csp->substr(at, csp->find(';', at) - at);
    BOOST_TEST(contains(media, " " + standin().live()), *csp);

    watch::Response json = core.get(watch_query(kWaitingLive, "&format=json"));
    BOOST_TEST(json.status == 503);
    BOOST_TEST(contains(json.body, "\"code\":\"off-air\""), json.body);
    BOOST_TEST((json.header("Retry-After") && std::stoi(*json.header("Retry-After")) >= 1));
    BOOST_TEST(standin().live_stream_reads() == 1u, "the second asked no one: the site knows it is off air");
}

BOOST_AUTO_TEST_CASE(twenty_one_waiting_views_in_five_seconds_across_two_processes_cost_at_most_three_reads) {
    // Two processes of one site, as two Cores on one LMDB folder.
    TempDir dir;
    Core a, b;
    for (Core* core : {&a, &b}) {
        std::string why;
        core->state = watch::LmdbStore::open(dir.file("state"), why);
        BOOST_TEST_REQUIRE(static_cast<bool>(core->state), why);
    }
    standin().reset();
    const long long t0 = now();
    for (int i = 0; i < 21; ++i) {
        Core& core = i % 2 ? b : a;
        watch::Response r = core.get(Core::Call{watch_query(kWaitingLive), "GET", "", "", t0 + i * 5 / 21});
        BOOST_TEST(r.status == 200, i);
        BOOST_TEST(contains(r.body, "This live stream has not started yet"), i);
    }
    BOOST_TEST(standin().live_stream_reads() >= 1u);
    BOOST_TEST(standin().live_stream_reads() <= 3u);
}

BOOST_AUTO_TEST_CASE(the_page_that_waits_becomes_the_player_when_the_stream_starts) {
    Core core;
    standin().reset();
    const long long t0 = now();
    BOOST_REQUIRE(core.get(Core::Call{watch_query(kWaitingLive), "GET", "", "", t0}).status == 200);
    standin().broadcast(kWaitingLive, R"({"broadcasting":true})");
    // Within the few seconds the site trusts what it read, the page still waits...
    watch::Response still = core.get(Core::Call{watch_query(kWaitingLive, "&format=json"), "GET", "", "", t0 + 1});
    BOOST_TEST(still.status == 503);
    // ...then the next ask reads the stream again, and gets it.
    watch::Response json = core.get(Core::Call{watch_query(kWaitingLive, "&format=json"), "GET", "", "", t0 + 4});
    BOOST_TEST(json.status == 200, json.body);
    BOOST_TEST(contains(json.body, "\"live\":true"));
    BOOST_TEST(standin().live_stream_reads() == 2u);
    watch::Response page = core.get(Core::Call{watch_query(kWaitingLive), "GET", "", "", t0 + 5});
    BOOST_TEST(page.status == 200);
    BOOST_TEST(contains(page.body, ">Live</p>"));
    BOOST_TEST(!contains(page.body, "has not started yet"));
    standin().reset();  // back off air, as its fixture says
}

BOOST_AUTO_TEST_CASE(a_returning_viewer_keeps_the_session_only_while_the_stream_is_on_air) {
    Core core;
    standin().reset();
    const long long t0 = now();
    watch::Response first = core.get(Core::Call{watch_query(kPrivateLive), "GET", "", "", t0});
    BOOST_REQUIRE(first.status == 200);
    const std::string cookie = cookie_pair(first);
    BOOST_REQUIRE(!cookie.empty());
    standin().reset();
    watch::Response again = core.get(Core::Call{watch_query(kPrivateLive), "GET", cookie, "", t0 + 10});
    BOOST_TEST(again.status == 200);
    BOOST_TEST(standin().api_calls() == 0u, "on air a moment ago: the cookie's session, no read");
    BOOST_TEST(session_of(asset_urls(again.body).front()) == session_of(asset_urls(first.body).front()));

    // Long after, the site no longer knows: it reads, finds the stream ended, and waits.
    standin().broadcast(kPrivateLive, R"({"broadcasting":false,"endlist_s":0})");
    watch::Response later = core.get(Core::Call{watch_query(kPrivateLive), "GET", cookie, "", t0 + 100});
    BOOST_TEST(later.status == 200);
    BOOST_TEST(standin().live_stream_reads() == 1u);
    BOOST_TEST(contains(later.body, "This live stream has not started yet"));
    standin().reset();
}

BOOST_AUTO_TEST_CASE(an_unknown_live_stream_is_404_and_a_malformed_id_400_before_any_call) {
    Core core;
    standin().reset();
    BOOST_TEST(core.get(watch_query(kUnknownLive)).status == 404);
    BOOST_TEST(standin().live_stream_reads() == 1u);
    standin().reset();
    for (const char* id :
         {"li5fG2hPr1vAtEL1vEStr00-", "li5fG2h", "lI5fG2hPr1vAtEL1vEStr001", "li5fG2hPr1vAtEL1vEStr0012"}) {
        BOOST_TEST(core.get(watch_query(id)).status == 400, id);
    }
    BOOST_TEST(standin().api_calls() == 0u);
}

BOOST_AUTO_TEST_CASE(markup_in_a_live_streams_name_is_text) {
    Core core;
    standin().reset();
    watch::Response r = core.get(watch_query(kMarkupLive));
    BOOST_REQUIRE(r.status == 200);
    BOOST_TEST(!contains(r.body, "<script>alert(\"live\")"));
    BOOST_TEST(contains(r.body, "&lt;script&gt;alert(&quot;live&quot;)&lt;/script&gt;"));
}

BOOST_AUTO_TEST_CASE(analytics_name_the_stream_and_its_type) {
    Core core(Core::Settings{{"WATCH_ANALYTICS", "apivideo"}});
    standin().reset();
    watch::Response r = core.get(watch_query(kPrivateLive));
    BOOST_REQUIRE(r.status == 200);
    BOOST_TEST(contains(r.body, "videoType: \"live\""), r.body);
    BOOST_TEST(contains(r.body, std::string("videoId: \"") + kPrivateLive + "\""));
    BOOST_TEST(contains(r.body, core.config().collector_url + "/live\""));
    watch::Response video = core.get(watch_query(kPrivateVideo));
    BOOST_TEST(contains(video.body, "videoType: \"vod\""));
    BOOST_TEST(contains(video.body, core.config().collector_url + "/vod\""));
}

BOOST_AUTO_TEST_CASE(signed_links_and_the_allow_list_apply_to_live_streams) {
    const std::string secret(40, 's');
    Core signed_core(Core::Settings{{"WATCH_LINK_SECRET", secret}});
    standin().reset();
    BOOST_TEST(signed_core.get(watch_query(kPrivateLive)).status == 403);
    BOOST_TEST(signed_core.get(watch::signed_query(secret, kPrivateLive, now() + 600)).status == 200);

    Core listed(Core::Settings{{"WATCH_ALLOWED_IDS", std::string(kPrivateLive) + " " + kPrivateVideo}});
    standin().reset();
    BOOST_TEST(listed.get(watch_query(kPrivateLive)).status == 200);
    BOOST_TEST(listed.get(watch_query(kPublicLive)).status == 404);
    BOOST_TEST(standin().live_stream_reads() == 1u, "the stream off the list cost no read");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
