// The template compiler: a single pass that tracks just enough of HTML's tokenizer
// (text, tags, quoted attributes, <script>/<style> raw text, comments) to know the
// context of each placeholder. See templates.h for the syntax.
#include "common/templates.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include "common/escape.h"
#include "common/text.h"

namespace watch {

namespace {

// Where the tokenizer is. BogusComment: what HTML turns "<!x", "<?x" and "</ x" into
// (text up to the next '>'). Unsafe: a "<!--" inside <script>, where HTML's escaped and
// double-escaped script states begin; it is never left, so such a template is refused.
enum class Mode {
    Text,
    Tag,
    AttrName,
    AfterAttrName,
    BeforeAttrValue,
    AttrValue,
    Unquoted,
    RawText,
    Comment,
    BogusComment,
    Unsafe
};

struct HtmlState {
    Mode mode = Mode::Text;
    std::string tag;   // current or last start tag, lower case
    std::string attr;  // current attribute name, lower case
    char quote = 0;    // in AttrValue: '"' or '\''
    // Two states are the same context when they escape alike: the last tag's name only
    // matters inside its raw text, the attribute's name only inside its value.
    bool operator==(const HtmlState& o) const {
        if (mode != o.mode) return false;
        if (mode == Mode::RawText) return tag == o.tag;
        if (mode == Mode::AttrValue) return attr == o.attr && quote == o.quote;
        return true;
    }
};

// HTML's URL attributes, and by this engine's convention any attribute ending in "-url"
// (data-hls-url="…"), so URLs handed to scripts get the same scheme check.
bool is_url_attribute(const std::string& a) {
    static const char* const names[] = {"href", "src",  "poster",     "action",     "formaction",
                                        "cite", "data", "background", "xlink:href", "ping"};
    if (a.size() > 4 && a.compare(a.size() - 4, 4, "-url") == 0) return true;
    return std::any_of(std::begin(names), std::end(names), [&](const char* n) { return a == n; });
}

// Advances the HTML state over source[i]; returns how many characters were consumed.
// The characters from `i` up to the next of `stops`, which include '{' (it may begin a
// placeholder the compiler must see): plain text in the current state.
size_t plain(std::string_view s, size_t i, std::string_view stops) {
    return std::min(s.find_first_of(stops, i + 1), s.size()) - i;
}

size_t step(HtmlState& st, std::string_view s, size_t i) {
    char c = s[i];
    switch (st.mode) {
        case Mode::Text: {
            if (c != '<') return plain(s, i, "<{");
            if (i + 1 >= s.size()) return 1;
            // As HTML's tokenizer reads it (WHATWG "tag open" and the states it leads to).
            if (s.compare(i, 4, "<!--") == 0) {
                // "<!-->" and "<!--->" are whole (empty) comments.
                if (s.compare(i, 5, "<!-->") == 0) return 5;
                if (s.compare(i, 6, "<!--->") == 0) return 6;
                st.mode = Mode::Comment;
                return 4;
            }
            char next = s[i + 1];
            if (next == '!' || next == '?') {
                st.mode = Mode::BogusComment;
                return 2;
            }
            size_t j = i + 1;
            bool end_tag = next == '/';
            if (end_tag) {
                ++j;
                if (j >= s.size()) return 1;
                if (s[j] == '>') return 3;  // "</>" is dropped
                if (!std::isalpha(static_cast<unsigned char>(s[j]))) {
                    st.mode = Mode::BogusComment;
                    return 2;
                }
            } else if (!std::isalpha(static_cast<unsigned char>(next))) {
                return 1;  // a '<' that starts nothing is text
            }
            // The tag name runs to whitespace, '/' or '>', whatever it holds ("p.=" too).
            std::string name;
            while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '/' && s[j] != '>' &&
                   s.compare(j, 2, "{{") != 0) {
                name += ascii_lower(s[j++]);
            }
            st.tag = end_tag ? "/" + name : name;
            st.mode = Mode::Tag;
            return j - i;
        }
        case Mode::Tag:
        case Mode::AfterAttrName:
            if (c == '>') {
                st.mode = (st.tag == "script" || st.tag == "style") ? Mode::RawText : Mode::Text;
                return 1;
            }
            if (c == '=' && st.mode == Mode::AfterAttrName) {
                st.mode = Mode::BeforeAttrValue;
                return 1;
            }
            if (std::isspace(static_cast<unsigned char>(c)) || c == '/') return 1;
            st.mode = Mode::AttrName;
            st.attr.assign(1, ascii_lower(c));
            return 1;
        case Mode::AttrName:
            if (c == '=') {
                st.mode = Mode::BeforeAttrValue;
            } else if (std::isspace(static_cast<unsigned char>(c))) {
                st.mode = Mode::AfterAttrName;
            } else if (c == '>' || c == '/') {
                st.mode = Mode::Tag;
                return 0;  // let Tag handle it
            } else {
                st.attr += ascii_lower(c);
            }
            return 1;
        case Mode::BeforeAttrValue:
            if (std::isspace(static_cast<unsigned char>(c))) return 1;
            if (c == '"' || c == '\'') {
                st.mode = Mode::AttrValue;
                st.quote = c;
                return 1;
            }
            st.mode = Mode::Unquoted;
            return 0;
        case Mode::AttrValue:
            if (c != st.quote) return plain(s, i, st.quote == '"' ? "\"{" : "'{");
            st.mode = Mode::Tag;
            st.quote = 0;
            return 1;
        case Mode::Unquoted:
            if (std::isspace(static_cast<unsigned char>(c)) || c == '>') {
                st.mode = Mode::Tag;
                return 0;
            }
            return 1;
        case Mode::RawText: {
            if (c != '<') return plain(s, i, "<{");
            // Only "</script" followed by whitespace, '/' or '>' ends it ("</scripts" does not).
            size_t end = i + 2 + st.tag.size();
            if (i + 1 < s.size() && s[i + 1] == '/' && starts_with_ignoring_case(s.substr(i + 2), st.tag) &&
                end < s.size() &&
                (std::isspace(static_cast<unsigned char>(s[end])) || s[end] == '/' || s[end] == '>')) {
                st.mode = Mode::Text;
                return 0;
            }
            if (st.tag == "script" && s.compare(i, 4, "<!--") == 0) {
                st.mode = Mode::Unsafe;
                return 4;
            }
            return 1;
        }
        case Mode::Comment:
            if (c != '-') return plain(s, i, "-{");
            if (s.compare(i, 3, "-->") == 0) {
                st.mode = Mode::Text;
                return 3;
            }
            if (s.compare(i, 4, "--!>") == 0) {
                st.mode = Mode::Text;
                return 4;
            }
            return 1;
        case Mode::BogusComment:
            if (c != '>') return plain(s, i, ">{");
            st.mode = Mode::Text;
            return 1;
        case Mode::Unsafe: return plain(s, i, "{");
    }
    return 1;
}

// The context a value placeholder gets in this state, or nullptr with `why` set.
bool context_for(const HtmlState& st, Template::Context& ctx, std::string& why) {
    switch (st.mode) {
        case Mode::Text: ctx = Template::Context::Text; return true;
        case Mode::AttrValue:
            // Script, style, and attributes that hold a whole document or several URLs.
            if (st.attr.rfind("on", 0) == 0 || st.attr == "style" || st.attr == "srcset" || st.attr == "srcdoc") {
                why = "a placeholder in the " + st.attr + "= attribute";
                return false;
            }
            ctx = is_url_attribute(st.attr) ? Template::Context::Url : Template::Context::Text;
            return true;
        case Mode::RawText:
            if (st.tag == "script") {
                ctx = Template::Context::Script;
                return true;
            }
            why = "a placeholder inside <" + st.tag + ">";
            return false;
        case Mode::Comment:
        case Mode::BogusComment: why = "a placeholder inside an HTML comment"; return false;
        case Mode::Unsafe: why = "a placeholder after \"<!--\" inside <script>"; return false;
        case Mode::Unquoted: why = "a placeholder in an unquoted attribute value"; return false;
        default: why = "a placeholder inside a tag, outside a quoted attribute value"; return false;
    }
}

// http(s), or a relative reference: anything with another scheme (javascript:, data:)
// is replaced, as it could run script or smuggle content.
bool safe_url(std::string_view v) {
    size_t colon = v.find(':');
    size_t first_delim = v.find_first_of("/?#");
    if (colon == std::string_view::npos || (first_delim != std::string_view::npos && first_delim < colon)) return true;
    std::string scheme;
    for (char c : v.substr(0, colon)) scheme += ascii_lower(c);
    return scheme == "http" || scheme == "https";
}

// Splices {{> file}} includes into `src`, recording where each output line came from.
void expand(const std::string& file, std::string_view src, const Template::Loader& load, int depth, std::string& out,
            std::vector<std::pair<std::string, int>>& origin) {
    int line = 1;
    size_t i = 0;
    while (i < src.size()) {
        if (src.compare(i, 3, "{{>") == 0) {
            size_t end = src.find("}}", i);
            if (end == std::string_view::npos) throw TemplateError(file + ":" + std::to_string(line) + ": unclosed {{");
            std::string inner(src.substr(i + 3, end - i - 3));
            inner.erase(0, inner.find_first_not_of(' '));
            inner.erase(inner.find_last_not_of(' ') + 1);
            if (!load || depth >= 4 || inner.empty() || inner.find('/') != std::string::npos) {
                throw TemplateError(file + ":" + std::to_string(line) + ": cannot include " + inner);
            }
            std::string included;
            try {
                included = load(inner);
            } catch (const TemplateError& e) {
                throw TemplateError(file + ":" + std::to_string(line) + ": cannot include " + inner + " (" + e.what() +
                                    ")");
            }
            expand(inner, included, load, depth + 1, out, origin);
            i = end + 2;
            continue;
        }
        // Up to the next include, a line at a time: each output line remembers its origin.
        size_t stop = std::min(src.find("{{>", i), src.size());
        while (i < stop) {
            if (origin.empty() || out.empty() || out.back() == '\n') origin.emplace_back(file, line);
            size_t eol = src.find('\n', i);
            size_t end = eol == std::string_view::npos || eol >= stop ? stop : eol + 1;
            out.append(src.substr(i, end - i));
            if (end == eol + 1) ++line;
            i = end;
        }
    }
}

}  // namespace

