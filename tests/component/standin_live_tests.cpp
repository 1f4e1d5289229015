// Component tier: the stand-in's live streams, through plain HTTP, on what the handler's live
// pages will rely on: the read and its budget, single-use tokens, the session on every
// playlist, child playlist, segment and thumbnail, going on and off air, and the live window.
#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>

#include <regex>
#include <string>
#include <vector>

#include "tests/support/http.h"
#include "tests/support/process.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

bool has_member(const std::string& json, const char* name) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    return !d.HasParseError() && d.IsObject() && d.HasMember(name);
}

bool json_bool(const std::string& json, const char* name) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    BOOST_REQUIRE_MESSAGE(!d.HasParseError() && d.IsObject() && d.HasMember(name) && d[name].IsBool(),
                          "no boolean " << name << " in " << json);
    return d[name].GetBool();
}

// A private live stream as the handler will see it: one read, its token, one session.
struct LiveSession {
    std::string read;  // the API's answer
    std::string hls, token, session;
};

// The token in a private live playlist's URL, {live}/private/{token}/{id}.m3u8.
std::string live_token(const std::string& hls) {
    const std::string prefix = standin().live() + "/private/";
    BOOST_REQUIRE_MESSAGE(hls.rfind(prefix, 0) == 0, "not a private live playlist: " << hls);
    return hls.substr(prefix.size(), hls.find('/', prefix.size()) - prefix.size());
}

std::string session_url(const std::string& id, const std::string& token) {
    return standin().live() + "/private/" + token + "/" + id + "/session";
}

LiveSession read_live(const std::string& id) {
    HttpReply r = standin_api_get("/live-streams/" + id);
    BOOST_REQUIRE_MESSAGE(r.status == 200, "GET /live-streams/" << id << ": " << r.status);
    LiveSession s;
    s.read = r.body;
    s.hls = json_string_field(r.body, "assets.hls");
    s.token = live_token(s.hls);
    return s;
}

LiveSession open_live_session(const std::string& id) {
    LiveSession s = read_live(id);
    HttpReply session = http_get(session_url(id, s.token));
    BOOST_REQUIRE_MESSAGE(session.status == 200, "/session: " << session.status);
    s.session = json_string_field(session.body, "session_token");
    BOOST_REQUIRE(!s.session.empty());
    return s;
}

std::string with_avh(const std::string& url, const std::string& session) { return url + "?avh=" + session; }

// A URI of a playlist made absolute: relative to the playlist's folder, its query dropped.
std::string resolve(const std::string& playlist_url, const std::string& uri) {
    std::string base = playlist_url.substr(0, playlist_url.find('?'));
    return base.substr(0, base.rfind('/') + 1) + uri;
}

