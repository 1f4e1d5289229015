// Unit tests for common/page.cpp: the headers every page carries, the error pages, and
// the watch page with hostile values: escaping, the asset URLs, the CSP and its nonce.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <ostream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/escape.h"
#include "common/page.h"
#include "common/site.h"
#include "common/url.h"
#include "tests/support/process.h"
#include "tests/unit/unit_support.h"

namespace bdata = boost::unit_test::data;
using unit_support::contains;

namespace {

struct FailureCase {
    watch::Failure failure;
    const char* name;
};

std::ostream& operator<<(std::ostream& os, const FailureCase& c) { return os << c.name; }

struct PlayerCase {
    watch::Player player;
    std::string extra_origin;  // the one host besides the asset origins this player's CSP names
    std::string directive;     // where that host belongs
};

std::ostream& operator<<(std::ostream& os, const PlayerCase& c) { return os << watch::player_info(c.player).name; }

// The players, with script folders on hosts of their own so each shows up in the CSP.
const std::vector<PlayerCase> kPlayers = {
    {watch::Player::VideoJs, "https://player.example.org", "script-src"},
    {watch::Player::HlsJs, "https://hls.example.org", "script-src"},
    {watch::Player::Native, "", ""},
    {watch::Player::Embed, "https://embed.api.video", "frame-src"},
};

const std::vector<FailureCase> kFailures = {
    {watch::Failure::BadRequest, "BadRequest"},
    {watch::Failure::Forbidden, "Forbidden"},
    {watch::Failure::MethodNotAllowed, "MethodNotAllowed"},
    {watch::Failure::UnknownVideo, "UnknownVideo"},
    {watch::Failure::KeyRefused, "KeyRefused"},
    {watch::Failure::BadReply, "BadReply"},
    {watch::Failure::NoSession, "NoSession"},
    {watch::Failure::Unreachable, "Unreachable"},
    {watch::Failure::RateLimited, "RateLimited"},
    {watch::Failure::Overloaded, "Overloaded"},
    {watch::Failure::Timeout, "Timeout"},
    {watch::Failure::Internal, "Internal"},
};

const watch::Pages& pages() {
    static const watch::Pages p = watch::builtin_pages();
    return p;
}

watch::Config config_with(std::map<std::string, std::string> settings) {
    settings.emplace("APIVIDEO_API_KEY", "testkey");
    watch::Config c;
    std::string why;
    BOOST_TEST_REQUIRE(watch::load_config(
                           [&](const char* name) -> const char* {
                               auto it = settings.find(name);
                               return it == settings.end() ? nullptr : it->second.c_str();
                           },
                           watch::read_file, c, why),
                       why);
    return c;
}

const std::string kSession = "07703ba8-22a1-4fc0-ac57-aef278f16d67";
const std::string kHostileTitle = "<script>alert(\"x\")</script> & 'q'";

watch::WatchView hostile_view() {
    const std::string base =
        "https://vod.api.video/vod/vi4k0jvEUuaTdRAEjQ4Prklg/token/"
        "c77d7bf3-4e2f-4a85-9e15-5c35992c11fc";
    watch::WatchView v;
    v.id = "vi4k0jvEUuaTdRAEjQ4Prklg";
    v.title = kHostileTitle;
    v.assets.hls = base + "/hls/manifest.m3u8?avh=" + kSession;
    v.assets.mp4 = base + "/mp4/source.mp4?avh=" + kSession;
    v.assets.thumbnail = "https://img.example.net:8443/vod/x/token/t/thumbnail.jpg?w=640&avh=" + kSession;
    v.assets.player = "https://embed.api.video/vod/vi4k0jvEUuaTdRAEjQ4Prklg?token=t&avh=" + kSession;
    v.session_token = kSession;
    return v;
}

std::string header(const watch::Response& r, const std::string& name) {
    const std::string* h = r.header(name);
    return h ? *h : std::string();
}

// The CSP as directive -> sources.
std::map<std::string, std::vector<std::string>> parse_csp(const std::string& csp) {
    std::map<std::string, std::vector<std::string>> out;
    size_t pos = 0;
    while (pos <= csp.size()) {
        size_t semi = csp.find(';', pos);
        if (semi == std::string::npos) semi = csp.size();
        std::string directive = csp.substr(pos, semi - pos);
        pos = semi + 1;
        std::vector<std::string> words;
        size_t i = 0;
        while (i < directive.size()) {
            size_t s = directive.find_first_not_of(' ', i);
            if (s == std::string::npos) break;
            size_t e = directive.find(' ', s);
            if (e == std::string::npos) e = directive.size();
            words.push_back(directive.substr(s, e - s));
            i = e;
        }
        if (words.empty()) continue;
        std::string name = words.front();
        BOOST_TEST(out.count(name) == 0u, "directive " << name << " repeated");
        out[name] = std::vector<std::string>(words.begin() + 1, words.end());
    }
    return out;
}

// Every host source in the CSP: what is neither a 'keyword' nor a bare scheme (data:, blob:).
std::set<std::string> csp_hosts(const std::string& csp) {
    std::set<std::string> hosts;
    for (const auto& [name, sources] : parse_csp(csp)) {
        for (const std::string& s : sources) {
            if (s.front() == '\'' && s.back() == '\'') continue;
            if (s == "data:" || s == "blob:") continue;
            hosts.insert(s);
        }
    }
    return hosts;
}

bool has_source(const std::string& csp, const std::string& directive, const std::string& source) {
    auto d = parse_csp(csp);
    auto it = d.find(directive);
    if (it == d.end()) return false;
    for (const std::string& s : it->second) {
        if (s == source) return true;
    }
    return false;
}

std::string csp_nonce(const std::string& csp) {
    std::smatch m;
    std::regex re("'nonce-([^']*)'");
    BOOST_TEST_REQUIRE(std::regex_search(csp, m, re), "no nonce in " << csp);
    return m[1];
}

std::vector<std::string> nonce_attributes(const std::string& body) {
    std::vector<std::string> out;
    std::regex re("nonce=\"([^\"]*)\"");
    for (auto it = std::sregex_iterator(body.begin(), body.end(), re); it != std::sregex_iterator(); ++it) {
        out.push_back((*it)[1]);
    }
    return out;
}

// A complete HTML document: doctype first, html/head/title/body all opened and closed.
void check_complete_document(const std::string& body) {
    BOOST_TEST(body.rfind("<!DOCTYPE html>", 0) == 0u, body.substr(0, 80));
    for (const char* tag : {"<html", "</html>", "<head>", "</head>", "<title>", "</title>", "<body>", "</body>",
                            "<meta charset=\"utf-8\">"}) {
        BOOST_TEST(contains(body, tag), tag);
    }
    BOOST_TEST(body.find("</html>") > body.find("</body>"));
    BOOST_TEST(!contains(body, "{{"), "a placeholder left in the page");
}

// What every response carries, page or JSON; each test checks its own Content-Type.
void check_common_headers(const watch::Response& r) {
    BOOST_TEST(contains(header(r, "Cache-Control"), "no-store"));
    BOOST_TEST(header(r, "X-Content-Type-Options") == "nosniff");
    std::string csp = header(r, "Content-Security-Policy");
    BOOST_TEST_REQUIRE(!csp.empty());
    BOOST_TEST(has_source(csp, "default-src", "'none'"), csp);
    for (const auto& h : r.headers) {
        BOOST_TEST(h.second.find_first_of("\r\n") == std::string::npos, h.first);
    }
}

// Each player's scripts on a host of its own, so the CSP tests can tell them apart.
watch::Config players_config() {
    return config_with({{"WATCH_PLAYER_URL", "https://player.example.org/videojs/8.24.1"},
                        {"WATCH_HLSJS_URL", "https://hls.example.org/hls.js/1"}});
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(page_tests)

// ---- error pages ----------------------------------------------------------------------

BOOST_DATA_TEST_CASE(error_page_for_every_failure, bdata::make(kFailures), c) {
    const watch::ErrorInfo& e = watch::error_info(c.failure);
    watch::Response r = pages().error(c.failure, false);
    BOOST_TEST(r.status == e.status);
    check_common_headers(r);
    BOOST_TEST(header(r, "Content-Type") == "text/html; charset=utf-8");
    BOOST_TEST(has_source(header(r, "Content-Security-Policy"), "base-uri", "'none'"));
    check_complete_document(r.body);
    BOOST_TEST(contains(r.body, "<title>" + watch::escape_html(e.title) + "</title>"), r.body);
    BOOST_TEST(contains(r.body, watch::escape_html(e.message)));
    BOOST_TEST(contains(r.body, std::to_string(e.status)));

    BOOST_TEST((r.header("Allow") != nullptr) == (c.failure == watch::Failure::MethodNotAllowed));
    BOOST_TEST(r.header("Retry-After") == nullptr);  // only with a wait given (error_page_503_retry_after)

    // The nonce that lets the page's own <style> in is the one in the CSP.
    std::string nonce = csp_nonce(header(r, "Content-Security-Policy"));
    std::vector<std::string> attrs = nonce_attributes(r.body);
    BOOST_TEST(!attrs.empty());
    for (const std::string& n : attrs) BOOST_TEST(n == nonce);
}

BOOST_DATA_TEST_CASE(error_json_for_every_failure, bdata::make(kFailures), c) {
    const watch::ErrorInfo& e = watch::error_info(c.failure);
    watch::Response r = pages().error(c.failure, true);
    BOOST_TEST(r.status == e.status);
    check_common_headers(r);
    BOOST_TEST(header(r, "Content-Type") == "application/problem+json; charset=utf-8");
    BOOST_TEST(contains(r.body, "\"status\":" + std::to_string(e.status)), r.body);
    BOOST_TEST(contains(r.body, std::string("\"code\":\"") + e.code + "\""), r.body);
    BOOST_TEST(!contains(r.body, "<"), r.body);
    BOOST_TEST((r.header("Allow") != nullptr) == (c.failure == watch::Failure::MethodNotAllowed));
    BOOST_TEST(r.header("Retry-After") == nullptr);  // only with a wait given (error_page_503_retry_after)
}

BOOST_AUTO_TEST_CASE(error_page_405_allows_get_and_head) {
    watch::Response r = pages().error(watch::Failure::MethodNotAllowed, false);
    BOOST_TEST(r.status == 405);
    std::string allow = header(r, "Allow");
    BOOST_TEST(contains(allow, "GET"), allow);
    BOOST_TEST(contains(allow, "HEAD"), allow);
}

BOOST_AUTO_TEST_CASE(error_page_503_retry_after) {
    watch::Response given = pages().error(watch::Failure::RateLimited, false, 17);
    BOOST_TEST(given.status == 503);
    BOOST_TEST(header(given, "Retry-After") == "17");
    // The wait is the caller's to decide (apivideo.cpp reads it from api.video's reply):
    // no second default here.
    BOOST_TEST(pages().error(watch::Failure::RateLimited, false).header("Retry-After") == nullptr);
}

BOOST_AUTO_TEST_CASE(error_page_nonces_are_fresh) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        std::string n = csp_nonce(header(pages().error(watch::Failure::Internal, false), "Content-Security-Policy"));
        BOOST_TEST(n.size() >= 22u, "nonce shorter than 128 bits: " << n);
        seen.insert(n);
    }
    BOOST_TEST(seen.size() == 50u);
}

