// Unit tests for common/video_facts.cpp: which list a page view reads, for how long a
// list is kept, and when a video still encoding is checked again; and that a video's facts
// come back from the shared state's encoding as they went in.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "common/json.h"
#include "common/video_facts.h"

using watch::TextTrack;
using watch::TrackKind;
using watch::VideoFact;

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
    VideoFact f;
    const long long seconds = 300;
    BOOST_TEST((f.list_due(true, true, 1000) == TrackKind::Captions));
    f.store_list(TrackKind::Captions, one(TrackKind::Captions, "en"), seconds, 1000);
    BOOST_TEST((f.list_due(true, true, 1001) == TrackKind::Chapters));
    BOOST_TEST(!f.knows_tracks(true, true));
    BOOST_TEST(f.knows_tracks(true, false));
    f.store_list(TrackKind::Chapters, one(TrackKind::Chapters, "en"), seconds, 1010);
    BOOST_TEST(f.knows_tracks(true, true));
    BOOST_TEST(!f.list_due(true, true, 1299));
    BOOST_TEST((f.list_due(true, true, 1300) == TrackKind::Captions));
    BOOST_TEST((f.list_due(false, true, 1310) == TrackKind::Chapters));
    BOOST_TEST(!f.list_due(false, false, 5000), "both off: never a read");
}

// Page views at once: the first takes the list read, the others do not read it again.
BOOST_AUTO_TEST_CASE(a_list_being_read_is_not_due_for_others) {
    VideoFact f;
    const long long seconds = 300;
    BOOST_REQUIRE((f.list_due(true, true, 1000) == TrackKind::Captions));
    f.reading(TrackKind::Captions, 1000);
    BOOST_TEST((f.list_due(true, true, 1000) == TrackKind::Chapters));
    f.reading(TrackKind::Chapters, 1000);
    BOOST_TEST(!f.list_due(true, true, 1001));
    f.store_list(TrackKind::Captions, one(TrackKind::Captions, "en"), seconds, 1001);
    BOOST_TEST(!f.list_due(true, true, 1002));
}

BOOST_AUTO_TEST_CASE(a_stale_list_is_shown_until_it_is_read_again) {
    VideoFact f;
    const long long seconds = 60;
    f.store_list(TrackKind::Captions, one(TrackKind::Captions, "en"), seconds, 1000);
    f.store_list(TrackKind::Chapters, one(TrackKind::Chapters, "de"), seconds, 1000);
    auto t = f.tracks(true, true);
    BOOST_REQUIRE(t.size() == 2u);
    BOOST_TEST((t[0].kind == TrackKind::Captions));
    BOOST_TEST((t[1].kind == TrackKind::Chapters));
    BOOST_TEST(f.tracks(true, false).size() == 1u);
    BOOST_TEST(f.tracks(false, false).empty());
    BOOST_TEST(VideoFact().tracks(true, true).empty());
}

// A failed read keeps the last good list and is tried again within a minute, not on
// every page view.
BOOST_AUTO_TEST_CASE(a_failed_read_waits_a_minute_and_keeps_the_last_list) {
    VideoFact f;
    const long long seconds = 600;
    f.store_list(TrackKind::Captions, one(TrackKind::Captions, "en"), seconds, 1000);
    f.store_list(TrackKind::Chapters, {}, seconds, 1000);
    f.list_failed(TrackKind::Captions, seconds, 1600);
    BOOST_TEST(!f.list_due(true, false, 1601));
    BOOST_TEST(!f.list_due(true, false, 1659));
    BOOST_TEST((f.list_due(true, false, 1660) == TrackKind::Captions));
    BOOST_TEST(f.tracks(true, false).size() == 1u);
    // Never read and failed: not due again at once either.
    VideoFact g;
    g.list_failed(TrackKind::Captions, seconds, 1000);
    BOOST_TEST((g.list_due(true, true, 1001) == TrackKind::Chapters));
    BOOST_TEST(!g.knows_tracks(true, false));
}

