// Component tier: the api.video stand-in itself, through plain HTTP, on what the handler's
// budget, captions, "still processing" and analytics work rely on: the read budget and its
// headers, caption and chapter lists and their WebVTT files, video status, the collector.
#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <string>

#include "tests/support/http.h"
#include "tests/support/process.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

// Now, in Unix seconds, as the stand-in's control API gives times.
double unix_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

rapidjson::Document parse(const std::string& body) {
    rapidjson::Document d;
    d.Parse(body.c_str());
    BOOST_REQUIRE_MESSAGE(!d.HasParseError(), "not JSON: " << body);
    return d;
}

std::string str(const rapidjson::Value& v, const char* name) {
    auto it = v.FindMember(name);
    return it != v.MemberEnd() && it->value.IsString() ? it->value.GetString() : "<absent>";
}

// A private video's session, the way the handler gets one: a GET, then /session.
struct VideoSession {
    std::string token, session;
};

VideoSession open_session(const char* id) {
    HttpReply video = standin_api_get(std::string("/videos/") + id);
    BOOST_REQUIRE(video.status == 200);
    std::string mp4 = json_string_field(video.body, "assets.thumbnail");
    size_t at = mp4.find("/token/");
    BOOST_REQUIRE(at != std::string::npos);
    VideoSession s;
    s.token = mp4.substr(at + 7, mp4.find('/', at + 7) - at - 7);
    HttpReply session = http_get(standin().vod() + "/vod/" + id + "/token/" + s.token + "/session");
    BOOST_REQUIRE(session.status == 200);
    s.session = json_string_field(session.body, "session_token");
    BOOST_REQUIRE(!s.session.empty());
    return s;
}

// What GET /videos/{id}/status says about playability.
bool playable(const char* id) {
    rapidjson::Document d = parse(standin_api_get(std::string("/videos/") + id + "/status").body);
    return d.IsObject() && d.HasMember("encoding") && d["encoding"]["playable"].IsBool() &&
           d["encoding"]["playable"].GetBool();
}

std::string vtt_url(const char* id, const char* kind, const char* language) {
    return standin().vod() + "/vod/" + id + "/" + kind + "/" + language + ".vtt";
}

// api.video's 429 body (api.video-nodejs-client test/payloads/videos/get/responses429.json).
const char* const k429Body =
    "{\n  \"type\" : \"https://docs.api.video/reference/too-many-requests\",\n"
    "  \"title\" : \"Too many requests.\",\n  \"status\" : 429\n}";

// A ping as @api.video/player-analytics 1.0.9 sends it after ready() and play().
std::string v1_ping(const std::string& id) {
    return R"({"emitted_at":"2024-06-01T10:00:02.000Z","session":{"loaded_at":"2024-06-01T10:00:00.000Z",)"
           R"("referrer":"","metadata":[],"video_id":")" +
           id +
           R"("},"events":[{"type":"ready","emitted_at":"2024-06-01T10:00:01.000Z","at":0},)"
           R"({"type":"play","emitted_at":"2024-06-01T10:00:02.000Z","at":0}]})";
}

