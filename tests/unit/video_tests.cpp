// Unit tests for common/video.cpp: finding the private token in the asset URLs (real
// payloads from tests/fixtures/apivideo/ first), where the session is opened, and
// adding the session token to the URLs.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "common/json.h"
#include "common/video.h"
#include "tests/unit/unit_support.h"

namespace bdata = boost::unit_test::data;

namespace {

const std::string kToken = "c77d7bf3-4e2f-4a85-9e15-5c35992c11fc";  // the docs example's
const std::string kId = "vi4k0jvEUuaTdRAEjQ4Prklg";

watch::Video from_fixture(const std::string& name) {
    watch::Video v;
    std::string err = unit_support::video_json_error(unit_support::read_apivideo_fixture(name), v);
    BOOST_TEST_REQUIRE(err == "", name << ": " << err);
    return v;
}

watch::Video private_video() {
    watch::Video v;
    v.id = kId;
    v.is_public = false;
    return v;
}

std::string vod(const std::string& tail) { return "https://vod.api.video/vod/" + kId + tail; }

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(video_tests)

// ---- media_kind_of ---------------------------------------------------------------------

// Ids from apivideo-facts §6: the usual 24 characters and the 23-character ones.
BOOST_DATA_TEST_CASE(media_kind_of_knows_real_video_ids,
                     bdata::make({"vi4k0jvEUuaTdRAEjQ4Prklg", "viMgTZ1KULkXrjFfDCTBtLs", "vilkR8K3N7yrRcxcMt91234",
                                  "vi0zNStyvRdJ8zT6BrFelIt", "vimIjZ2gyd14njmnbXCWyGo", "vi4blUQJFrYWbaG44NChkH27",
                                  "vi0000000000000000000000"}),
                     id) {
    BOOST_TEST((watch::media_kind_of(id) == watch::MediaKind::Video));
}

// Live stream ids from apivideo-facts §10 (OAS, the Node client's payloads, BLOG-LIVE).
BOOST_DATA_TEST_CASE(media_kind_of_knows_real_live_stream_ids,
                     bdata::make({"li400mYKSgQ6xs7taUeSaEKr", "li4SB0HXeul4ITH5DXJFGPxT", "li6Anin2CG1eWirOCBnvYDzI",
                                  "li5fG2hPr1vAtEL1vEStr001"}),
                     id) {
    BOOST_TEST((watch::media_kind_of(id) == watch::MediaKind::LiveStream));
}

BOOST_DATA_TEST_CASE(media_kind_of_length,
                     bdata::make({21, 22, 23, 24, 25, 26}) ^ bdata::make({false, false, true, true, false, false}),
                     length, valid) {
    for (const char* prefix : {"vi", "li"}) {
        std::string id = prefix + std::string(static_cast<size_t>(length) - 2, 'A');
        BOOST_TEST(watch::media_kind_of(id).has_value() == valid, id);
    }
}

BOOST_DATA_TEST_CASE(media_kind_of_refuses,
                     bdata::make({"vi4k0jvEUuaTdRAEjQ4Prklgc",  // 25: the OAS typo
                                  "li400mYKSgQ6xs7taUeSaEKr-",  // a live stream's, one too many
                                  "LI400mYKSgQ6xs7taUeSaEKr",   // prefix is lower case
                                  "pl45KFKdlddgk654dspkze",     // a player
                                  "VI4k0jvEUuaTdRAEjQ4Prklg",   // prefix is lower case
                                  "Vi4k0jvEUuaTdRAEjQ4Prklg",
                                  "xx4k0jvEUuaTdRAEjQ4Prklg",
                                  "vi4k0jvEUuaTdRAEjQ4Prkl-",  // non-alphanumerics
                                  "vi4k0jvEUuaTdRAEjQ4Prkl_",
                                  "vi4k0jvEUuaTdRAEjQ4Prkl.",
                                  "vi4k0jvEUuaTdRAEjQ4Prkl ",
                                  "vi4k0jvEUuaTdRAEjQ4Prkl/",
                                  "vi4k0jvEUuaTdRAEjQ4Pr\xC3\xA9",  // 23 bytes, é is not [A-Za-z]
                                  "../etc/passwd",
                                  "vi../../../../etc/passwd",  // 24 characters of traversal
                                  "vi..%2F..%2F..%2Fetcpass",  // percent-encoded traversal, 24
                                  "vi%2E%2E%2F%2E%2E%2Fetc",   // 23
                                  "vi4k0jvEUuaTdRAEjQ4P%2F",   // 23
                                  "",
                                  "vi"}),
                     id) {
    BOOST_TEST(!watch::media_kind_of(id));
}

BOOST_AUTO_TEST_CASE(media_kind_of_refuses_an_embedded_nul) {
    std::string id("vi4k0jvEUuaTdRAEjQ4Prkl", 23);
    BOOST_TEST_REQUIRE(watch::media_kind_of(id).has_value());
    id.back() = '\0';
    BOOST_TEST(!watch::media_kind_of(id));
}

// ---- the real payloads ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(find_private_token_in_the_docs_example) {
    watch::Video v = from_fixture("video-private-docs-example.json");
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == "c77d7bf3-4e2f-4a85-9e15-5c35992c11fc");
    BOOST_TEST(t->session_url == "https://vod.api.video/vod/AABBCC/token/c77d7bf3-4e2f-4a85-9e15-5c35992c11fc/session");
    BOOST_TEST(watch::mentions_token(v.assets));
}

