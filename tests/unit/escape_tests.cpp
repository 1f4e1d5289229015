// Unit tests for common/escape.cpp: one escaping primitive per output context, and the
// query-component and UTF-8 checks the request rules are built on.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "common/escape.h"
#include "common/json.h"
#include "tests/unit/unit_support.h"

namespace bdata = boost::unit_test::data;
using unit_support::contains;
using unit_support::decode_json_string;

namespace {

// Strings that must survive every escaping untouched in meaning: markup, quotes, the
// script-ending sequences, line terminators, controls and multi-byte UTF-8.
const std::vector<std::string> kHostile = {
    "",
    "plain text",
    "<script>alert(\"x\")</script> & 'q'",
    "</script><script>alert(1)</script>",
    "</SCRIPT >",
    "<!-- comment -->",
    "back\\slash \\u0041 \\\"",
    std::string("nul\0byte", 8),
    "\x01\x02\x1f\x7f",
    "tab\tnew\nline\rcr\bbs\fff",
    "line\xE2\x80\xA8sep\xE2\x80\xA9para",
    "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9D\x84\x9E \xE6\x97\xA5\xE6\x9C\xAC",
    "ends with E2 80: \xE2\x80",
};

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(escape_tests)

// ---- escape_html ----------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(escape_html_all_five_characters) {
    BOOST_TEST(watch::escape_html("&") == "&amp;");
    BOOST_TEST(watch::escape_html("<") == "&lt;");
    BOOST_TEST(watch::escape_html(">") == "&gt;");
    BOOST_TEST(watch::escape_html("\"") == "&quot;");
    BOOST_TEST(watch::escape_html("'") == "&#39;");
    BOOST_TEST(watch::escape_html("<a href=\"x\" title='y'>&amp;</a>") ==
               "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
}

BOOST_AUTO_TEST_CASE(escape_html_leaves_other_text_and_utf8_alone) {
    const std::string utf8 =
        "Maths video: caf\xC3\xA9, \xE2\x82\xAC"
        "5, \xF0\x9D\x84\x9E, \xE6\x97\xA5\xE6\x9C\xAC";
    BOOST_TEST(watch::escape_html(utf8) == utf8);
    BOOST_TEST(watch::escape_html("") == "");
    BOOST_TEST(watch::escape_html("a=b; c/d {e} 100%") == "a=b; c/d {e} 100%");
}

BOOST_DATA_TEST_CASE(escape_html_output_has_no_markup_characters, bdata::make(kHostile), input) {
    std::string out = watch::escape_html(input);
    for (char c : {'<', '>', '"', '\''}) BOOST_TEST(out.find(c) == std::string::npos);
    // Every '&' left starts one of the entities the function writes.
    for (size_t at = out.find('&'); at != std::string::npos; at = out.find('&', at + 1)) {
        std::string_view rest = std::string_view(out).substr(at);
        bool entity = rest.rfind("&amp;", 0) == 0 || rest.rfind("&lt;", 0) == 0 || rest.rfind("&gt;", 0) == 0 ||
                      rest.rfind("&quot;", 0) == 0 || rest.rfind("&#39;", 0) == 0;
        BOOST_TEST(entity, "stray '&' at offset " << at << " in " << out);
    }
}

// ---- escape_js_string -----------------------------------------------------------------

BOOST_AUTO_TEST_CASE(escape_js_string_quotes_and_backslash) {
    BOOST_TEST(watch::escape_js_string("") == "\"\"");
    BOOST_TEST(watch::escape_js_string("abc") == "\"abc\"");
    BOOST_TEST(watch::escape_js_string("a\"b") == "\"a\\\"b\"");
    BOOST_TEST(watch::escape_js_string("a\\b") == "\"a\\\\b\"");
    // A single quote must not end a string either, whichever quote the script uses.
    BOOST_TEST(!contains(watch::escape_js_string("it's"), "'"));
}

BOOST_AUTO_TEST_CASE(escape_js_string_cannot_close_the_script_or_open_a_comment) {
    for (const std::string s :
         {"</script>", "</SCRIPT>", "x</script><script>alert(1)//", "<!--", "-->", "<!-- x -->"}) {
        std::string out = watch::escape_js_string(s);
        BOOST_TEST(!contains(unit_support::lower(out), "</script"), out);
        BOOST_TEST(!contains(out, "<!--"), out);
        BOOST_TEST(!contains(out, "<"), out);
        BOOST_TEST(!contains(out, ">"), out);
        BOOST_TEST(decode_json_string(out).value_or("(not a JSON string literal)") == s);
    }
    BOOST_TEST(watch::escape_js_string("</script>") == "\"\\u003c/script\\u003e\"");
}

BOOST_AUTO_TEST_CASE(escape_js_string_line_separators) {
    std::string out = watch::escape_js_string(
        "a\xE2\x80\xA8"
        "b\xE2\x80\xA9"
        "c");
    BOOST_TEST(out == "\"a\\u2028b\\u2029c\"");
    // Other characters starting with E2 80 are ordinary text (U+2026 HORIZONTAL ELLIPSIS).
    BOOST_TEST(watch::escape_js_string("\xE2\x80\xA6") == "\"\xE2\x80\xA6\"");
    // U+2028 at the very end of the string is still escaped.
    BOOST_TEST(watch::escape_js_string("x\xE2\x80\xA8") == "\"x\\u2028\"");
}

BOOST_AUTO_TEST_CASE(escape_js_string_control_characters) {
    BOOST_TEST(watch::escape_js_string("\n") == "\"\\n\"");
    BOOST_TEST(watch::escape_js_string("\r") == "\"\\r\"");
    BOOST_TEST(watch::escape_js_string("\t") == "\"\\t\"");
    BOOST_TEST(watch::escape_js_string(std::string(1, '\0')) == "\"\\u0000\"");
    BOOST_TEST(watch::escape_js_string("\x01") == "\"\\u0001\"");
    BOOST_TEST(watch::escape_js_string("\x1f") == "\"\\u001f\"");
    for (int c = 0; c < 0x20; ++c) {
        std::string out = watch::escape_js_string(std::string(1, static_cast<char>(c)));
        for (char o : out) BOOST_TEST(static_cast<unsigned char>(o) >= 0x20, "control " << c << " left raw");
    }
}

BOOST_DATA_TEST_CASE(escape_js_string_is_a_json_string_literal_of_its_input,
                     bdata::make(std::vector<std::string>(kHostile.begin(), kHostile.end() - 1)), input) {
    std::string out = watch::escape_js_string(input);
    // Decoded by the strict RFC 8259 reader in unit_support.h...
    auto decoded = decode_json_string(out);
    BOOST_TEST_REQUIRE(decoded.has_value(), "not a JSON string literal: " << out);
    BOOST_TEST(*decoded == input);
    // ...and by RapidJSON, through the project's own JSON reader.
    std::string token;
    std::string err = unit_support::session_json_error("{\"session_token\":" + out + "}", token);
    BOOST_TEST(err == "");
    BOOST_TEST(token == input);
    BOOST_TEST(!contains(out, "\xE2\x80\xA8"));
    BOOST_TEST(!contains(out, "\xE2\x80\xA9"));
}

// ---- percent_encode -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(percent_encode_leaves_unreserved_untouched) {
    const std::string unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    BOOST_TEST(watch::percent_encode(unreserved) == unreserved);
    BOOST_TEST(watch::percent_encode("") == "");
}

