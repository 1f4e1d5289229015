// Unit tests for common/json.cpp: api.video's replies as untrusted input. The four real
// payloads first, then hostile bodies that must give an error, never a crash.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>

#include "common/escape.h"
#include "common/json.h"
#include "tests/unit/unit_support.h"

namespace bdata = boost::unit_test::data;

namespace {

const char* const kMinimal =
    R"({"videoId":"vi4k0jvEUuaTdRAEjQ4Prklg","title":"t","public":false,)"
    R"("assets":{"hls":"https://vod.api.video/vod/vi4k0jvEUuaTdRAEjQ4Prklg/hls/manifest.m3u8"}})";

// A sentinel Video: a failed parse must leave it as it was.
watch::Video sentinel() {
    watch::Video v;
    v.id = "sentinel";
    v.title = "sentinel title";
    v.assets.hls = "https://sentinel.example/hls";
    return v;
}

// Parses `body` and checks it fails with a reason and leaves `out` alone.
void expect_refused(const std::string& body) {
    watch::Video v = sentinel();
    std::string err = unit_support::video_json_error(body, v);
    BOOST_TEST(!err.empty(), "accepted: " << body.substr(0, 200));
    BOOST_TEST(v.id == "sentinel");
    BOOST_TEST(v.title == "sentinel title");
    BOOST_TEST(v.assets.hls == "https://sentinel.example/hls");
}

watch::Video expect_parsed(const std::string& body) {
    watch::Video v;
    std::string err = unit_support::video_json_error(body, v);
    BOOST_TEST(err == "", body.substr(0, 200));
    return v;
}

// kMinimal with one member replaced or added: `member` is `"name": value`.
std::string with_member(const std::string& member) {
    return R"({"videoId":"vi4k0jvEUuaTdRAEjQ4Prklg",)" + member +
           R"(,"assets":{"hls":"https://vod.api.video/vod/x/hls/manifest.m3u8"}})";
}

std::string with_assets(const std::string& assets) {
    return R"({"videoId":"vi4k0jvEUuaTdRAEjQ4Prklg","title":"t","assets":)" + assets + "}";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(json_tests)

// ---- the real payloads ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(parse_video_json_nodejs_client_200) {
    std::string body = unit_support::read_apivideo_fixture("video-get-200.nodejs-client.json");
    watch::Video v;
    BOOST_TEST_REQUIRE(unit_support::video_json_error(body, v) == "");
    BOOST_TEST(v.id == "vi4blUQJFrYWbaG44NChkH27");
    BOOST_TEST(v.title == "Maths video");
    BOOST_TEST_REQUIRE(v.is_public.has_value());
    BOOST_TEST(*v.is_public == false);
    BOOST_TEST(v.assets.hls == "https://cdn.api.video/vod/vi4blUQJFrYWbaG44NChkH27/hls/manifest.m3u8");
    BOOST_TEST(v.assets.thumbnail == "https://cdn.api.video/vod/vi4blUQJFrYWbaG44NChkH27/thumbnail.jpg");
    BOOST_TEST(v.assets.mp4 == "https://cdn.api.video/vod/vi4blUQJFrYWbaG44NChkH27/mp4/source.mp4");
    BOOST_TEST(v.assets.player == "https://embed.api.video/vod/vi4blUQJFrYWbaG44NChkH27");
}

BOOST_AUTO_TEST_CASE(parse_video_json_private_docs_example) {
    std::string body = unit_support::read_apivideo_fixture("video-private-docs-example.json");
    watch::Video v;
    BOOST_TEST_REQUIRE(unit_support::video_json_error(body, v) == "");
    BOOST_TEST(v.id == "AABBCC");  // a placeholder: the parser does not judge ids
    BOOST_TEST(v.title == "test video");
    BOOST_TEST_REQUIRE(v.is_public.has_value());
    BOOST_TEST(*v.is_public == false);
    BOOST_TEST(v.assets.hls ==
               "https://vod.api.video/vod/AABBCC/token/c77d7bf3-4e2f-4a85-9e15-5c35992c11fc/hls/manifest.m3u8");
    BOOST_TEST(v.assets.player == "https://embed.api.video/vod/AABBCC?token=c77d7bf3-4e2f-4a85-9e15-5c35992c11fc");
}

BOOST_DATA_TEST_CASE(parse_video_json_error_bodies_fail_cleanly,
                     bdata::make({"video-get-404.nodejs-client.json", "video-get-429.nodejs-client.json"}), name) {
    expect_refused(unit_support::read_apivideo_fixture(name));
    watch::Video v;
    BOOST_TEST(unit_support::contains(unit_support::video_json_error(unit_support::read_apivideo_fixture(name), v),
                                      "videoId"));
}

BOOST_AUTO_TEST_CASE(parse_live_stream_json_nodejs_client_200) {
    std::string body = unit_support::read_apivideo_fixture("live-stream-get-200.nodejs-client.json");
    watch::Video v;
    std::string why;
    BOOST_TEST_REQUIRE(watch::parse_live_stream_json(body, v, why), why);
    BOOST_TEST((v.kind == watch::MediaKind::LiveStream));
    BOOST_TEST(v.id == "li4pqNqGUkhKfWcBGpZVLRY5");
    BOOST_TEST(v.title == "Live From New York");
    BOOST_TEST((v.is_public == true));
    BOOST_TEST(!v.broadcasting);
    BOOST_TEST(v.assets.hls == "https://live.api.video/li4pqNqGUkhKfWcBGpZVLRY5.m3u8");
    BOOST_TEST(v.assets.thumbnail == "https://live.api.video/li4pqNqGUkhKfWcBGpZVLRY5/thumbnail.jpg");
    BOOST_TEST(v.assets.player == "https://embed.api.video/live/li4pqNqGUkhKfWcBGpZVLRY5");
    BOOST_TEST(v.assets.mp4.empty());
    // Never the stream key: nothing of it is kept.
    BOOST_TEST(!unit_support::contains(v.title + v.assets.hls + v.assets.player, "cc1b4df0"));
}

BOOST_AUTO_TEST_CASE(parse_live_stream_json_wants_broadcasting_and_drops_an_mp4) {
    watch::Video v;
    std::string why;
    const std::string assets = R"("assets":{"hls":"https://live.api.video/li4pqNqGUkhKfWcBGpZVLRY5.m3u8",)"
                               R"("mp4":"https://live.api.video/x.mp4"})";
    BOOST_TEST(!watch::parse_live_stream_json(R"({"liveStreamId":"li4pqNqGUkhKfWcBGpZVLRY5",)" + assets + "}", v, why));
    BOOST_TEST(unit_support::contains(why, "broadcasting"));
    BOOST_TEST(!watch::parse_live_stream_json(
        R"({"liveStreamId":"li4pqNqGUkhKfWcBGpZVLRY5","broadcasting":"yes",)" + assets + "}", v, why));
    BOOST_TEST(watch::parse_live_stream_json(
                   R"({"liveStreamId":"li4pqNqGUkhKfWcBGpZVLRY5","broadcasting":true,)" + assets + "}", v, why),
               why);
    BOOST_TEST(v.broadcasting);
    BOOST_TEST(v.assets.mp4.empty());
    // A video's reply is no live stream's, nor the other way round.
    BOOST_TEST(!watch::parse_live_stream_json(unit_support::read_apivideo_fixture("video-get-200.nodejs-client.json"),
                                              v, why));
    BOOST_TEST(unit_support::contains(why, "liveStreamId"));
    BOOST_TEST(unit_support::video_json_error(
                   unit_support::read_apivideo_fixture("live-stream-get-200.nodejs-client.json"), v) != "");
    // Its 404 body is refused cleanly.
    BOOST_TEST(!watch::parse_live_stream_json(
        unit_support::read_apivideo_fixture("live-stream-complete-404.nodejs-client.json"), v, why));
}

BOOST_AUTO_TEST_CASE(watch_json_names_a_live_stream_as_api_video_does) {
    watch::WatchView v;
    v.kind = watch::MediaKind::LiveStream;
    v.id = "li4pqNqGUkhKfWcBGpZVLRY5";
    v.assets.hls = "https://live.api.video/li4pqNqGUkhKfWcBGpZVLRY5.m3u8";
    const std::string json = watch::watch_json(v);
    BOOST_TEST(unit_support::contains(json, R"("liveStreamId":"li4pqNqGUkhKfWcBGpZVLRY5","live":true)"), json);
    BOOST_TEST(!unit_support::contains(json, "videoId"));
    v.kind = watch::MediaKind::Video;
    v.id = "vi4blUQJFrYWbaG44NChkH27";
    BOOST_TEST(unit_support::contains(watch::watch_json(v), R"("videoId":"vi4blUQJFrYWbaG44NChkH27","live":false)"));
}

// ---- hostile bodies -------------------------------------------------------------------

BOOST_DATA_TEST_CASE(parse_video_json_refuses_non_videos,
                     bdata::make({"", " ", "{}", "[]", "null", "true", "42", "\"videoId\"", "{\"videoId\":null}",
                                  "{\"videoId\":42}", "{\"videoId\":\"vi4k0jvEUuaTdRAEjQ4Prklg\"}",  // no assets
                                  "{\"videoId\":\"vi4k0jvEUuaTdRAEjQ4Prklg\",\"assets\":null}", "not json",
                                  "<html><body>502 Bad Gateway</body></html>"}),
                     body) {
    expect_refused(body);
}

BOOST_AUTO_TEST_CASE(parse_video_json_accepts_the_minimal_body) {
    // The baseline the hostile variants below are made from.
    watch::Video v = expect_parsed(kMinimal);
    BOOST_TEST(v.id == "vi4k0jvEUuaTdRAEjQ4Prklg");
    BOOST_TEST(v.title == "t");
    BOOST_TEST(v.assets.mp4 == "");
    BOOST_TEST(v.assets.player == "");
}

BOOST_AUTO_TEST_CASE(parse_video_json_empty_string_view) {
    watch::Video v = sentinel();
    BOOST_TEST(!unit_support::video_json_error(std::string_view(), v).empty());
    BOOST_TEST(v.id == "sentinel");
}

BOOST_AUTO_TEST_CASE(parse_video_json_truncated_at_every_length) {
    const std::string whole = kMinimal;
    for (size_t n = 0; n < whole.size(); ++n) {
        watch::Video v;
        BOOST_TEST(!unit_support::video_json_error(whole.substr(0, n), v).empty(), "accepted a prefix of " << n);
    }
}

BOOST_DATA_TEST_CASE(parse_video_json_refuses_trailing_garbage,
                     bdata::make({std::string(" x"), std::string("{}"), std::string(","), std::string("]"),
                                  std::string("\"more\""), std::string("x\0", 2)}),
                     tail) {
    expect_refused(std::string(kMinimal) + tail);
}

// A NUL byte is not JSON whitespace: a body with one after the document is not a JSON
// text (RFC 8259 §2), however the parser happens to treat NUL.
BOOST_DATA_TEST_CASE(parse_video_json_refuses_a_nul_byte_after_the_document,
                     bdata::make({std::string("\0", 1), std::string("\0garbage", 8), std::string("\0{}", 3)}), tail) {
    expect_refused(std::string(kMinimal) + tail);
}

BOOST_AUTO_TEST_CASE(parse_video_json_allows_surrounding_whitespace) {
    expect_parsed("\n\t " + std::string(kMinimal) + " \r\n");
}

BOOST_AUTO_TEST_CASE(parse_video_json_million_nested_brackets) {
    const std::string arrays(1000000, '[');
    const std::string objects = [] {
        std::string s;
        for (int i = 0; i < 200000; ++i) s += "{\"a\":";
        return s;
    }();
    std::string err_arrays, err_objects, err_member;
    // In a thread of its own: its stack is smaller than the main thread's, as in the
    // FastCGI workers.
    std::thread t([&] {
        watch::Video v;
        err_arrays = unit_support::video_json_error(arrays, v);
        err_objects = unit_support::video_json_error(objects, v);
        err_member = unit_support::video_json_error(
            with_member("\"x\":" + std::string(500000, '[') + std::string(500000, ']')), v);
    });
    t.join();
    BOOST_TEST(!err_arrays.empty());
    BOOST_TEST(!err_objects.empty());
    BOOST_TEST(!err_member.empty());
}

BOOST_AUTO_TEST_CASE(parse_video_json_brackets_inside_strings_are_not_nesting) {
    watch::Video v =
        expect_parsed(with_member("\"title\":\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\""));
    BOOST_TEST(v.title == std::string(1000, '[') + "\"" + std::string(1000, '{'));
}

BOOST_AUTO_TEST_CASE(parse_video_json_moderate_nesting_in_unknown_fields) {
    std::string nested = std::string(10, '[') + "{\"k\":[1,2,{\"z\":null}]}" + std::string(10, ']');
    watch::Video v = expect_parsed(with_member("\"title\":\"ok\",\"extra\":" + nested));
    BOOST_TEST(v.title == "ok");
}

BOOST_AUTO_TEST_CASE(parse_video_json_size_limit) {
    std::string body = kMinimal;
    std::string at_limit = body + std::string(watch::kMaxJsonBytes - body.size(), ' ');
    BOOST_TEST_REQUIRE(at_limit.size() == watch::kMaxJsonBytes);
    expect_parsed(at_limit);
    expect_refused(at_limit + " ");
    // A long title inside the limit is fine; past it, refused before parsing.
    std::string big_title = with_member("\"title\":\"" + std::string(watch::kMaxJsonBytes, 'a') + "\"");
    expect_refused(big_title);
}

BOOST_DATA_TEST_CASE(parse_video_json_refuses_invalid_utf8,
                     bdata::make({std::string("\xff\xfe"), std::string("caf\xC3"), std::string("\xC0\x80"),
                                  std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80")}),
                     bytes) {
    expect_refused(with_member("\"title\":\"" + bytes + "\""));
    // In an unknown field too: the whole body must be UTF-8.
    expect_refused(with_member("\"title\":\"t\",\"description\":\"" + bytes + "\""));
}

// JSON's \u escapes can spell a lone surrogate, which has no UTF-8 form. Either the
// reply is refused or the title that reaches the page is still valid UTF-8.
BOOST_DATA_TEST_CASE(parse_video_json_escaped_lone_surrogates_do_not_make_invalid_utf8,
                     bdata::make({"\\ud800", "\\udc00", "\\udfff", "a\\udc00b", "\\ud800x"}), escaped) {
    watch::Video v;
    std::string err = unit_support::video_json_error(with_member("\"title\":\"" + std::string(escaped) + "\""), v);
    BOOST_TEST((!err.empty() || watch::is_valid_utf8(v.title)), "title accepted as invalid UTF-8");
}

BOOST_AUTO_TEST_CASE(parse_video_json_decodes_escapes_in_the_title) {
    watch::Video v = expect_parsed(with_member(R"("title":"caf\u00e9 \ud834\udd1e <b>\"q\"</b>")"));
    BOOST_TEST(v.title == "caf\xC3\xA9 \xF0\x9D\x84\x9E <b>\"q\"</b>");
}

BOOST_AUTO_TEST_CASE(parse_video_json_keeps_nul_inside_strings) {
    watch::Video v = expect_parsed(with_member(R"("title":"ab\u0000cd")"));
    BOOST_TEST(v.title.size() == 5u);
    BOOST_TEST(v.title == std::string("ab\0cd", 5));
}

BOOST_DATA_TEST_CASE(
    parse_video_json_refuses_wrong_types,
    bdata::make({with_member("\"title\":42"), with_member("\"title\":true"), with_member("\"title\":[\"t\"]"),
                 with_member("\"title\":{\"en\":\"t\"}"), with_member("\"public\":\"false\""),
                 with_member("\"public\":0"), with_member("\"public\":[]"), with_assets("\"https://vod.api.video/x\""),
                 with_assets("[]"), with_assets("42"), with_assets("{\"hls\":42}"), with_assets("{\"mp4\":true}"),
                 with_assets("{\"thumbnail\":[\"x\"]}"), with_assets("{\"player\":{}}"),
                 std::string("{\"videoId\":[\"vi4k0jvEUuaTdRAEjQ4Prklg\"],\"assets\":{}}")}),
    body) {
    expect_refused(body);
}

BOOST_AUTO_TEST_CASE(parse_video_json_ignores_unknown_fields) {
    watch::Video v = expect_parsed(
        R"({"videoId":"vi4k0jvEUuaTdRAEjQ4Prklg","actions":["video_delete"],"metadata":[{"key":"a","value":"b"}],)"
        R"("panoramic":false,"mp4Support":"yes","tags":null,"deletesAt":null,"source":{"liveStream":{"links":[]}},)"
        R"("assets":{"iframe":42,"hls":"https://vod.api.video/h","future":{"x":1}},"title":"kept"})");
    BOOST_TEST(v.title == "kept");
    BOOST_TEST(v.assets.hls == "https://vod.api.video/h");
}

BOOST_AUTO_TEST_CASE(parse_video_json_null_string_fields_are_absent) {
    watch::Video v =
        expect_parsed(with_assets(R"({"hls":"https://vod.api.video/h","mp4":null,"thumbnail":null,"player":null})"));
    BOOST_TEST(v.assets.hls == "https://vod.api.video/h");
    BOOST_TEST(v.assets.mp4 == "");
    BOOST_TEST(v.assets.thumbnail == "");
    BOOST_TEST(v.assets.player == "");

    watch::Video w = expect_parsed(with_member("\"title\":null"));
    BOOST_TEST(w.title == "");
}

BOOST_AUTO_TEST_CASE(parse_video_json_public_absent_or_null) {
    watch::Video absent = expect_parsed(with_member("\"title\":\"t\""));
    BOOST_TEST(!absent.is_public.has_value());
    // null is treated as absent, as for the string fields.
    watch::Video null_public = expect_parsed(with_member("\"public\":null"));
    BOOST_TEST(!null_public.is_public.has_value());
}

BOOST_AUTO_TEST_CASE(parse_video_json_public_true) {
    watch::Video v = expect_parsed(with_member("\"public\":true"));
    BOOST_TEST_REQUIRE(v.is_public.has_value());
    BOOST_TEST(*v.is_public == true);
}

// ---- parse_session_json ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(parse_session_json_ok) {
    std::string token;
    BOOST_TEST(unit_support::session_json_error(R"({"session_token": "111-222-333"})", token) == "");
    BOOST_TEST(token == "111-222-333");
    BOOST_TEST(unit_support::session_json_error(R"({"other":1,"session_token":"07703ba8-22a1-4fc0-ac57-aef278f16d67"})",
                                                token) == "");
    BOOST_TEST(token == "07703ba8-22a1-4fc0-ac57-aef278f16d67");
}

BOOST_DATA_TEST_CASE(parse_session_json_refuses,
                     bdata::make({"", " ", "{}", "[]", "null", "\"111-222-333\"", R"({"sessionToken":"x"})",
                                  R"({"session_token":null})", R"({"session_token":42})",
                                  R"({"session_token":["111"]})", R"({"session_token":{"v":"111"}})",
                                  R"({"session_token":true})", "session_token=111-222-333", "<html>404</html>",
                                  R"({"session_token":"111-222-333")", R"({"session_token":"111-222-333"} x)"}),
                     body) {
    std::string token = "untouched";
    BOOST_TEST(!unit_support::session_json_error(body, token).empty());
    BOOST_TEST(token == "untouched");
}

BOOST_AUTO_TEST_CASE(parse_session_json_hostile_sizes) {
    std::string token;
    BOOST_TEST(!unit_support::session_json_error(std::string(1000000, '['), token).empty());
    std::string huge = "{\"session_token\":\"" + std::string(watch::kMaxJsonBytes, 'a') + "\"}";
    BOOST_TEST(!unit_support::session_json_error(huge, token).empty());
}

// GET /videos/{id}/captions and /chapters: the items a page can use, the others left out.
BOOST_AUTO_TEST_CASE(parse_tracks_json_reads_the_items_a_page_can_use) {
    const std::string captions = R"({"data":[
        {"uri":"/videos/x/captions/en","src":"https://vod.api.video/vod/x/captions/en.vtt","srclang":"en","languageName":"English","default":true},
        {"uri":"/videos/x/captions/xx","src":"https://vod.api.video/vod/x/captions/bad.vtt","srclang":"not a tag!"},
        {"uri":"/videos/x/captions/de","srclang":"de","languageName":"Deutsch"},
        {"src":"https://vod.api.video/vod/x/captions/pt-BR.vtt","srclang":"pt-BR","default":null}],
        "pagination":{"itemsTotal":4}})";
    std::vector<watch::TextTrack> t;
    std::string why;
    BOOST_REQUIRE(watch::parse_tracks_json(captions, watch::TrackKind::Captions, t, why));
    BOOST_REQUIRE(t.size() == 2u);
    BOOST_TEST(t[0].src == "https://vod.api.video/vod/x/captions/en.vtt");
    BOOST_TEST(t[0].language == "en");
    BOOST_TEST(t[0].label == "English");
    BOOST_TEST(t[0].is_default);
    BOOST_TEST(t[1].language == "pt-BR");
    BOOST_TEST(t[1].label == "pt-BR");  // no languageName: the tag
    BOOST_TEST(!t[1].is_default);

    const std::string chapters =
        R"({"data":[{"uri":"/videos/x/chapters/en","src":"https://vod.api.video/vod/x/chapters/en.vtt","language":"en"}]})";
    BOOST_REQUIRE(watch::parse_tracks_json(chapters, watch::TrackKind::Chapters, t, why));
    BOOST_REQUIRE(t.size() == 1u);
    BOOST_TEST((t[0].kind == watch::TrackKind::Chapters));
    BOOST_TEST(t[0].label == "Chapters");
}

BOOST_AUTO_TEST_CASE(parse_tracks_json_refuses_another_shape) {
    std::vector<watch::TextTrack> t = {watch::TextTrack{}};
    std::string why;
    for (const char* body : {R"({"data":{}})", R"({"items":[]})", R"({"data":[1]})", R"([])",
                             R"({"data":[{"src":"https://a/b.vtt","srclang":"en","default":"yes"}]})",
                             R"({"data":[{"src":7,"srclang":"en"}]})"}) {
        BOOST_TEST(!watch::parse_tracks_json(body, watch::TrackKind::Captions, t, why), body);
        BOOST_TEST(!why.empty());
    }
    BOOST_TEST(t.size() == 1u, "untouched");
}

BOOST_AUTO_TEST_CASE(language_tags) {
    for (const char* ok : {"en", "fr-CA", "zh-Hans-CN", "es-419", "x-klingon"})
        BOOST_TEST(watch::is_plausible_language(ok), ok);
    for (const char* bad : {"", "e n", "en-", "-en", "1en", "en_US", "\"en\"", "toolongsubtag", "en--US"}) {
        BOOST_TEST(!watch::is_plausible_language(bad), bad);
    }
}

BOOST_AUTO_TEST_CASE(parse_video_json_description_and_language) {
    watch::Video v = expect_parsed(with_member(R"("description":"About <b>it</b>","language":"fr")"));
    BOOST_TEST(v.description == "About <b>it</b>");
    BOOST_TEST(v.language == "fr");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