BOOST_AUTO_TEST_CASE(no_token_in_the_nodejs_client_payload) {
    // Says public: false, but its cdn.api.video URLs carry no token at all.
    watch::Video v = from_fixture("video-get-200.nodejs-client.json");
    BOOST_TEST(!watch::find_private_token(v).has_value());
    BOOST_TEST(!watch::mentions_token(v.assets));
}

// ---- where the token is ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(token_only_in_mp4) {
    watch::Video v = private_video();
    v.assets.hls = vod("/hls/manifest.m3u8");
    v.assets.thumbnail = vod("/thumbnail.jpg");
    v.assets.mp4 = vod("/token/" + kToken + "/mp4/720/source.mp4");
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == kToken);
    BOOST_TEST(t->session_url == vod("/token/" + kToken + "/session"));
}

BOOST_AUTO_TEST_CASE(token_only_in_thumbnail) {
    watch::Video v = private_video();
    v.assets.thumbnail = "https://cdn.api.video/vod/" + kId + "/token/" + kToken + "/thumbnail.jpg";
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == kToken);
    BOOST_TEST(t->session_url == "https://cdn.api.video/vod/" + kId + "/token/" + kToken + "/session");
}

BOOST_AUTO_TEST_CASE(token_only_in_player_uses_a_path_assets_origin) {
    watch::Video v = private_video();
    v.assets.hls = "https://media.example.com/vod/" + kId + "/hls/manifest.m3u8";
    v.assets.player = "https://embed.api.video/vod/" + kId + "?token=" + kToken;
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == kToken);
    BOOST_TEST(t->session_url == "https://media.example.com/vod/" + kId + "/token/" + kToken + "/session");
    BOOST_TEST(watch::mentions_token(v.assets));
}

BOOST_AUTO_TEST_CASE(token_in_player_among_other_parameters) {
    watch::Video v = private_video();
    v.assets.mp4 = vod("/mp4/source.mp4");
    v.assets.player = "https://embed.api.video/vod/" + kId + "?autoplay=1&token=" + kToken + "&muted=1#t=3";
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == kToken);
    BOOST_TEST(t->session_url == vod("/token/" + kToken + "/session"));
}

BOOST_AUTO_TEST_CASE(token_only_in_player_without_a_path_asset) {
    watch::Video v = private_video();
    v.assets.player = "https://embed.api.video/vod/" + kId + "?token=" + kToken;
    BOOST_TEST(!watch::find_private_token(v).has_value());
    BOOST_TEST(watch::mentions_token(v.assets));
    // Path assets that are not URLs give no origin either.
    v.assets.hls = "not a url";
    v.assets.thumbnail = "/vod/relative/thumbnail.jpg";
    BOOST_TEST(!watch::find_private_token(v).has_value());
}

BOOST_AUTO_TEST_CASE(custom_delivery_host) {
    watch::Video v = private_video();
    v.assets.hls = "https://media.example.com/vod/x/token/" + kToken + "/hls/manifest.m3u8";
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == kToken);
    BOOST_TEST(t->session_url == "https://media.example.com/vod/x/token/" + kToken + "/session");
}

BOOST_AUTO_TEST_CASE(custom_delivery_host_with_port_and_query) {
    watch::Video v = private_video();
    v.assets.hls = "http://127.0.0.1:8081/vod/" + kId + "/token/" + kToken + "/hls/manifest.m3u8?x=1#y";
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->session_url == "http://127.0.0.1:8081/vod/" + kId + "/token/" + kToken + "/session");
}

BOOST_AUTO_TEST_CASE(token_in_a_query_string_is_not_a_path_token) {
    watch::Video v = private_video();
    v.assets.hls = vod("/hls/manifest.m3u8?next=/token/" + kToken + "/x");
    BOOST_TEST(!watch::find_private_token(v).has_value());
}

