// Unit tests for common/templates.cpp: what the compiler refuses (with the template's
// name and line), how each context escapes, blocks and comments, and the built-in pages.
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>

#include <map>
#include <set>
#include <string>

#include "common/json.h"
#include "common/page.h"
#include "common/site.h"
#include "common/templates.h"
#include "tests/support/template_values.h"
#include "tests/unit/unit_support.h"

namespace bdata = boost::unit_test::data;
using unit_support::contains;

namespace {

const std::set<std::string> kKnown = {"x", "y", "url", "title"};

std::string render(const std::string& src, const testing::TemplateValues& values) {
    return testing::render_known(testing::compile_known("t.html", src, kKnown), kKnown, values);
}

// The compile error for `src`, or "" when it compiles.
std::string compile_error(const std::string& src) {
    try {
        testing::compile_known("page.html", src, kKnown);
    } catch (const watch::TemplateError& e) {
        return e.what();
    }
    return "";
}

// Two harmless lines before each broken snippet, so the error must be on line 3.
const std::string kTwoLines = "<p>one</p>\n<p>two {{x}}</p>\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(templates_tests)

// ---- compile errors -------------------------------------------------------------------

BOOST_DATA_TEST_CASE(compile_refuses,
                     bdata::make({
                         "{{nope}}",             // unknown name
                         "<p>{{ nope }}</p>",    // unknown, with spaces
                         "{{#nope}}a{{/nope}}",  // unknown block name
                         "{{}}",                 // empty placeholder
                         "<a {{x}}>link</a>",    // inside a tag
                         "<a b{{x}}>link</a>",   // in an attribute name
                         "<a href=\"/\" {{x}}=\"1\">link</a>",
                         "<{{x}}>t</p>",            // as the tag's name
                         "<a href={{x}}>link</a>",  // unquoted attribute
                         "<a href=/p/{{x}}>link</a>",
                         "<a href=\"/\" onclick=\"go('{{x}}')\">link</a>",  // on*=
                         "<a href=\"/\" OnClick='{{x}}'>link</a>",
                         "<img src=\"/a.jpg\" onerror=\"{{url}}\">",
                         "<p style=\"color: {{x}}\">t</p>",    // style=
                         "<img srcset=\"{{url}} 2x\">",        // srcset=
                         "<style>p { color: {{x}} }</style>",  // inside <style>
                         "<STYLE>p { color: {{x}} }</STYLE>",
                         "<!-- {{x}} -->",  // in a comment
                         "<!--{{x}}-->",
                         "{{#x}}text",                 // unclosed block
                         "text{{/x}}",                 // closes nothing
                         "{{#x}}{{#y}}t{{/x}}{{/y}}",  // mismatched
                         "{{#x}}t{{/y}}",
                         "{{^x}}t{{/y}}",
                         "{{#x}}<a href=\"{{/x}}\">t</a>",  // text -> attribute
                         "<a href=\"{{#x}}\">{{/x}}t</a>",  // attribute -> text
                         "{{#x}}<a {{/x}}>t</a>",           // text -> tag
                         "{{#x}}<script>{{/x}}</script>",   // text -> script
                         "{{#x}}<!--{{/x}}-->",             // text -> comment
                         "text {{x",                        // unclosed {{
                         "text {{x}",
                         "<a href=\"{{x}}",  // ends inside a tag
                     }),
                     snippet) {
    std::string err = compile_error(kTwoLines + snippet);
    BOOST_TEST_REQUIRE(!err.empty(), "compiled: " << snippet);
    // "name:line: why", as templates.h promises.
    BOOST_TEST(err.rfind("page.html:3: ", 0) == 0u, err);
}

BOOST_AUTO_TEST_CASE(compile_error_line_counts_multi_line_comments_and_placeholders) {
    std::string err = compile_error("{{! one\ntwo\nthree }}\n<p>{{x}}</p>\n{{nope}}");
    BOOST_TEST(err.rfind("page.html:5: ", 0) == 0u, err);
}

BOOST_AUTO_TEST_CASE(compile_error_names_the_unknown_placeholder) {
    std::string err = compile_error("<p>{{titel}}</p>");
    BOOST_TEST(contains(err, "titel"), err);
}

BOOST_DATA_TEST_CASE(compile_accepts,
                     bdata::make({
                         "",
                         "plain text, no placeholders",
                         "<p>{{x}}</p>",
                         "<p>{{ x }}</p>",
                         "<p title=\"{{x}}\" data-y='{{y}}'>t</p>",
                         "<a href = \"{{url}}\">t</a>",
                         "<a HREF=\"{{url}}\">t</a>",
                         "<script>var v = {{x}};</script>",
                         "<SCRIPT type=\"module\">var v = {{x}};</SCRIPT>",
                         "<!-- a comment --><p>{{x}}</p>",
                         "{{#x}}<a href=\"{{url}}\">{{x}}</a>{{/x}}{{^x}}none{{/x}}",
                         "<a href=\"/p?{{#x}}a=1{{/x}}\">t</a>",  // a block inside one attribute
                         "<p>a &amp; b &lt; c</p>",
                         "<input disabled value=\"{{x}}\">",
                         "<br/><img src=\"{{url}}\"/>",
                     }),
                     src) {
    std::string err = compile_error(src);
    BOOST_TEST(err == "", src);
}

// ---- rendering: text and attributes ---------------------------------------------------

BOOST_AUTO_TEST_CASE(render_escapes_text) {
    BOOST_TEST(render("<p>{{x}}</p>", {{"x", "<b>\"bold\" & 'q'</b>"}}) ==
               "<p>&lt;b&gt;&quot;bold&quot; &amp; &#39;q&#39;&lt;/b&gt;</p>");
    BOOST_TEST(render("<h1>{{title}}</h1>", {{"title", "<script>alert(1)</script>"}}) ==
               "<h1>&lt;script&gt;alert(1)&lt;/script&gt;</h1>");
}

BOOST_AUTO_TEST_CASE(render_escapes_attributes) {
    BOOST_TEST(render("<p title=\"{{x}}\">t</p>", {{"x", "\" onmouseover=\"alert(1)"}}) ==
               "<p title=\"&quot; onmouseover=&quot;alert(1)\">t</p>");
    BOOST_TEST(render("<p title='{{x}}'>t</p>", {{"x", "' onmouseover='alert(1)"}}) ==
               "<p title='&#39; onmouseover=&#39;alert(1)'>t</p>");
}

BOOST_AUTO_TEST_CASE(render_absent_values_are_empty) { BOOST_TEST(render("<p>[{{x}}]</p>", {}) == "<p>[]</p>"); }

BOOST_AUTO_TEST_CASE(render_does_not_expand_placeholders_in_values) {
    BOOST_TEST(render("<p>{{x}}</p>", {{"x", "{{y}}"}, {"y", "EXPANDED"}}) == "<p>{{y}}</p>");
}

BOOST_AUTO_TEST_CASE(render_keeps_literal_text_and_utf8) {
    const std::string src = "<p class=\"a\">caf\xC3\xA9 &amp; {{x}} \xE2\x82\xAC</p>\n";
    BOOST_TEST(render(src, {{"x", "\xE6\x97\xA5"}}) ==
               "<p class=\"a\">caf\xC3\xA9 &amp; \xE6\x97\xA5 \xE2\x82\xAC</p>\n");
}

// ---- rendering: URL attributes --------------------------------------------------------

BOOST_DATA_TEST_CASE(render_url_attributes_refuse_script_schemes,
                     bdata::make({"javascript:alert(1)", "JaVaScRiPt:alert(1)", "JAVASCRIPT:alert(1)",
                                  " javascript:alert(1)", "\tjavascript:alert(1)", "java\nscript:alert(1)",
                                  "javascript://%0aalert(1)", "data:text/html,<script>alert(1)</script>",
                                  "DATA:text/html;base64,PHNjcmlwdD4=", "vbscript:msgbox(1)", "blob:https://x/1",
                                  "file:///etc/passwd"}) *
                         bdata::make({"href", "src", "poster", "action", "formaction", "HREF"}),
                     value, attr) {
    std::string src = std::string("<a ") + attr + "=\"{{url}}\">t</a>";
    std::string out = render(src, {{"url", value}});
    std::string l = unit_support::lower(out);
    BOOST_TEST(!contains(l, "script:"), out);
    BOOST_TEST(!contains(l, "data:"), out);
    BOOST_TEST(!contains(l, "file:"), out);
    BOOST_TEST(!contains(l, "blob:"), out);
    BOOST_TEST(!contains(out, "alert"), out);
}

// Only http and https pass as absolute URLs (templates.h); any other scheme is replaced.
BOOST_DATA_TEST_CASE(render_url_attributes_refuse_other_schemes,
                     bdata::make({"ftp://x.example/y", "httpx://x.example/y", "xhttps://x.example/y", "https-evil:x",
                                  "mailto:a@b.example", "intent://x#Intent;end"}),
                     value) {
    std::string out = render("<a href=\"{{url}}\">t</a>", {{"url", value}});
    BOOST_TEST(!contains(out, value), out);
    BOOST_TEST(!contains(out, "x.example"), out);
}

BOOST_DATA_TEST_CASE(render_url_attributes_keep_http_https_and_relative,
                     bdata::make({"https://vod.api.video/vod/vi1/token/t/thumbnail.jpg?avh=s",
                                  "HTTPS://VOD.API.VIDEO/x", "http://127.0.0.1:8081/vod/x/mp4/source.mp4",
                                  "/player/video.min.js", "relative/thumb.jpg", "thumb.jpg", "?q=1", "#frag",
                                  "//cdn.example.com/x.js", "/a:b", "./x:y"}),
                     value) {
    std::string out = render("<img src=\"{{url}}\">", {{"url", value}});
    BOOST_TEST(out == "<img src=\"" + std::string(value) + "\">");
}

BOOST_AUTO_TEST_CASE(render_url_attributes_escape_ampersands_and_quotes) {
    BOOST_TEST(render("<a href=\"{{url}}\">t</a>", {{"url", "https://embed.api.video/vod/x?token=t&avh=s"}}) ==
               "<a href=\"https://embed.api.video/vod/x?token=t&amp;avh=s\">t</a>");
    BOOST_TEST(render("<a href=\"{{url}}\">t</a>", {{"url", "https://a.example/x\"onmouseover=\"alert(1)"}}) ==
               "<a href=\"https://a.example/x&quot;onmouseover=&quot;alert(1)\">t</a>");
}

// templates.h: any attribute ending in "-url" is a URL too (URLs handed to scripts).
BOOST_DATA_TEST_CASE(render_dash_url_attributes_are_urls,
                     bdata::make({"javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x"}), value) {
    std::string out = render("<p data-hls-url=\"{{url}}\">t</p>", {{"url", value}});
    BOOST_TEST(!contains(out, value), out);
    BOOST_TEST(render("<p data-hls-url=\"{{url}}\">t</p>", {{"url", "https://vod.api.video/h?a=1&b=2"}}) ==
               "<p data-hls-url=\"https://vod.api.video/h?a=1&amp;b=2\">t</p>");
}

BOOST_AUTO_TEST_CASE(render_non_url_attributes_are_plain_text) {
    // data-* and title are not URLs: the value is only escaped.
    BOOST_TEST(render("<p data-avh=\"{{x}}\">t</p>", {{"x", "javascript:x"}}) == "<p data-avh=\"javascript:x\">t</p>");
}

// ---- rendering: script ----------------------------------------------------------------

BOOST_DATA_TEST_CASE(render_script_context_emits_a_json_string_literal,
                     bdata::make({"", "plain", "</script><script>alert(1)</script>", "<!--", "a\"b'c\\d",
                                  "line\nbreak\xE2\x80\xA8sep", "caf\xC3\xA9"}),
                     value) {
    std::string out = render("<script>var v = {{x}};</script>", {{"x", value}});
    const std::string head = "<script>var v = ";
    const std::string tail = ";</script>";
    BOOST_TEST_REQUIRE(out.rfind(head, 0) == 0u, out);
    BOOST_TEST_REQUIRE(out.size() >= head.size() + tail.size());
    BOOST_TEST_REQUIRE(out.compare(out.size() - tail.size(), tail.size(), tail) == 0, out);
    std::string literal = out.substr(head.size(), out.size() - head.size() - tail.size());
    // Only the template's own </script> closes the element; no comment opens.
    BOOST_TEST(!contains(unit_support::lower(literal), "</script"), literal);
    BOOST_TEST(!contains(literal, "<!--"), literal);
    // The literal reads back as the value.
    std::string token;
    BOOST_TEST(unit_support::session_json_error("{\"session_token\":" + literal + "}", token) == "", literal);
    BOOST_TEST(token == std::string(value));
}

// ---- blocks and comments --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(render_blocks) {
    const std::string src = "{{#x}}[yes {{x}}]{{/x}}{{^x}}[no]{{/x}}";
    BOOST_TEST(render(src, {{"x", "1"}}) == "[yes 1]");
    BOOST_TEST(render(src, {{"x", ""}}) == "[no]");
    BOOST_TEST(render(src, {}) == "[no]");
    BOOST_TEST(render(src, {{"x", " "}}) == "[yes  ]");  // not empty: a space is a value
}

