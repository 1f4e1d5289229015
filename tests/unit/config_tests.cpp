// Unit tests for common/config.cpp: settings read through a lookup function, their
// defaults and bounds, the key file, and messages that never carry the key.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "common/config.h"
#include "common/site.h"
#include "tests/unit/unit_support.h"

namespace bdata = boost::unit_test::data;
using unit_support::contains;

namespace {

using Settings = std::map<std::string, std::string>;

// load_config over a map, files read as the site loader reads them; returns the message
// ("" on success).
std::string load(const Settings& settings, watch::Config& out) {
    std::string why;
    bool ok = watch::load_config(
        [&](const char* name) -> const char* {
            auto it = settings.find(name);
            return it == settings.end() ? nullptr : it->second.c_str();
        },
        watch::read_file, out, why);
    BOOST_TEST(ok == why.empty(), "a refusal says why: " << why);
    return ok ? "" : why;
}

Settings with_key(Settings s) {
    s.emplace("APIVIDEO_API_KEY", "testkey");
    return s;
}

// A file in a fresh temporary directory, removed with it.
struct TempFile {
    std::string dir;
    std::string path;
    explicit TempFile(const std::string& content) {
        char tmpl[] = "/tmp/unit-config-XXXXXX";
        const char* d = mkdtemp(tmpl);
        BOOST_TEST_REQUIRE(d != nullptr);
        dir = d;
        path = dir + "/key";
        std::ofstream(path, std::ios::binary) << content;
    }
    ~TempFile() {
        std::remove(path.c_str());
        rmdir(dir.c_str());
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(config_tests)

// ---- the key --------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(no_key_names_both_settings) {
    watch::Config c;
    for (const Settings& s : {Settings{}, Settings{{"APIVIDEO_API_KEY", ""}},
                              Settings{{"APIVIDEO_API_KEY", ""}, {"APIVIDEO_API_KEY_FILE", ""}}}) {
        std::string err = load(s, c);
        BOOST_TEST(contains(err, "APIVIDEO_API_KEY"), err);
        BOOST_TEST(contains(err, "APIVIDEO_API_KEY_FILE"), err);
    }
}

BOOST_AUTO_TEST_CASE(key_from_the_environment) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load({{"APIVIDEO_API_KEY", "SECRETKEY123"}}, c) == "");
    BOOST_TEST(c.api_key == "SECRETKEY123");
}

BOOST_AUTO_TEST_CASE(key_file_is_trimmed) {
    for (const char* content : {"SECRETKEY123\n", "SECRETKEY123", "  SECRETKEY123 \r\n\n", "\tSECRETKEY123\t"}) {
        TempFile f(content);
        watch::Config c;
        BOOST_TEST_REQUIRE(load({{"APIVIDEO_API_KEY_FILE", f.path}}, c) == "");
        BOOST_TEST(c.api_key == "SECRETKEY123");
    }
}

BOOST_AUTO_TEST_CASE(unreadable_key_file) {
    watch::Config c;
    TempFile f("unused\n");
    std::string missing = f.dir + "/does-not-exist";
    std::string err = load({{"APIVIDEO_API_KEY_FILE", missing}}, c);
    BOOST_TEST(!err.empty());
    BOOST_TEST(contains(err, "APIVIDEO_API_KEY_FILE"), err);
}

BOOST_AUTO_TEST_CASE(a_key_file_that_is_a_folder_is_called_a_folder) {
    TempFile f("unused\n");
    watch::Config c;
    std::string err = load({{"APIVIDEO_API_KEY_FILE", f.dir}}, c);
    BOOST_TEST(err == "APIVIDEO_API_KEY_FILE: names a folder, not a file");
}

// Neither one silently wins over the other: a key and a key file (even a missing one, even
// a good one) are refused together.
BOOST_AUTO_TEST_CASE(a_key_and_a_key_file_together_are_refused) {
    TempFile f("SECRETKEY123\n");
    watch::Config c;
    for (const std::string& file : {f.path, f.dir + "/missing"}) {
        std::string err = load({{"APIVIDEO_API_KEY", "OTHERKEY456"}, {"APIVIDEO_API_KEY_FILE", file}}, c);
        BOOST_TEST(err == "APIVIDEO_API_KEY and APIVIDEO_API_KEY_FILE are both set: set only one");
    }
}

