// Unit tests for common/url.cpp: splitting asset and API URLs, their origins for the CSP,
// the loopback rule for plain http, and adding avh to a URL.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>

#include "common/url.h"

namespace bdata = boost::unit_test::data;

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(url_tests)

// ---- parse_url ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(parse_url_https_with_port) {
    auto u = watch::parse_url("https://vod.api.video:8443/vod/vi1/token/t/hls/manifest.m3u8?a=1#f");
    BOOST_TEST_REQUIRE(u.has_value());
    BOOST_TEST(u->scheme == "https");
    BOOST_TEST(u->host == "vod.api.video");
    BOOST_TEST(u->port == "8443");
    BOOST_TEST(u->rest == "/vod/vi1/token/t/hls/manifest.m3u8?a=1#f");
}

BOOST_AUTO_TEST_CASE(parse_url_without_port_or_path) {
    auto u = watch::parse_url("https://ws.api.video");
    BOOST_TEST_REQUIRE(u.has_value());
    BOOST_TEST(u->host == "ws.api.video");
    BOOST_TEST(u->port == "");
    BOOST_TEST(u->rest == "");

    auto q = watch::parse_url("https://embed.api.video?token=x");
    BOOST_TEST_REQUIRE(q.has_value());
    BOOST_TEST(q->host == "embed.api.video");
    BOOST_TEST(q->rest == "?token=x");
}

BOOST_AUTO_TEST_CASE(parse_url_lower_cases_scheme_and_host_only) {
    auto u = watch::parse_url("HTTPS://Media.Example.COM/Vod/ABC");
    BOOST_TEST_REQUIRE(u.has_value());
    BOOST_TEST(u->scheme == "https");
    BOOST_TEST(u->host == "media.example.com");
    BOOST_TEST(u->rest == "/Vod/ABC");
}

BOOST_AUTO_TEST_CASE(parse_url_ipv6_literal) {
    auto u = watch::parse_url("http://[::1]:8080/videos/vi1");
    BOOST_TEST_REQUIRE(u.has_value());
    BOOST_TEST(u->scheme == "http");
    BOOST_TEST(u->host == "::1");
    BOOST_TEST(u->port == "8080");
    BOOST_TEST(u->rest == "/videos/vi1");

    auto bare = watch::parse_url("http://[::1]/");
    BOOST_TEST_REQUIRE(bare.has_value());
    BOOST_TEST(bare->host == "::1");
    BOOST_TEST(bare->port == "");

    BOOST_TEST(!watch::parse_url("http://[::1/").has_value());       // unclosed bracket
    BOOST_TEST(!watch::parse_url("http://[::1]x:80/").has_value());  // junk after ']'
}

BOOST_DATA_TEST_CASE(parse_url_refuses_userinfo,
                     bdata::make({"https://user@vod.api.video/x", "https://user:pass@vod.api.video/x",
                                  "https://vod.api.video@evil.example/x", "https://@vod.api.video/x",
                                  "http://127.0.0.1@evil.example/"}),
                     input) {
    BOOST_TEST(!watch::parse_url(input).has_value());
}

BOOST_DATA_TEST_CASE(parse_url_refuses_other_schemes,
                     bdata::make({"ftp://vod.api.video/x", "javascript://vod.api.video/%0aalert(1)",
                                  "javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
                                  "file:///etc/passwd", "mailto:a@b.example", "ws://vod.api.video/",
                                  "httpx://vod.api.video/", "//vod.api.video/x", "vod.api.video/x", "/relative", "",
                                  "https:/vod.api.video/x"}),
                     input) {
    BOOST_TEST(!watch::parse_url(input).has_value());
}

BOOST_DATA_TEST_CASE(parse_url_refuses_spaces_quotes_and_markup,
                     bdata::make({"https://vod.api.video/a b", "https://vod api.video/x", " https://vod.api.video/x",
                                  "https://vod.api.video/x ", "https://vod.api.video/a\tb",
                                  "https://vod.api.video/a\nb", "https://vod.api.video/a\"b",
                                  "https://vod.api.video/a<b>", "https://vod.api.video/a\\b",
                                  "https://vod.api.video\\evil.example/x"}),
                     input) {
    BOOST_TEST(!watch::parse_url(input).has_value());
}

// Quotes and markup in the host: no DNS name holds them (RFC 1123: letters, digits, '-'
// and '.'), and the host goes into the page's Content-Security-Policy through origin_of.
BOOST_DATA_TEST_CASE(parse_url_refuses_quotes_and_markup_in_the_host,
                     bdata::make({"https://vod.api.video\"/x", "https://vod.api.video\"onerror=\"x/",
                                  "https://vod.api.video<script>/x", "https://vod.api.video'/x"}),
                     input) {
    BOOST_TEST(!watch::parse_url(input).has_value());
}

BOOST_DATA_TEST_CASE(parse_url_refuses_bad_authorities,
                     bdata::make({"https:///x", "https://:443/x", "https://vod.api.video:abc/x",
                                  "https://vod.api.video:123456/x", "https://vod.api.video:-1/x",
                                  "https://vod%2eapi.video/x"}),
                     input) {
    BOOST_TEST(!watch::parse_url(input).has_value());
}

// ---- origin_of ------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(origin_of_names_scheme_host_and_port) {
    auto origin = [](const char* s) {
        auto u = watch::parse_url(s);
        BOOST_TEST_REQUIRE(u.has_value(), s);
        return watch::origin_of(*u);
    };
    BOOST_TEST(origin("https://vod.api.video/vod/x/token/t/thumbnail.jpg?avh=1") == "https://vod.api.video");
    BOOST_TEST(origin("http://127.0.0.1:8081/vod/x") == "http://127.0.0.1:8081");
    BOOST_TEST(origin("http://[::1]:8080/x") == "http://[::1]:8080");
    BOOST_TEST(origin("HTTPS://Media.Example.com") == "https://media.example.com");
    BOOST_TEST(origin("https://embed.api.video?token=x") == "https://embed.api.video");
}

