// Component tier: the core (handle_watch) against the api.video stand-in, for every
// fixture and every row of the error table. No web server: the request goes straight in.
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "tests/support/core.h"
#include "tests/support/http.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {
const Standin& standin() { return shared_standin(); }
}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(watch_tests)

BOOST_AUTO_TEST_CASE(private_video_gets_a_page_whose_every_asset_carries_the_session) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kPrivateVideo);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.log.empty());
    BOOST_TEST(r.body.find("A private video") != std::string::npos);

    auto urls = asset_urls(r.body);
    BOOST_TEST(urls.size() >= 4u);  // link, thumbnail, poster, hls, mp4
    std::string session = session_of(urls.front());
    BOOST_TEST(!session.empty());
    for (const auto& u : urls) {
        BOOST_TEST(session_of(u) == session, u);
        BOOST_TEST(http_get(u).status == 200, u);
    }
    // The key went to the API host only, the session call carried none.
    // (The caption list read beside the video, a read of its own, is left out here.)
    std::vector<StandinRequest> log;
    for (const auto& q : standin().requests()) {
        if (q.path.find("/captions") == std::string::npos) log.push_back(q);
    }
    BOOST_REQUIRE(log.size() >= 2u);
    BOOST_TEST(log[0].host == "api");
    BOOST_TEST(log[0].path == std::string("/videos/") + kPrivateVideo);
    BOOST_TEST(log[0].has_authorization);
    BOOST_TEST(log[1].host == "vod");
    BOOST_TEST(log[1].path.find("/session") != std::string::npos);
    for (const auto& q : log) {
        if (q.host == "vod") BOOST_TEST(!q.has_authorization, q.path);
        if (q.host == "vod" && q.path.find("/session") == std::string::npos) BOOST_TEST(q.session == "valid", q.path);
    }
}

BOOST_AUTO_TEST_CASE(page_asset_urls_without_the_session_are_refused) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kPrivateVideo);
    BOOST_REQUIRE(r.status == 200);
    // The page's token was traded for the session: bare, its URLs are dead.
    for (const auto& u : asset_urls(r.body)) BOOST_TEST(http_get(without_avh(u)).status == 404, u);
}

BOOST_AUTO_TEST_CASE(public_video_uses_its_assets_as_they_are) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kPublicVideo);
    BOOST_TEST(r.status == 200);
    for (const auto& u : asset_urls(r.body)) {
        BOOST_TEST(u.find("avh=") == std::string::npos, u);
        BOOST_TEST(http_get(u).status == 200, u);
    }
    for (const auto& q : standin().requests()) BOOST_TEST(q.path.find("/session") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(private_video_without_mp4_plays_by_hls) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kNoMp4Video);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find(R"(type="video/mp4">)") == std::string::npos);
    BOOST_TEST(r.body.find("application/x-mpegURL") != std::string::npos);
    for (const auto& u : asset_urls(r.body)) BOOST_TEST(http_get(u).status == 200, u);
}

BOOST_AUTO_TEST_CASE(title_with_markup_is_escaped) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kMarkupVideo);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find("<script>alert") == std::string::npos);
    BOOST_TEST(r.body.find("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(private_flag_without_any_token_is_served_as_public) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kNodeClientVideo);
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.find("Maths video") != std::string::npos);
    auto urls = asset_urls(r.body);
    BOOST_TEST(!urls.empty());
    for (const auto& u : urls) BOOST_TEST(u.find("avh=") == std::string::npos, u);
    for (const auto& q : standin().requests()) BOOST_TEST(q.path.find("/session") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(docs_example_payload_plays_with_a_session) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kDocsVideo);
    BOOST_TEST(r.status == 200);
    auto urls = asset_urls(r.body);
    BOOST_TEST(!urls.empty());
    for (const auto& u : urls) BOOST_TEST(http_get(u).status == 200, u);
}

BOOST_AUTO_TEST_CASE(bad_ids_get_400_without_any_upstream_call) {
    Core core;
    for (const char* q : {"", "id=", "id=vi123", "id=../../etc/passwd", "foo=bar",
                          "id=vi5fG2hPr1vAtEpr1vAtE001&id=vi5fG2hPr1vAtEpr1vAtE001", "id=%zz"}) {
        watch::Response r = core.get(q);
        BOOST_TEST(r.status == 400, q);
        BOOST_TEST(r.log.find("step=validate") != std::string::npos, r.log);
    }
    BOOST_TEST(standin().requests().empty());
}

BOOST_AUTO_TEST_CASE(other_methods_get_405_with_allow) {
    Core core;
    watch::Response r = core.get(Core::Call{std::string("id=") + kPrivateVideo, "POST"});
    BOOST_TEST(r.status == 405);
    BOOST_TEST(*r.header("Allow") == "GET, HEAD");
    BOOST_TEST(standin().requests().empty());
}