// ---- the watch page, for every player -------------------------------------------------

BOOST_DATA_TEST_CASE(watch_page_headers_and_document, bdata::make(kPlayers), c) {
    watch::Response r = pages().watch(hostile_view(), c.player, players_config());
    BOOST_TEST(r.status == 200);
    check_common_headers(r);
    BOOST_TEST(header(r, "Content-Type") == "text/html; charset=utf-8");
    BOOST_TEST(has_source(header(r, "Content-Security-Policy"), "base-uri", "'none'"));
    check_complete_document(r.body);
}

BOOST_DATA_TEST_CASE(watch_page_escapes_a_hostile_title, bdata::make(kPlayers), c) {
    watch::Response r = pages().watch(hostile_view(), c.player, players_config());
    BOOST_TEST(!contains(r.body, "<script>alert"));
    BOOST_TEST(!contains(r.body, "alert(\"x\")"));
    BOOST_TEST(!contains(r.body, "'q'"));
    const std::string escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;";
    BOOST_TEST(contains(r.body, "<title>" + escaped + "</title>"));
    BOOST_TEST(contains(r.body, "<h1>" + escaped + "</h1>"));
}

BOOST_DATA_TEST_CASE(watch_page_shows_the_asset_urls, bdata::make(kPlayers), c) {
    watch::WatchView v = hostile_view();
    watch::Response r = pages().watch(v, c.player, players_config());
    // The thumbnail's '&' is an entity in the page, never raw.
    std::string thumb = "https://img.example.net:8443/vod/x/token/t/thumbnail.jpg?w=640&amp;avh=" + kSession;
    BOOST_TEST(contains(r.body, "\"" + thumb + "\""), "thumbnail missing");
    BOOST_TEST(!contains(r.body, "w=640&avh="));
    if (c.player == watch::Player::Embed) {
        std::string embed = "https://embed.api.video/vod/vi4k0jvEUuaTdRAEjQ4Prklg?token=t&amp;avh=" + kSession;
        BOOST_TEST(contains(r.body, "\"" + embed + "\""), "embed URL missing");
        BOOST_TEST(!contains(r.body, "token=t&avh="));
    } else {
        BOOST_TEST(contains(r.body, "\"" + v.assets.hls + "\""), "hls missing");
        BOOST_TEST(contains(r.body, "\"" + v.assets.mp4 + "\""), "mp4 missing");
    }
}