// ---- implausible tokens ---------------------------------------------------------------

BOOST_DATA_TEST_CASE(implausible_path_tokens_are_not_used,
                     bdata::make({"..", ".", "abc", "abcdefg", "c77d7bf3%2F4e2f-4a85-9e15-5c35992c11fc",
                                  "..%2F..%2F..%2Fetc", "c77d7bf3-4e2f-4a85-9e15-5c35992c11fc%00", "a+b+c+d+e+f",
                                  "tok%20with%20spaces"}),
                     token) {
    watch::Video v = private_video();
    v.assets.hls = vod("/token/" + std::string(token) + "/hls/manifest.m3u8");
    v.assets.player = "https://embed.api.video/vod/" + kId + "?token=" + std::string(token);
    BOOST_TEST(!watch::find_private_token(v).has_value());
    BOOST_TEST(watch::mentions_token(v.assets));  // there is a token, just not one to use
}

BOOST_AUTO_TEST_CASE(a_token_segment_at_the_end_of_the_path_is_not_used) {
    watch::Video v = private_video();
    v.assets.hls = vod("/token/" + kToken);  // no "/" after: no place for "/session"
    BOOST_TEST(!watch::find_private_token(v).has_value());
}

BOOST_AUTO_TEST_CASE(is_plausible_token_bounds) {
    BOOST_TEST(watch::is_plausible_token(kToken));
    BOOST_TEST(watch::is_plausible_token("0092d5ef-5750-471d-9e7e-48d0a7580238"));
    BOOST_TEST(watch::is_plausible_token("11111111-1111-1111-1111-111111111111"));
    BOOST_TEST(watch::is_plausible_token("abc_DEF-"));  // 8
    BOOST_TEST(!watch::is_plausible_token("abc_DEF"));  // 7
    BOOST_TEST(watch::is_plausible_token(std::string(128, 'a')));
    BOOST_TEST(!watch::is_plausible_token(std::string(129, 'a')));
    BOOST_TEST(!watch::is_plausible_token(""));
    BOOST_TEST(!watch::is_plausible_token("abcdefgh/"));
    BOOST_TEST(!watch::is_plausible_token("abcdefgh."));
    BOOST_TEST(!watch::is_plausible_token("abcd\"efgh"));
}

BOOST_AUTO_TEST_CASE(is_plausible_session_token_bounds) {
    BOOST_TEST(watch::is_plausible_session_token("111-222-333"));
    BOOST_TEST(watch::is_plausible_session_token("07703ba8-22a1-4fc0-ac57-aef278f16d67"));
    BOOST_TEST(watch::is_plausible_session_token("a.b_c-D"));
    BOOST_TEST(!watch::is_plausible_session_token(""));
    BOOST_TEST(watch::is_plausible_session_token(std::string(256, 'a')));
    BOOST_TEST(!watch::is_plausible_session_token(std::string(257, 'a')));
    for (const char* bad : {"a b", "a&b", "a\"b", "a<b", "a/b", "a?b", "a#b", "a%20b", "caf\xC3\xA9"}) {
        BOOST_TEST(!watch::is_plausible_session_token(bad), bad);
    }
}

// ---- mentions_token -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(mentions_token_in_each_asset) {
    watch::Assets a;
    BOOST_TEST(!watch::mentions_token(a));
    a.hls = vod("/hls/manifest.m3u8");
    a.player = "https://embed.api.video/vod/" + kId;
    BOOST_TEST(!watch::mentions_token(a));
    watch::Assets b = a;
    b.thumbnail = vod("/token/x/thumbnail.jpg");
    BOOST_TEST(watch::mentions_token(b));
    watch::Assets c = a;
    c.mp4 = vod("/token/x/mp4/source.mp4");
    BOOST_TEST(watch::mentions_token(c));
    watch::Assets d = a;
    d.player += "?token=x";
    BOOST_TEST(watch::mentions_token(d));
}

// ---- with_session ---------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(with_session_question_mark_or_ampersand) {
    BOOST_TEST(watch::with_session(vod("/token/" + kToken + "/thumbnail.jpg"), "111-222-333") ==
               vod("/token/" + kToken + "/thumbnail.jpg?avh=111-222-333"));
    BOOST_TEST(watch::with_session("https://embed.api.video/vod/" + kId + "?token=" + kToken, "111-222-333") ==
               "https://embed.api.video/vod/" + kId + "?token=" + kToken + "&avh=111-222-333");
}

