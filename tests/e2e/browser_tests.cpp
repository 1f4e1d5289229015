// End-to-end tier in a real browser: Debian's headless Chromium (tests/browser/play.mjs,
// playwright-core) opens each player's page from nginx + the handler + the stand-in,
// clicks the thumbnail and watches the video play; the stand-in's log then shows whether
// every request of that page view carried a valid session.
#include <sys/stat.h>
#include <unistd.h>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <map>
#include <ostream>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/browser.h"
#include "tests/support/fastcgi_site.h"
#include "tests/support/http.h"
#include "tests/support/servers.h"
#include "tests/support/staging.h"
#include "tests/support/standin.h"

using namespace testing;
namespace bdata = boost::unit_test::data;

namespace {

const Standin& standin() { return shared_standin(); }

std::map<std::string, std::string> handler_settings() {
    return standin_settings({{"WATCH_PLAYER_URL", "/player/video.js"}, {"WATCH_HLSJS_URL", "/player/hls.js"}});
}

// The pinned player scripts, served by nginx from the test's own folder as `make demo`
// serves them: nginx's workers may not be able to read the checkout.
std::string player_location(const TempDir& dir) {
    return "    location /player/ {\n        alias " + staged_player_scripts(dir) + "/;\n    }\n";
}

// nginx + spawn-fcgi + the handler, the player scripts beside them, fresh for each test.
struct BrowserSite {
    TempDir dir;
    SpawnFcgiHandler handler{dir.file("watch.sock"), handler_settings(), dir.file("handler-stderr.log")};
    Nginx nginx{dir, handler.socket(), player_location(dir)};
    BrowserSite() {
        standin().reset();
        standin().knobs("");
    }
    std::string watch(const char* id, const std::string& player) const {
        return nginx.url(std::string("/watch?id=") + id + "&player=" + player);
    }
    // A static page in nginx's document root.
    void publish(const std::string& name, const std::string& content) const {
        write_file(dir.file("www/" + name), content);
    }
};

bool ends_with(const std::string& s, const std::string& end) {
    return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}

size_t count_of(const std::string& s, const std::string& part) {
    size_t n = 0;
    for (size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
    return n;
}

bool is_variant_playlist(const StandinRequest& q) { return ends_with(q.path, "/index.m3u8"); }

// The delivery host's log of this page view: the assets and the embed page the browser
// asked for (not the handler's own calls, /session and the manifest that says whether
// the video is encoded yet, nor a browser's /favicon.ico).
std::vector<StandinRequest> browser_requests() {
    std::vector<StandinRequest> out;
    for (const auto& q : standin().requests()) {
        bool asset = q.path.rfind("/vod/", 0) == 0 || q.path.rfind("/embed/", 0) == 0;
        bool handler = q.user_agent.rfind("apivideo-watch/", 0) == 0;
        if (q.host == "vod" && asset && !handler) out.push_back(q);
    }
    return out;
}

// Every request the browser made carried the session exactly once (avh: never missing,
// never doubled by a hook), and the stand-in found it valid.
void every_request_kept_the_session(const std::vector<StandinRequest>& requests) {
    BOOST_TEST(!requests.empty());
    for (const auto& q : requests) {
        BOOST_TEST(q.session == "valid", q.path << " " << q.status << " session=" << q.session);
        BOOST_TEST(count_of(q.query, "avh=") == 1u, q.path << "?" << q.query);
    }
}

size_t count_requests(const std::vector<StandinRequest>& requests, const std::string& ending) {
    size_t n = 0;
    for (const auto& q : requests) n += ends_with(q.path, ending);
    return n;
}

// What every playing page shows: the thumbnail decoded, playback past 1 s, a clean console.
void played(const PlayResult& r) {
    BOOST_TEST(r.natural_width > 0, r);
    BOOST_TEST(r.current_time > 1.0, r);
    BOOST_TEST(r.console_errors.empty(), r);
    BOOST_TEST(r.csp_violations.empty(), r);
    BOOST_TEST(r.error.empty(), r);
    BOOST_TEST(r.ok, r);
}

// The same for `native` in Chromium, whose own HLS loses the session on the variant
// playlists (see native_plays_the_mp4_when_chromium_s_own_hls_loses_the_session): under
// crossorigin="anonymous" (for the captions) Chromium logs those 404s; nothing else may be.
void played_natively(const PlayResult& r) {
    BOOST_TEST(r.natural_width > 0, r);
    BOOST_TEST(r.current_time > 1.0, r);
    for (const auto& e : r.console_errors) {
        BOOST_TEST((e.find("status of 404") != std::string::npos && e.find("/index.m3u8") != std::string::npos), e);
    }
    BOOST_TEST(r.csp_violations.empty(), r);
    BOOST_TEST(r.error.empty(), r);
}

const char* const kMp4AndHls[] = {kPrivateVideo, kNoMp4Video};

// A kind of page the handler shows, and how to make it show it: the site's settings, the
// stand-in's knobs, the request. The player rows show a video with captions, the default
// one on once the player is shown.
struct PageKind {
    const char* name;
    std::string query;                                 // after /watch?
    long status;                                       // the page's status: the row did provoke the page it names
    bool with_player = false;                          // checked again with the player shown
    std::map<std::string, std::string> settings = {};  // on top of handler_settings()
    std::string knobs = "";                            // the stand-in's (see faults_tests.cpp), "" for none
    const char* method = "GET";
    std::string says = "";  // what its status line reads (a regex, whole), "" for a page without one
};

std::ostream& operator<<(std::ostream& os, const PageKind& k) { return os << k.name; }

std::string player_of(const char* id, const char* player) { return std::string("id=") + id + "&player=" + player; }

// A stand-in rule that replies to every call to `host` ("api": GET /videos/{id}; "vod": the
// session call) with `action`.
std::string fault_on(const char* host, const char* action) {
    std::string path = std::string(host) == "api" ? "^/videos/" : "/session$";
    return std::string(R"({"rules":[{"host":")") + host + R"(","path":")" + path + R"(","action":)" + action + "}]}";
}

const std::vector<PageKind>& page_kinds() {
    static const std::vector<PageKind> table = {
        {"video.js player", player_of(kPrivateVideo, "videojs"), 200, true},
        {"hls.js player", player_of(kPrivateVideo, "hlsjs"), 200, true},
        {"native player", player_of(kPrivateVideo, "native"), 200, true},
        {"embed player", player_of(kPrivateVideo, "embed"), 200, true},
        // The error table (common/errors.cpp), each row through nginx; Internal (500) has no
        // way in from outside.
        {"bad request", "id=not-a-video-id", 400},
        {"link not valid",
         std::string("id=") + kPrivateVideo,
         403,
         false,
         {{"WATCH_LINK_SECRET", "a-link-secret-of-at-least-32-characters"}}},
        {"unknown video", std::string("id=") + kUnknownVideo, 404},
        {"method not allowed", std::string("id=") + kPrivateVideo, 405, false, {}, "", "POST"},
        {"key refused", std::string("id=") + kPrivateVideo, 502, false, {}, fault_on("api", R"({"status":401})")},
        {"bad reply", std::string("id=") + kPrivateVideo, 502, false, {}, fault_on("api", R"({"fault":"malformed"})")},
        {"no session",
         std::string("id=") + kPrivateVideo,
         502,
         false,
         {},
         fault_on("vod", R"({"fault":"session_missing"})")},
        {"unreachable", std::string("id=") + kPrivateVideo, 502, false, {}, fault_on("api", R"({"fault":"close"})")},
        // A video still encoding: the page that waits for it (issue 12).
        {"still processing",
         std::string("id=") + kEncodingVideo,
         200,
         false,
         {},
         "",
         "GET",
         "This video is still being processed\\. This page tries again in about \\d+ s"},
        // A 429 is no error page: the visitor waits for a turn (issue 10).
        {"waiting for a turn",
         std::string("id=") + kPrivateVideo,
         200,
         false,
         {},
         fault_on("api", R"({"status":429,"retry_after":30})"),
         "GET",
         "Starting in about \\d+ s"},
        {"timeout", std::string("id=") + kPrivateVideo, 504, false, {}, fault_on("api", R"({"delay_ms":2500})")},
    };
    return table;
}

// BrowserSite's recipe with a row's settings on top, its knobs cleared after it.
struct PageKindSite {
    TempDir players;  // made before the site whose nginx serves it
    FastCgiSite site;
    explicit PageKindSite(const PageKind& kind) : site(settings_for(kind), player_location(players)) {
        if (!kind.knobs.empty()) standin().knobs(kind.knobs);
    }
    ~PageKindSite() { standin().knobs(""); }
    static std::map<std::string, std::string> settings_for(const PageKind& kind) {
        auto s = handler_settings();
        for (const auto& kv : kind.settings) s[kv.first] = kv.second;
        return s;
    }
};

// A site whose pages may report to api.video's analytics: the collector is the stand-in's,
// the module comes from the site (tools/stage-player). `analytics`: WATCH_ANALYTICS, or ""
// to leave it unset (off by default).
struct AnalyticsSite {
    TempDir players;  // made before the site whose nginx serves it
    FastCgiSite site;
    explicit AnalyticsSite(const std::string& analytics) : site(settings(analytics), player_location(players)) {}
    static std::map<std::string, std::string> settings(const std::string& analytics) {
        auto s = handler_settings();
        s["WATCH_ANALYTICS_URL"] = standin().collector();
        s["WATCH_ANALYTICS_SCRIPT_URL"] = "/player/player-analytics";
        if (!analytics.empty()) s["WATCH_ANALYTICS"] = analytics;
        return s;
    }
};

std::vector<StandinRequest> collector_requests() {
    std::vector<StandinRequest> out;
    for (const auto& q : standin().requests()) {
        if (q.host == "collector") out.push_back(q);
    }
    return out;
}

bool has(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

// A live stream's page: `more` after its id ("&player=hlsjs", or "" for the site's default
// player, video.js).
std::string live_query(const char* id, const std::string& more) { return std::string("id=") + id + more; }

// A site for the live streams' pages; each test switches streams on and off air, so after it
// every stream is put back as its fixture says, for the tests after.
struct LiveSite : BrowserSite {
    ~LiveSite() { standin().reset(); }
    std::string page(const char* id, const std::string& more) const {
        return nginx.url("/watch?" + live_query(id, more));
    }
};

// The live host's log of this page view: what the browser asked for (the thumbnail, the
// playlists, the segments), not the handler's own call (the session it makes of the token).
std::vector<StandinRequest> live_requests() {
    std::vector<StandinRequest> out;
    for (const auto& q : standin().requests()) {
        if (q.host == "live" && q.user_agent.rfind("apivideo-watch/", 0) != 0) out.push_back(q);
    }
    return out;
}

// Every ping the collector got was a POST to /{type} it accepted, of that type, naming `id`,
// and one of them reported the play and the pause.
void every_ping_named(const std::vector<StandinRequest>& pings, const std::string& type, const std::string& id) {
    BOOST_TEST(!pings.empty(), "the collector got no ping");
    bool play_reported = false;
    for (const auto& q : pings) {
        std::string events;
        for (const auto& e : q.ping_events) events += " " + e;
        BOOST_TEST_MESSAGE("ping " << q.method << " " << q.path << " " << q.status << " " << q.ping_type << " "
                                   << q.ping_video_id << ":" << events);
        BOOST_TEST(q.method == "POST", q.path);
        BOOST_TEST(q.path == "/" + type);
        BOOST_TEST(q.status == 200, q.path << " " << q.status);
        BOOST_TEST(q.ping_type == type);
        BOOST_TEST(q.ping_video_id == id);
        play_reported = play_reported || (has(q.ping_events, "play") && has(q.ping_events, "pause"));
    }
    BOOST_TEST(play_reported, "no ping reported the play and the pause");
}

// The live host answered every request of the browser (200: none refused, as the strict host
// refuses one that lost the session), each carrying the session once, valid; among them
// segments, and the rendition's playlist read again as the live window slid on.
void the_live_host_answered_every_request(const std::vector<StandinRequest>& requests) {
    for (const auto& q : requests) {
        BOOST_TEST(q.status == 200, q.path << " " << q.status << " session=" << q.session);
        BOOST_TEST(q.session == "valid", q.path << " session=" << q.session);
        BOOST_TEST(count_of(q.query, "avh=") == 1u, q.path << "?" << q.query);
    }
    BOOST_TEST(count_requests(requests, ".ts") >= 2u);
    BOOST_TEST(count_requests(requests, "/index.m3u8") >= 2u);
}

const char* const kLivePlayers[] = {"", "&player=hlsjs"};

// Not in the sanitizer run (.ci/run's second `make test`): the handler cannot tell Chromium
// from the HTTP clients of the other suites, which reach the same pages, JSON and waiting
// pages under AddressSanitizer; what only a browser adds is the players' script, which no
// sanitizer sees. Chromium's minutes would be spent twice for nothing the sanitizers check.
boost::test_tools::assertion_result not_under_address_sanitizer(boost::unit_test::test_unit_id) {
#if defined(__SANITIZE_ADDRESS__)
    boost::test_tools::assertion_result given(false);
    given.message() << "built with AddressSanitizer: the plain `make test` runs the browser";
    return given;
#else
    return true;
#endif
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(browser_tests, *boost::unit_test::precondition(not_under_address_sanitizer))

// The captions reach the player: the default one shows, its cues loaded from the delivery
// host (the session on the file, CORS under crossorigin="anonymous"), in each player that
// draws <track>s, as the player itself counts them.
BOOST_DATA_TEST_CASE_F(BrowserSite, captions_show_with_their_cues_in_every_player,
                       bdata::make({"videojs", "hlsjs", "native"}), player) {
    PlayResult r = play_in_browser(watch(kPrivateVideo, player));
    BOOST_TEST_MESSAGE(r);
    if (std::string(player) == "native")
        played_natively(r);
    else
        played(r);
    bool shown = false;
    for (const TrackState& t : r.tracks) {
        shown = shown || (t.kind == "captions" && t.language == "en" && t.mode == "showing" && t.cues > 0);
    }
    BOOST_TEST(shown, r);
    BOOST_TEST(count_requests(browser_requests(), "/captions/en.vtt") >= 1u);
    for (const auto& q : browser_requests()) {
        if (q.path.find("/captions/") != std::string::npos) BOOST_TEST(q.session == "valid", q.path);
    }
}

// A link's player options: t=2 starts there, autoplay=1 starts without a click (muted, as
// browsers require), loop=1 loops.
BOOST_DATA_TEST_CASE_F(BrowserSite, a_link_starts_at_t_by_itself_muted_and_looping,
                       bdata::make({"videojs", "hlsjs", "native"}), player) {
    PlayResult r = play_link(watch(kPrivateVideo, player) + "&t=2&autoplay=1&loop=1", true, 2);
    BOOST_TEST_MESSAGE(r);
    BOOST_TEST(r.error.empty(), r);
    BOOST_TEST(r.clicked == false, r);
    BOOST_TEST(r.first_time >= 1.9, r);
    BOOST_TEST(r.current_time > 3.0, r);
    BOOST_TEST(r.muted, r);
    BOOST_TEST(r.loop, r);
}

// download=0: no MP4 in the page; the thumbnail starts the player, which plays HLS.
BOOST_DATA_TEST_CASE_F(BrowserSite, without_download_the_thumbnail_starts_hls, bdata::make({"videojs", "hlsjs"}),
                       player) {
    PlayResult r = play_in_browser(watch(kPrivateVideo, player) + "&download=0");
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.played == "hls-mse", r);
    BOOST_TEST(count_requests(browser_requests(), ".mp4") == 0u);
}

// download=0 on api.video's own player: the page asks it, as its SDK would, to hide its
// download control; the stand-in's player page says it was asked.
BOOST_FIXTURE_TEST_CASE(without_download_the_embed_hides_its_download_control, BrowserSite) {
    PlayResult r = play_in_browser(watch(kPrivateVideo, "embed") + "&download=0");
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.frame_hidden_controls == "download", r);
    PlayResult plain = play_in_browser(watch(kPrivateVideo, "embed"));
    BOOST_TEST(plain.frame_hidden_controls.empty(), plain);
}

// video.js (VHS) and hls.js play HLS by Media Source Extensions, with and without an MP4
// beside it, and their request hooks give every playlist and segment the session.
BOOST_DATA_TEST_CASE_F(BrowserSite, mse_players_play_hls_with_the_session_on_every_request,
                       bdata::make({"videojs", "hlsjs"}) * bdata::make(kMp4AndHls), player, id) {
    PlayResult r = play_in_browser(watch(id, player));
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.frame == "page", r);
    BOOST_TEST(r.played == "hls-mse", r);
    auto requests = browser_requests();
    every_request_kept_the_session(requests);
    BOOST_TEST(count_requests(requests, ".ts") >= 2u);
    BOOST_TEST(count_requests(requests, "/index.m3u8") >= 1u);
}

// Chromium (156 here) plays HLS itself: `native` offers it first, as Safari needs. The
// browser's own HLS resolves the variant playlists' relative URIs without the manifest's
// query, so those requests lack avh; the stand-in, strict as a host that checks every
// request, refuses them (404), and Chromium moves on to the MP4 <source>, which plays.
// Nothing the page can do reaches the browser's own requests.
BOOST_FIXTURE_TEST_CASE(native_plays_the_mp4_when_chromium_s_own_hls_loses_the_session, BrowserSite) {
    PlayResult r = play_in_browser(watch(kPrivateVideo, "native"));
    BOOST_TEST_MESSAGE(r);
    played_natively(r);
    BOOST_TEST(r.played == "mp4", r);
    auto requests = browser_requests();
    BOOST_TEST(count_requests(requests, "/mp4/source.mp4") >= 1u);
    BOOST_TEST(count_requests(requests, ".ts") == 0u);  // no segment was ever fetched
    size_t variants = 0;
    for (const auto& q : requests) {
        if (is_variant_playlist(q)) {
            ++variants;
            BOOST_TEST(q.session == "missing", q.path);
            BOOST_TEST(q.status == 404);
        } else {
            BOOST_TEST(q.session == "valid", q.path << " " << q.status << " session=" << q.session);
        }
    }
    BOOST_TEST(variants >= 1u);
}

// The same browser, an HLS-only video: after the variant playlist's 404 there is nothing
// left to try, so it cannot play; the page says so in place of a black box.
BOOST_FIXTURE_TEST_CASE(native_cannot_play_an_hls_only_private_video_in_chromium, BrowserSite) {
    PlayResult r = play_in_browser(watch(kNoMp4Video, "native"), 10000);
    BOOST_TEST_MESSAGE(r);
    BOOST_TEST(!r.ok, r);
    BOOST_TEST(r.natural_width > 0, r);
    BOOST_TEST(r.current_time == 0.0, r);
    BOOST_TEST(r.played == "hls-native", r);  // the browser's own HLS took the source
    BOOST_TEST(r.error == "every video failed", r);
    BOOST_TEST(r.csp_violations.empty(), r);
    auto requests = browser_requests();
    BOOST_TEST(count_requests(requests, "/hls/manifest.m3u8") == 1u);
    BOOST_TEST(count_requests(requests, ".ts") == 0u);
    for (const auto& q : requests) {
        BOOST_TEST(q.session == (is_variant_playlist(q) ? "missing" : "valid"), q.path);
    }
}

// Why: where the host asks no session of each request (a public video), Chromium's own
// HLS plays, variant playlists and segments included.
BOOST_FIXTURE_TEST_CASE(native_hls_plays_in_chromium_where_no_session_is_needed, BrowserSite) {
    PlayResult r = play_in_browser(watch(kPublicVideo, "native"));
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.played == "hls-native", r);
    auto requests = browser_requests();
    BOOST_TEST(count_requests(requests, ".ts") >= 2u);
    for (const auto& q : requests) BOOST_TEST(q.status < 400, q.path);
}

// api.video's own player in an iframe, opened by the thumbnail with the page's session.
// The stand-in's player page waits for play to be pressed (it ignores #autoplay), so the
// script presses it inside the frame, as a visitor would.
BOOST_FIXTURE_TEST_CASE(embed_plays_in_its_frame_with_the_session, BrowserSite) {
    PlayResult r = play_in_browser(watch(kPrivateVideo, "embed"));
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.frame == "iframe", r);
    BOOST_TEST(r.played == "mp4", r);
    auto requests = browser_requests();
    every_request_kept_the_session(requests);
    BOOST_TEST(count_requests(requests, std::string("/embed/vod/") + kPrivateVideo) == 1u);
}