BOOST_DATA_TEST_CASE(watch_page_refuses_script_urls_as_assets, bdata::make(kPlayers), c) {
    watch::WatchView v = hostile_view();
    v.assets.hls = "javascript:alert(1)";
    v.assets.mp4 = "javascript:alert(2)";
    v.assets.thumbnail = "data:text/html,<script>alert(3)</script>";
    v.assets.player = "JavaScript:alert(4)";
    watch::Response r = pages().watch(v, c.player, players_config());
    BOOST_TEST(!contains(unit_support::lower(r.body), "javascript:"));
    BOOST_TEST(!contains(r.body, "data:text"));
    for (const char* call : {"alert(1)", "alert(2)", "alert(3)", "alert(4)"}) BOOST_TEST(!contains(r.body, call), call);
}

BOOST_DATA_TEST_CASE(watch_page_csp_names_the_asset_and_player_origins_only, bdata::make(kPlayers), c) {
    watch::Response r = pages().watch(hostile_view(), c.player, players_config());
    std::string csp = header(r, "Content-Security-Policy");
    std::set<std::string> expected = {"https://vod.api.video", "https://img.example.net:8443"};
    if (!c.extra_origin.empty()) expected.insert(c.extra_origin);
    BOOST_TEST(csp_hosts(csp) == expected, csp);
    if (!c.extra_origin.empty()) BOOST_TEST(has_source(csp, c.directive, c.extra_origin), csp);
    BOOST_TEST(has_source(csp, "img-src", "https://img.example.net:8443"), csp);
    // No asset host may serve script, and nothing inline runs without the nonce.
    BOOST_TEST(!has_source(csp, "script-src", "https://vod.api.video"), csp);
    BOOST_TEST(!has_source(csp, "script-src", "https://img.example.net:8443"), csp);
    BOOST_TEST(!has_source(csp, "script-src", "'unsafe-inline'"), csp);
    BOOST_TEST(!has_source(csp, "script-src", "'unsafe-eval'"), csp);
    if (c.player != watch::Player::Embed) {
        BOOST_TEST(has_source(csp, "media-src", "https://vod.api.video"), csp);
    }
}