HttpReply post_ping(const std::string& path, const std::string& body, bool with_origin = true) {
    HttpRequest q;
    q.method = "POST";
    q.url = standin().collector() + path;
    q.body = body;
    // What fetch() sends for a string body: the module sets no Content-Type of its own.
    q.headers = {"Content-Type: text/plain;charset=UTF-8"};
    if (with_origin) q.headers.push_back("Origin: http://127.0.0.1:8080");
    return http(q);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(standin_tests)

// ---- the read budget ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(every_authenticated_api_request_counts_down_the_budget_then_429_with_the_headers) {
    fresh_standin(R"({"rate_limit":{"limit":6,"window_s":30}})");
    const std::string id = kPrivateVideo;
    // Each kind of authenticated request costs one read, a 404 or a 405 included.
    const std::string paths[] = {"/videos/" + id,
                                 "/videos/" + id + "/captions",
                                 "/videos/" + id + "/chapters",
                                 "/videos/" + id + "/status",
                                 std::string("/videos/") + kUnknownVideo,
                                 "/videos"};
    long expected = 5;
    for (const auto& path : paths) {
        HttpReply r = standin_api_get(path);
        BOOST_TEST(r.status != 429, path);
        BOOST_TEST(r.header_number("x-ratelimit-limit") == 6, path);
        BOOST_TEST(r.header_number("x-ratelimit-remaining") == expected, path);
        long retry = r.header_number("x-ratelimit-retry-after");
        BOOST_TEST((retry >= 1 && retry <= 30), path << ": retry-after " << retry);
        if (expected == 3) {
            // A wrong key is no key's read: nothing counted, the next reply goes on from here.
            HttpReply denied = http_get(standin().api() + "/videos/" + id, {api_authorization("not-a-key")});
            BOOST_TEST(denied.status == 401);
            BOOST_TEST(denied.header_number("x-ratelimit-limit") == 6);
        }
        --expected;
    }
    HttpReply over = standin_api_get("/videos/" + id);
    BOOST_TEST(over.status == 429);
    BOOST_TEST(over.body == k429Body);
    BOOST_TEST(over.header("content-type") == "application/json");
    BOOST_TEST(over.header_number("x-ratelimit-limit") == 6);
    BOOST_TEST(over.header_number("x-ratelimit-remaining") == 0);
    long retry = over.header_number("x-ratelimit-retry-after");
    BOOST_TEST((retry >= 1 && retry <= 30), "retry-after " << retry);
    // The 429 mints no token: the refused read did nothing.
    BOOST_TEST(over.body.find("token") == std::string::npos);

    // The delivery host and the control API are not the API: no budget, no headers.
    HttpReply vod = http_get(standin().vod() + "/vod/" + kPublicVideo + "/thumbnail.jpg");
    BOOST_TEST(vod.status == 200);
    BOOST_TEST(vod.header("x-ratelimit-remaining").empty());
    BOOST_TEST(http_get(standin().api() + "/_standin/stats").body.find("\"rate_limited\":1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(the_budget_refills_when_the_window_ends_as_retry_after_said) {
    fresh_standin(R"({"rate_limit":{"limit":2,"window_s":2}})");
    BOOST_TEST(standin_api_get("/videos/" + std::string(kPublicVideo)).status == 200);
    BOOST_TEST(standin_api_get("/videos/" + std::string(kPublicVideo)).status == 200);
    HttpReply over = standin_api_get("/videos/" + std::string(kPublicVideo));
    BOOST_REQUIRE(over.status == 429);
    long retry = over.header_number("x-ratelimit-retry-after");
    BOOST_REQUIRE((retry >= 1 && retry <= 2));
    // The control API says when the window ends: Retry-After is that, rounded up.
    const double left = standin().window_end(kKey) - unix_now();
    BOOST_TEST((left > retry - 1 && left <= retry), "the window ends in " << left << " s, retry-after " << retry);
    BOOST_REQUIRE(wait_until([] { return standin().window_end(kKey) == 0; }, static_cast<int>(retry * 1000 + 500)));
    HttpReply again = standin_api_get("/videos/" + std::string(kPublicVideo));
    BOOST_TEST(again.status == 200);
    BOOST_TEST(again.header_number("x-ratelimit-remaining") == 1);
    BOOST_TEST(again.header_number("x-ratelimit-retry-after") == 2);
}

BOOST_AUTO_TEST_CASE(each_key_has_its_own_budget_and_may_have_its_own_limit) {
    fresh_standin(R"({"rate_limit":{"limit":2,"window_s":30,"keys":{")" + std::string(kOtherKey) +
                  R"(":{"limit":3}}}})");
    const std::string path = "/videos/" + std::string(kPublicVideo);
    BOOST_TEST(standin_api_get(path, kKey).status == 200);
    BOOST_TEST(standin_api_get(path, kKey).status == 200);
    BOOST_TEST(standin_api_get(path, kKey).status == 429);
    HttpReply other = standin_api_get(path, kOtherKey);
    BOOST_TEST(other.status == 200);
    BOOST_TEST(other.header_number("x-ratelimit-limit") == 3);
    BOOST_TEST(other.header_number("x-ratelimit-remaining") == 2);
    BOOST_TEST(standin_api_get(path, kKey).status == 429);  // still spent
}