// ---- is_loopback_host -----------------------------------------------------------------

BOOST_DATA_TEST_CASE(is_loopback_host_accepts,
                     bdata::make({"127.0.0.1", "127.255.0.9", "127.1.2.3", "127.0.0.0", "127.255.255.255", "localhost",
                                  "::1"}),
                     host) {
    BOOST_TEST(watch::is_loopback_host(host));
}

BOOST_DATA_TEST_CASE(is_loopback_host_refuses,
                     bdata::make({"128.0.0.1",
                                  "126.0.0.1",
                                  "127.0.0.1.evil.com",
                                  "1270.0.0.1",
                                  "localhost.evil",
                                  "evil.localhost.example",
                                  "127.0.0",
                                  "127.0.0.1.",
                                  "127..0.1",
                                  "127.0.0.1:80",
                                  "127.0.0.01a",
                                  "127.1234.0.1",
                                  "0.0.0.0",
                                  "10.0.0.1",
                                  "::2",
                                  "::",
                                  "",
                                  "127",
                                  "127.",
                                  "[::1]",
                                  "localhost:8080"}),
                     host) {
    BOOST_TEST(!watch::is_loopback_host(host));
}

// Not 127.0.0.0/8 at all: a dotted quad with an octet above 255 is no IPv4 address, so a
// resolver would send it to DNS, and plain http would go to whatever replies there.
BOOST_DATA_TEST_CASE(is_loopback_host_refuses_octets_above_255,
                     bdata::make({"127.0.0.256", "127.999.999.999", "127.300.0.1"}), host) {
    BOOST_TEST(!watch::is_loopback_host(host));
}

// ---- is_allowed_upstream_url ----------------------------------------------------------

BOOST_DATA_TEST_CASE(is_allowed_upstream_url_accepts,
                     bdata::make({"https://ws.api.video", "https://ws.api.video/videos/vi1",
                                  "https://vod.api.video/vod/x/token/t/session", "https://media.example.com:8443/x",
                                  "HTTPS://WS.API.VIDEO/", "http://127.0.0.1:9", "http://127.0.0.1:8081/videos/x",
                                  "http://localhost/x", "http://[::1]:8080/x"}),
                     url) {
    BOOST_TEST(watch::is_allowed_upstream_url(url));
}

BOOST_DATA_TEST_CASE(is_allowed_upstream_url_refuses,
                     bdata::make({"http://ws.api.video/", "http://example.com", "http://128.0.0.1/",
                                  "http://127.0.0.1.evil.com/", "http://1270.0.0.1/", "http://localhost.evil/",
                                  "http://[::2]/", "ftp://127.0.0.1/", "ftp://ws.api.video/", "javascript:alert(1)", "",
                                  "https://user@ws.api.video/", "http://user@127.0.0.1/", "https://ws.api.video/a b",
                                  "//ws.api.video/"}),
                     url) {
    BOOST_TEST(!watch::is_allowed_upstream_url(url));
}

// ---- add_query_param ------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(add_query_param_question_mark_or_ampersand) {
    BOOST_TEST(watch::add_query_param("https://vod.api.video/vod/x/token/t/thumbnail.jpg", "avh", "s1") ==
               "https://vod.api.video/vod/x/token/t/thumbnail.jpg?avh=s1");
    BOOST_TEST(watch::add_query_param("https://embed.api.video/vod/x?token=t", "avh", "s1") ==
               "https://embed.api.video/vod/x?token=t&avh=s1");
    BOOST_TEST(watch::add_query_param("https://embed.api.video/vod/x?a=1&b=2", "avh", "s1") ==
               "https://embed.api.video/vod/x?a=1&b=2&avh=s1");
}

BOOST_AUTO_TEST_CASE(add_query_param_existing_empty_query) {
    BOOST_TEST(watch::add_query_param("https://a.example/x?", "avh", "s1") == "https://a.example/x?avh=s1");
    BOOST_TEST(watch::add_query_param("https://a.example/x?t=1&", "avh", "s1") == "https://a.example/x?t=1&avh=s1");
}

BOOST_AUTO_TEST_CASE(add_query_param_keeps_the_fragment_after) {
    BOOST_TEST(watch::add_query_param("https://a.example/x#t=10", "avh", "s1") == "https://a.example/x?avh=s1#t=10");
    BOOST_TEST(watch::add_query_param("https://a.example/x?t=1#frag", "avh", "s1") ==
               "https://a.example/x?t=1&avh=s1#frag");
    // A '?' inside the fragment is not a query.
    BOOST_TEST(watch::add_query_param("https://a.example/x#f?g", "avh", "s1") == "https://a.example/x?avh=s1#f?g");
}

BOOST_AUTO_TEST_CASE(add_query_param_encodes_name_and_value) {
    BOOST_TEST(watch::add_query_param("https://a.example/x", "avh", "a b&c=d/#?\xC3\xA9") ==
               "https://a.example/x?avh=a%20b%26c%3Dd%2F%23%3F%C3%A9");
    BOOST_TEST(watch::add_query_param("https://a.example/x", "a&b", "1") == "https://a.example/x?a%26b=1");
    BOOST_TEST(watch::add_query_param("https://a.example/x", "avh", "07703ba8-22a1-4fc0-ac57-aef278f16d67") ==
               "https://a.example/x?avh=07703ba8-22a1-4fc0-ac57-aef278f16d67");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