// The native player loads no script of its own, no worker, nothing by XHR: the browser
// fetches the sources itself.
BOOST_AUTO_TEST_CASE(watch_page_csp_of_the_native_player) {
    std::string csp =
        header(pages().watch(hostile_view(), watch::Player::Native, players_config()), "Content-Security-Policy");
    auto d = parse_csp(csp);
    BOOST_TEST(has_source(csp, "media-src", "https://vod.api.video"), csp);
    BOOST_TEST(!has_source(csp, "media-src", "blob:"), csp);
    BOOST_TEST(d.count("connect-src") == 0u, csp);
    BOOST_TEST(d.count("worker-src") == 0u, csp);
    BOOST_TEST(d.count("frame-src") == 0u, csp);
    BOOST_TEST_REQUIRE(d.count("script-src") == 1u, csp);
    BOOST_TEST(d["script-src"].size() == 1u, csp);  // the nonce alone
    BOOST_TEST(d["script-src"][0].rfind("'nonce-", 0) == 0u, csp);
}

BOOST_AUTO_TEST_CASE(watch_page_csp_with_the_default_player) {
    watch::Response r = pages().watch(hostile_view(), watch::Player::VideoJs, config_with({}));
    std::string csp = header(r, "Content-Security-Policy");
    auto player = watch::parse_url(watch::kDefaultVideoJsUrl);
    BOOST_TEST_REQUIRE(player.has_value());
    std::set<std::string> expected = {"https://vod.api.video", "https://img.example.net:8443",
                                      watch::origin_of(*player)};
    BOOST_TEST(csp_hosts(csp) == expected, csp);
    BOOST_TEST(has_source(csp, "connect-src", "https://vod.api.video"), csp);
    // The pinned player carries its integrity hashes into the page.
    BOOST_TEST(contains(r.body, std::string("<script src=\"") + watch::kDefaultVideoJsUrl +
                                    "/video.min.js\" integrity=\"" + watch::kDefaultVideoJsSri +
                                    "\" crossorigin=\"anonymous\"></script>"));
    BOOST_TEST(contains(r.body, std::string("integrity=\"") + watch::kDefaultVideoJsCssSri + "\""));
    watch::Response h = pages().watch(hostile_view(), watch::Player::HlsJs, config_with({}));
    BOOST_TEST(contains(h.body, std::string("<script src=\"") + watch::kDefaultHlsJsUrl + "/hls.min.js\" integrity=\"" +
                                    watch::kDefaultHlsJsSri + "\" crossorigin=\"anonymous\"></script>"));
}

// A player folder of the site's own (or any URL but the pinned CDN) has no hash: its tags
// carry no integrity attribute at all (integrity="" fails in browsers), and no crossorigin.
BOOST_DATA_TEST_CASE(watch_page_without_a_hash_writes_no_integrity,
                     bdata::make({"/player/video.js", "https://cdn.example.org/video.js/8"}), folder) {
    watch::Config c = config_with({{"WATCH_PLAYER_URL", folder}, {"WATCH_HLSJS_URL", std::string(folder) + "/hls"}});
    for (watch::Player p : {watch::Player::VideoJs, watch::Player::HlsJs}) {
        watch::Response r = pages().watch(hostile_view(), p, c);
        BOOST_TEST(!contains(r.body, "integrity"), r.body);
        // The <video> has crossorigin for its caption files; the script and style tags not.
        for (const char* tag : {"<script", "<link"}) {
            for (size_t at = r.body.find(tag); at != std::string::npos; at = r.body.find(tag, at + 1)) {
                std::string element = r.body.substr(at, r.body.find('>', at) - at);
                BOOST_TEST(!contains(element, "crossorigin"), element);
            }
        }
    }
    watch::Response v = pages().watch(hostile_view(), watch::Player::VideoJs, c);
    BOOST_TEST(contains(v.body, "<script src=\"" + std::string(folder) + "/video.min.js\"></script>"), v.body);
    BOOST_TEST(contains(v.body, "<link rel=\"stylesheet\" href=\"" + std::string(folder) + "/video-js.min.css\">"),
               v.body);
    watch::Response h = pages().watch(hostile_view(), watch::Player::HlsJs, c);
    BOOST_TEST(contains(h.body, "<script src=\"" + std::string(folder) + "/hls/hls.min.js\"></script>"), h.body);
}