BOOST_AUTO_TEST_CASE(percent_encode_reserved_and_utf8) {
    BOOST_TEST(watch::percent_encode(" ") == "%20");
    BOOST_TEST(watch::percent_encode("/") == "%2F");
    BOOST_TEST(watch::percent_encode("&") == "%26");
    BOOST_TEST(watch::percent_encode("=") == "%3D");
    BOOST_TEST(watch::percent_encode("+") == "%2B");
    BOOST_TEST(watch::percent_encode("%") == "%25");
    BOOST_TEST(watch::percent_encode("?#") == "%3F%23");
    BOOST_TEST(watch::percent_encode("caf\xC3\xA9") == "caf%C3%A9");
    BOOST_TEST(watch::percent_encode("\xF0\x9D\x84\x9E") == "%F0%9D%84%9E");
    BOOST_TEST(watch::percent_encode(std::string(1, '\0')) == "%00");
    BOOST_TEST(watch::percent_encode("a b&c=d") == "a%20b%26c%3Dd");
}

BOOST_AUTO_TEST_CASE(percent_encode_then_decode_gives_back_every_byte) {
    std::string all;
    for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
    std::string enc = watch::percent_encode(all);
    for (char c : enc) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                  c == '_' || c == '~' || c == '%';
        BOOST_TEST(ok, "reserved character '" << c << "' left in " << enc);
    }
    std::string dec;
    BOOST_TEST(watch::percent_decode(enc, dec));
    BOOST_TEST(dec == all);
}