Template Template::compile(std::string_view name, std::string_view original, const std::vector<std::string>& names,
                           const Loader& load) {
    std::string expanded;
    std::vector<std::pair<std::string, int>> origin;
    expand(std::string(name), original, load, 0, expanded, origin);
    std::string_view src = expanded;
    Template t;
    t.names_ = names;
    HtmlState st;
    struct Open {
        std::string name;
        size_t node;
        HtmlState state;
    };
    std::vector<Open> open;
    std::string list;  // the list whose rows the text is in, "" for none
    // A field's place among its list's fields: its rank among the names "list.…".
    auto cell_of = [&](const std::string& qualified) {
        size_t rank = 0;
        for (const std::string& n : names) {
            if (n == qualified) return rank;
            if (n.rfind(list + ".", 0) == 0) ++rank;
        }
        return rank;
    };
    auto fields_of = [&](const std::string& l) {
        return static_cast<size_t>(
            std::count_if(names.begin(), names.end(), [&](const std::string& n) { return n.rfind(l + ".", 0) == 0; }));
    };
    std::string literal;
    int line = 1;
    auto fail = [&](const std::string& why) {
        size_t at = std::min(static_cast<size_t>(line), origin.size());
        std::string where =
            at ? origin[at - 1].first + ":" + std::to_string(origin[at - 1].second) : std::string(name) + ":1";
        if (at && origin[at - 1].first != name) where += " (included in " + std::string(name) + ")";
        throw TemplateError(where + ": " + why);
    };
    auto flush = [&] {
        t.literal_bytes_ += literal.size();
        if (!literal.empty()) t.nodes_.push_back({Node::Kind::Literal, std::move(literal)});
        literal.clear();
    };

    char emitted[2] = {0, 0};
    size_t i = 0;
    while (i < src.size()) {
        if (src[i] == '{' && i + 1 < src.size() && src[i + 1] == '{') {
            size_t end = src.find("}}", i + 2);
            if (end == std::string_view::npos) fail("unclosed {{");
            std::string_view inner = src.substr(i + 2, end - i - 2);
            i = end + 2;
            line += static_cast<int>(std::count(inner.begin(), inner.end(), '\n'));
            if (!inner.empty() && inner[0] == '!') continue;
            char sigil = inner.empty() ? 0 : inner[0];
            bool block = sigil == '#' || sigil == '^' || sigil == '/' || sigil == '*';
            std::string key(block ? inner.substr(1) : inner);
            key.erase(0, key.find_first_not_of(' '));
            key.erase(key.find_last_not_of(' ') + 1);
            if (key.empty()) fail("empty placeholder");
            // A field names the list it is in.
            const bool field = key[0] == '.';
            if (field) {
                if (list.empty()) fail("{{" + key + "}} outside a {{*list}}");
                key = list + key;
            }
            // "<{{x}}>", and "<{{/a}}{{x}}>" where a block ends between: the tokenizer has
            // not seen a tag name yet, but a value here (now or after the block) would
            // become one, which is "inside a tag" as much as anything is.
            if (st.mode == Mode::Text && (emitted[1] == '<' || (emitted[0] == '<' && emitted[1] == '/'))) {
                fail(block ? "a block marker right after '<'" : "a placeholder as a tag name");
            }
            auto known = std::find(names.begin(), names.end(), key);
            if (known == names.end()) fail("unknown placeholder {{" + key + "}}");
            const size_t slot = field ? cell_of(key) : static_cast<size_t>(known - names.begin());
            flush();
            Node node{Node::Kind::Value, "", Context::Text, slot};
            node.cell = field;
            if (sigil == '*') {
                if (!list.empty()) fail("{{*" + key + "}} inside another list");
                if (fields_of(key) == 0) fail("{{*" + key + "}}: not a list (it has no fields)");
                list = key;
                node.kind = Node::Kind::Each;
                node.fields = fields_of(key);
                open.push_back({key, t.nodes_.size(), st});
                t.nodes_.push_back(node);
            } else if (sigil == '#' || sigil == '^') {
                node.kind = sigil == '#' ? Node::Kind::Open : Node::Kind::OpenInverted;
                open.push_back({key, t.nodes_.size(), st});
                t.nodes_.push_back(node);
            } else if (sigil == '/') {
                if (open.empty() || open.back().name != key) fail("{{/" + key + "}} closes nothing open");
                if (!(open.back().state == st))
                    fail("the block {{" + key + "}} ends in another HTML context than it began");
                if (key == list) list.clear();
                t.nodes_[open.back().node].close = t.nodes_.size();
                node.kind = Node::Kind::Close;
                t.nodes_.push_back(node);
                open.pop_back();
            } else {
                std::string why;
                if (!context_for(st, node.context, why)) fail(why);
                t.nodes_.push_back(node);
            }
            continue;
        }
        size_t n = step(st, src, i);
        if (n == 0) continue;  // the state changed without consuming: re-read this char
        for (size_t k = 0; k < n; ++k) {
            char c = src[i + k];
            if (c == '\n') ++line;
            // The last two characters of template text, whatever blocks lie between.
            emitted[0] = emitted[1];
            emitted[1] = c;
        }
        literal.append(src.data() + i, n);
        i += n;
    }
    if (!open.empty()) fail("{{#" + open.back().name + "}} is never closed");
    if (st.mode != Mode::Text) fail("the template ends inside a tag, comment or script");
    flush();
    return t;
}