BOOST_AUTO_TEST_CASE(watch_page_csp_with_a_local_player_uses_self) {
    watch::Config c = config_with({{"WATCH_PLAYER_URL", "/player/video.js"}, {"WATCH_HLSJS_URL", "/player/hls"}});
    const std::set<std::string> assets_only = {"https://vod.api.video", "https://img.example.net:8443"};

    watch::Response vjs = pages().watch(hostile_view(), watch::Player::VideoJs, c);
    std::string csp = header(vjs, "Content-Security-Policy");
    BOOST_TEST(has_source(csp, "script-src", "'self'"), csp);
    BOOST_TEST(has_source(csp, "style-src", "'self'"), csp);
    BOOST_TEST(csp_hosts(csp) == assets_only, csp);
    BOOST_TEST(contains(vjs.body, "src=\"/player/video.js/video.min.js\""));

    watch::Response hls = pages().watch(hostile_view(), watch::Player::HlsJs, c);
    csp = header(hls, "Content-Security-Policy");
    BOOST_TEST(has_source(csp, "script-src", "'self'"), csp);
    BOOST_TEST(csp_hosts(csp) == assets_only, csp);
    BOOST_TEST(contains(hls.body, "src=\"/player/hls/hls.min.js\""));
}

BOOST_DATA_TEST_CASE(watch_page_nonce_matches_and_changes, bdata::make(kPlayers), c) {
    watch::Config config = players_config();
    watch::Response a = pages().watch(hostile_view(), c.player, config);
    watch::Response b = pages().watch(hostile_view(), c.player, config);
    std::string na = csp_nonce(header(a, "Content-Security-Policy"));
    std::string nb = csp_nonce(header(b, "Content-Security-Policy"));
    BOOST_TEST(na.size() >= 22u, "nonce shorter than 128 bits: " << na);
    BOOST_TEST(na != nb);
    std::vector<std::string> attrs = nonce_attributes(a.body);
    BOOST_TEST(attrs.size() >= 2u);  // the page's own style and script
    for (const std::string& n : attrs) BOOST_TEST(n == na);
    // Every inline <script> and <style> carries it; external scripts are allowed by origin.
    std::regex inline_element("<(script|style)(?![^>]*\\bsrc=)([^>]*)>");
    int inline_count = 0;
    for (auto it = std::sregex_iterator(a.body.begin(), a.body.end(), inline_element); it != std::sregex_iterator();
         ++it) {
        ++inline_count;
        BOOST_TEST(contains((*it)[2].str(), "nonce=\"" + na + "\""), (*it)[0].str());
    }
    BOOST_TEST(inline_count >= 2);
}

BOOST_AUTO_TEST_CASE(watch_json_response) {
    watch::WatchView v = hostile_view();
    watch::Response r = pages().watch_json(v);
    BOOST_TEST(r.status == 200);
    check_common_headers(r);
    BOOST_TEST(header(r, "Content-Type") == "application/json; charset=utf-8");
    BOOST_TEST(contains(r.body, "\"videoId\":\"vi4k0jvEUuaTdRAEjQ4Prklg\""), r.body);
    BOOST_TEST(contains(r.body, kSession));
}

// ---- api.video's analytics (WATCH_ANALYTICS) -------------------------------------------

namespace {

const char* const kCollector = "https://collector.example.net:8443";

watch::Config analytics_config(const std::string& analytics) {
    return config_with({{"WATCH_PLAYER_URL", "https://player.example.org/videojs/8.24.1"},
                        {"WATCH_HLSJS_URL", "https://hls.example.org/hls.js/1"},
                        {"WATCH_ANALYTICS", analytics},
                        {"WATCH_ANALYTICS_SCRIPT_URL", "https://analytics.example.org/player-analytics/1.0.9"},
                        {"WATCH_ANALYTICS_URL", std::string(kCollector) + "/"}});
}

// The directives that name `source`.
std::set<std::string> directives_naming(const std::string& csp, const std::string& source) {
    std::set<std::string> out;
    for (const auto& [name, sources] : parse_csp(csp)) {
        for (const std::string& s : sources) {
            if (s == source) out.insert(name);
        }
    }
    return out;
}

// The page as it waits for a turn: the same template, its own CSP.
watch::Response waiting_page(watch::Player player, const watch::Config& c) {
    watch::Waiting w;
    w.id = "vi4k0jvEUuaTdRAEjQ4Prklg";
    w.ticket = "t";
    w.seconds = 5;
    w.page_url = "/watch?id=vi4k0jvEUuaTdRAEjQ4Prklg&turn=t";
    w.json_url = "/watch?id=vi4k0jvEUuaTdRAEjQ4Prklg&turn=t&format=json";
    w.asset_origins = {"https://vod.api.video"};
    return pages().waiting(w, player, c);
}

}  // namespace