BOOST_DATA_TEST_CASE(empty_or_implausible_key_file,
                     bdata::make({"", "\n", "  \r\n", "SECRET KEY123\n", "SECRETKEY:123\n"}), content) {
    TempFile f(content);
    watch::Config c;
    std::string err = load({{"APIVIDEO_API_KEY_FILE", f.path}}, c);
    BOOST_TEST(!err.empty());
    BOOST_TEST(!contains(err, "SECRET"), err);
}

BOOST_DATA_TEST_CASE(implausible_keys_are_refused,
                     bdata::make({"SECRET KEY123", "SECRETKEY123:", "SECRET\tKEY123", "SECRETKEY\x7f",
                                  "SECRET\xC3\xA9"}),
                     key) {
    watch::Config c;
    std::string err = load({{"APIVIDEO_API_KEY", key}}, c);
    BOOST_TEST(!err.empty());
    BOOST_TEST(!contains(err, "SECRET"), err);
}

// ---- defaults -------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(defaults) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({}), c) == "");
    BOOST_TEST(c.api_url == "https://ws.api.video");
    BOOST_TEST(c.timeout_ms == 5000);
    BOOST_TEST(c.connect_timeout_ms > 0);
    BOOST_TEST(c.connect_timeout_ms <= c.timeout_ms);
    BOOST_TEST(c.max_in_flight == 4096);
    BOOST_TEST(c.socket_path == "");
    BOOST_TEST(c.ca_file == "");
    BOOST_TEST((c.ca_trust.from == watch::CaTrust::From::System));
    BOOST_TEST(c.videojs_url == watch::kDefaultVideoJsUrl);
    BOOST_TEST(c.videojs_sri == watch::kDefaultVideoJsSri);
    BOOST_TEST(c.videojs_css_sri == watch::kDefaultVideoJsCssSri);
    BOOST_TEST(c.videojs_sri.rfind("sha384-", 0) == 0u);
    BOOST_TEST(c.videojs_css_sri.rfind("sha384-", 0) == 0u);
    BOOST_TEST(c.hlsjs_url == watch::kDefaultHlsJsUrl);
    BOOST_TEST(c.hlsjs_sri == watch::kDefaultHlsJsSri);
    BOOST_TEST(c.hlsjs_sri.rfind("sha384-", 0) == 0u);
    BOOST_TEST(c.captions);
    BOOST_TEST(c.chapters);
    BOOST_TEST(c.tracks_seconds == 300);
    BOOST_TEST(c.noindex_private);
}

BOOST_DATA_TEST_CASE(switches_are_on_or_off, bdata::make({"WATCH_CAPTIONS", "WATCH_CHAPTERS", "WATCH_NOINDEX"}), name) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({{name, "off"}}), c) == "");
    BOOST_TEST((c.captions && c.chapters && c.noindex_private) == false);
    for (const char* bad : {"no", "0", "On", "true", " off"}) {
        std::string err = load(with_key({{name, bad}}), c);
        BOOST_TEST(err == std::string(name) + ": must be on or off", bad);
    }
}

BOOST_DATA_TEST_CASE(tracks_seconds_bounds,
                     bdata::make({"1", "86400", "0", "86401", "5m"}) ^ bdata::make({true, true, false, false, false}),
                     value, ok) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_TRACKS_SECONDS", value}}), c);
    BOOST_TEST((err.empty() == ok), value << ": " << err);
    if (ok) BOOST_TEST(c.tracks_seconds == std::atol(value));
}

BOOST_AUTO_TEST_CASE(empty_settings_are_defaults) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({{"APIVIDEO_API_URL", ""},
                                      {"APIVIDEO_TIMEOUT_MS", ""},
                                      {"WATCH_MAX_IN_FLIGHT", ""},
                                      {"WATCH_PLAYER_URL", ""}}),
                            c) == "");
    BOOST_TEST(c.api_url == "https://ws.api.video");
    BOOST_TEST(c.timeout_ms == 5000);
    BOOST_TEST(c.max_in_flight == 4096);
    BOOST_TEST(c.videojs_url == watch::kDefaultVideoJsUrl);
}