std::string Template::render(const std::string_view* values, size_t count, const Rows* lists) const {
    if (count != names_.size()) throw std::logic_error("Template::render: wrong number of values");
    std::string out;
    size_t value_bytes = 0;
    for (size_t i = 0; i < count; ++i) value_bytes += values[i].size();
    out.reserve(literal_bytes_ + value_bytes + value_bytes / 8);  // a little for escapes
    render_nodes(out, 0, nodes_.size(), values, lists, nullptr);
    return out;
}

void Template::render_nodes(std::string& out, size_t begin, size_t end, const std::string_view* values,
                            const Rows* lists, const std::string_view* row) const {
    for (size_t i = begin; i < end; ++i) {
        const Node& n = nodes_[i];
        const std::string_view v = n.cell ? row[n.slot] : values[n.slot];
        switch (n.kind) {
            case Node::Kind::Literal: out += n.text; break;
            case Node::Kind::Value:
                switch (n.context) {
                    case Context::Text: out += escape_html(v); break;
                    case Context::Url: out += escape_html(safe_url(v) ? v : "about:invalid#blocked"); break;
                    case Context::Script: out += escape_js_string(v); break;
                }
                break;
            case Node::Kind::Open:
                if (v.empty()) i = n.close;
                break;
            case Node::Kind::OpenInverted:
                if (!v.empty()) i = n.close;
                break;
            case Node::Kind::Each: {
                const Rows rows = lists ? lists[n.slot] : Rows{};
                for (size_t r = 0; r < rows.count; ++r) {
                    render_nodes(out, i + 1, n.close, values, lists, rows.cells + r * n.fields);
                }
                i = n.close;
                break;
            }
            case Node::Kind::Close: break;
        }
    }
}

}  // namespace watch