BOOST_DATA_TEST_CASE(render_nested_blocks,
                     bdata::make({"1", "1", "", ""}) ^ bdata::make({"1", "", "1", ""}) ^
                         bdata::make({"A[B]C", "AC", "", ""}) ^ bdata::make({"", "", "N(y)", "N()"}),
                     x, y, expected_x, expected_not_x) {
    const std::string src = "{{#x}}A{{#y}}[B]{{/y}}C{{/x}}{{^x}}N({{#y}}y{{/y}}){{/x}}";
    std::string out = render(src, {{"x", x}, {"y", y}});
    BOOST_TEST(out == std::string(expected_x) + expected_not_x);
}

BOOST_AUTO_TEST_CASE(render_the_same_block_twice) {
    const std::string src = "{{#x}}a{{/x}}-{{#x}}b{{/x}}-{{^x}}c{{/x}}";
    BOOST_TEST(render(src, {{"x", "v"}}) == "a-b-");
    BOOST_TEST(render(src, {}) == "--c");
}

BOOST_AUTO_TEST_CASE(render_block_inside_an_attribute) {
    const std::string src = "<a href=\"/p?{{#x}}a={{x}}{{/x}}\">t</a>";
    BOOST_TEST(render(src, {{"x", "1&2"}}) == "<a href=\"/p?a=1&amp;2\">t</a>");
    BOOST_TEST(render(src, {}) == "<a href=\"/p?\">t</a>");
}