BOOST_AUTO_TEST_CASE(custom_player_has_no_sri) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({{"WATCH_PLAYER_URL", "https://cdn.example.com/videojs/8/"}}), c) == "");
    BOOST_TEST(c.videojs_url == "https://cdn.example.com/videojs/8");
    BOOST_TEST(c.videojs_sri == "");
    BOOST_TEST(c.videojs_css_sri == "");

    BOOST_TEST_REQUIRE(load(with_key({{"WATCH_PLAYER_URL", "/player/video.js"}}), c) == "");
    BOOST_TEST(c.videojs_url == "/player/video.js");
    BOOST_TEST(c.videojs_sri == "");

    BOOST_TEST_REQUIRE(load(with_key({{"WATCH_HLSJS_URL", "https://cdn.example.com/hls.js/1"}}), c) == "");
    BOOST_TEST(c.hlsjs_url == "https://cdn.example.com/hls.js/1");
    BOOST_TEST(c.hlsjs_sri == "");
}

BOOST_DATA_TEST_CASE(player_url_refused,
                     bdata::make({"http://cdn.example.com/videojs", "//cdn.example.com/videojs", "ftp://x/y",
                                  "javascript:alert(1)", "videojs/dist"}),
                     url) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_PLAYER_URL", url}}), c);
    BOOST_TEST(contains(err, "WATCH_PLAYER_URL"), err);
}

// ---- APIVIDEO_API_URL -----------------------------------------------------------------

BOOST_DATA_TEST_CASE(api_url_accepted,
                     bdata::make({"http://127.0.0.1:9", "https://sandbox.api.video", "https://sandbox.api.video/",
                                  "https://sandbox.api.video///", "http://localhost:8081/",
                                  "https://ws.api.video/v1"}) ^
                         bdata::make({"http://127.0.0.1:9", "https://sandbox.api.video", "https://sandbox.api.video",
                                      "https://sandbox.api.video", "http://localhost:8081", "https://ws.api.video/v1"}),
                     url, expected) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({{"APIVIDEO_API_URL", url}}), c) == "");
    BOOST_TEST(c.api_url == std::string(expected));
}

BOOST_DATA_TEST_CASE(api_url_refused,
                     bdata::make({"http://example.com", "http://ws.api.video", "http://128.0.0.1:9",
                                  "https://ws.api.video/?x=1", "https://ws.api.video?x=1", "https://ws.api.video/#f",
                                  "ftp://ws.api.video", "ws.api.video", "https://user@ws.api.video",
                                  "https://ws.api.video/a b"}),
                     url) {
    watch::Config c;
    std::string err = load(with_key({{"APIVIDEO_API_URL", url}}), c);
    BOOST_TEST(contains(err, "APIVIDEO_API_URL"), err);
}

// The message says what is wrong with the URL, not only what a URL must be.
BOOST_DATA_TEST_CASE(
    api_url_messages_say_what_is_wrong,
    bdata::make({"https://ws.api.video ", "https://ws.api.video\n", " https://ws.api.video", "https://ws.api .video",
                 "https://ws.api.video:99999", "https://ws.api.video:0", "https://ws.api.video:65536",
                 "https://ws.api.video:443x", "https://ws.api.video:", "http://ws.api.video", "ws.api.video",
                 "https://user@ws.api.video", "https://ws.api.video/?x=1"}) ^
        bdata::make({"ends with a space or a control character", "ends with a space or a control character",
                     "starts with a space", "holds a space", "the port 99999 is out of range (1 to 65535)",
                     "the port 0 is out of range", "the port 65536 is out of range", "is not a port number",
                     "is not a port number", "http:// is only for a loopback host", "must be an https:// URL",
                     "must not hold a user name or password", "must not hold a query or a fragment"}),
    url, says) {
    watch::Config c;
    std::string err = load(with_key({{"APIVIDEO_API_URL", url}}), c);
    BOOST_TEST(err.rfind("APIVIDEO_API_URL: ", 0) == 0u, err);
    BOOST_TEST(contains(err, says), err);
}

BOOST_DATA_TEST_CASE(a_port_in_range_is_accepted,
                     bdata::make({"https://ws.api.video:443", "https://ws.api.video:1", "https://ws.api.video:65535",
                                  "http://[::1]:8081"}),
                     url) {
    watch::Config c;
    BOOST_TEST(load(with_key({{"APIVIDEO_API_URL", url}}), c) == "");
    BOOST_TEST(load(with_key({{"WATCH_PLAYER_URL", std::string(url) + "/video.js"}}), c) == "");
}

BOOST_AUTO_TEST_CASE(a_player_url_port_out_of_range_is_refused) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_HLSJS_URL", "https://cdn.example.com:99999/hls.js"}}), c);
    BOOST_TEST(err == "WATCH_HLSJS_URL: the port 99999 is out of range (1 to 65535)");
}

