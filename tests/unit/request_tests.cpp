// Unit tests for common/request.cpp: the query string rules and the video id rule, the
// inputs every /watch request must meet before any upstream call.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <string>
#include <vector>

#include "common/request.h"
#include "tests/unit/unit_support.h"

namespace bdata = boost::unit_test::data;

namespace {

std::vector<watch::QueryParam> parsed(std::string_view q) {
    std::vector<watch::QueryParam> out;
    BOOST_TEST_REQUIRE(watch::parse_query(q, out), "parse_query refused " << q);
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(request_tests)

// ---- request_from_params --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(request_from_params_reads_the_cgi_variables) {
    auto r = watch::request_from_params([](const char* name) -> const char* {
        std::string n = name;
        if (n == "REQUEST_METHOD") return "GET";
        if (n == "QUERY_STRING") return "id=vi4k0jvEUuaTdRAEjQ4Prklg";
        return nullptr;
    });
    BOOST_TEST(r.method == "GET");
    BOOST_TEST(r.query == "id=vi4k0jvEUuaTdRAEjQ4Prklg");
    BOOST_TEST(r.accept == "");  // unset: empty, not a crash
}

// The CGI variables of `vars`, by name; the others unset.
watch::Request request_with(const std::map<std::string, std::string>& vars) {
    return watch::request_from_params([&](const char* name) -> const char* {
        auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

// REQUEST_URI's path becomes the cookie's Path attribute and the start of the waiting
// page's URL: anything that could end or extend the attribute ("; Domain=…") leaves it
// unknown.
BOOST_AUTO_TEST_CASE(request_from_params_keeps_only_a_plain_path) {
    auto path_of = [](const std::string& uri) { return request_with({{"REQUEST_URI", uri}}).path; };
    BOOST_TEST(path_of("/videos/watch?id=x") == "/videos/watch");
    BOOST_TEST(path_of("/a-b_c.d~e/") == "/a-b_c.d~e/");
    // As the browser sent it, escapes and all: what it names is what the browser asks for.
    BOOST_TEST(path_of("/v%C3%ADdeos/watch?id=x") == "/v%C3%ADdeos/watch");
    for (const char* bad : {"/watch;Domain=evil.example", "/watch Domain", "/watch%3BDomain=x", "/watch%3", "/watch%zz",
                            "/watch\r\nSet-Cookie: x", "/watch\nx", "/watch,x", "/watch\"", "watch", ""}) {
        BOOST_TEST(path_of(bad) == "", bad);
    }
    BOOST_TEST(path_of("/" + std::string(300, 'a')) == "");
}

// Some CGI servers send no REQUEST_URI: SCRIPT_NAME and PATH_INFO (decoded, as RFC 3875
// has them) say the path then, encoded again. REQUEST_URI, when sent, wins: after a
// rewrite it is the path the browser asked for, SCRIPT_NAME the program's.
BOOST_AUTO_TEST_CASE(request_from_params_without_request_uri_takes_script_name_and_path_info) {
    BOOST_TEST(request_with({{"SCRIPT_NAME", "/cgi-bin/watch.cgi"}}).path == "/cgi-bin/watch.cgi");
    BOOST_TEST(request_with({{"SCRIPT_NAME", "/cgi-bin/watch.cgi"}, {"PATH_INFO", "/lecture"}}).path ==
               "/cgi-bin/watch.cgi/lecture");
    BOOST_TEST(request_with({{"SCRIPT_NAME", "/vídeos/watch.cgi"}}).path == "/v%C3%ADdeos/watch.cgi");
    BOOST_TEST(request_with({{"SCRIPT_NAME", "/a;b/watch.cgi"}}).path == "/a%3Bb/watch.cgi");
    BOOST_TEST(request_with({{"REQUEST_URI", "/watch?id=x"}, {"SCRIPT_NAME", "/cgi-bin/watch.cgi"}}).path == "/watch");
    BOOST_TEST(request_with({}).path == "");
}

BOOST_AUTO_TEST_CASE(request_from_params_names_the_required_variables_the_server_did_not_send) {
    auto none = watch::request_from_params([](const char*) -> const char* { return nullptr; });
    BOOST_TEST(none.missing == "REQUEST_METHOD QUERY_STRING");
    auto no_query = watch::request_from_params(
        [](const char* name) -> const char* { return std::string(name) == "REQUEST_METHOD" ? "GET" : nullptr; });
    BOOST_TEST(no_query.missing == "QUERY_STRING");
    // Sent but empty is sent: RFC 3875 asks for an empty QUERY_STRING when there is no query.
    auto empty = watch::request_from_params([](const char* name) -> const char* {
        std::string n = name;
        return n == "REQUEST_METHOD" ? "GET" : n == "QUERY_STRING" ? "" : nullptr;
    });
    BOOST_TEST(empty.missing == "");
}

BOOST_AUTO_TEST_CASE(request_from_params_reads_the_client_address_and_the_proxy_headers) {
    auto r = watch::request_from_params([](const char* name) -> const char* {
        std::string n = name;
        if (n == "REMOTE_ADDR") return "10.0.0.2";
        if (n == "HTTP_X_FORWARDED_FOR") return "198.51.100.1, 203.0.113.7";
        if (n == "HTTP_CF_CONNECTING_IP") return "2001:db8::7";
        if (n == "HTTP_X_FORWARDED_HOST") return "example.org";
        return nullptr;
    });
    BOOST_TEST(r.remote_addr == "10.0.0.2");
    BOOST_TEST(r.proxy_headers.size() == 2u);
    BOOST_TEST(r.proxy_headers["X-Forwarded-For"] == "198.51.100.1, 203.0.113.7");
    BOOST_TEST(r.proxy_headers["CF-Connecting-IP"] == "2001:db8::7");
}

// Without the setting the header is not looked at; with it, REMOTE_ADDR is not, and only
// the address the trusted proxy appended (the last) counts: the ones before it came with
// the request and can be anything.
BOOST_AUTO_TEST_CASE(client_address_is_remote_addr_or_the_last_item_of_the_trusted_header) {
    watch::Request r;
    r.remote_addr = "10.0.0.2";
    r.proxy_headers["X-Forwarded-For"] = "203.0.113.66, 198.51.100.1,\t203.0.113.7 ";
    r.proxy_headers["X-Real-IP"] = "2001:db8::7";
    BOOST_TEST(watch::client_address(r, "") == "10.0.0.2");
    BOOST_TEST(watch::client_address(r, "X-Forwarded-For") == "203.0.113.7");
    BOOST_TEST(watch::client_address(r, "X-Real-IP") == "2001:db8::7");
    BOOST_TEST(watch::client_address(r, "CF-Connecting-IP") == "");  // set, but not sent: no address
    r.proxy_headers["X-Forwarded-For"] = "203.0.113.7,";
    BOOST_TEST(watch::client_address(r, "X-Forwarded-For") == "");
}

// ---- parse_query ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(parse_query_keeps_order_and_decodes) {
    auto p = parsed("b=2&a=1&c=x%20y+z");
    BOOST_TEST_REQUIRE(p.size() == 3u);
    BOOST_TEST(p[0].name == "b");
    BOOST_TEST(p[0].value == "2");
    BOOST_TEST(p[1].name == "a");
    BOOST_TEST(p[1].value == "1");
    BOOST_TEST(p[2].name == "c");
    BOOST_TEST(p[2].value == "x y z");
}

BOOST_AUTO_TEST_CASE(parse_query_keeps_duplicates) {
    auto p = parsed("id=one&id=two");
    BOOST_TEST_REQUIRE(p.size() == 2u);
    BOOST_TEST(p[0].value == "one");
    BOOST_TEST(p[1].value == "two");
}

BOOST_AUTO_TEST_CASE(parse_query_skips_empty_pairs) {
    BOOST_TEST(parsed("").empty());
    BOOST_TEST(parsed("&").empty());
    BOOST_TEST(parsed("&&&").empty());
    auto p = parsed("&a=1&&b=2&");
    BOOST_TEST_REQUIRE(p.size() == 2u);
    BOOST_TEST(p[0].name == "a");
    BOOST_TEST(p[1].name == "b");
}

BOOST_AUTO_TEST_CASE(parse_query_names_without_values_and_values_with_equals) {
    auto p = parsed("flag&a=&b=c=d");
    BOOST_TEST_REQUIRE(p.size() == 3u);
    BOOST_TEST(p[0].name == "flag");
    BOOST_TEST(p[0].value == "");
    BOOST_TEST(p[1].name == "a");
    BOOST_TEST(p[1].value == "");
    BOOST_TEST(p[2].value == "c=d");
}

BOOST_AUTO_TEST_CASE(parse_query_decodes_utf8_and_encoded_delimiters) {
    auto p = parsed("t=caf%C3%A9&u=%26%3D%2B");
    BOOST_TEST_REQUIRE(p.size() == 2u);
    BOOST_TEST(p[0].value == "caf\xC3\xA9");
    BOOST_TEST(p[1].value == "&=+");
}

BOOST_DATA_TEST_CASE(parse_query_refuses,
                     bdata::make({"a=%", "a=%4", "a=%zz", "a=1%", "%zz=1", "a=1&b=%g0",  // malformed escapes
                                  "a=%00", "%00=1", "a=x%00y",                           // NUL
                                  "a=%ff", "a=%C3", "a=%ED%A0%80", "a=%C0%80", "%ff=1",  // invalid UTF-8
                                  "=1", "a=1&=2"}),                                      // empty name
                     query) {
    std::vector<watch::QueryParam> out;
    BOOST_TEST(!watch::parse_query(query, out));
}

BOOST_AUTO_TEST_CASE(parse_query_length_limit) {
    std::string at_limit = "id=" + std::string(watch::kMaxQueryLength - 3, 'a');
    BOOST_TEST_REQUIRE(at_limit.size() == watch::kMaxQueryLength);
    std::vector<watch::QueryParam> out;
    BOOST_TEST(watch::parse_query(at_limit, out));
    BOOST_TEST(out.size() == 1u);

    std::string over = at_limit + "a";
    BOOST_TEST(!watch::parse_query(over, out));
    // Many small pairs count too.
    std::string pairs;
    while (pairs.size() <= watch::kMaxQueryLength) pairs += "x=1&";
    BOOST_TEST(!watch::parse_query(pairs, out));
}

// ---- parse_watch_params ---------------------------------------------------------------

BOOST_AUTO_TEST_CASE(parse_watch_params_valid) {
    watch::WatchParams p;
    std::string why;
    BOOST_TEST(watch::parse_watch_params("id=vi4k0jvEUuaTdRAEjQ4Prklg", p, why));
    BOOST_TEST(p.id == "vi4k0jvEUuaTdRAEjQ4Prklg");
    BOOST_TEST(watch::parse_watch_params("id=viMgTZ1KULkXrjFfDCTBtLs", p, why));
    BOOST_TEST(p.id == "viMgTZ1KULkXrjFfDCTBtLs");
    BOOST_TEST((p.kind == watch::MediaKind::Video));
}

BOOST_AUTO_TEST_CASE(parse_watch_params_takes_a_live_stream_id_and_says_so) {
    watch::WatchParams p;
    std::string why;
    BOOST_TEST(watch::parse_watch_params("id=li400mYKSgQ6xs7taUeSaEKr&player=hlsjs", p, why));
    BOOST_TEST(p.id == "li400mYKSgQ6xs7taUeSaEKr");
    BOOST_TEST((p.kind == watch::MediaKind::LiveStream));
    BOOST_TEST((p.player == watch::Player::HlsJs));
}

BOOST_AUTO_TEST_CASE(parse_watch_params_ignores_unknown_params) {
    watch::WatchParams p;
    std::string why;
    BOOST_TEST(watch::parse_watch_params("utm_source=news&id=vi4k0jvEUuaTdRAEjQ4Prklg&fbclid=a%20b&x", p, why));
    BOOST_TEST(p.id == "vi4k0jvEUuaTdRAEjQ4Prklg");
}

BOOST_DATA_TEST_CASE(parse_watch_params_refuses,
                     bdata::make({"",                                                         // missing
                                  "video=vi4k0jvEUuaTdRAEjQ4Prklg",                           // missing
                                  "id=vi4k0jvEUuaTdRAEjQ4Prklg&id=vi4k0jvEUuaTdRAEjQ4Prklg",  // repeated
                                  "id=vi4k0jvEUuaTdRAEjQ4Prklg&id=viMgTZ1KULkXrjFfDCTBtLs",
                                  "id=vi4k0jvEUuaTdRAEjQ4Prklg&id",
                                  "id=",  // empty
                                  "id",
                                  "id=vi4k0jvEUuaTdRAEjQ4Prklg%2F..",  // traversal
                                  "id=..%2F..%2Fetc%2Fpasswd",
                                  "id=vi4k0jvEUuaTdRAEjQ4Prklg%",  // malformed
                                  "id=vi4k0jvEUuaTdRAEjQ4Prklg%00", "id=li400mYKSgQ6xs7taUeSaE",
                                  "id=pl45KFKdlddgk654dspkze", "id=%3Cscript%3Ealert(1)%3C%2Fscript%3E"}),
                     query) {
    watch::WatchParams p;
    std::string why;
    BOOST_TEST(!watch::parse_watch_params(query, p, why));
    BOOST_TEST(!why.empty());
    // `why` names the rule, not the input: nothing of the visitor's query is echoed.
    BOOST_TEST(!unit_support::contains(why, "<script"));
    BOOST_TEST(!unit_support::contains(why, "vi4k0jvEUuaTdRAEjQ4Prklg"));
}

BOOST_AUTO_TEST_CASE(parse_watch_params_reasons_differ_by_rule) {
    watch::WatchParams p;
    std::string missing, repeated, invalid, malformed;
    BOOST_TEST(!watch::parse_watch_params("x=1", p, missing));
    BOOST_TEST(!watch::parse_watch_params("id=vi4k0jvEUuaTdRAEjQ4Prklg&id=vi4k0jvEUuaTdRAEjQ4Prklg", p, repeated));
    BOOST_TEST(!watch::parse_watch_params("id=nope", p, invalid));
    BOOST_TEST(!watch::parse_watch_params("id=%zz", p, malformed));
    BOOST_TEST(missing != repeated);
    BOOST_TEST(missing != invalid);
    BOOST_TEST(repeated != invalid);
    BOOST_TEST(malformed != invalid);
}

// ---- the player options and the signed fields -----------------------------------------

BOOST_AUTO_TEST_CASE(parse_watch_params_reads_the_player_options) {
    watch::WatchParams p;
    std::string why;
    BOOST_TEST_REQUIRE(watch::parse_watch_params("id=vi4k0jvEUuaTdRAEjQ4Prklg", p, why), why);
    BOOST_TEST(p.play.start == 0);
    BOOST_TEST(!p.play.autoplay);
    BOOST_TEST(!p.play.loop);
    BOOST_TEST(p.play.download);
    BOOST_TEST(p.link_fields.empty());

    BOOST_TEST_REQUIRE(
        watch::parse_watch_params("id=vi4k0jvEUuaTdRAEjQ4Prklg&t=754&autoplay=1&loop=1&download=0", p, why), why);
    BOOST_TEST(p.play.start == 754);
    BOOST_TEST(p.play.autoplay);
    BOOST_TEST(p.play.loop);
    BOOST_TEST(!p.play.download);

    // The defaults may be written out; a reused WatchParams forgets the last query's options.
    BOOST_TEST_REQUIRE(
        watch::parse_watch_params("id=vi4k0jvEUuaTdRAEjQ4Prklg&t=0&autoplay=0&loop=0&download=1", p, why), why);
    BOOST_TEST(p.play.start == 0);
    BOOST_TEST(!p.play.autoplay);
    BOOST_TEST(!p.play.loop);
    BOOST_TEST(p.play.download);
    BOOST_TEST_REQUIRE(watch::parse_watch_params("id=vi4k0jvEUuaTdRAEjQ4Prklg&t=999999999", p, why), why);
    BOOST_TEST(p.play.start == 999999999);
}

// The signature covers the fields as written, in links.h's order whatever the query's.
BOOST_AUTO_TEST_CASE(parse_watch_params_keeps_the_signed_fields_as_given_in_the_signed_order) {
    watch::WatchParams p;
    std::string why;
    BOOST_TEST_REQUIRE(watch::parse_watch_params("download=0&ip=2001%3Adb8%3A%3A%2F32&utm=x&id=vi4k0jvEUuaTdRAEjQ4Prklg"
                                                 "&t=30&nbf=1800000000&loop=1&autoplay=1&exp=1900000000&sig=abc",
                                                 p, why),
                       why);
    BOOST_TEST(p.exp == "1900000000");
    BOOST_TEST(p.sig == "abc");
    std::string fields;
    for (const watch::QueryParam& f : p.link_fields) fields += f.name + "=" + f.value + ";";
    BOOST_TEST(fields == "nbf=1800000000;ip=2001:db8::/32;t=30;autoplay=1;loop=1;download=0;");
    // nbf and ip are the link check's to judge (a 403 with a secret, ignored without one).
    BOOST_TEST(watch::parse_watch_params("id=vi4k0jvEUuaTdRAEjQ4Prklg&nbf=soon&ip=somewhere", p, why), why);
}

BOOST_DATA_TEST_CASE(parse_watch_params_refuses_a_bad_player_option,
                     bdata::make({"t=", "t=-1", "t=%2B5", "t=1.5", "t=05", "t=1000000000", "t=1m30s", "t=30&t=31",
                                  "autoplay=", "autoplay=true", "autoplay=2", "autoplay=01", "autoplay=1&autoplay=1",
                                  "loop=yes", "loop=", "download=false", "download=", "download=00"}),
                     option) {
    watch::WatchParams p;
    std::string why;
    BOOST_TEST(!watch::parse_watch_params(std::string("id=vi4k0jvEUuaTdRAEjQ4Prklg&") + option, p, why));
    std::string name = std::string(option).substr(0, std::string(option).find('='));
    BOOST_TEST(why.rfind(name + " ", 0) == 0u, why);  // the reason names the option
}

BOOST_AUTO_TEST_CASE(parse_start_seconds_takes_digits_only) {
    long long s = -1;
    BOOST_TEST((watch::parse_start_seconds("0", s) && s == 0));
    BOOST_TEST((watch::parse_start_seconds("90", s) && s == 90));
    for (const char* bad : {"", "00", "090", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1000000000"}) {
        BOOST_TEST(!watch::parse_start_seconds(bad, s), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