// api.video's own player keeps its session on every HLS request; the stand-in's embed
// page stands in for it by carrying avh into its playlists' children (embed=1).
BOOST_FIXTURE_TEST_CASE(embed_plays_an_hls_only_video_with_the_session, BrowserSite) {
    PlayResult r = play_in_browser(watch(kNoMp4Video, "embed"));
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.frame == "iframe", r);
    every_request_kept_the_session(browser_requests());
}

// HLS first, MP4 as fallback: the master playlist fails (500, 403), the MP4 of the same
// session plays. The browser logs the failed request itself; nothing else is logged.
// (`native` falls back the same way: see its test above. A 404 is the manifest of a video
// still encoding, which gets the page that waits for it: see component/viewing_tests.)
BOOST_DATA_TEST_CASE_F(BrowserSite, when_hls_fails_the_mp4_plays,
                       bdata::make({"videojs", "hlsjs"}) ^ bdata::make({500, 403}), player, status) {
    standin().knobs(std::string(R"({"rules":[{"host":"vod","path":")") + kPrivateVideo +
                    R"(/token/[^/]+/hls/manifest\\.m3u8$","action":{"status":)" + std::to_string(status) + "}}]}");
    PlayResult r = play_in_browser(watch(kPrivateVideo, player));
    BOOST_TEST_MESSAGE(r);
    BOOST_TEST(r.natural_width > 0, r);
    BOOST_TEST(r.current_time > 1.0, r);
    BOOST_TEST(r.played == "mp4", r);
    BOOST_TEST(r.csp_violations.empty(), r);
    for (const auto& e : r.console_errors) {
        BOOST_TEST(e.find("status of " + std::to_string(status)) != std::string::npos, e);
        BOOST_TEST(e.find("/hls/manifest.m3u8") != std::string::npos, e);
    }
    auto requests = browser_requests();
    BOOST_TEST(count_requests(requests, ".ts") == 0u);
    BOOST_TEST(count_requests(requests, "/mp4/source.mp4") >= 1u);
    for (const auto& q : requests) {
        if (ends_with(q.path, "/hls/manifest.m3u8")) {
            BOOST_TEST(q.status == status);  // the knob replied; the request did carry avh
            BOOST_TEST(count_of(q.query, "avh=") == 1u, q.query);
        } else {
            BOOST_TEST(q.session == "valid", q.path << " " << q.status << " session=" << q.session);
        }
    }
}