// ---- WATCH_ALLOWED_IDS ----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(allowed_ids_from_a_list_or_an_absolute_file) {
    const std::string a = "vi5fG2hPr1vAtEpr1vAtE001", b = "vi7PuBL1cPuBL1cPuBL1c001";
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({{"WATCH_ALLOWED_IDS", a + ", " + b}}), c) == "");
    BOOST_TEST(c.allowed_ids == (std::set<std::string>{a, b}));
    TempFile f("# ours\n" + a + "\n" + b + "  # the public one\n");
    BOOST_TEST_REQUIRE(load(with_key({{"WATCH_ALLOWED_IDS", f.path}}), c) == "");
    BOOST_TEST(c.allowed_ids == (std::set<std::string>{a, b}));
}

// A relative file name would be read from whatever folder the web server starts the
// handler in: the message says to give the absolute path instead of "not a video id".
BOOST_DATA_TEST_CASE(a_relative_allowed_ids_file_is_named_as_a_file,
                     bdata::make({"ids.txt", "./ids", "conf/ids", "~/ids.txt", "vi5fG2hPr1vAtEpr1vAtE001 ids.txt"}),
                     value) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_ALLOWED_IDS", value}}), c);
    BOOST_TEST(contains(err, "looks like a file: give its absolute path (/…)"), err);
    BOOST_TEST(!contains(err, "is not a video id"), err);
}

BOOST_AUTO_TEST_CASE(a_word_that_is_no_id_and_no_file_is_not_a_video_id) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_ALLOWED_IDS", "vi5fG2hPr1vAtEpr1vAtE001 nope"}}), c);
    BOOST_TEST(err == "WATCH_ALLOWED_IDS: nope is not a video or live stream id");
}

// ---- bounds ---------------------------------------------------------------------------

BOOST_DATA_TEST_CASE(timeout_bounds,
                     bdata::make({"100", "120000", "5000", "99", "120001", "0", "-5", "abc", "5000ms", "1e3",
                                  "99999999999999999999"}) ^
                         bdata::make({true, true, true, false, false, false, false, false, false, false, false}),
                     value, ok) {
    watch::Config c;
    std::string err = load(with_key({{"APIVIDEO_TIMEOUT_MS", value}}), c);
    if (ok) {
        BOOST_TEST(err == "");
        BOOST_TEST(c.timeout_ms == std::atol(value));
        BOOST_TEST(c.connect_timeout_ms > 0);
        BOOST_TEST(c.connect_timeout_ms <= c.timeout_ms);
    } else {
        BOOST_TEST(contains(err, "APIVIDEO_TIMEOUT_MS"), err);
    }
}

BOOST_DATA_TEST_CASE(max_in_flight_bounds,
                     bdata::make({"1", "1000000", "4096", "0", "1000001", "-1", "many", "4.5"}) ^
                         bdata::make({true, true, true, false, false, false, false, false}),
                     value, ok) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_MAX_IN_FLIGHT", value}}), c);
    if (ok) {
        BOOST_TEST(err == "");
        BOOST_TEST(c.max_in_flight == std::atol(value));
    } else {
        BOOST_TEST(contains(err, "WATCH_MAX_IN_FLIGHT"), err);
    }
}

BOOST_AUTO_TEST_CASE(socket_path_must_be_absolute) {
    watch::Config c;
    BOOST_TEST(contains(load(with_key({{"WATCH_SOCKET", "run/watch.sock"}}), c), "WATCH_SOCKET"));
    BOOST_TEST(load(with_key({{"WATCH_SOCKET", "/run/apivideo-watch/apivideo-watch.sock"}}), c) == "");
    BOOST_TEST(c.socket_path == "/run/apivideo-watch/apivideo-watch.sock");
}

BOOST_AUTO_TEST_CASE(ca_file_must_be_readable) {
    watch::Config c;
    TempFile f("-----BEGIN CERTIFICATE-----\n");
    BOOST_TEST(load(with_key({{"APIVIDEO_CA_FILE", f.path}}), c) == "");
    BOOST_TEST(c.ca_file == f.path);
    std::string err = load(with_key({{"APIVIDEO_CA_FILE", f.dir + "/missing.pem"}}), c);
    BOOST_TEST(contains(err, "APIVIDEO_CA_FILE"), err);
}

