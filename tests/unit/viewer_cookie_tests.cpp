// Unit tests for common/viewer_cookie.cpp: what a returning viewer's cookie keeps, and
// that nothing forged, foreign, expired or oversized gets through.
#include <boost/test/unit_test.hpp>

#include "common/viewer_cookie.h"

namespace {

const watch::CookieSigner kSigner{"fedcba9876543210fedcba9876543210", "https://ws.api.video\nkey-of-site-a"};
constexpr long long kNow = 1800000000;

watch::WatchView view(const std::string& id, long long created = kNow) {
    watch::WatchView v;
    v.id = id;
    v.title = "A \"title\" <b>";
    v.session_token = "0f0e0d0c-1111-2222-3333-444455556666";
    v.assets.hls = "https://vod.api.video/vod/" + id + "/token/t/hls/manifest.m3u8?avh=" + v.session_token;
    v.assets.thumbnail = "https://vod.api.video/vod/" + id + "/token/t/thumbnail.jpg?avh=" + v.session_token;
    v.expires = created + watch::kSessionSeconds;
    return v;
}

// "apivideo_watch=value" out of a Set-Cookie header.
std::string as_request_cookie(const std::string& set_cookie) { return set_cookie.substr(0, set_cookie.find(';')); }

const char* kA = "vi5fG2hPr1vAtEpr1vAtE001";
const char* kB = "vi3N0Mp4Pr1vAtEN0Mp4x001";

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(viewer_cookie_tests)

BOOST_AUTO_TEST_CASE(a_cookie_round_trips_every_field) {
    std::string set = watch::viewer_cookie_header(view(kA), {}, kSigner, "/watch", kNow);
    BOOST_TEST(set.find("; Max-Age=82800; Path=/watch; HttpOnly; Secure; SameSite=Lax") != std::string::npos, set);
    auto back = watch::read_viewer_cookie("other=1; " + as_request_cookie(set) + "; x=y", kSigner, kNow + 10);
    BOOST_REQUIRE(back.size() == 1u);
    const watch::WatchView v = view(kA);
    BOOST_TEST(back[0].id == v.id);
    BOOST_TEST(back[0].title == v.title);
    BOOST_TEST(back[0].session_token == v.session_token);
    BOOST_TEST(back[0].assets.hls == v.assets.hls);
    BOOST_TEST(back[0].assets.thumbnail == v.assets.thumbnail);
    BOOST_TEST(back[0].assets.mp4.empty());
    BOOST_TEST(back[0].expires == v.expires);
}

// The page the viewer was given comes back whole: description, language, tracks.
BOOST_AUTO_TEST_CASE(a_cookie_keeps_the_description_language_and_tracks) {
    watch::WatchView v = view(kA);
    v.description = "Two lines\nand \"quotes\"";
    v.language = "fr";
    v.tracks = {
        {watch::TrackKind::Captions, "https://vod.api.video/vod/x/captions/fr.vtt?avh=s", "fr", "Fran\u00e7ais", true},
        {watch::TrackKind::Chapters, "https://vod.api.video/vod/x/chapters/fr.vtt?avh=s", "fr", "Chapters", false}};
    std::string set = watch::viewer_cookie_header(v, {}, kSigner, "/watch", kNow);
    auto back = watch::read_viewer_cookie(as_request_cookie(set), kSigner, kNow + 10);
    BOOST_REQUIRE(back.size() == 1u);
    BOOST_TEST(back[0].description == v.description);
    BOOST_TEST(back[0].language == "fr");
    BOOST_REQUIRE(back[0].tracks.size() == 2u);
    for (size_t i = 0; i < 2; ++i) {
        BOOST_TEST((back[0].tracks[i].kind == v.tracks[i].kind));
        BOOST_TEST(back[0].tracks[i].src == v.tracks[i].src);
        BOOST_TEST(back[0].tracks[i].language == v.tracks[i].language);
        BOOST_TEST(back[0].tracks[i].label == v.tracks[i].label);
        BOOST_TEST(back[0].tracks[i].is_default == v.tracks[i].is_default);
    }
}

BOOST_AUTO_TEST_CASE(forged_foreign_and_expired_cookies_are_ignored) {
    std::string cookie = as_request_cookie(watch::viewer_cookie_header(view(kA), {}, kSigner, "/", kNow));
    BOOST_TEST(watch::read_viewer_cookie(cookie, watch::CookieSigner{kSigner.secret + "!", kSigner.site}, kNow)
                   .empty());  // foreign
    // Reused while more than the margin of the session is left, not after.
    const long long last = kNow + watch::kSessionSeconds - watch::kSessionMarginSeconds - 1;
    BOOST_TEST(watch::read_viewer_cookie(cookie, kSigner, last).size() == 1u);
    BOOST_TEST(watch::read_viewer_cookie(cookie, kSigner, last + 1).empty());  // expired
    std::string flipped = cookie;
    flipped[20] = flipped[20] == 'A' ? 'B' : 'A';
    BOOST_TEST(watch::read_viewer_cookie(flipped, kSigner, kNow).empty());  // tampered payload
    std::string no_sig = cookie.substr(0, cookie.find('.'));
    BOOST_TEST(watch::read_viewer_cookie(no_sig, kSigner, kNow).empty());
    BOOST_TEST(watch::read_viewer_cookie("", kSigner, kNow).empty());
    BOOST_TEST(watch::read_viewer_cookie("apivideo_watch=", kSigner, kNow).empty());
    // An expiry further out than any cookie this handler writes: not from this handler.
    watch::WatchView far = view(kA, kNow + 1000000);
    std::string future = as_request_cookie(watch::viewer_cookie_header(far, {}, kSigner, "/", kNow));
    BOOST_TEST(watch::read_viewer_cookie(future, kSigner, kNow).empty());
}

BOOST_AUTO_TEST_CASE(a_cookie_is_honoured_only_by_the_site_that_gave_it) {
    std::string cookie = as_request_cookie(watch::viewer_cookie_header(view(kA), {}, kSigner, "/", kNow));
    BOOST_TEST(watch::read_viewer_cookie(cookie, kSigner, kNow).size() == 1u);
    // The same secret, another account: a video site A may show is not site B's to show.
    watch::CookieSigner site_b{kSigner.secret, "https://ws.api.video\nkey-of-site-b"};
    BOOST_TEST(watch::read_viewer_cookie(cookie, site_b, kNow).empty());
}

BOOST_AUTO_TEST_CASE(the_newest_video_comes_first_and_the_count_is_bounded) {
    std::vector<watch::WatchView> seen;
    std::string cookie;
    const char* ids[] = {"vi000000000000000000000A", "vi000000000000000000000B", "vi000000000000000000000C",
                         "vi000000000000000000000D", "vi000000000000000000000E", "vi000000000000000000000F"};
    for (const char* id : ids) {
        cookie = as_request_cookie(watch::viewer_cookie_header(view(id), seen, kSigner, "/", kNow));
        seen = watch::read_viewer_cookie(cookie, kSigner, kNow);
    }
    BOOST_TEST(seen.size() == watch::kRememberMaxVideos);
    BOOST_TEST(seen.front().id == ids[5]);
    BOOST_TEST(seen.back().id == ids[2]);
}

BOOST_AUTO_TEST_CASE(watching_again_replaces_rather_than_duplicates) {
    std::string first = as_request_cookie(watch::viewer_cookie_header(view(kA), {}, kSigner, "/", kNow));
    auto seen = watch::read_viewer_cookie(first, kSigner, kNow);
    std::string second = as_request_cookie(watch::viewer_cookie_header(view(kB), seen, kSigner, "/", kNow));
    seen = watch::read_viewer_cookie(second, kSigner, kNow);
    std::string third =
        as_request_cookie(watch::viewer_cookie_header(view(kA, kNow + 5), seen, kSigner, "/", kNow + 5));
    seen = watch::read_viewer_cookie(third, kSigner, kNow + 5);
    BOOST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[0].id == kA);
    BOOST_TEST(seen[1].id == kB);
}

BOOST_AUTO_TEST_CASE(a_cookie_stays_under_the_browsers_size_limit) {
    watch::WatchView big = view(kA);
    big.title = std::string(3000, 'x');
    std::string set = watch::viewer_cookie_header(view(kB), {big}, kSigner, "/", kNow);
    BOOST_TEST(set.size() < 4096u);
    // The big one did not fit beside the new one, so only the new one is kept.
    auto seen = watch::read_viewer_cookie(as_request_cookie(set), kSigner, kNow);
    BOOST_REQUIRE(seen.size() == 1u);
    BOOST_TEST(seen[0].id == kB);
    // Alone and too large: not remembered at all.
    BOOST_TEST(watch::viewer_cookie_header(big, {}, kSigner, "/", kNow).empty());
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