// The seed's page: one private token for the thumbnail, the link and the video, no
// session. The first request spends the token and every later one gets a 404, so the
// browser cannot both show the thumbnail and play: this test shows the others can fail.
BOOST_FIXTURE_TEST_CASE(the_seed_usage_fails_in_the_browser, BrowserSite) {
    std::string video = standin().get_video_as_seed(kPrivateVideo);
    std::string thumb = json_string_field(video, "assets.thumbnail");
    std::string mp4 = json_string_field(video, "assets.mp4");
    BOOST_REQUIRE(!thumb.empty() && !mp4.empty());
    publish("seed.html",
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>seed</title></head><body>\n"
            "<a href=\"" +
                mp4 + "\"><img src=\"" + thumb +
                "\" alt=\"thumbnail\"></a>\n"
                "<video src=\"" +
                mp4 + "\" controls></video>\n</body></html>\n");
    PlayResult r = play_in_browser(nginx.url("/seed.html"), 10000);
    BOOST_TEST_MESSAGE(r);
    BOOST_TEST(!r.ok, r);
    BOOST_TEST((r.natural_width == 0 || r.current_time <= 1.0), r);
    size_t refused = 0;
    for (const auto& q : browser_requests()) {
        BOOST_TEST(q.session == "missing", q.path);  // there never was a session
        refused += q.status == 404;
    }
    BOOST_TEST(refused >= 1u);
}