BOOST_AUTO_TEST_CASE(render_drops_comments) {
    BOOST_TEST(render("a{{! a note }}b", {}) == "ab");
    BOOST_TEST(render("a{{!multi\nline note}}b", {}) == "ab");
    // A comment may name anything: it is not compiled.
    BOOST_TEST(render("{{! about nope and <script> }}<p>{{x}}</p>", {{"x", "v"}}) == "<p>v</p>");
    // HTML comments are not template comments: they stay.
    BOOST_TEST(render("<!-- kept -->{{x}}", {{"x", "v"}}) == "<!-- kept -->v");
}

// ---- the built-in templates -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(builtin_templates_compile) {
    BOOST_CHECK_NO_THROW(watch::builtin_pages());
    std::set<std::string> names;
    for (const watch::BuiltinTemplate& t : watch::builtin_templates()) {
        BOOST_TEST_REQUIRE(t.name != nullptr);
        BOOST_TEST_REQUIRE(t.source != nullptr);
        BOOST_TEST(std::string(t.source).size() > 0u, t.name);
        names.insert(t.name);
    }
    BOOST_TEST(names.count("error.html") == 1u);
    for (watch::Player p :
         {watch::Player::VideoJs, watch::Player::HlsJs, watch::Player::Native, watch::Player::Embed}) {
        BOOST_TEST(names.count(std::string(watch::player_info(p).template_name)) == 1u,
                   std::string(watch::player_info(p).template_name));
    }
}