BOOST_AUTO_TEST_CASE(ca_trust_is_system_builtin_or_an_absolute_path) {
    watch::Config c;
    BOOST_TEST(load(with_key({{"APIVIDEO_CA_TRUST", "builtin"}}), c) == "");
    BOOST_TEST((c.ca_trust.from == watch::CaTrust::From::BuiltIn));
    BOOST_TEST(load(with_key({{"APIVIDEO_CA_TRUST", "/etc/pki/tls/certs/ca-bundle.crt"}}), c) == "");
    BOOST_TEST((c.ca_trust.from == watch::CaTrust::From::Path));
    BOOST_TEST(c.ca_trust.path == "/etc/pki/tls/certs/ca-bundle.crt");
    BOOST_TEST(load(with_key({{"APIVIDEO_CA_TRUST", "system"}}), c) == "");
    BOOST_TEST((c.ca_trust.from == watch::CaTrust::From::System));
    for (const char* bad : {"Builtin", "certs/ca.pem", "none"}) {
        std::string err = load(with_key({{"APIVIDEO_CA_TRUST", bad}}), c);
        BOOST_TEST(contains(err, "APIVIDEO_CA_TRUST: must be system, builtin"), bad << ": " << err);
    }
}

// ---- the key never appears in a message -----------------------------------------------

BOOST_DATA_TEST_CASE(messages_never_contain_the_key,
                     bdata::make({"APIVIDEO_API_URL", "APIVIDEO_API_URL", "APIVIDEO_API_URL", "APIVIDEO_TIMEOUT_MS",
                                  "APIVIDEO_TIMEOUT_MS", "WATCH_MAX_IN_FLIGHT", "WATCH_PLAYER_URL",
                                  "APIVIDEO_CA_FILE"}) ^
                         bdata::make({"http://example.com", "https://SECRETKEY123@ws.api.video", "not a url", "abc",
                                      "0", "0", "ftp://x", "/nonexistent/ca.pem"}),
                     name, value) {
    watch::Config c;
    std::string err = load({{"APIVIDEO_API_KEY", "SECRETKEY123"}, {name, value}}, c);
    BOOST_TEST_REQUIRE(!err.empty());
    BOOST_TEST(contains(err, name), err);
    BOOST_TEST(!contains(err, "SECRETKEY123"), err);
}

BOOST_AUTO_TEST_CASE(messages_never_contain_the_key_from_a_file) {
    TempFile f("SECRETKEY123\n");
    watch::Config c;
    std::string err = load({{"APIVIDEO_API_KEY_FILE", f.path}, {"WATCH_MAX_IN_FLIGHT", "0"}}, c);
    BOOST_TEST_REQUIRE(!err.empty());
    BOOST_TEST(!contains(err, "SECRETKEY123"), err);
}

// The other secrets, when refused, are not echoed either.
BOOST_DATA_TEST_CASE(messages_never_contain_a_secret, bdata::make({"WATCH_COOKIE_SECRET", "WATCH_LINK_SECRET"}), name) {
    watch::Config c;
    std::string err = load(with_key({{name, "SECRETSHORT"}}), c);
    BOOST_TEST_REQUIRE(!err.empty());
    BOOST_TEST(contains(err, name), err);
    BOOST_TEST(!contains(err, "SECRETSHORT"), err);
}

// config.h: a message names the setting, "never its value: it may be the key". The
// likeliest way that happens: the key pasted into APIVIDEO_API_KEY_FILE.
BOOST_AUTO_TEST_CASE(a_key_pasted_as_the_key_file_is_not_echoed) {
    watch::Config c;
    std::string err = load({{"APIVIDEO_API_KEY_FILE", "SECRETKEY123"}}, c);
    BOOST_TEST_REQUIRE(!err.empty());
    BOOST_TEST(contains(err, "APIVIDEO_API_KEY_FILE"), err);
    BOOST_TEST(!contains(err, "SECRETKEY123"), err);
}

// ---- the client's address --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(client_ip_header_is_off_by_default_and_names_a_known_header_in_any_case) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({}), c) == "");
    BOOST_TEST(c.client_ip_header == "");
    BOOST_TEST_REQUIRE(load(with_key({{"WATCH_CLIENT_IP_HEADER", "x-forwarded-for"}}), c) == "");
    BOOST_TEST(c.client_ip_header == "X-Forwarded-For");
    BOOST_TEST_REQUIRE(load(with_key({{"WATCH_CLIENT_IP_HEADER", "CF-Connecting-IP"}}), c) == "");
    BOOST_TEST(c.client_ip_header == "CF-Connecting-IP");
    BOOST_TEST(watch::site_setting_names().count("WATCH_CLIENT_IP_HEADER") == 1u);
}