// ---- percent_decode -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(percent_decode_plus_and_escapes) {
    std::string out;
    BOOST_TEST(watch::percent_decode("a+b", out));
    BOOST_TEST(out == "a b");
    BOOST_TEST(watch::percent_decode("%41%42c", out));
    BOOST_TEST(out == "ABc");
    BOOST_TEST(watch::percent_decode("%2f%2F", out));
    BOOST_TEST(out == "//");
    BOOST_TEST(watch::percent_decode("%2B", out));
    BOOST_TEST(out == "+");
    BOOST_TEST(watch::percent_decode("caf%C3%A9", out));
    BOOST_TEST(out == "caf\xC3\xA9");
    BOOST_TEST(watch::percent_decode("", out));
    BOOST_TEST(out == "");
    // Decoding happens once: "%2541" is "%41", not "A".
    BOOST_TEST(watch::percent_decode("%2541", out));
    BOOST_TEST(out == "%41");
    // `out` is replaced, not appended to.
    out = "stale";
    BOOST_TEST(watch::percent_decode("x", out));
    BOOST_TEST(out == "x");
}

BOOST_DATA_TEST_CASE(percent_decode_refuses_malformed_escapes,
                     bdata::make({"%", "%4", "%zz", "abc%", "abc%4", "%g1", "%1g", "%%41", "100%", "a%+1", "%-1",
                                  "%\xC3\xA9"}),
                     input) {
    std::string out;
    BOOST_TEST(!watch::percent_decode(input, out));
}

// ---- is_valid_utf8 --------------------------------------------------------------------

BOOST_DATA_TEST_CASE(is_valid_utf8_accepts,
                     bdata::make({"", "ascii only", "caf\xC3\xA9",           // U+00E9, 2 bytes
                                  "\xC2\x80",                                // U+0080, smallest 2-byte
                                  "\xDF\xBF",                                // U+07FF
                                  "\xE0\xA0\x80",                            // U+0800, smallest 3-byte
                                  "\xE2\x82\xAC",                            // U+20AC euro
                                  "\xED\x9F\xBF",                            // U+D7FF, just below surrogates
                                  "\xEE\x80\x80",                            // U+E000, just above
                                  "\xEF\xBF\xBF",                            // U+FFFF
                                  "\xF0\x90\x80\x80",                        // U+10000, smallest 4-byte
                                  "\xF0\x9D\x84\x9E",                        // U+1D11E
                                  "\xF4\x8F\xBF\xBF",                        // U+10FFFF, the last
                                  "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E"}),  // three CJK characters
                     input) {
    BOOST_TEST(watch::is_valid_utf8(input));
}

BOOST_AUTO_TEST_CASE(is_valid_utf8_accepts_nul_and_every_ascii_byte) {
    std::string ascii;
    for (int c = 0; c < 0x80; ++c) ascii += static_cast<char>(c);
    BOOST_TEST(watch::is_valid_utf8(ascii));
}

BOOST_DATA_TEST_CASE(is_valid_utf8_refuses,
                     bdata::make({"\xC0\x80",                  // overlong NUL
                                  "\xC1\xBF",                  // overlong U+007F
                                  "\xE0\x80\x80",              // overlong 3-byte
                                  "\xE0\x9F\xBF",              // overlong U+07FF
                                  "\xF0\x80\x80\x80",          // overlong 4-byte
                                  "\xF0\x8F\xBF\xBF",          // overlong U+FFFF
                                  "\xED\xA0\x80",              // U+D800, high surrogate
                                  "\xED\xBF\xBF",              // U+DFFF, low surrogate
                                  "\xED\xA0\xBD\xED\xB2\xA9",  // a CESU-8 surrogate pair
                                  "\xF4\x90\x80\x80",          // U+110000
                                  "\xF5\x80\x80\x80",          // lead byte above F4
                                  "\xF7\xBF\xBF\xBF",          // U+1FFFFF
                                  "\xF8\x88\x80\x80\x80",      // 5-byte form
                                  "\xFC\x84\x80\x80\x80\x80",  // 6-byte form
                                  "\xFE",
                                  "\xFF",
                                  "\x80",  // lone continuation byte
                                  "a\xBF"
                                  "b",
                                  "\xC3",  // truncated 2-byte
                                  "caf\xC3",
                                  "\xE2\x82",      // truncated 3-byte
                                  "\xF0\x9D\x84",  // truncated 4-byte
                                  "\xC3(",         // bad continuation
                                  "\xE2(\xA1",
                                  "\xF0\x9D(\x9E"}),
                     input) {
    BOOST_TEST(!watch::is_valid_utf8(input));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