// The JSON response drives a page of a few lines (tests/browser/custom-player.*): the
// thumbnail, then hls.js with the session token from the response for HLS's own requests.
BOOST_FIXTURE_TEST_CASE(the_json_response_drives_a_custom_player, BrowserSite) {
    std::string html = read_file(repo_root() + "/tests/browser/custom-player.html");
    while (html.find("__VOD__") != std::string::npos) html = must_replace(html, "__VOD__", standin().vod());
    publish("custom-player.html", html);
    publish("custom-player.js", read_file(repo_root() + "/tests/browser/custom-player.js"));
    PlayResult r = play_in_browser(nginx.url(std::string("/custom-player.html?id=") + kPrivateVideo));
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.played == "hls-mse", r);
    every_request_kept_the_session(browser_requests());
}

// WATCH_ANALYTICS=apivideo: api.video's module, served by the site, reports the play to the
// collector (the stand-in's) under the page's CSP; every ping names the video by its id,
// and the pause sends the play and the pause.
BOOST_DATA_TEST_CASE(analytics_on_a_play_sends_a_ping_naming_the_video, bdata::make({"videojs", "hlsjs"}), player) {
    AnalyticsSite s("apivideo");
    PlayResult r = play_then_pause(s.site.watch(player_of(kPrivateVideo, player)));
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.paused, r);
    every_ping_named(collector_requests(), "vod", kPrivateVideo);
    every_request_kept_the_session(browser_requests());
}