BOOST_AUTO_TEST_CASE(reset_refills_and_the_429_knob_still_replies_without_counting) {
    fresh_standin(R"({"rate_limit":{"limit":1,"window_s":30}})");
    const std::string path = "/videos/" + std::string(kPublicVideo);
    BOOST_TEST(standin_api_get(path).status == 200);
    BOOST_TEST(standin_api_get(path).status == 429);
    fresh_standin();  // back to the command line's budget (the harness's large one), refilled
    HttpReply after = standin_api_get(path);
    BOOST_TEST(after.status == 200);
    BOOST_TEST(after.header_number("x-ratelimit-remaining") == after.header_number("x-ratelimit-limit") - 1);

    standin().knobs(R"({"rate_limit":{"limit":5,"window_s":30},)"
                    R"("rules":[{"host":"api","path":"^/videos/","times":1,)"
                    R"("action":{"status":429,"retry_after":7}}]})");
    HttpReply injected = standin_api_get(path);
    BOOST_TEST(injected.status == 429);
    BOOST_TEST(injected.header("x-ratelimit-retry-after") == "7");
    BOOST_TEST(injected.header("retry-after") == "7");
    BOOST_TEST(injected.header("x-ratelimit-remaining") == "0");
    HttpReply next = standin_api_get(path);
    BOOST_TEST(next.status == 200);
    BOOST_TEST(next.header_number("x-ratelimit-remaining") == 4);  // the injected 429 took nothing
}

BOOST_AUTO_TEST_CASE(rate_limit_knobs_that_make_no_sense_are_refused) {
    fresh_standin();
    for (const char* bad : {R"({"rate_limit":{"limit":0}})", R"({"rate_limit":{"window_s":0}})",
                            R"({"rate_limit":{"limit":"5"}})", R"({"rate_limit":{"burst":5}})",
                            R"({"rate_limit":{"keys":{"k":{"keys":{}}}}})", R"({"playable":{"vi000":true}})"}) {
        HttpRequest q;
        q.method = "POST";
        q.url = standin().api() + "/_standin/knobs";
        q.body = bad;
        BOOST_TEST(http(q).status == 400, bad);
    }
}

// ---- captions and chapters --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(caption_and_chapter_lists_have_api_videos_shape) {
    fresh_standin();
    const std::string id = kPrivateVideo;
    HttpReply r = standin_api_get("/videos/" + id + "/captions");
    BOOST_TEST(r.status == 200);
    rapidjson::Document d = parse(r.body);
    BOOST_REQUIRE((d.IsObject() && d.HasMember("data") && d["data"].IsArray() && d["data"].Size() == 2u));
    int defaults = 0;
    const char* languages[] = {"en", "fr"};
    for (rapidjson::SizeType i = 0; i < 2; ++i) {
        const auto& c = d["data"][i];
        BOOST_TEST(str(c, "srclang") == languages[i]);
        BOOST_TEST(str(c, "uri") == "/videos/" + id + "/captions/" + languages[i]);
        BOOST_TEST(str(c, "src") == vtt_url(kPrivateVideo, "captions", languages[i]));
        BOOST_TEST(str(c, "languageName") == (i == 0 ? "English" : "Français"));
        BOOST_REQUIRE((c.HasMember("default") && c["default"].IsBool()));
        defaults += c["default"].GetBool();
    }
    BOOST_TEST(defaults == 1);
    BOOST_TEST(d["data"][0]["default"].GetBool());
    const auto& p = d["pagination"];
    BOOST_TEST(p["itemsTotal"].GetInt() == 2);
    BOOST_TEST(p["currentPage"].GetInt() == 1);
    BOOST_TEST(p["pageSize"].GetInt() == 25);
    BOOST_TEST(p["pagesTotal"].GetInt() == 1);
    BOOST_TEST(p["currentPageItems"].GetInt() == 2);
    BOOST_REQUIRE((p["links"].IsArray() && p["links"].Size() == 3u));
    BOOST_TEST(str(p["links"][0], "rel") == "self");
    BOOST_TEST(str(p["links"][0], "uri") == "/videos/" + id + "/captions?currentPage=1&pageSize=25");

    // A second page of one.
    rapidjson::Document second = parse(standin_api_get("/videos/" + id + "/captions?currentPage=2&pageSize=1").body);
    BOOST_REQUIRE(second["data"].Size() == 1u);
    BOOST_TEST(str(second["data"][0], "srclang") == "fr");
    BOOST_TEST(second["pagination"]["pagesTotal"].GetInt() == 2);
    BOOST_TEST(str(second["pagination"]["links"][2], "rel") == "previous");
    for (const char* bad : {"pageSize=0", "pageSize=101", "currentPage=0", "currentPage=x"}) {
        BOOST_TEST(standin_api_get("/videos/" + id + "/captions?" + bad).status == 400, bad);
    }

    // One caption by language, and one that is not there.
    BOOST_TEST(json_string_field(standin_api_get("/videos/" + id + "/captions/fr").body, "srclang") == "fr");
    BOOST_TEST(standin_api_get("/videos/" + id + "/captions/de").status == 404);

    rapidjson::Document chapters = parse(standin_api_get("/videos/" + id + "/chapters").body);
    BOOST_REQUIRE(chapters["data"].Size() == 1u);
    BOOST_TEST(str(chapters["data"][0], "language") == "en");
    BOOST_TEST(str(chapters["data"][0], "src") == vtt_url(kPrivateVideo, "chapters", "en"));
    BOOST_TEST(str(chapters["data"][0], "uri") == "/videos/" + id + "/chapters/en");

    // A video without any: an empty page. An unknown video: api.video's 404.
    rapidjson::Document none = parse(standin_api_get("/videos/" + std::string(kDocsVideo) + "/captions").body);
    BOOST_TEST(none["data"].Size() == 0u);
    BOOST_TEST(none["pagination"]["itemsTotal"].GetInt() == 0);
    BOOST_TEST(standin_api_get("/videos/" + std::string(kUnknownVideo) + "/chapters").status == 404);
    BOOST_TEST(http_get(standin().api() + "/videos/" + id + "/captions").status == 401);
}