BOOST_AUTO_TEST_CASE(with_session_encodes_the_token) {
    BOOST_TEST(watch::with_session("https://a.example/x.mp4", "a b&c=d/\xC3\xA9") ==
               "https://a.example/x.mp4?avh=a%20b%26c%3Dd%2F%C3%A9");
}

BOOST_AUTO_TEST_CASE(with_session_leaves_an_empty_url_empty) {
    BOOST_TEST(watch::with_session("", "111-222-333") == "");
}

BOOST_AUTO_TEST_CASE(with_session_on_every_asset_of_the_docs_example) {
    watch::Video v = from_fixture("video-private-docs-example.json");
    const std::string s = "07703ba8-22a1-4fc0-ac57-aef278f16d67";
    BOOST_TEST(watch::with_session(v.assets.thumbnail, s) ==
               "https://vod.api.video/vod/AABBCC/token/c77d7bf3-4e2f-4a85-9e15-5c35992c11fc/thumbnail.jpg?avh=" + s);
    BOOST_TEST(watch::with_session(v.assets.mp4, s) ==
               "https://vod.api.video/vod/AABBCC/token/c77d7bf3-4e2f-4a85-9e15-5c35992c11fc/mp4/source.mp4?avh=" + s);
    BOOST_TEST(watch::with_session(v.assets.player, s) ==
               "https://embed.api.video/vod/AABBCC?token=c77d7bf3-4e2f-4a85-9e15-5c35992c11fc&avh=" + s);
}

// ---- a private live stream's token (facts §10.3, §10.6) --------------------------------

namespace {

const std::string kLive = "li4SB0HXeul4ITH5DXJFGPxT";

watch::Video private_live() {
    watch::Video v;
    v.kind = watch::MediaKind::LiveStream;
    v.id = kLive;
    v.is_public = false;
    return v;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_live_token_is_found_after_private_and_traded_beside_the_playlist) {
    watch::Video v = private_live();
    v.assets.hls = "https://live.api.video/private/" + kToken + "/" + kLive + ".m3u8";
    v.assets.thumbnail = "https://live.api.video/" + kLive + "/token/" + kToken + "/thumbnail.jpg";
    v.assets.player = "https://embed.api.video/live/" + kLive + "?token=" + kToken;
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == kToken);
    // The SDKs' shape (ANDROID VideoOptions.kt, SWIFT VideoOptions.swift).
    BOOST_TEST(t->session_url == "https://live.api.video/private/" + kToken + "/" + kLive + "/session");
    // Not the VOD shape the thumbnail's /token/ would give.
    BOOST_TEST(t->session_url.find("/token/") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_live_token_found_only_in_the_thumbnail_or_the_player_is_traded_at_the_live_shape) {
    watch::Video v = private_live();
    v.assets.hls = "https://live.example.test/" + kLive + ".m3u8";
    v.assets.thumbnail = "https://live.example.test/" + kLive + "/token/" + kToken + "/thumbnail.jpg";
    auto t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->session_url == "https://live.example.test/private/" + kToken + "/" + kLive + "/session");
    v.assets.thumbnail = "https://live.example.test/" + kLive + "/thumbnail.jpg";
    v.assets.player = "https://embed.api.video/live/" + kLive + "?token=" + kToken;
    t = watch::find_private_token(v);
    BOOST_TEST_REQUIRE(t.has_value());
    BOOST_TEST(t->token == kToken);
    BOOST_TEST(t->session_url == "https://live.example.test/private/" + kToken + "/" + kLive + "/session");
}

BOOST_DATA_TEST_CASE(a_live_playlist_that_names_another_stream_or_no_token_gives_none,
                     bdata::make({std::string("https://live.api.video/private/") + kToken +
                                      "/liOTHERxxxxxxxxxxxxxxxxx.m3u8",
                                  std::string("https://live.api.video/private/") + kToken + "/" + kLive + "x.m3u8",
                                  std::string("https://live.api.video/private/") + kToken,
                                  std::string("https://live.api.video/private/bad!token/") + kLive + ".m3u8",
                                  std::string("https://live.api.video/") + kLive + ".m3u8"}),
                     hls) {
    watch::Video v = private_live();
    v.assets.hls = hls;
    BOOST_TEST(!watch::find_private_token(v).has_value(), hls);
}

BOOST_AUTO_TEST_CASE(a_videos_token_is_not_looked_for_after_private) {
    watch::Video v = private_video();
    v.assets.hls = "https://vod.api.video/private/" + kToken + "/" + kId + ".m3u8";
    BOOST_TEST(!watch::find_private_token(v).has_value());
    BOOST_TEST(watch::mentions_token(v.assets), "so the page is refused, not served tokenless");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