// Off (the default, even with a collector named): the same play sends the collector
// nothing, and the page's CSP does not name it.
BOOST_DATA_TEST_CASE(analytics_off_sends_nothing_to_the_collector, bdata::make({"videojs", "hlsjs"}), player) {
    AnalyticsSite s("");
    std::string url = s.site.watch(player_of(kPrivateVideo, player));
    HttpReply page = http_get(url);
    BOOST_TEST(page.status == 200);
    BOOST_TEST(page.header("content-security-policy").find(standin().collector()) == std::string::npos,
               page.header("content-security-policy"));
    BOOST_TEST(page.body.find("PlayerAnalytics") == std::string::npos);
    standin().reset();
    PlayResult r = play_then_pause(url);
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.paused, r);
    BOOST_TEST(collector_requests().empty());
}

// A private live stream (issue 20) in video.js (the default player) and hls.js: playback
// advances, and the live host, which checks the session on the playlist, the renditions'
// playlists and the segments, refused none of the browser's requests.
BOOST_DATA_TEST_CASE_F(LiveSite, a_private_live_stream_plays_with_the_session_on_every_request,
                       bdata::make(kLivePlayers), more) {
    PlayResult r = play_live(page(kPrivateLive, more));
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.current_time > r.first_time + 2, r);
    BOOST_TEST(r.library == (std::string(more).empty() ? "videojs" : "hlsjs"), r);
    BOOST_TEST(r.played == "hls-mse", r);
    BOOST_TEST(r.live_state == "Live", r);
    auto requests = live_requests();
    the_live_host_answered_every_request(requests);
    BOOST_TEST(count_requests(requests, "/thumbnail.jpg") >= 1u);  // the thumbnail, the poster
    BOOST_TEST(browser_requests().empty(), "nothing from the VOD host");
}