BOOST_AUTO_TEST_CASE(a_private_videos_vtt_is_served_only_with_a_session_of_that_video) {
    fresh_standin();
    VideoSession s = open_session(kPrivateVideo);
    VideoSession other = open_session(kNoMp4Video);
    const std::string en = vtt_url(kPrivateVideo, "captions", "en");

    BOOST_TEST(http_get(en).status == 404);                            // no session
    BOOST_TEST(http_get(en + "?avh=" + other.session).status == 404);  // another video's
    BOOST_TEST(http_get(en + "?avh=00000000-0000-4000-8000-000000000000").status == 404);
    HttpReply ok = http_get(en + "?avh=" + s.session);
    BOOST_TEST(ok.status == 200);
    BOOST_TEST(ok.header("content-type") == "text/vtt; charset=utf-8");
    BOOST_TEST(ok.body.rfind("WEBVTT\n", 0) == 0);
    BOOST_TEST(ok.body.find("00:00:03.000 --> 00:00:04.000") != std::string::npos);  // the media's 4 s
    HttpReply fr = http_get(vtt_url(kPrivateVideo, "captions", "fr"), {"X-Token-Session: " + s.session});
    BOOST_TEST(fr.status == 200);
    BOOST_TEST(fr.body.find("Mire de test") != std::string::npos);
    HttpReply chapters = http_get(vtt_url(kPrivateVideo, "chapters", "en") + "?avh=" + s.session);
    BOOST_TEST(chapters.status == 200);
    BOOST_TEST(chapters.body.find("Opening") != std::string::npos);
    // Under the token path too, where the session must be of that very token.
    const std::string tokened = standin().vod() + "/vod/" + kPrivateVideo + "/token/" + s.token + "/captions/en.vtt";
    BOOST_TEST(http_get(tokened + "?avh=" + s.session).status == 200);
    BOOST_TEST(http_get(tokened + "?avh=" + other.session).status == 404);
    // A language the video does not have, and a video without captions.
    BOOST_TEST(http_get(vtt_url(kPrivateVideo, "chapters", "fr") + "?avh=" + s.session).status == 404);
    BOOST_TEST(http_get(vtt_url(kNoMp4Video, "captions", "en") + "?avh=" + other.session).status == 404);

    std::vector<std::string> verdicts;
    for (const auto& q : standin().requests()) {
        if (q.path.find(".vtt") != std::string::npos && q.path.find("/token/") == std::string::npos) {
            verdicts.push_back(q.session);
        }
    }
    // The last two name no file: refused before any session check.
    const std::vector<std::string> expected = {"missing", "invalid", "invalid", "valid", "valid", "valid", "", ""};
    BOOST_TEST(verdicts == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(vtt_replies_allow_a_cross_origin_read_only_when_asked_and_never_with_credentials) {
    fresh_standin();
    VideoSession s = open_session(kPrivateVideo);
    const std::string url = vtt_url(kPrivateVideo, "captions", "en") + "?avh=" + s.session;
    HttpReply with = http_get(url, {"Origin: http://127.0.0.1:8080"});
    BOOST_TEST(with.status == 200);
    BOOST_TEST(with.header("access-control-allow-origin") == "*");
    BOOST_TEST(with.header("access-control-allow-credentials").empty());
    BOOST_TEST(with.header("vary") == "Origin");
    HttpReply without = http_get(url);
    BOOST_TEST(without.status == 200);
    BOOST_TEST(without.header("access-control-allow-origin").empty());
    BOOST_TEST(without.header("vary") == "Origin");
    // A public video's captions need no session.
    HttpReply pub = http_get(vtt_url(kPublicVideo, "captions", "en"), {"Origin: http://127.0.0.1:8080"});
    BOOST_TEST(pub.status == 200);
    BOOST_TEST(pub.header("access-control-allow-origin") == "*");
}

// ---- status and a video still encoding --------------------------------------------------------

BOOST_AUTO_TEST_CASE(status_says_playable_or_not_and_a_video_still_encoding_has_no_hls_yet) {
    fresh_standin();
    rapidjson::Document ready = parse(standin_api_get("/videos/" + std::string(kPrivateVideo) + "/status").body);
    BOOST_TEST(playable(kPrivateVideo));
    BOOST_TEST(str(ready["ingest"], "status") == "uploaded");
    BOOST_REQUIRE(ready["encoding"]["qualities"].Size() >= 2u);
    for (const auto& q : ready["encoding"]["qualities"].GetArray()) BOOST_TEST(str(q, "status") == "encoded");
    BOOST_TEST(ready["encoding"]["metadata"]["duration"].GetInt() == 4);

    HttpReply status = standin_api_get("/videos/" + std::string(kEncodingVideo) + "/status");
    BOOST_TEST(status.status == 200);
    rapidjson::Document encoding = parse(status.body);
    BOOST_TEST(!encoding["encoding"]["playable"].GetBool());
    BOOST_TEST(encoding["encoding"]["metadata"]["duration"].IsNull());

    // Its assets are listed; the session opens; the thumbnail is there, HLS and MP4 are not.
    VideoSession s = open_session(kEncodingVideo);
    const std::string base = standin().vod() + "/vod/" + kEncodingVideo + "/token/" + s.token + "/";
    const std::string avh = "?avh=" + s.session;
    BOOST_TEST(http_get(base + "thumbnail.jpg" + avh).status == 200);
    BOOST_TEST(http_get(base + "hls/manifest.m3u8" + avh).status == 404);
    BOOST_TEST(http_get(base + "hls/180p/seg0.ts" + avh).status == 404);
    BOOST_TEST(http_get(base + "mp4/source.mp4" + avh).status == 404);

    // The knob makes it playable after a while (a second), as encoding ends.
    standin().knobs(std::string(R"({"playable":{")") + kEncodingVideo + R"(":1}})");
    BOOST_TEST(http_get(base + "hls/manifest.m3u8" + avh).status == 404);
    BOOST_TEST(wait_until([&] { return http_get(base + "hls/manifest.m3u8" + avh).status == 200; }, 3000));
    BOOST_TEST(http_get(base + "mp4/source.mp4" + avh).status == 200);
    BOOST_TEST(playable(kEncodingVideo));

    // And the other way: a playable video made to look as if it were still encoding.
    standin().knobs(std::string(R"({"playable":{")") + kPrivateVideo + R"(":false}})");
    VideoSession p = open_session(kPrivateVideo);
    BOOST_TEST(http_get(standin().vod() + "/vod/" + kPrivateVideo + "/token/" + p.token +
                        "/hls/manifest.m3u8?avh=" + p.session)
                   .status == 404);
    BOOST_TEST(!playable(kPrivateVideo));
}

// ---- the analytics collector --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_collector_accepts_a_ping_as_the_module_sends_it_and_logs_the_video) {
    fresh_standin();
    HttpReply r = post_ping("/vod", v1_ping(kPrivateVideo));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.header("access-control-allow-origin") == "*");
    BOOST_TEST(r.header("access-control-allow-credentials").empty());
    std::string session = json_string_field(r.body, "session");
    BOOST_TEST(!session.empty());

    // The module sends the session back in its next ping; the collector keeps it.
    std::string next = v1_ping(kPrivateVideo);
    next.insert(next.find("\"video_id\""), "\"session_id\":\"" + session + "\",");
    BOOST_TEST(json_string_field(post_ping("/vod", next).body, "session") == session);

    // The 2.0 wire format (GitHub, not on npm), to /watch.
    HttpReply v2 = post_ping("/watch", std::string(R"({"sat":1717236000000,"sid":"s-1","mid":")") + kPublicVideo +
                                           R"(","pid":"p-1","ref":"","ver":"0.1.0",)"
                                           R"("eve":[{"eat":1717236000000,"typ":2,"vti":0}]})");
    BOOST_TEST(v2.status == 204);

    // Without Origin (not a browser) no CORS header; a preflight is refused; garbage is a 400.
    BOOST_TEST(post_ping("/vod", v1_ping(kPrivateVideo), false).header("access-control-allow-origin").empty());
    HttpRequest preflight;
    preflight.method = "OPTIONS";
    preflight.url = standin().collector() + "/vod";
    preflight.headers = {"Origin: http://127.0.0.1:8080", "Access-Control-Request-Method: POST",
                         "Access-Control-Request-Headers: content-type"};
    HttpReply pre = http(preflight);
    BOOST_TEST(pre.status != 204);
    BOOST_TEST(pre.header("access-control-allow-origin").empty());
    BOOST_TEST(post_ping("/vod", R"({"session":{},"events":[]})").status == 400);
    BOOST_TEST(post_ping("/vod", "not json").status == 400);
    BOOST_TEST(http_get(standin().collector() + "/vod").status == 405);

    std::vector<StandinRequest> pings;
    for (const auto& q : standin().requests()) {
        if (q.host == "collector" && !q.ping_video_id.empty()) pings.push_back(q);
    }
    BOOST_REQUIRE(pings.size() == 4u);
    BOOST_TEST(pings[0].ping_video_id == kPrivateVideo);
    BOOST_TEST(pings[0].origin == "http://127.0.0.1:8080");
    const std::vector<std::string> events = {"ready", "play"};
    BOOST_TEST(pings[0].ping_events == events, boost::test_tools::per_element());
    BOOST_TEST(pings[2].ping_video_id == kPublicVideo);
    BOOST_TEST(pings[2].ping_events == std::vector<std::string>{"play"}, boost::test_tools::per_element());
    // No budget spent on pings: the collector is not the API.
    BOOST_TEST(standin().api_calls() == 0u);
}

// ---- what the page shows about a video ----------------------------------------------------------

BOOST_AUTO_TEST_CASE(fixtures_carry_a_language_a_description_and_a_public_thumbnail) {
    fresh_standin();
    HttpReply fr = standin_api_get("/videos/" + std::string(kNoMp4Video));
    BOOST_TEST(json_string_field(fr.body, "language") == "fr");
    BOOST_TEST(json_string_field(fr.body, "description").find("Privée") == 0u);
    HttpReply markup = standin_api_get("/videos/" + std::string(kMarkupVideo));
    BOOST_TEST(json_string_field(markup.body, "description").find("<img src=x onerror=alert(1)>") != std::string::npos);
    // The stand-in's own fixture keys never reach the reply.
    BOOST_TEST(standin_api_get("/videos/" + std::string(kPrivateVideo)).body.find("_standin") == std::string::npos);
    std::string thumbnail =
        json_string_field(standin_api_get("/videos/" + std::string(kPublicVideo)).body, "assets.thumbnail");
    HttpReply image = http_get(thumbnail);
    BOOST_TEST(image.status == 200);
    BOOST_TEST(image.header("content-type") == "image/jpeg");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