BOOST_AUTO_TEST_CASE(unknown_video_gets_404) {
    Core core;
    watch::Response r = core.get(std::string("id=") + kUnknownVideo);
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.log.find("step=video") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(refused_key_gets_502_and_says_so_in_the_log_only) {
    Core core(Core::Settings{{"APIVIDEO_API_KEY", "not-a-key-the-standin-knows"}});
    watch::Response r = core.get(std::string("id=") + kPrivateVideo);
    BOOST_TEST(r.status == 502);
    BOOST_TEST(r.log.find("refused the API key") != std::string::npos, r.log);
    BOOST_TEST(r.log.find("not-a-key-the-standin-knows") == std::string::npos);
    BOOST_TEST(r.body.find("not-a-key-the-standin-knows") == std::string::npos);
}

namespace {
void expect_status_with_knob(const std::string& knob, int status, const char* step) {
    Core core;
    standin().knobs(knob);
    auto start = std::chrono::steady_clock::now();
    watch::Response r = core.get(std::string("id=") + kPrivateVideo);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
    standin().knobs("");
    BOOST_TEST(r.status == status, knob << " -> " << r.status << " " << r.log);
    BOOST_TEST(r.log.find(std::string("step=") + step) != std::string::npos, r.log);
    BOOST_TEST(ms < core.config().timeout_ms + 1000, knob << " took " << ms << " ms");
    BOOST_TEST(r.body.find(kKey) == std::string::npos);
    BOOST_TEST(r.log.find(kKey) == std::string::npos);
}
}  // namespace

// A wait longer than WATCH_WAIT_SECONDS is not offered: the 503 page, with Retry-After.
BOOST_AUTO_TEST_CASE(a_rate_limit_beyond_the_wait_bound_gets_503_with_retry_after) {
    Core core(Core::Settings{{"WATCH_WAIT_SECONDS", "30"}});
    standin().knobs(R"({"rules":[{"host":"api","path":"^/videos/","action":{"status":429,"retry_after":42}}]})");
    watch::Response r = core.get(std::string("id=") + kPrivateVideo);
    standin().knobs("");
    BOOST_TEST(r.status == 503);
    BOOST_REQUIRE(r.header("Retry-After"));
    BOOST_TEST(*r.header("Retry-After") == "43");  // and a second's margin
    BOOST_TEST(r.log.find("step=rate-limit") != std::string::npos, r.log);
    // A reply's wait is never taken beyond two minutes, whatever it says.
    Core patient(Core::Settings{{"WATCH_WAIT_SECONDS", "600"}});
    standin().knobs(R"({"rules":[{"host":"api","path":"^/videos/","action":{"status":429,"retry_after":999999}}]})");
    watch::Response capped = patient.get(std::string("id=") + kPrivateVideo + "&format=json");
    standin().knobs("");
    BOOST_TEST(capped.status == 503);
    BOOST_TEST(*capped.header("Retry-After") == "120");
}

BOOST_AUTO_TEST_CASE(upstream_errors_map_onto_the_error_table) {
    expect_status_with_knob(R"({"rules":[{"host":"api","path":"^/videos/","action":{"status":500}}]})", 502, "video");
    expect_status_with_knob(R"({"rules":[{"host":"api","path":"^/videos/","action":{"status":403}}]})", 502, "video");
    expect_status_with_knob(R"({"rules":[{"host":"api","path":"^/videos/","action":{"fault":"malformed"}}]})", 502,
                            "video");
    expect_status_with_knob(R"({"rules":[{"host":"api","path":"^/videos/","action":{"fault":"close"}}]})", 502,
                            "video");
    expect_status_with_knob(R"({"rules":[{"host":"vod","path":"/session$","action":{"status":404}}]})", 502, "session");
    expect_status_with_knob(R"({"rules":[{"host":"vod","path":"/session$","action":{"fault":"session_missing"}}]})",
                            502, "session");
    expect_status_with_knob(R"({"rules":[{"host":"api","path":"^/videos/","action":{"delay_ms":3000}}]})", 504,
                            "video");
    expect_status_with_knob(R"({"rules":[{"host":"vod","path":"/session$","action":{"delay_ms":3000}}]})", 504,
                            "session");
}

BOOST_AUTO_TEST_CASE(api_host_not_listening_gets_502) {
    Core core(Core::Settings{{"APIVIDEO_API_URL", "http://127.0.0.1:" + std::to_string(free_port())}});
    watch::Response r = core.get(std::string("id=") + kPrivateVideo);
    BOOST_TEST(r.status == 502);
    BOOST_TEST(r.log.find("unreachable") != std::string::npos, r.log);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