BOOST_DATA_TEST_CASE(client_ip_header_refuses_what_the_handler_cannot_read,
                     bdata::make({"X-Forwarded", "X_Forwarded_For", "HTTP_X_FORWARDED_FOR", "Forwarded",
                                  "X-Forwarded-For ", "REMOTE_ADDR"}),
                     value) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_CLIENT_IP_HEADER", value}}), c);
    BOOST_TEST(contains(err, "WATCH_CLIENT_IP_HEADER: must be one of X-Forwarded-For, X-Real-IP"), err);
}

// ---- analytics ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(analytics_is_off_by_default_with_api_video_s_collector_and_the_pinned_module) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({}), c) == "");
    BOOST_TEST((c.analytics == watch::Analytics::Off));
    BOOST_TEST(c.collector_url == "https://collector.api.video");
    BOOST_TEST(c.analytics_script_url == watch::kDefaultAnalyticsScriptUrl);
    BOOST_TEST(c.analytics_script_sri == watch::kDefaultAnalyticsScriptSri);
    BOOST_TEST(c.analytics_script_sri.rfind("sha384-", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(analytics_on_with_a_collector_and_a_module_of_the_site_s_choice) {
    watch::Config c;
    BOOST_TEST_REQUIRE(load(with_key({{"WATCH_ANALYTICS", "apivideo"},
                                      {"WATCH_ANALYTICS_URL", "http://127.0.0.1:9/"},
                                      {"WATCH_ANALYTICS_SCRIPT_URL", "/player/player-analytics/"}}),
                            c) == "");
    BOOST_TEST((c.analytics == watch::Analytics::ApiVideo));
    BOOST_TEST(c.collector_url == "http://127.0.0.1:9");
    BOOST_TEST(c.analytics_script_url == "/player/player-analytics");
    BOOST_TEST(c.analytics_script_sri == "");  // only the pinned copy has a known hash
}

BOOST_DATA_TEST_CASE(analytics_values_refused, bdata::make({"on", "yes", "1", "ApiVideo", "google"}), value) {
    watch::Config c;
    BOOST_TEST(load(with_key({{"WATCH_ANALYTICS", value}}), c) == "WATCH_ANALYTICS: must be off or apivideo");
}

// The collector is held to the API URL's rule: https, or http to a loopback host only.
BOOST_DATA_TEST_CASE(collector_url_refused,
                     bdata::make({"http://collector.api.video", "collector.api.video", "ftp://collector.api.video",
                                  "https://collector.api.video/?x=1", "https://user@collector.api.video",
                                  "https://collector.api.video/a b", "https://collector.api.video:99999"}) ^
                         bdata::make({"http:// is only for a loopback host", "must be an https:// URL",
                                      "must be an https:// URL", "must not hold a query or a fragment",
                                      "must not hold a user name or password", "holds a space",
                                      "the port 99999 is out of range"}),
                     url, says) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_ANALYTICS", "apivideo"}, {"WATCH_ANALYTICS_URL", url}}), c);
    BOOST_TEST(err.rfind("WATCH_ANALYTICS_URL: ", 0) == 0u, err);
    BOOST_TEST(contains(err, says), err);
}

BOOST_DATA_TEST_CASE(analytics_script_url_refused,
                     bdata::make({"http://cdn.example.com/pa", "//cdn.example.com/pa", "javascript:alert(1)",
                                  "pa/dist"}),
                     url) {
    watch::Config c;
    std::string err = load(with_key({{"WATCH_ANALYTICS_SCRIPT_URL", url}}), c);
    BOOST_TEST(err.rfind("WATCH_ANALYTICS_SCRIPT_URL: ", 0) == 0u, err);
}

// ---- settings_help --------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(settings_help_lists_every_setting_read) {
    // Every name load_config asks for is in the --help table.
    std::set<std::string> asked;
    watch::Config c;
    std::string why;
    bool ok = watch::load_config(
        [&](const char* name) -> const char* {
            asked.insert(name);
            return std::string(name) == "APIVIDEO_API_KEY" ? "testkey" : nullptr;
        },
        watch::read_file, c, why);
    BOOST_TEST_REQUIRE(ok, why);
    BOOST_TEST(asked.size() >= 6u);
    std::string help = watch::settings_help();
    for (const std::string& name : asked) BOOST_TEST(contains(help, name), name);
    BOOST_TEST(contains(help, "https://ws.api.video"));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
