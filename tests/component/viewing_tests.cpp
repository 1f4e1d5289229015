// Component tier: what the page shows beside the video (issue 12): captions and chapters
// read once in a while, at most one list a page view and none while both are kept; the
// page of a video still encoding, which costs nothing while it waits.
#include <boost/test/unit_test.hpp>

#include <ctime>
#include <string>

#include "common/watch.h"
#include "tests/support/core.h"
#include "tests/support/http.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

long long now() { return static_cast<long long>(std::time(nullptr)); }

std::string watch_query(const char* id) { return std::string("id=") + id; }

size_t list_reads(const char* kind) {
    size_t n = 0;
    for (const auto& q : standin().requests()) n += q.host == "api" && q.path.find(kind) != std::string::npos;
    return n;
}

size_t count_of(const std::string& s, const std::string& part) {
    size_t n = 0;
    for (size_t at = s.find(part); at != std::string::npos; at = s.find(part, at + 1)) ++n;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(viewing_tests)

BOOST_AUTO_TEST_CASE(captions_then_chapters_one_read_a_page_view_then_none) {
    Core core;
    standin().reset();
    watch::Response first = core.get(watch_query(kPrivateVideo));
    BOOST_REQUIRE(first.status == 200);
    BOOST_TEST(list_reads("/captions") == 1u);
    BOOST_TEST(list_reads("/chapters") == 0u);
    BOOST_TEST(count_of(first.body, "<track kind=\"captions\"") == 2u, first.body);
    BOOST_TEST(count_of(first.body, "<track kind=\"chapters\"") == 0u);
    // Every caption file carries the page's session, and the stand-in opens it with it.
    auto urls = asset_urls(first.body);
    const std::string session = session_of(urls.front());
    size_t vtt = 0;
    for (const auto& u : urls) {
        if (u.find(".vtt") == std::string::npos) continue;
        ++vtt;
        BOOST_TEST(session_of(u) == session, u);
        BOOST_TEST(http_get(u).status == 200, u);
        BOOST_TEST(http_get(u.substr(0, u.find('?'))).status == 404, "without the session: " << u);
    }
    BOOST_TEST(vtt == 2u);

    watch::Response second = core.get(watch_query(kPrivateVideo));
    BOOST_TEST(list_reads("/captions") == 1u);
    BOOST_TEST(list_reads("/chapters") == 1u);
    BOOST_TEST(count_of(second.body, "<track kind=\"chapters\"") == 1u, second.body);

    standin().reset();
    watch::Response third = core.get(watch_query(kPrivateVideo));
    BOOST_TEST(standin().api_calls() == 1u, "the video only: both lists are kept");
    BOOST_TEST(count_of(third.body, "<track ") == 3u);

    // Past WATCH_TRACKS_SECONDS (300 by default), one list is read again.
    standin().reset();
    core.get(Core::Call{watch_query(kPrivateVideo), "GET", "", "", now() + 301});
    BOOST_TEST(standin().api_calls() == 2u);
}

BOOST_AUTO_TEST_CASE(a_site_can_turn_captions_and_chapters_off) {
    Core core(Core::Settings{{"WATCH_CAPTIONS", "off"}, {"WATCH_CHAPTERS", "off"}});
    standin().reset();
    for (int i = 0; i < 2; ++i) {
        watch::Response r = core.get(watch_query(kPrivateVideo));
        BOOST_TEST(r.status == 200);
        BOOST_TEST(count_of(r.body, "<track ") == 0u);
    }
    BOOST_TEST(standin().api_calls() == 2u);
}

BOOST_AUTO_TEST_CASE(a_failed_list_costs_the_page_nothing_but_its_tracks) {
    Core core;
    standin().reset();
    standin().knobs(R"({"rules":[{"host":"api","path":"/captions$","action":{"status":500}}]})");
    watch::Response r = core.get(watch_query(kPrivateVideo));
    standin().knobs("");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(count_of(r.body, "<track ") == 0u);
    BOOST_TEST(r.log.find("captions: api.video replied HTTP 500 (the page went without it)") != std::string::npos,
               r.log);
    // Not read again at once (a minute), so the next view reads the chapters instead.
    watch::Response next = core.get(watch_query(kPrivateVideo));
    BOOST_TEST(list_reads("/captions") == 1u);
    BOOST_TEST(list_reads("/chapters") == 1u);
    BOOST_TEST(next.log.empty(), next.log);
}

BOOST_AUTO_TEST_CASE(a_public_video_s_tracks_need_no_session_and_its_preview_has_the_thumbnail) {
    Core core;
    watch::Response r = core.get(watch_query(kPublicVideo));
    BOOST_REQUIRE(r.status == 200);
    BOOST_TEST(r.body.find("?avh=") == std::string::npos, r.body);
    BOOST_TEST(count_of(r.body, "<track kind=\"captions\"") == 1u);
    BOOST_TEST(r.body.find("<meta property=\"og:image\"") != std::string::npos);
    BOOST_TEST(!r.header("X-Robots-Tag"));
}

BOOST_AUTO_TEST_CASE(the_page_speaks_the_video_s_language_and_describes_it) {
    Core core;
    watch::Response fr = core.get(watch_query(kNoMp4Video));
    BOOST_TEST(fr.body.find("<html lang=\"fr\">") != std::string::npos);
    watch::Response en = core.get(watch_query(kPrivateVideo));
    BOOST_TEST(en.body.find("<p class=\"description\">Private (public: false): every GET mints a fresh "
                            "single-use token.</p>") != std::string::npos,
               en.body);
    BOOST_TEST(*en.header("X-Robots-Tag") == "noindex, nofollow");
}

// A video still encoding: its manifest replies 404. The page waits and asks again; until
// the process checks again, those asks cost no call at all.
BOOST_AUTO_TEST_CASE(a_video_still_encoding_gets_the_page_that_waits_for_it) {
    Core core;
    standin().reset();
    standin().knobs(std::string(R"({"playable":{")") + kPrivateVideo + R"(":false}})");
    const long long t0 = now();
    watch::Response r = core.get(Core::Call{watch_query(kPrivateVideo), "GET", "", "", t0});
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find("This video is still being processed") != std::string::npos, r.body);
    BOOST_TEST(r.body.find("source.mp4") == std::string::npos, "no player that would fail");
    BOOST_TEST(r.body.find("A private video") != std::string::npos, "the title is known");

    auto manifests = [] {
        size_t n = 0;
        for (const auto& q : standin().requests()) n += q.path.find("/hls/manifest.m3u8") != std::string::npos;
        return n;
    };
    BOOST_TEST(manifests() == 1u);
    const size_t calls = standin().requests().size();
    watch::Response j = core.get(Core::Call{watch_query(kPrivateVideo) + "&format=json", "GET", "", "", t0 + 5});
    BOOST_TEST(j.status == 503);
    BOOST_TEST(j.body.find("\"code\":\"processing\"") != std::string::npos, j.body);
    BOOST_TEST(*j.header("Retry-After") == "15");
    watch::Response again = core.get(Core::Call{watch_query(kPrivateVideo), "GET", "", "", t0 + 6});
    BOOST_TEST(again.body.find("This video is still being processed") != std::string::npos);
    BOOST_TEST(again.body.find("<h1>A private video</h1>") != std::string::npos, "its title, from the check");
    BOOST_TEST(standin().requests().size() == calls, "not one call before the next check");
    // The video is encoded, and the next check finds it so.
    standin().knobs("");
    watch::Response later = core.get(Core::Call{watch_query(kPrivateVideo) + "&format=json", "GET", "", "", t0 + 21});
    BOOST_TEST(later.status == 200, later.body);
    BOOST_TEST(later.body.find("/hls/manifest.m3u8?avh=") != std::string::npos);
}

// A visitor who leaves while the reads are out: the page view ends without their results,
// and the reads it took are given back, not held against every later window.
BOOST_AUTO_TEST_CASE(a_page_view_that_ends_early_gives_its_reads_back) {
    Core core(Core::Settings{{"APIVIDEO_READS_PER_MINUTE", "100"}});
    const long long t = now();
    auto available = [&](long long at) {
        return watch::budget_of(core.account_state(), core.config().reads_per_minute, 1).available(at);
    };
    const long long before = available(t);
    {
        watch::PageView page(Core::request(Core::Call{watch_query(kPrivateVideo), "GET", "", "", t}), core.site);
        watch::Round round = core.until_calls(page, page.start());
        BOOST_REQUIRE(round.calls.size() == 2u);  // the video, and its caption list beside it
        BOOST_TEST(available(t) == before - 2);
        // The visitor leaves: what the page view gives back goes to the shared state.
        core.state->apply(page.abandon(), [](bool, const std::string&) {});
    }
    BOOST_TEST(available(t + 3600) == 100, "a later window has all its reads");
}

// The cached page of a video still encoding allows the hosts its player will load from
// once the video plays (its reply is not known when the page is made).
BOOST_AUTO_TEST_CASE(a_cached_processing_page_allows_the_video_s_hosts) {
    Core core;
    const long long t0 = now();
    standin().knobs(std::string(R"({"playable":{")") + kPrivateVideo + R"(":false}})");
    core.get(Core::Call{watch_query(kPrivateVideo), "GET", "", "", t0});
    watch::Response cached = core.get(Core::Call{watch_query(kPrivateVideo), "GET", "", "", t0 + 1});
    standin().knobs("");
    BOOST_TEST(cached.body.find("This video is still being processed") != std::string::npos);
    const std::string csp = *cached.header("Content-Security-Policy");
    BOOST_TEST(csp.find("media-src blob: " + standin().vod()) != std::string::npos, csp);
    BOOST_TEST(csp.find("img-src " + standin().vod()) != std::string::npos, csp);
}

// When the time to check again comes, one page view checks; the others keep the page
// that waits, at no cost.
BOOST_AUTO_TEST_CASE(one_page_view_checks_again_the_others_wait) {
    Core core;
    const long long t0 = now();
    standin().knobs(std::string(R"({"playable":{")") + kPrivateVideo + R"(":false}})");
    core.get(Core::Call{watch_query(kPrivateVideo), "GET", "", "", t0});
    const long long later = t0 + watch::VideoFact::kRecheckSeconds;
    watch::PageView checking(Core::request(Core::Call{watch_query(kPrivateVideo), "GET", "", "", later}), core.site);
    BOOST_TEST(!core.until_calls(checking, checking.start()).calls.empty(), "the first asks api.video");
    standin().reset();
    watch::Response other = core.get(Core::Call{watch_query(kPrivateVideo), "GET", "", "", later});
    standin().knobs("");
    BOOST_TEST(other.body.find("This video is still being processed") != std::string::npos);
    BOOST_TEST(standin().requests().empty(), "the others cost nothing");
}

BOOST_AUTO_TEST_CASE(the_fixture_still_encoding_is_not_played) {
    Core core;
    watch::Response r = core.get(watch_query(kEncodingVideo) + "&format=json");
    BOOST_TEST(r.status == 503);
    BOOST_TEST(r.body.find("\"code\":\"processing\"") != std::string::npos, r.body);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
