// libFuzzer target: the template engine (common/templates.h) and the built-in pages
// (common/page.h). The input is compiled as a template; when it compiles it is rendered
// with hostile values, which may not add a single markup character the template did not
// have, and no tag or attribute. The same input, split into lines, becomes the title, id, asset URLs and session
// of the built-in watch page. Built by `make fuzz` (mk/fuzz.mk) only.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/config.h"
#include "common/page.h"
#include "common/site.h"
#include "common/templates.h"
#include "common/url.h"
#include "common/video.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/fuzz/html_tags.h"
#include "tests/support/template_values.h"

namespace {

const std::set<std::string> kKnown = {"title", "url", "a", "nonce"};

// Values a visitor or api.video could slip into a page. Each is tried in every
// placeholder at once; none may be empty (an empty value would skip a {{#block}}).
const std::vector<std::string> kHostile = {
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "' onmouseover='alert(1)",
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "script src=//evil.example/x.js",
    "a onmouseover=alert(1) b",  // no character HTML escaping changes
    "--><script>alert(1)</script><!--",
    "\xe2\x80\xa8\xe2\x80\xa9</SCRIPT ",
    "{{title}}{{#a}}x{{/a}}",
    "&lt;script&gt;",
};

// The markup characters in a piece of HTML, counted in one pass.
struct Markup {
    size_t lt = 0, gt = 0, apos = 0, quot = 0;
};

Markup markup(std::string_view s) {
    Markup m;
    for (char c : s) {
        m.lt += c == '<';
        m.gt += c == '>';
        m.apos += c == '\'';
        m.quot += c == '"';
    }
    return m;
}

bool has_script_block(std::string_view source) {
    return fuzz::start_tags(source).find("script[") != std::string::npos ||
           source.find("<script") != std::string_view::npos || source.find("<SCRIPT") != std::string_view::npos;
}

// What a value may never add to the output: a tag or an attribute (read by an HTML
// tokenizer of the harness's own), or a markup character. A double quote is checked only
// where no <script> block is (inside one, a JSON string literal brings its own quotes).
void same_markup(const std::string& source, const std::string& benign, const std::string& hostile,
                 const std::string& value) {
    const std::string what =
        "template " + fuzz::show(source) + " with value " + fuzz::show(value) + " gave " + fuzz::show(hostile);
    const std::string bt = fuzz::start_tags(benign), ht = fuzz::start_tags(hostile);
    FUZZ_CHECK(ht == bt, "tags " + fuzz::show(ht) + " instead of " + fuzz::show(bt) + " from " + what);
    Markup b = markup(benign), h = markup(hostile);
    FUZZ_CHECK(h.lt == b.lt && h.gt == b.gt && h.apos == b.apos, what);
    if (!has_script_block(source)) FUZZ_CHECK(h.quot == b.quot, what);
}

testing::TemplateValues all(const std::string& v) {
    testing::TemplateValues out;
    for (const auto& k : kKnown) out[k] = v;
    return out;
}

void fuzz_template(const std::string& source) {
    // Includes: the built-in partials by name, and one small part of its own.
    auto load = [](const std::string& name) -> std::string {
        if (name == "_part.html") return "<b>{{title}}</b>";
        for (const watch::BuiltinTemplate& b : watch::builtin_templates()) {
            if (name == b.name) return b.source;
        }
        throw watch::TemplateError(name + ": no such template");
    };
    watch::Template t;
    try {
        t = testing::compile_known("fuzz.html", source, kKnown, load);
    } catch (const watch::TemplateError& e) {
        // "name:line: why", the name being this template or the included one at fault.
        const std::string_view m = e.what();
        const size_t colon = m.find(':');
        FUZZ_CHECK(colon != std::string_view::npos && colon > 0 && colon + 1 < m.size() &&
                       std::isdigit(static_cast<unsigned char>(m[colon + 1])) &&
                       m.find(": ", colon + 1) != std::string_view::npos,
                   e.what());
        return;
    }
    testing::render_known(t, kKnown, {});  // every block skipped or taken the other way: no check but no crash
    const std::string benign = testing::render_known(t, kKnown, all("x"));
    std::vector<std::string> values = kHostile;
    // And the input itself as a value (its last bytes: a template is mostly markup).
    if (!source.empty()) values.push_back(source.substr(source.size() > 96 ? source.size() - 96 : 0));
    for (const std::string& v : values) same_markup(source, benign, testing::render_known(t, kKnown, all(v)), v);
}

std::vector<std::string> lines_of(std::string_view in, size_t n) {
    std::vector<std::string> out;
    while (!in.empty() && out.size() < n) {
        size_t nl = in.find('\n');
        out.emplace_back(in.substr(0, nl));
        in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    }
    out.resize(n);
    return out;
}

void check_headers(const watch::Response& r, const std::string& what) {
    for (const auto& h : r.headers) {
        for (const std::string* s : {&h.first, &h.second}) {
            FUZZ_CHECK(s->find_first_of(std::string("\r\n\0", 3)) == std::string::npos,
                       "header " + fuzz::show(h.first + ": " + h.second) + " from " + what);
        }
    }
}

const watch::Config& fuzz_config() {
    static const watch::Config config = [] {
        watch::Config c;
        std::string err;
        bool ok = watch::load_config(
            [](const char* name) -> const char* {
                if (std::string_view(name) == "APIVIDEO_API_KEY") return "fuzz-key";
                if (std::string_view(name) == "APIVIDEO_API_URL") return "http://127.0.0.1:9";
                return nullptr;
            },
            watch::read_file, c, err);
        FUZZ_CHECK(ok, err);
        return c;
    }();
    return config;
}

// The built-in pages of every player, with the input's lines as title, id, asset URLs
// and session: no value adds a script element or a markup character, and no header
// gets a line break.
void fuzz_pages(std::string_view input) {
    static const watch::Pages pages = watch::builtin_pages();
    const watch::Config& config = fuzz_config();

    std::vector<std::string> l = lines_of(input, 7);
    watch::WatchView hostile;
    hostile.title = l[0];
    hostile.id = l[1];
    hostile.assets.thumbnail = l[2];
    hostile.assets.hls = l[3];
    hostile.assets.mp4 = l[4];
    hostile.assets.player = l[5];
    hostile.session_token = l[6];
    // The same page with harmless values, present where the hostile ones are: its markup
    // depends only on which values are empty and whether the thumbnail is a URL the page
    // may name as its og:image, so it is worked out once per pattern.
    const bool image = watch::is_allowed_upstream_url(l[2]);
    unsigned present = image ? 1u << l.size() : 0u;
    for (size_t i = 0; i < l.size(); ++i) present |= l[i].empty() ? 0u : 1u << i;
    static std::map<std::pair<unsigned, int>, std::pair<Markup, std::string>> benign_markup;

    for (watch::Player player :
         {watch::Player::VideoJs, watch::Player::HlsJs, watch::Player::Native, watch::Player::Embed}) {
        auto key = std::make_pair(present, static_cast<int>(player));
        auto known = benign_markup.find(key);
        if (known == benign_markup.end()) {
            auto tame = [&](size_t i, const char* with) { return l[i].empty() ? std::string() : std::string(with); };
            watch::WatchView benign;
            benign.title = tame(0, "x");
            benign.id = tame(1, "x");
            benign.assets.thumbnail = tame(2, image ? "https://a.example/t.jpg" : "x");
            benign.assets.hls = tame(3, "https://a.example/m.m3u8");
            benign.assets.mp4 = tame(4, "https://a.example/s.mp4");
            benign.assets.player = tame(5, "https://a.example/embed");
            benign.session_token = tame(6, "x");
            const std::string body = pages.watch(benign, player, config).body;
            known = benign_markup.emplace(key, std::make_pair(markup(body), fuzz::start_tags(body))).first;
        }
        const Markup& bm = known->second.first;
        const std::string& btags = known->second.second;
        const std::string what = std::string(watch::player_info(player).name) + " page for " + fuzz::show(input);
        watch::Response h = pages.watch(hostile, player, config);
        FUZZ_CHECK(h.status == 200, what);
        check_headers(h, what);
        Markup hm = markup(h.body);
        FUZZ_CHECK(fuzz::start_tags(h.body) == btags && hm.lt == bm.lt && hm.gt == bm.gt,
                   what + " gave " + fuzz::show(h.body));
    }
    check_headers(pages.watch_json(hostile), "JSON response for " + fuzz::show(input));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    fuzz_template(input);
    fuzz_pages(input);
    return 0;
}