// On, the video.js and hls.js pages load api.video's module and may reach the collector:
// in connect-src and nowhere else; the module's folder in script-src. The video is named
// by its id, the pings go to the collector's /vod.
BOOST_DATA_TEST_CASE(analytics_on_the_mse_players_allow_the_collector_in_connect_src_only,
                     bdata::make(std::vector<PlayerCase>(kPlayers.begin(), kPlayers.begin() + 2)), pc) {
    const watch::Player player = pc.player;
    const watch::Config c = analytics_config("apivideo");
    for (const watch::Response& r : {pages().watch(hostile_view(), player, c), waiting_page(player, c)}) {
        std::string csp = header(r, "Content-Security-Policy");
        BOOST_TEST(directives_naming(csp, kCollector) == std::set<std::string>{"connect-src"}, csp);
        BOOST_TEST(directives_naming(csp, "https://analytics.example.org") == std::set<std::string>{"script-src"}, csp);
        BOOST_TEST(contains(r.body,
                            "<script src=\"https://analytics.example.org/player-analytics/1.0.9/index.js\">"
                            "</script>"),
                   r.body);
        BOOST_TEST(contains(r.body, "videoId: \"vi4k0jvEUuaTdRAEjQ4Prklg\""), r.body);
        BOOST_TEST(contains(r.body, std::string("pingUrl: \"") + kCollector + "/vod\""), r.body);
    }
}

// Off (the default), no page names the collector or loads the module; on, the native
// page (no player script) and the embed (api.video's player reports by itself) still do not.
BOOST_DATA_TEST_CASE(analytics_off_or_on_a_page_without_a_player_script_names_no_collector,
                     bdata::make({"off", "apivideo"}) * bdata::make(kPlayers), analytics, pc) {
    if (std::string(analytics) == "apivideo" &&
        (pc.player == watch::Player::VideoJs || pc.player == watch::Player::HlsJs)) {
        return;  // the case above
    }
    const watch::Config c = analytics_config(analytics);
    for (const watch::Response& r : {pages().watch(hostile_view(), pc.player, c), waiting_page(pc.player, c)}) {
        std::string csp = header(r, "Content-Security-Policy");
        BOOST_TEST(!contains(csp, "collector"), csp);
        BOOST_TEST(!contains(csp, "analytics.example.org"), csp);
        BOOST_TEST(!contains(r.body, "PlayerAnalytics"), r.body);
        BOOST_TEST(!contains(r.body, "collector"), r.body);
        BOOST_TEST(!contains(r.body, "analytics.example.org"), r.body);
    }
}

// The pinned module carries its hash; a folder on this site adds 'self' to script-src
// once, beside a local player.
BOOST_AUTO_TEST_CASE(analytics_module_pinned_with_its_hash_or_from_this_site) {
    watch::Config pinned = config_with({{"WATCH_ANALYTICS", "apivideo"}});
    watch::Response r = pages().watch(hostile_view(), watch::Player::HlsJs, pinned);
    BOOST_TEST(contains(r.body, std::string("<script src=\"") + watch::kDefaultAnalyticsScriptUrl +
                                    "/index.js\" integrity=\"" + watch::kDefaultAnalyticsScriptSri +
                                    "\" crossorigin=\"anonymous\"></script>"),
               r.body);
    std::string csp = header(r, "Content-Security-Policy");
    BOOST_TEST(has_source(csp, "script-src", "https://cdn.jsdelivr.net"), csp);
    BOOST_TEST(directives_naming(csp, "https://collector.api.video") == std::set<std::string>{"connect-src"}, csp);

    watch::Config local = config_with({{"WATCH_ANALYTICS", "apivideo"},
                                       {"WATCH_PLAYER_URL", "/player/video.js"},
                                       {"WATCH_ANALYTICS_SCRIPT_URL", "/player/player-analytics"}});
    watch::Response v = pages().watch(hostile_view(), watch::Player::VideoJs, local);
    BOOST_TEST(contains(v.body, "<script src=\"/player/player-analytics/index.js\"></script>"), v.body);
    auto d = parse_csp(header(v, "Content-Security-Policy"));
    size_t selfs = 0;
    for (const std::string& s : d["script-src"]) selfs += s == "'self'";
    BOOST_TEST(selfs == 1u);
}

// ---- a customised template must be a whole page -----------------------------------------

