// Unit tests for common/video_facts.cpp: which list a page view reads, for how long a
// list is kept, and when a video still encoding is checked again.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "common/video_facts.h"

using watch::TextTrack;
using watch::TrackKind;
using watch::VideoFacts;

namespace {

const std::string kId = "vi4k0jvEUuaTdRAEjQ4Prklg";

std::vector<TextTrack> one(TrackKind k, const char* lang) {
    return {TextTrack{k, std::string("https://vod.api.video/vod/x/") + lang + ".vtt", lang, lang, false}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(video_facts_tests)

// At most one list a page view: captions first, chapters on the next view, then none
// until a list's time is up, then the one read longest ago.
BOOST_AUTO_TEST_CASE(one_list_a_page_view_and_none_while_both_are_fresh) {
    VideoFacts f(300);
    BOOST_TEST((f.list_due(kId, true, true, 1000) == TrackKind::Captions));
    f.store_list(kId, TrackKind::Captions, one(TrackKind::Captions, "en"), 1000);
    BOOST_TEST((f.list_due(kId, true, true, 1001) == TrackKind::Chapters));
    BOOST_TEST(!f.knows_tracks(kId, true, true));
    BOOST_TEST(f.knows_tracks(kId, true, false));
    f.store_list(kId, TrackKind::Chapters, one(TrackKind::Chapters, "en"), 1010);
    BOOST_TEST(f.knows_tracks(kId, true, true));
    BOOST_TEST(!f.list_due(kId, true, true, 1299));
    BOOST_TEST((f.list_due(kId, true, true, 1300) == TrackKind::Captions));
    BOOST_TEST((f.list_due(kId, false, true, 1310) == TrackKind::Chapters));
    BOOST_TEST(!f.list_due(kId, false, false, 5000), "both off: never a read");
}

// Page views at once: the first takes the list read, the others do not read it again.
BOOST_AUTO_TEST_CASE(a_list_being_read_is_not_due_for_others) {
    VideoFacts f(300);
    BOOST_REQUIRE((f.list_due(kId, true, true, 1000) == TrackKind::Captions));
    f.reading(kId, TrackKind::Captions, 1000);
    BOOST_TEST((f.list_due(kId, true, true, 1000) == TrackKind::Chapters));
    f.reading(kId, TrackKind::Chapters, 1000);
    BOOST_TEST(!f.list_due(kId, true, true, 1001));
    f.store_list(kId, TrackKind::Captions, one(TrackKind::Captions, "en"), 1001);
    BOOST_TEST(!f.list_due(kId, true, true, 1002));
}

BOOST_AUTO_TEST_CASE(a_stale_list_is_shown_until_it_is_read_again) {
    VideoFacts f(60);
    f.store_list(kId, TrackKind::Captions, one(TrackKind::Captions, "en"), 1000);
    f.store_list(kId, TrackKind::Chapters, one(TrackKind::Chapters, "de"), 1000);
    auto t = f.tracks(kId, true, true);
    BOOST_REQUIRE(t.size() == 2u);
    BOOST_TEST((t[0].kind == TrackKind::Captions));
    BOOST_TEST((t[1].kind == TrackKind::Chapters));
    BOOST_TEST(f.tracks(kId, true, false).size() == 1u);
    BOOST_TEST(f.tracks(kId, false, false).empty());
    BOOST_TEST(f.tracks("vi0000000000000000000000", true, true).empty());
}

// A failed read keeps the last good list and is tried again within a minute, not on
// every page view.
BOOST_AUTO_TEST_CASE(a_failed_read_waits_a_minute_and_keeps_the_last_list) {
    VideoFacts f(600);
    f.store_list(kId, TrackKind::Captions, one(TrackKind::Captions, "en"), 1000);
    f.store_list(kId, TrackKind::Chapters, {}, 1000);
    f.list_failed(kId, TrackKind::Captions, 1600);
    BOOST_TEST(!f.list_due(kId, true, false, 1601));
    BOOST_TEST(!f.list_due(kId, true, false, 1659));
    BOOST_TEST((f.list_due(kId, true, false, 1660) == TrackKind::Captions));
    BOOST_TEST(f.tracks(kId, true, false).size() == 1u);
    // Never read and failed: not due again at once either.
    VideoFacts g(600);
    g.list_failed(kId, TrackKind::Captions, 1000);
    BOOST_TEST((g.list_due(kId, true, true, 1001) == TrackKind::Chapters));
    BOOST_TEST(!g.knows_tracks(kId, true, false));
}

BOOST_AUTO_TEST_CASE(a_video_that_plays_is_never_checked_again_one_encoding_soon) {
    VideoFacts f(300);
    BOOST_TEST(!f.playable(kId, 1000).has_value());
    watch::WatchView seen;
    seen.title = "Soon";
    seen.session_token = "s";
    seen.assets.hls = "https://vod.api.video/x/token/t/hls/manifest.m3u8?avh=s";
    f.set_playable(kId, false, 1000, seen);
    BOOST_TEST((f.playable(kId, 1000) == false));
    BOOST_REQUIRE(f.still_encoding(kId, 1019));
    BOOST_TEST(f.still_encoding(kId, 1019)->title == "Soon");
    BOOST_TEST(f.still_encoding(kId, 1019)->session_token.empty(), "no session kept");
    BOOST_TEST(f.still_encoding(kId, 1019)->assets.hls.empty());
    BOOST_TEST(!f.still_encoding(kId, 1020));
    BOOST_TEST(f.recheck_in(kId, 1005) == VideoFacts::kRecheckSeconds - 5);
    BOOST_TEST(!f.playable(kId, 1000 + VideoFacts::kRecheckSeconds).has_value(), "checked again");
    f.set_playable(kId, true, 1030);
    BOOST_TEST((f.playable(kId, 999999) == true));
    BOOST_TEST(f.recheck_in("vi0000000000000000000000", 5) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