// A stream not on air yet: its page waits. Once the stream goes on air, the page turns into
// the player by itself (its script asks the JSON form, then starts the player in place,
// muted): nobody clicks, nothing reloads, and the player plays with the session.
BOOST_DATA_TEST_CASE_F(LiveSite, the_page_that_waits_plays_the_live_stream_once_on_air, bdata::make(kLivePlayers),
                       more) {
    PlayInBackground visitor = play_once_on_air(page(kWaitingLive, more));
    // (The message is built whether the check fails or not: it must not wait for the result.)
    BOOST_TEST_REQUIRE(visitor.reached("waiting", 20000), "the page that waits did not open");
    BOOST_TEST(live_requests().empty(), "nothing to load while off air");
    standin().broadcast(kWaitingLive, R"({"broadcasting":true})");
    PlayResult r = visitor.result();
    BOOST_TEST_MESSAGE(r);
    BOOST_TEST(r.waited_for_turn, r);
    BOOST_TEST(
        std::regex_match(r.waiting_text,
                         std::regex("This live stream has not started yet\\. This page tries again in about \\d+ s")),
        r.waiting_text);
    BOOST_TEST(r.same_document, r);
    BOOST_TEST(!r.clicked, r);
    BOOST_TEST(r.muted, r);
    BOOST_TEST(r.current_time > r.first_time + 2, r);
    BOOST_TEST(r.library == (std::string(more).empty() ? "videojs" : "hlsjs"), r);
    BOOST_TEST(r.played == "hls-mse", r);
    BOOST_TEST(r.live_state == "Live", r);
    BOOST_TEST(r.console_errors.empty(), r);
    BOOST_TEST(r.csp_violations.empty(), r);
    BOOST_TEST(r.error.empty(), r);
    BOOST_TEST(r.ok, r);
    the_live_host_answered_every_request(live_requests());
}