namespace {
// Pages::load with one template replaced; "" or the error.
std::string load_error(const std::string& name, const std::string& source) {
    try {
        watch::Pages::load([&](const std::string& wanted) -> std::string {
            if (wanted == name) return source;
            for (const watch::BuiltinTemplate& t : watch::builtin_templates()) {
                if (wanted == t.name) return t.source;
            }
            throw watch::TemplateError(wanted + ": not built in");
        });
    } catch (const watch::TemplateError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

BOOST_DATA_TEST_CASE(a_page_template_without_html_and_body_is_refused,
                     bdata::make({"player-hlsjs.html", "player-videojs.html", "player-native.html", "player-embed.html",
                                  "error.html"}),
                     name) {
    const std::string refused = std::string(name) + ": not a whole page (it needs <html> and <body>)";
    BOOST_TEST(contains(load_error(name, ""), refused));
    BOOST_TEST(contains(load_error(name, "\n"), refused));
    BOOST_TEST(contains(load_error(name, "<!DOCTYPE html>\n<p>{{title}}</p>\n"), refused));
    BOOST_TEST(contains(load_error(name, "<html><p>{{title}}</p></html>"), refused));  // no body
    BOOST_TEST(contains(load_error(name, "<body><p>{{title}}</p></body>"), refused));  // no html
    BOOST_TEST(contains(load_error(name, "<htmlx><bodyguard>{{title}}</bodyguard></htmlx>"), refused));
    // Whole pages, in any case of letters, with or without attributes.
    BOOST_TEST(load_error(name, "<!DOCTYPE html>\n<html lang=\"en\"><body><p>{{title}}</p></body></html>\n") == "");
    BOOST_TEST(load_error(name, "<HTML>\n<BODY class=\"x\">{{title}}</BODY></HTML>") == "");
}

// ---- What the page says of the video (issue 12) ----------------------------------------

watch::WatchView with_tracks(watch::WatchView v) {
    using watch::TrackKind;
    v.tracks = {
        {TrackKind::Captions, "https://vod.api.video/vod/x/captions/en.vtt", "en", "English", true},
        {TrackKind::Captions, "https://vod.api.video/vod/x/captions/fr.vtt", "fr", "Fran\u00e7ais <b>", false},
        {TrackKind::Chapters, "https://vod.api.video/vod/x/chapters/en.vtt", "en", "Chapters", false},
    };
    return v;
}

// Every player but the embed (api.video's frame shows the captions it knows itself).
BOOST_DATA_TEST_CASE(watch_page_lists_captions_and_chapters_as_tracks,
                     bdata::make(std::vector<PlayerCase>(kPlayers.begin(), kPlayers.begin() + 3)), c) {
    watch::Response r = pages().watch(with_tracks(hostile_view()), c.player, players_config());
    BOOST_TEST(contains(r.body, "<track kind=\"captions\" src=\"https://vod.api.video/vod/x/captions/en.vtt?avh=" +
                                    kSession + "\" srclang=\"en\" label=\"English\" default=\"\">"),
               r.body);
    BOOST_TEST(contains(r.body, "srclang=\"fr\" label=\"Fran\u00e7ais &lt;b&gt;\">"), r.body);  // escaped, not default
    BOOST_TEST(contains(r.body, "<track kind=\"chapters\" src=\"https://vod.api.video/vod/x/chapters/en.vtt?avh="));
    BOOST_TEST(contains(r.body, "crossorigin=\"anonymous\" poster="), "the <video> loads its tracks in CORS mode");
    size_t tracks = 0;
    for (size_t at = r.body.find("<track "); at != std::string::npos; at = r.body.find("<track ", at + 1)) ++tracks;
    BOOST_TEST(tracks == 3u);
}

BOOST_AUTO_TEST_CASE(a_track_with_a_script_url_is_not_written_as_one) {
    watch::WatchView v = hostile_view();
    v.tracks = {{watch::TrackKind::Captions, "javascript:alert(1)", "en", "English", true}};
    watch::Response r = pages().watch(v, watch::Player::Native, players_config());
    BOOST_TEST(!contains(r.body, "javascript:"));
}

BOOST_AUTO_TEST_CASE(the_embed_shows_its_captions_when_one_is_the_default) {
    watch::Response r = pages().watch(with_tracks(hostile_view()), watch::Player::Embed, players_config());
    BOOST_TEST(contains(r.body, "data-flags=\";show-subtitles\""), r.body);
    BOOST_TEST(!contains(r.body, "<track"));
    watch::Response none = pages().watch(hostile_view(), watch::Player::Embed, players_config());
    BOOST_TEST(contains(none.body, "data-flags=\"\""), none.body);
}

BOOST_AUTO_TEST_CASE(description_language_and_link_previews) {
    watch::WatchView v = hostile_view();
    v.description = "Line one\n<img src=x onerror=alert(1)>";
    v.language = "fr-CA";
    v.is_public = true;
    v.assets.thumbnail = "https://vod.api.video/vod/vi4k0jvEUuaTdRAEjQ4Prklg/thumbnail.jpg";
    watch::Response r = pages().watch(v, watch::Player::VideoJs, players_config());
    BOOST_TEST(contains(r.body, "<html lang=\"fr-CA\">"));
    BOOST_TEST(contains(r.body, "<p class=\"description\">Line one\n&lt;img src=x onerror=alert(1)&gt;</p>"), r.body);
    BOOST_TEST(contains(r.body, "<meta property=\"og:title\" content=\"&lt;script&gt;"), r.body);
    BOOST_TEST(contains(r.body, "<meta property=\"og:type\" content=\"video.other\">"));
    BOOST_TEST(contains(r.body, "<meta property=\"og:image\" content=\"" + v.assets.thumbnail + "\">"), r.body);
    BOOST_TEST(header(r, "X-Robots-Tag").empty(), "a public video is left to the site");
    BOOST_TEST(!contains(r.body, "name=\"robots\""));

    watch::WatchView bare = hostile_view();  // no language, no description
    bare.is_public = false;
    watch::Response p = pages().watch(bare, watch::Player::VideoJs, players_config());
    BOOST_TEST(contains(p.body, "<html lang=\"en\">"));
    BOOST_TEST(!contains(p.body, "class=\"description\""));
    BOOST_TEST(!contains(p.body, "og:image"), "a private thumbnail holds the session");
}

BOOST_AUTO_TEST_CASE(a_private_video_is_not_for_search_engines_unless_the_site_says) {
    watch::WatchView v = hostile_view();
    v.is_public = false;
    watch::Response r = pages().watch(v, watch::Player::Native, players_config());
    BOOST_TEST(header(r, "X-Robots-Tag") == "noindex, nofollow");
    BOOST_TEST(contains(r.body, "<meta name=\"robots\" content=\"noindex, nofollow\">"));
    BOOST_TEST(header(pages().watch_json(v), "X-Robots-Tag") == "noindex, nofollow");

    watch::Response off = pages().watch(v, watch::Player::Native, config_with({{"WATCH_NOINDEX", "off"}}));
    BOOST_TEST(header(off, "X-Robots-Tag").empty());
    BOOST_TEST(!contains(off.body, "name=\"robots\""));
    // Error pages never show anything to index.
    watch::Response e = pages().error(watch::Failure::UnknownVideo, false);
    BOOST_TEST(header(e, "X-Robots-Tag") == "noindex, nofollow");
    BOOST_TEST(contains(e.body, "<meta name=\"robots\" content=\"noindex, nofollow\">"));
}

BOOST_DATA_TEST_CASE(the_link_options_reach_the_page, bdata::make(kPlayers), c) {
    watch::PlayOptions play;
    play.start = 75;
    play.autoplay = true;
    play.loop = true;
    watch::Response r = pages().watch(hostile_view(), c.player, players_config(), play);
    if (c.player == watch::Player::Embed) {
        BOOST_TEST(contains(r.body, "data-autoplay=\"1\" data-flags=\";t=75;loop\""), r.body);
    } else {
        BOOST_TEST(contains(r.body, "data-start=\"75\" data-autoplay=\"1\" data-loop=\"1\""), r.body);
    }
    watch::Response plain = pages().watch(hostile_view(), c.player, players_config());
    BOOST_TEST(!contains(plain.body, "data-autoplay=\"1\""));
}

BOOST_DATA_TEST_CASE(download_0_leaves_the_mp4_out, bdata::make(kPlayers), c) {
    watch::PlayOptions play;
    play.download = false;
    watch::WatchView v = hostile_view();
    watch::Response r = pages().watch(v, c.player, players_config(), play);
    BOOST_TEST(!contains(r.body, "/mp4/source.mp4"), r.body);
    if (c.player != watch::Player::Embed) BOOST_TEST(contains(r.body, "href=\"#player\""), r.body);
    BOOST_TEST(!contains(pages().watch_json(v, play).body, "source.mp4"));
    BOOST_TEST(contains(pages().watch_json(v).body, "source.mp4"));
}

BOOST_AUTO_TEST_CASE(the_json_response_carries_tracks_description_and_language) {
    watch::WatchView v = with_tracks(hostile_view());
    v.description = "About";
    v.language = "en";
    std::string body = pages().watch_json(v).body;
    BOOST_TEST(contains(body, "\"description\":\"About\",\"language\":\"en\""), body);
    BOOST_TEST(contains(body, "\"captions\":[{\"src\":\"https://vod.api.video/vod/x/captions/en.vtt?avh=" + kSession +
                                  "\",\"srclang\":\"en\",\"label\":\"English\",\"default\":true}"),
               body);
    BOOST_TEST(contains(body, "\"chapters\":[{\"src\":"), body);
}

BOOST_DATA_TEST_CASE(a_video_still_encoding_gets_a_page_that_tries_again, bdata::make(kPlayers), c) {
    watch::Processing p;
    p.view = hostile_view();
    p.view.description = "Soon";
    p.seconds = 20;
    p.page_url = "/watch?id=vi4k0jvEUuaTdRAEjQ4Prklg";
    p.json_url = "/watch?id=vi4k0jvEUuaTdRAEjQ4Prklg&format=json";
    watch::Response r = pages().processing(p, c.player, players_config());
    BOOST_TEST(r.status == 200);
    BOOST_TEST(contains(r.body, "This video is still being processed"), r.body);
    BOOST_TEST(contains(r.body, "<span id=\"countdown\">20</span>"));
    BOOST_TEST(contains(r.body, "data-turn-url=\"/watch?id=vi4k0jvEUuaTdRAEjQ4Prklg&amp;format=json\""));
    BOOST_TEST(contains(r.body, "content=\"20; url=/watch?id=vi4k0jvEUuaTdRAEjQ4Prklg\""), "without script, a refresh");
    BOOST_TEST(contains(r.body, "<p class=\"description\">Soon</p>"));
    BOOST_TEST(!contains(r.body, "/mp4/source.mp4"), "no player that would fail");
    BOOST_TEST(header(r, "X-Robots-Tag") == "noindex, nofollow");
    watch::Response j = pages().processing_json(p);
    BOOST_TEST(j.status == 503);
    BOOST_TEST(header(j, "Retry-After") == "20");
    BOOST_TEST(contains(j.body, "\"code\":\"processing\""), j.body);
    BOOST_TEST(contains(j.body, "\"retryAfter\":20"), j.body);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