std::vector<std::string> lines(const std::string& playlist) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < playlist.size()) {
        size_t end = playlist.find('\n', start);
        if (end == std::string::npos) end = playlist.size();
        out.push_back(playlist.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

// The URI lines of a playlist.
std::vector<std::string> uris(const std::string& playlist) {
    std::vector<std::string> out;
    for (const auto& line : lines(playlist)) {
        if (!line.empty() && line[0] != '#') out.push_back(line);
    }
    return out;
}

long tag_number(const std::string& playlist, const std::string& tag) {
    std::smatch m;
    if (!std::regex_search(playlist, m, std::regex("#" + tag + ":([0-9]+)\n"))) return -1;
    return std::stol(m[1]);
}

bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

const char* const kPlaylistType = "application/vnd.apple.mpegurl";

// A live stream's first rendition playlist, fetched through its master with the session
// ("" for a public stream); the URL in `url`.
HttpReply first_rendition(const std::string& master_url, const std::string& session, std::string* url) {
    auto add = [&](const std::string& u) { return session.empty() ? u : with_avh(u, session); };
    HttpReply master = http_get(add(master_url));
    BOOST_REQUIRE_MESSAGE(master.status == 200, "master: " << master.status);
    std::vector<std::string> children = uris(master.body);
    BOOST_REQUIRE(!children.empty());
    *url = resolve(master_url, children[0]);
    return http_get(add(*url));
}

// One of api.video's own payloads (tests/fixtures/apivideo/), byte for byte.
std::string payload(const std::string& name) { return read_file(repo_root() + "/tests/fixtures/apivideo/" + name); }

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(standin_live_tests)

// ---- the read ---------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_live_stream_read_spends_the_read_budget_as_a_video_read_does) {
    fresh_standin(R"({"rate_limit":{"limit":4,"window_s":30}})");
    const std::string paths[] = {std::string("/live-streams/") + kPrivateLive,
                                 std::string("/videos/") + kPublicVideo,  // one budget for both
                                 std::string("/live-streams/") + kUnknownLive,
                                 std::string("/live-streams/") + kPublicLive};
    long expected = 3;
    for (const auto& path : paths) {
        HttpReply r = standin_api_get(path);
        BOOST_TEST(r.status != 429, path);
        BOOST_TEST(r.header_number("x-ratelimit-limit") == 4, path);
        BOOST_TEST(r.header_number("x-ratelimit-remaining") == expected, path);
        long retry = r.header_number("x-ratelimit-retry-after");
        BOOST_TEST((retry >= 1 && retry <= 30), path << ": retry-after " << retry);
        if (expected == 2) {
            // A wrong key is no key's read: nothing counted, the next answer goes on from here.
            HttpReply denied =
                http_get(standin().api() + "/live-streams/" + kPrivateLive, {api_authorization("nokey")});
            BOOST_TEST(denied.status == 401);
            BOOST_TEST(denied.header_number("x-ratelimit-limit") == 4);
        }
        --expected;
    }
    HttpReply over = standin_api_get(std::string("/live-streams/") + kPrivateLive);
    BOOST_TEST(over.status == 429);
    BOOST_TEST(over.body == payload("video-get-429.nodejs-client.json"));
    BOOST_TEST(over.header_number("x-ratelimit-remaining") == 0);
    long retry = over.header_number("x-ratelimit-retry-after");
    BOOST_TEST((retry >= 1 && retry <= 30), "retry-after " << retry);
    BOOST_TEST(http_get(standin().api() + "/_standin/stats").body.find("\"tokens_minted\":1,") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_unknown_live_stream_is_404_with_api_videos_problem_body) {
    fresh_standin();
    const std::string expected = payload("live-stream-complete-404.nodejs-client.json");
    BOOST_REQUIRE(expected.find("\"liveStreamId\"") != std::string::npos);
    for (const char* id : {kUnknownLive, kPrivateVideo, "not-an-id"}) {
        HttpReply r = standin_api_get(std::string("/live-streams/") + id);
        BOOST_TEST(r.status == 404, id);
        BOOST_TEST(r.body == expected, id);
        BOOST_TEST(r.header("content-type") == "application/json", id);
        BOOST_TEST(r.header_number("x-ratelimit-limit") > 0, id);
    }
    // A live stream is no video.
    HttpReply video = standin_api_get(std::string("/videos/") + kPrivateLive);
    BOOST_TEST(video.status == 404);
    BOOST_TEST(video.body.find("\"videoId\"") != std::string::npos);
    // And the live host knows no such stream either.
    BOOST_TEST(http_get(standin().live() + "/" + kUnknownLive + ".m3u8").status == 404);
}

BOOST_AUTO_TEST_CASE(each_read_of_a_private_live_stream_mints_a_fresh_token_in_every_asset) {
    fresh_standin();
    const std::string id = kPrivateLive;
    LiveSession a = read_live(id), b = read_live(id);
    BOOST_TEST(a.token != b.token);
    BOOST_TEST(
        std::regex_match(a.token, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
    const std::string live = standin().live(), vod = standin().vod();
    BOOST_TEST(a.hls == live + "/private/" + a.token + "/" + id + ".m3u8");
    BOOST_TEST(json_string_field(a.read, "assets.thumbnail") ==
               live + "/" + id + "/token/" + a.token + "/thumbnail.jpg");
    const std::string player = vod + "/embed/live/" + id + "?token=" + a.token;
    BOOST_TEST(json_string_field(a.read, "assets.player") == player);
    BOOST_TEST(json_string_field(a.read, "assets.iframe").find("src=\"" + player + "\"") != std::string::npos);
    BOOST_TEST(!has_member(json_string_field(a.read, "assets"), "mp4"));
    BOOST_TEST(a.read.find("\"mp4\"") == std::string::npos);
    BOOST_TEST(json_string_field(a.read, "liveStreamId") == id);
    BOOST_TEST(json_string_field(a.read, "name") == "A private live class");
    BOOST_TEST(!json_bool(a.read, "public"));
    BOOST_TEST(json_bool(a.read, "broadcasting"));
    BOOST_TEST(!json_string_field(a.read, "streamKey").empty());  // a secret the API does return
    // A live host of its own, as live.api.video is.
    BOOST_TEST(live != vod);

    HttpReply pub = standin_api_get(std::string("/live-streams/") + kPublicLive);
    BOOST_TEST(pub.status == 200);
    BOOST_TEST(json_bool(pub.body, "public"));
    BOOST_TEST(json_string_field(pub.body, "assets.hls") == live + "/" + kPublicLive + ".m3u8");
    BOOST_TEST(json_string_field(pub.body, "assets.thumbnail") == live + "/" + kPublicLive + "/thumbnail.jpg");
    BOOST_TEST(json_string_field(pub.body, "assets.player") == vod + "/embed/live/" + kPublicLive);
    BOOST_TEST(pub.body.find("token") == std::string::npos);
    BOOST_TEST(http_get(standin().api() + "/_standin/stats").body.find("\"tokens_minted\":2,") != std::string::npos);
}

// ---- tokens and sessions -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(a_live_token_makes_one_session_and_only_at_its_own_streams_session_url) {
    fresh_standin();
    const std::string id = kPrivateLive;
    LiveSession s = read_live(id);
    // Elsewhere the token makes nothing, and is not spent by trying.
    BOOST_TEST(http_get(session_url(kMarkupLive, s.token)).status == 404);
    BOOST_TEST(http_get(standin().vod() + "/vod/" + id + "/token/" + s.token + "/session").status == 404);
    BOOST_TEST(http_get(standin().live() + "/private/" + s.token + "/" + id + ".m3u8/session").status == 404);

    HttpReply first = http_get(session_url(id, s.token));
    BOOST_TEST(first.status == 200);
    BOOST_TEST(first.header("content-type") == "application/json");
    const std::string session = json_string_field(first.body, "session_token");
    BOOST_TEST(std::regex_match(session, std::regex("[0-9a-f-]{36}")));
    BOOST_TEST(http_get(session_url(id, s.token)).status == 404);  // single use

    // A video's token makes no live session, and a live token no video session.
    HttpReply video = standin_api_get(std::string("/videos/") + kPrivateVideo);
    std::string mp4 = json_string_field(video.body, "assets.mp4");
    size_t at = mp4.find("/token/");
    BOOST_REQUIRE(at != std::string::npos);
    std::string video_token = mp4.substr(at + 7, mp4.find('/', at + 7) - at - 7);
    BOOST_TEST(http_get(session_url(kPrivateVideo, video_token)).status == 404);
    BOOST_TEST(http_get(session_url(id, video_token)).status == 404);
    LiveSession other = read_live(id);
    BOOST_TEST(http_get(standin().vod() + "/vod/" + id + "/token/" + other.token + "/session").status == 404);
    BOOST_TEST(http_get(session_url(id, other.token)).status == 200);
}

BOOST_AUTO_TEST_CASE(a_request_without_a_session_is_refused_and_spends_the_token) {
    fresh_standin();
    LiveSession s = read_live(kPrivateLive);
    HttpReply bare = http_get(s.hls);
    BOOST_TEST(bare.status == 404);
    BOOST_TEST(http_get(session_url(kPrivateLive, s.token)).status == 404);
    // So does a thumbnail read without one.
    LiveSession t = read_live(kPrivateLive);
    BOOST_TEST(http_get(json_string_field(t.read, "assets.thumbnail")).status == 404);
    BOOST_TEST(http_get(session_url(kPrivateLive, t.token)).status == 404);
}

BOOST_AUTO_TEST_CASE(every_playlist_child_segment_and_thumbnail_of_a_private_stream_needs_its_session) {
    fresh_standin();
    const std::string id = kPrivateLive;
    LiveSession s = open_live_session(id);
    LiveSession same_stream = open_live_session(id);  // a session of another token
    LiveSession other_stream = open_live_session(kMarkupLive);
    const std::vector<std::string> strangers = {same_stream.session, other_stream.session,
                                                "00000000-0000-4000-8000-000000000000"};
    size_t files = 0;
    auto check = [&](const std::string& url, const char* type) {
        HttpReply ok = http_get(with_avh(url, s.session));
        BOOST_TEST(ok.status == 200, url);
        BOOST_TEST(ok.header("content-type") == type, url);
        BOOST_TEST(ok.header("access-control-allow-origin") == "*", url);
        BOOST_TEST(http_get(url, {"X-Token-Session: " + s.session}).status == 200, url);  // Android's way
        BOOST_TEST(http_get(url).status == 404, url);
        for (const auto& stranger : strangers) BOOST_TEST(http_get(with_avh(url, stranger)).status == 404, url);
        ++files;
        return ok.body;
    };
    std::string master = check(s.hls, kPlaylistType);
    std::vector<std::string> children = uris(master);
    BOOST_TEST(children.size() == 2u);
    for (const auto& child : children) {
        const std::string child_url = resolve(s.hls, child);
        BOOST_TEST(child_url.rfind(standin().live() + "/private/" + s.token + "/" + id + "/", 0) == 0, child_url);
        std::string playlist = check(child_url, kPlaylistType);
        std::vector<std::string> segments = uris(playlist);
        BOOST_TEST(segments.size() == 6u);
        for (const auto& segment : segments) check(resolve(child_url, segment), "video/mp2t");
    }
    check(json_string_field(s.read, "assets.thumbnail"), "image/jpeg");
    BOOST_TEST(files == 1u + 2u + 12u + 1u);

    // The log says which requests had a session, none or a wrong one.
    size_t valid = 0, missing = 0, invalid = 0;
    for (const auto& q : standin().requests()) {
        if (q.host != "live" || ends_with(q.path, "/session")) continue;
        valid += q.session == "valid";
        missing += q.session == "missing";
        invalid += q.session == "invalid";
    }
    BOOST_TEST(valid == 2 * files);
    BOOST_TEST(missing == files);
    BOOST_TEST(invalid == strangers.size() * files);
}

BOOST_AUTO_TEST_CASE(a_public_live_stream_needs_no_token_and_has_no_private_paths) {
    fresh_standin();
    const std::string id = kPublicLive;
    const std::string master = standin().live() + "/" + id + ".m3u8";
    std::string child;
    HttpReply playlist = first_rendition(master, "", &child);
    BOOST_TEST(playlist.status == 200);
    BOOST_TEST(child.rfind(standin().live() + "/" + id + "/", 0) == 0, child);
    for (const auto& segment : uris(playlist.body)) BOOST_TEST(http_get(resolve(child, segment)).status == 200);
    BOOST_TEST(http_get(standin().live() + "/" + id + "/thumbnail.jpg").status == 200);
    // A private stream has no tokenless paths, and a public one no private ones.
    BOOST_TEST(http_get(standin().live() + "/" + kPrivateLive + ".m3u8").status == 404);
    BOOST_TEST(http_get(standin().live() + "/" + kPrivateLive + "/thumbnail.jpg").status == 404);
    BOOST_TEST(http_get(session_url(id, "00000000-0000-4000-8000-000000000000")).status == 404);
    // And its embed page needs no token.
    HttpReply embed = http_get(standin().vod() + "/embed/live/" + id);
    BOOST_TEST(embed.status == 200);
    BOOST_TEST(embed.body.find(master + "?embed=1") != std::string::npos);
}

// ---- on and off air ----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(off_air_the_playlist_is_404_and_switching_broadcasting_on_serves_it) {
    fresh_standin();
    const std::string id = kWaitingLive;
    LiveSession s = open_live_session(id);  // a session can be made before the stream starts
    BOOST_TEST(!json_bool(s.read, "broadcasting"));
    BOOST_TEST(http_get(with_avh(s.hls, s.session)).status == 404);
    const std::string child = standin().live() + "/private/" + s.token + "/" + id + "/180p/index.m3u8";
    BOOST_TEST(http_get(with_avh(child, s.session)).status == 404);
    BOOST_TEST(http_get(with_avh(json_string_field(s.read, "assets.thumbnail"), s.session)).status == 200);

    standin().broadcast(id, R"({"broadcasting":true})");
    BOOST_TEST(json_bool(read_live(id).read, "broadcasting"));
    std::string child_url;
    HttpReply playlist = first_rendition(s.hls, s.session, &child_url);
    BOOST_TEST(child_url == child);
    BOOST_TEST(playlist.status == 200);
    // A live playlist: no end, no VOD type, the window from the start of the broadcast.
    BOOST_TEST(playlist.body.find("#EXT-X-ENDLIST") == std::string::npos);
    BOOST_TEST(playlist.body.find("#EXT-X-PLAYLIST-TYPE") == std::string::npos);
    BOOST_TEST(tag_number(playlist.body, "EXT-X-MEDIA-SEQUENCE") <= 1);
    for (const auto& segment : uris(playlist.body)) {
        BOOST_TEST(http_get(with_avh(resolve(child_url, segment), s.session)).status == 200, segment);
    }
}

BOOST_AUTO_TEST_CASE(switching_broadcasting_off_ends_the_playlists_with_endlist_then_they_go) {
    fresh_standin();
    const std::string id = kPrivateLive;
    LiveSession s = open_live_session(id);
    std::string child;
    HttpReply before = first_rendition(s.hls, s.session, &child);
    BOOST_TEST(before.status == 200);
    BOOST_TEST(before.body.find("#EXT-X-ENDLIST") == std::string::npos);

    standin().broadcast(id, R"({"broadcasting":false})");
    BOOST_TEST(!json_bool(read_live(id).read, "broadcasting"));
    HttpReply ended = http_get(with_avh(child, s.session));
    BOOST_TEST(ended.status == 200);
    BOOST_TEST(ends_with(ended.body, "#EXT-X-ENDLIST\n"));
    // The segment it was making when it ended is there too, then nothing after it.
    std::vector<std::string> segments = uris(ended.body);
    BOOST_TEST(segments.size() == 7u);
    for (const auto& segment : segments) {
        BOOST_TEST(http_get(with_avh(resolve(child, segment), s.session)).status == 200, segment);
    }
    long next = tag_number(ended.body, "EXT-X-MEDIA-SEQUENCE") + 7;
    BOOST_TEST(http_get(with_avh(resolve(child, "seg" + std::to_string(next) + ".ts"), s.session)).status == 404);
    BOOST_TEST(http_get(with_avh(s.hls, s.session)).status == 200);

    // Once its last playlist is gone, the stream is off air like one never started.
    standin().broadcast(id, R"({"broadcasting":false,"endlist_s":0})");
    BOOST_TEST(http_get(with_avh(s.hls, s.session)).status == 404);
    BOOST_TEST(http_get(with_avh(child, s.session)).status == 404);

    // On again: a new broadcast, from the start.
    standin().broadcast(id, R"({"broadcasting":true})");
    HttpReply again = http_get(with_avh(child, s.session));
    BOOST_TEST(again.status == 200);
    BOOST_TEST(again.body.find("#EXT-X-ENDLIST") == std::string::npos);
    BOOST_TEST(tag_number(again.body, "EXT-X-MEDIA-SEQUENCE") <= 1);
}

BOOST_AUTO_TEST_CASE(the_live_window_slides_over_the_looped_media_with_a_discontinuity_per_loop) {
    fresh_standin();
    const std::string id = kPublicLive;
    // On air for 10.4 s already: the window starts at segment 10 (11 if the test is slow).
    standin().broadcast(id, R"({"broadcasting":false,"endlist_s":0})");
    standin().broadcast(id, R"({"broadcasting":true,"at_s":-10.4})");
    std::string child;
    HttpReply playlist = first_rendition(standin().live() + "/" + id + ".m3u8", "", &child);
    BOOST_REQUIRE(playlist.status == 200);
    const long first = tag_number(playlist.body, "EXT-X-MEDIA-SEQUENCE");
    BOOST_TEST((first >= 10 && first <= 12), "media sequence " << first);
    BOOST_TEST(tag_number(playlist.body, "EXT-X-TARGETDURATION") == 1);
    // The media loops every 4 segments: a discontinuity where it starts over, counted.
    BOOST_TEST(tag_number(playlist.body, "EXT-X-DISCONTINUITY-SEQUENCE") == first / 4);
    std::vector<std::string> expected_lines;
    for (long n = first; n < first + 6; ++n) {
        if (n % 4 == 0 && n != first) expected_lines.push_back("#EXT-X-DISCONTINUITY");
        expected_lines.push_back("#EXTINF:1.000000,");
        expected_lines.push_back("seg" + std::to_string(n) + ".ts");
    }
    std::vector<std::string> all = lines(playlist.body), segment_lines;
    for (const auto& line : all) {
        if (line.rfind("#EXTINF", 0) == 0 || line == "#EXT-X-DISCONTINUITY" || (!line.empty() && line[0] != '#')) {
            segment_lines.push_back(line);
        }
    }
    BOOST_TEST(segment_lines == expected_lines, boost::test_tools::per_element());

    // Segment n is the media's segment n mod 4; the window before this one is still there,
    // nothing before it, nothing from the future.
    BOOST_REQUIRE(ends_with(child, "/index.m3u8"));
    const std::string folder = child.substr(0, child.size() - 11);
    const std::string media = repo_root() + "/tests/fixtures/media/hls/" + folder.substr(folder.rfind('/') + 1);
    auto segment = [&](long n) { return http_get(resolve(child, "seg" + std::to_string(n) + ".ts")); };
    HttpReply current = segment(first);
    BOOST_TEST(current.status == 200);
    BOOST_TEST(current.body == read_file(media + "/seg" + std::to_string(first % 4) + ".ts"));
    BOOST_TEST(segment(first - 6).status == 200);
    BOOST_TEST(segment(first - 7).status == 404);
    BOOST_TEST(segment(first + 6).status == 404);

    HttpReply state = http_get(standin().api() + "/_standin/live-streams/" + id);
    BOOST_TEST(state.body.find("\"phase\":\"on\"") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_stream_switched_on_later_starts_by_itself) {
    fresh_standin();
    const std::string id = kWaitingLive;
    standin().broadcast(id, R"({"broadcasting":true,"at_s":3600})");
    HttpReply state = http_get(standin().api() + "/_standin/live-streams/" + id);
    BOOST_TEST(state.body.find("\"broadcasting\":false") != std::string::npos);
    BOOST_TEST(!json_bool(read_live(id).read, "broadcasting"));
    // Called off before it starts, then started now.
    standin().broadcast(id, R"({"broadcasting":false})");
    standin().broadcast(id, R"({"broadcasting":true,"at_s":-1})");
    BOOST_TEST(json_bool(read_live(id).read, "broadcasting"));
}

// ---- the embed page, faults, the control API -----------------------------------------------------

BOOST_AUTO_TEST_CASE(the_embed_page_of_a_private_live_stream_uses_the_session_it_is_given_or_makes_one) {
    fresh_standin();
    const std::string id = kPrivateLive;
    LiveSession s = read_live(id);
    const std::string player = json_string_field(s.read, "assets.player");
    HttpReply page = http_get(player);  // as api.video's player: it spends the token itself
    BOOST_TEST(page.status == 200);
    BOOST_TEST(page.header("content-type") == "text/html; charset=utf-8");
    std::smatch m;
    BOOST_REQUIRE(
        std::regex_search(page.body, m, std::regex("<source src=\"([^\"]+)\\?avh=([0-9a-f-]{36})&amp;embed=1\"")));
    BOOST_TEST(m[1].str() == s.hls);
    const std::string made = m[2];
    BOOST_TEST(http_get(player).status == 404);
    BOOST_TEST(http_get(session_url(id, s.token)).status == 404);
    // The page's playlist hands the session on to its children (the page has no player script).
    HttpReply master = http_get(s.hls + "?avh=" + made + "&embed=1");
    BOOST_TEST(master.status == 200);
    for (const auto& child : uris(master.body)) {
        BOOST_TEST(child.find("?avh=" + made + "&embed=1") != std::string::npos, child);
        BOOST_TEST(http_get(resolve(s.hls, child)).status == 200, child);
    }

    LiveSession t = open_live_session(id);
    const std::string given = json_string_field(t.read, "assets.player") + "&avh=" + t.session;
    HttpReply with = http_get(given);
    BOOST_TEST(with.status == 200);
    BOOST_TEST(with.body.find(t.hls + "?avh=" + t.session + "&amp;embed=1") != std::string::npos);
    BOOST_TEST(http_get(given).status == 200);  // the session stays good
    BOOST_TEST(http_get(json_string_field(t.read, "assets.player") + "&avh=" + made).status == 404);
}

BOOST_AUTO_TEST_CASE(api_fault_knobs_apply_to_live_stream_reads) {
    fresh_standin(R"({"rules":[{"host":"api","path":"^/live-streams/","times":1,"action":{"fault":"no_token"}}]})");
    HttpReply r = standin_api_get(std::string("/live-streams/") + kPrivateLive);
    BOOST_TEST(r.status == 200);
    const std::string hls = json_string_field(r.body, "assets.hls");
    BOOST_TEST(hls == standin().live() + "/" + kPrivateLive + ".m3u8");
    BOOST_TEST(r.body.find("token") == std::string::npos);
    BOOST_TEST(http_get(hls).status == 404);  // a private stream has no tokenless playlist
    standin().knobs(R"({"rules":[{"host":"live","path":"/session$","times":1,"action":{"status":500}}]})");
    LiveSession s = read_live(kPrivateLive);
    BOOST_TEST(http_get(session_url(kPrivateLive, s.token)).status == 500);
    BOOST_TEST(http_get(session_url(kPrivateLive, s.token)).status == 200);  // the 500 spent nothing
}

BOOST_AUTO_TEST_CASE(the_control_api_lists_the_streams_and_refuses_switches_that_make_no_sense) {
    fresh_standin();
    HttpReply all = http_get(standin().api() + "/_standin/live-streams");
    BOOST_TEST(all.status == 200);
    for (const char* id : {kPrivateLive, kWaitingLive, kPublicLive, kMarkupLive}) {
        BOOST_TEST(all.body.find(std::string("\"liveStreamId\":\"") + id + "\"") != std::string::npos, id);
    }
    for (const char* bad :
         {R"({})", R"({"broadcasting":"yes"})", R"({"broadcasting":true,"at_s":"soon"})",
          R"({"broadcasting":false,"endlist_s":-1})", R"({"broadcasting":true,"when":1})", "not json"}) {
        HttpRequest q;
        q.method = "POST";
        q.url = standin().api() + "/_standin/live-streams/" + kPrivateLive;
        q.body = bad;
        BOOST_TEST(http(q).status == 400, bad);
    }
    HttpRequest unknown;
    unknown.method = "POST";
    unknown.url = standin().api() + "/_standin/live-streams/" + kUnknownLive;
    unknown.body = R"({"broadcasting":true})";
    BOOST_TEST(http(unknown).status == 404);
    // None of this went into the request log, nor did it change a stream.
    BOOST_TEST(standin().requests().empty());
    BOOST_TEST(json_bool(read_live(kPrivateLive).read, "broadcasting"));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