// The stream ends while it is watched: api.video closes its playlist (#EXT-X-ENDLIST), the
// player plays to that end and stops, and the page says the stream is over, in words, where
// a player would otherwise wait for more for ever.
BOOST_DATA_TEST_CASE_F(LiveSite, a_live_stream_that_ends_while_watched_says_it_is_over, bdata::make(kLivePlayers),
                       more) {
    PlayInBackground visitor = play_until_ended(page(kPrivateLive, more));
    BOOST_TEST_REQUIRE(visitor.reached("playing", 25000), "the live stream did not play");
    standin().broadcast(kPrivateLive, R"({"broadcasting":false,"endlist_s":30})");
    PlayResult r = visitor.result();
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.ended, r);
    BOOST_TEST(r.live_state == "Ended: the live stream is over", r);
    BOOST_TEST(!r.vjs_waiting, r);
    the_live_host_answered_every_request(live_requests());
}

// WATCH_ANALYTICS=apivideo on a live stream's page: the pings go to the collector's /live and
// name the stream by its id, in live_stream_id, as the page gives them to the module (which
// would read "private" from a private stream's playlist URL, facts §10.5).
BOOST_DATA_TEST_CASE(analytics_on_a_live_stream_name_it_and_the_live_type, bdata::make(kLivePlayers), more) {
    AnalyticsSite s("apivideo");
    PlayResult r = play_live(s.site.watch(live_query(kPrivateLive, more)), true);
    BOOST_TEST_MESSAGE(r);
    played(r);
    BOOST_TEST(r.paused, r);
    every_ping_named(collector_requests(), "live", kPrivateLive);
    the_live_host_answered_every_request(live_requests());
}