// ---- includes -------------------------------------------------------------------------

namespace {
watch::Template::Loader files(std::map<std::string, std::string> f) {
    return [f](const std::string& name) {
        auto it = f.find(name);
        if (it == f.end()) throw watch::TemplateError(name + ": no such template");
        return it->second;
    };
}
std::string include_error(const std::string& src, const watch::Template::Loader& load) {
    try {
        testing::compile_known("page.html", src, kKnown, load);
    } catch (const watch::TemplateError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(an_include_is_escaped_for_the_context_it_lands_in) {
    auto load = files({{"_link.html", "<a href=\"{{url}}\">{{x}}</a>"}});
    watch::Template t = testing::compile_known("page.html", "<p>{{> _link.html}}</p>", kKnown, load);
    BOOST_TEST(testing::render_known(t, kKnown, {{"url", "javascript:alert(1)"}, {"x", "<b>"}}) ==
               "<p><a href=\"about:invalid#blocked\">&lt;b&gt;</a></p>");
    // The same partial inside a script would land in another context: refused there.
    auto bad = files({{"_attr.html", "title=\"t\"\n  onclick=\"{{x}}\""}});
    BOOST_TEST(
        contains(include_error("<p>\n<b {{> _attr.html}}>t</b></p>", bad), "_attr.html:2 (included in page.html)"));
}

BOOST_AUTO_TEST_CASE(no_value_can_become_a_tag_name_across_a_block) {
    // Found by fuzz_template: the '<' and the value with a block between them.
    BOOST_TEST(contains(compile_error("<p>{{#x}}<{{/x}}{{y}}>t</p>"), "block marker right after '<'"));
    BOOST_TEST(contains(compile_error("<p><{{! note }}{{y}}>t</p>"), "a placeholder as a tag name"));
    BOOST_TEST(!compile_error("<p></{{y}}>t</p>").empty());  // "</" + not a letter: a bogus comment
    BOOST_TEST(contains(compile_error("<p></a{{y}}>t</p>"), "inside a tag"));
    BOOST_TEST(compile_error("<p>a < {{y}}</p>").empty());  // text after a lone '<' is text
}

BOOST_AUTO_TEST_CASE(the_tokenizer_reads_markup_as_browsers_do) {
    // Each found by fuzz_template: a reading where the compiler saw text or script and a
    // browser a tag (or the reverse) would let a value out of its escaping.
    BOOST_TEST(!compile_error("<p>x</ <script>\n<b{{title}}></b>\n</script>").empty());  // "</ " starts a bogus comment
    BOOST_TEST(!compile_error("</<script><v{{title}}</script>").empty());
    BOOST_TEST(!compile_error("<?x <script>?>\n<i {{title}}>\n</script>").empty());  // "<?" too
    BOOST_TEST(!compile_error("<p.= t='>'{{title}}</p>").empty());                   // the tag name is "p.="
    // "</scripts>" does not end a script: the value is still a JSON string literal.
    BOOST_TEST(render("<script></scripts>{{x}}</script>", {{"x", "a"}}) == "<script></scripts>\"a\"</script>");
    BOOST_TEST(contains(compile_error("<script><!-- <script></script> {{x}}</script>"), "<!--"));
    // "--!>" ends a comment: what follows is a script here.
    BOOST_TEST(render("<!-- a --!><script>-->{{x}}</script>", {{"x", "a"}}) == "<!-- a --!><script>-->\"a\"</script>");
    // What stays fine: a doctype, an empty comment, text after a closed comment.
    BOOST_TEST(compile_error("<!DOCTYPE html><!----><p>{{x}}</p><!-- c --!><p>{{y}}</p>").empty());
}

BOOST_AUTO_TEST_CASE(include_errors_name_the_file_and_line) {
    auto load = files({{"_a.html", "<p>ok</p>\n<p>{{nope}}</p>"}, {"_loop.html", "{{> _loop.html}}"}});
    BOOST_TEST(
        contains(include_error("one\n{{> _a.html}}", load), "_a.html:2 (included in page.html): unknown placeholder"));
    BOOST_TEST(contains(include_error("x\n{{> _missing.html}}", load), "page.html:2: cannot include _missing.html"));
    BOOST_TEST(contains(include_error("{{> _loop.html}}", load), "cannot include _loop.html"));
    BOOST_TEST(contains(include_error("{{> ../etc/passwd}}", load), "cannot include ../etc/passwd"));
    BOOST_TEST(contains(include_error("{{> _a.html}}", nullptr), "cannot include _a.html"));
    // Lines after an include still count in the including file.
    BOOST_TEST(contains(include_error("{{> _a.html}}\n\n<b onclick=\"{{x}}\">", files({{"_a.html", "<p>\n</p>\n"}})),
                        "page.html:3:"));
}

// ---- lists ------------------------------------------------------------------------------

namespace {
// "tracks" with fields src, lang and on (the fields come in this order in the names).
const std::vector<std::string> kListNames = {"title", "tracks", "tracks.src", "tracks.lang", "tracks.on"};

std::string render_rows(const std::string& src, const std::vector<std::string_view>& cells) {
    watch::Template t = watch::Template::compile("t.html", src, kListNames);
    std::string_view values[5] = {"T"};
    watch::Template::Rows lists[5];
    lists[1] = {cells.data(), cells.size() / 3};
    return t.render(values, 5, lists);
}

std::string list_error(const std::string& src) {
    try {
        watch::Template::compile("t.html", src, kListNames);
    } catch (const watch::TemplateError& e) {
        return e.what();
    }
    return "";
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_list_renders_each_row_escaped_for_where_it_stands) {
    const std::string src =
        "<video>{{*tracks}}<track src=\"{{.src}}\" srclang=\"{{.lang}}\"{{#.on}} "
        "default=\"\"{{/.on}}>{{/tracks}}</video>";
    BOOST_TEST(render_rows(src, {}) == "<video></video>");
    BOOST_TEST(render_rows(src, {"/en.vtt", "en", "1", "javascript:alert(1)", "\"><script>", ""}) ==
               "<video><track src=\"/en.vtt\" srclang=\"en\" default=\"\">"
               "<track src=\"about:invalid#blocked\" srclang=\"&quot;&gt;&lt;script&gt;\"></video>");
}

BOOST_AUTO_TEST_CASE(lists_are_refused_where_they_would_be_unsafe_or_meaningless) {
    BOOST_TEST(contains(list_error("<p>{{.src}}</p>"), "outside a {{*list}}"));
    BOOST_TEST(contains(list_error("{{*tracks}}{{*tracks}}{{/tracks}}{{/tracks}}"), "inside another list"));
    BOOST_TEST(contains(list_error("{{*title}}x{{/title}}"), "not a list"));
    BOOST_TEST(contains(list_error("<p>{{*tracks}}<b {{/tracks}}></p>"), "ends in another HTML context"));
    BOOST_TEST(contains(list_error("{{*tracks}}{{.nope}}{{/tracks}}"), "unknown placeholder {{tracks.nope}}"));
    BOOST_TEST(list_error("<p>{{*tracks}}<i>{{.lang}}</i>{{/tracks}}</p>") == "");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