BOOST_AUTO_TEST_CASE(a_video_that_plays_is_never_checked_again_one_encoding_soon) {
    VideoFact f;
    BOOST_TEST(!f.playable(1000).has_value());
    watch::WatchView seen;
    seen.title = "Soon";
    seen.session_token = "s";
    seen.assets.hls = "https://vod.api.video/x/token/t/hls/manifest.m3u8?avh=s";
    f.set_playable(false, 1000, seen);
    BOOST_TEST((f.playable(1000) == false));
    BOOST_REQUIRE(f.still_encoding(1019));
    BOOST_TEST(f.still_encoding(1019)->title == "Soon");
    BOOST_TEST(f.still_encoding(1019)->session_token.empty(), "no session kept");
    BOOST_TEST(f.still_encoding(1019)->assets.hls.empty());
    BOOST_TEST(!f.still_encoding(1020));
    BOOST_TEST(f.recheck_in(1005) == VideoFact::kRecheckSeconds - 5);
    BOOST_TEST(!f.playable(1000 + VideoFact::kRecheckSeconds).has_value(), "checked again");
    f.set_playable(true, 1030);
    BOOST_TEST((f.playable(999999) == true));
    BOOST_TEST(VideoFact().recheck_in(5) == 1);
}

// A live stream off air: one read every kOffAirSeconds for everyone who waits; on air,
// trusted only by a returning viewer's cookie, and only for kOnAirSeconds.
BOOST_AUTO_TEST_CASE(a_stream_off_air_is_read_again_by_one_page_view_every_few_seconds) {
    VideoFact f;
    BOOST_TEST(!f.off_air(1000));
    BOOST_TEST(!f.claim_live_check(1000), "nothing known: every page view reads");
    watch::WatchView seen;
    seen.kind = watch::MediaKind::LiveStream;
    seen.id = "li4SB0HXeul4ITH5DXJFGPxT";
    seen.title = "Soon";
    seen.session_token = "s";
    seen.assets.hls = "https://live.api.video/x.m3u8";
    f.set_on_air(false, 1000, seen);
    BOOST_TEST_REQUIRE(f.off_air(1001));
    BOOST_TEST(f.off_air(1001)->title == "Soon");
    BOOST_TEST(f.off_air(1001)->session_token.empty(), "a page that waits holds no session");
    BOOST_TEST(f.off_air(1001)->assets.hls.empty());
    BOOST_TEST(f.live_check_in(1001) == VideoFact::kOffAirSeconds - 1);
    BOOST_TEST(!f.claim_live_check(1001));
    const long long due = 1000 + VideoFact::kOffAirSeconds;
    BOOST_TEST(!f.off_air(due));
    BOOST_TEST(f.claim_live_check(due), "the first page view to ask reads");
    BOOST_TEST(f.off_air(due), "the others keep waiting meanwhile");
    BOOST_TEST(!f.claim_live_check(due));
    BOOST_TEST(!f.on_air_lately(due));
    f.set_on_air(true, due + 1);
    BOOST_TEST(!f.off_air(due + 1));
    BOOST_TEST(f.on_air_lately(due + 1 + VideoFact::kOnAirSeconds));
    BOOST_TEST(!f.on_air_lately(due + 2 + VideoFact::kOnAirSeconds));
    BOOST_TEST(!f.claim_live_check(due + 100), "on air: nothing to claim, every page view reads");
}

// The shared state keeps a video's facts as JSON: read back, they say the same; anything
// else read back is refused (and counts as no facts at all).
BOOST_AUTO_TEST_CASE(facts_come_back_from_the_shared_state_as_they_went_in) {
    VideoFact f;
    f.store_list(TrackKind::Captions, one(TrackKind::Captions, "en"), 300, 1000);
    f.reading(TrackKind::Chapters, 1001);
    watch::WatchView seen;
    seen.id = kId;
    seen.title = "Tôt <b>";
    f.set_playable(false, 1002, seen);
    f.set_on_air(false, 1003, seen);
    f.claim_live_check(1003 + VideoFact::kOffAirSeconds);
    VideoFact back;
    BOOST_TEST_REQUIRE(watch::parse_video_fact(watch::video_fact_json(f), back));
    BOOST_TEST(watch::video_fact_json(back) == watch::video_fact_json(f));
    BOOST_TEST(back.tracks(true, true).size() == 1u);
    BOOST_TEST((back.list_due(true, true, 1002) == std::nullopt));
    BOOST_TEST(back.still_encoding(1003)->title == "Tôt <b>");
    BOOST_TEST(back.off_air(1004)->title == "Tôt <b>");
    BOOST_TEST(back.live_check_at == 1003 + 2 * VideoFact::kOffAirSeconds);
    for (const char* bad :
         {"", "{}", "[1]", "{\"l\":[],\"p\":null,\"r\":0,\"s\":{}}", "{\"l\":[[0,0,[]],[0,0,[]]],\"p\":1,\"r\":0}"}) {
        VideoFact x;
        BOOST_TEST(!watch::parse_video_fact(bad, x), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