// axe-core (WCAG 2.1 A and AA) on every kind of page the handler shows, players with and
// without the player shown: no violation of impact serious or critical. The others are
// listed in the log (--log_level=message). A page that waits says so in a sentence, its
// countdown's number between words as a visitor reads them.
BOOST_DATA_TEST_CASE(every_page_kind_passes_axe_core, bdata::make(page_kinds()), kind) {
    PageKindSite s(kind);
    AxeOptions o;
    o.method = kind.method;
    o.after_click = kind.with_player;
    AxeResult r = check_accessibility(s.site.watch(kind.query), o);
    BOOST_TEST_MESSAGE(kind << " (" << r.status << " " << r.title << "): " << r.violations);
    BOOST_TEST(r.error.empty(), kind << ": " << r.error << "; " << r.raw);
    BOOST_TEST(r.status == kind.status, kind << ": " << r.raw);
    BOOST_TEST(r.checked.size() == (kind.with_player ? 2u : 1u), kind << ": " << r.raw);
    BOOST_TEST(r.serious().empty(), kind << ":" << r.serious());
    BOOST_TEST(std::regex_match(r.status_text, std::regex(kind.says)), kind << ": \"" << r.status_text << "\"");
}

// The check can fail: the error page's old grey (#777 on white, 4.47:1) is a serious
// colour-contrast violation, named with its element.
BOOST_FIXTURE_TEST_CASE(axe_core_finds_a_contrast_failure, BrowserSite) {
    publish("grey.html",
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>grey</title>"
            "<style>body { color: #222; } .code { color: #777; }</style></head>\n"
            "<body><main><h1>grey</h1><p>A message.</p><p class=\"code\">Error 404</p></main>"
            "</body></html>\n");
    AxeResult r = check_accessibility(nginx.url("/grey.html"));
    BOOST_TEST_MESSAGE(r.violations);
    BOOST_TEST(r.error.empty(), r.raw);
    BOOST_TEST(r.status == 200, r.raw);
    auto serious = r.serious();
    BOOST_TEST_REQUIRE(serious.size() == 1u, r.raw);
    BOOST_TEST(serious[0].id == "color-contrast");
    BOOST_TEST(serious[0].nodes == std::vector<std::string>{".code"}, serious[0]);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
