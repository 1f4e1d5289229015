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

// The characters from `i` up to the next of `stops`, which include '{' (it may begin a
// placeholder the compiler must see): plain text in the current state.
size_t plain(std::string_view s, size_t i, std::string_view stops) {
    return std::min(s.find_first_of(stops, i + 1), s.size()) - i;
}

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }
bool is_letter(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

// A '<' in text, as HTML's tokenizer reads it (WHATWG "tag open" and the states it leads
// to): a comment, a bogus comment, a start or end tag, or text after all.
size_t tag_open(HtmlState& st, std::string_view s, size_t i) {
    if (i + 1 >= s.size()) return 1;
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
        if (!is_letter(s[j])) {
            st.mode = Mode::BogusComment;
            return 2;
        }
    } else if (!is_letter(next)) {
        return 1;  // a '<' that starts nothing is text
    }
    // The tag name runs to whitespace, '/' or '>', whatever it holds ("p.=" too).
    std::string name;
    while (j < s.size() && !is_space(s[j]) && s[j] != '/' && s[j] != '>' && s.compare(j, 2, "{{") != 0) {
        name += ascii_lower(s[j++]);
    }
    st.tag = end_tag ? "/" + name : name;
    st.mode = Mode::Tag;
    return j - i;
}

// Inside a tag, between attributes: its end, an attribute's value, or the next name.
size_t in_tag(HtmlState& st, char c) {
    if (c == '>') {
        st.mode = (st.tag == "script" || st.tag == "style") ? Mode::RawText : Mode::Text;
        return 1;
    }
    if (c == '=' && st.mode == Mode::AfterAttrName) {
        st.mode = Mode::BeforeAttrValue;
        return 1;
    }
    if (is_space(c) || c == '/') return 1;
    st.mode = Mode::AttrName;
    st.attr.assign(1, ascii_lower(c));
    return 1;
}

size_t attribute_name(HtmlState& st, char c) {
    if (c == '=') {
        st.mode = Mode::BeforeAttrValue;
    } else if (is_space(c)) {
        st.mode = Mode::AfterAttrName;
    } else if (c == '>' || c == '/') {
        st.mode = Mode::Tag;
        return 0;  // let Tag handle it
    } else {
        st.attr += ascii_lower(c);
    }
    return 1;
}

size_t before_attribute_value(HtmlState& st, char c) {
    if (is_space(c)) return 1;
    if (c == '"' || c == '\'') {
        st.mode = Mode::AttrValue;
        st.quote = c;
        return 1;
    }
    st.mode = Mode::Unquoted;
    return 0;
}

// A '<' in <script> or <style>: only "</script" followed by whitespace, '/' or '>' ends
// it ("</scripts" does not); a "<!--" in a script begins HTML's escaped script states.
size_t raw_text_open(HtmlState& st, std::string_view s, size_t i) {
    size_t end = i + 2 + st.tag.size();
    if (i + 1 < s.size() && s[i + 1] == '/' && starts_with_ignoring_case(s.substr(i + 2), st.tag) && end < s.size() &&
        (is_space(s[end]) || s[end] == '/' || s[end] == '>')) {
        st.mode = Mode::Text;
        return 0;
    }
    if (st.tag == "script" && s.compare(i, 4, "<!--") == 0) {
        st.mode = Mode::Unsafe;
        return 4;
    }
    return 1;
}

size_t comment(HtmlState& st, std::string_view s, size_t i) {
    if (s[i] != '-') return plain(s, i, "-{");
    for (std::string_view end : {"-->", "--!>"}) {
        if (s.compare(i, end.size(), end) == 0) {
            st.mode = Mode::Text;
            return end.size();
        }
    }
    return 1;
}

// Advances the HTML state over source[i]; returns how many characters were consumed.
size_t step(HtmlState& st, std::string_view s, size_t i) {
    char c = s[i];
    switch (st.mode) {
        case Mode::Text: return c == '<' ? tag_open(st, s, i) : plain(s, i, "<{");
        case Mode::Tag:
        case Mode::AfterAttrName: return in_tag(st, c);
        case Mode::AttrName: return attribute_name(st, c);
        case Mode::BeforeAttrValue: return before_attribute_value(st, c);
        case Mode::AttrValue:
            if (c != st.quote) return plain(s, i, st.quote == '"' ? "\"{" : "'{");
            st.mode = Mode::Tag;
            st.quote = 0;
            return 1;
        case Mode::Unquoted:
            if (!is_space(c) && c != '>') return 1;
            st.mode = Mode::Tag;
            return 0;
        case Mode::RawText: return c == '<' ? raw_text_open(st, s, i) : plain(s, i, "<{");
        case Mode::Comment: return comment(st, s, i);
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

// One compilation: the template's text (includes spliced in), where HTML's tokenizer is
// in it, the blocks open, and the nodes made so far.
struct Template::Compiler {
    Compiler(std::string_view name, std::string_view source, const std::vector<std::pair<std::string, int>>& origin,
             const std::vector<std::string>& names)
        : name_(name), src_(source), origin_(origin), names_(names) {
        t_.names_ = names;
    }

    Template run() {
        size_t i = 0;
        while (i < src_.size()) {
            if (src_.compare(i, 2, "{{") != 0) {
                i += text(i);
                continue;
            }
            size_t end = src_.find("}}", i + 2);
            if (end == std::string_view::npos) fail("unclosed {{");
            std::string_view inner = src_.substr(i + 2, end - i - 2);
            i = end + 2;
            line_ += static_cast<int>(std::count(inner.begin(), inner.end(), '\n'));
            if (!inner.empty() && inner[0] == '!') continue;  // a comment
            place(read(inner));
        }
        if (!open_.empty()) fail("{{#" + open_.back().name + "}} is never closed");
        if (st_.mode != Mode::Text) fail("the template ends inside a tag, comment or script");
        flush();
        return std::move(t_);
    }

   private:
    // What a placeholder says: {{#.src}} in the list "captions" is sigil '#', key
    // "captions.src", a field. A value has sigil 0.
    struct Placeholder {
        char sigil = 0;
        std::string key;
        bool field = false;
    };
    struct Open {
        std::string name;
        size_t node;
        HtmlState state;
    };

    // Template text from `i`, as far as the tokenizer takes it in one step: it becomes
    // literal output. Returns how much it took (0: the tokenizer changed state only).
    size_t text(size_t i) {
        size_t n = step(st_, src_, i);
        for (size_t k = 0; k < n; ++k) {
            char c = src_[i + k];
            if (c == '\n') ++line_;
            // The last two characters of template text, whatever blocks lie between.
            emitted_[0] = emitted_[1];
            emitted_[1] = c;
        }
        literal_.append(src_.data() + i, n);
        return n;
    }

    Placeholder read(std::string_view inner) {
        Placeholder p;
        const char first = inner.empty() ? 0 : inner[0];
        if (first == '#' || first == '^' || first == '/' || first == '*') p.sigil = first;
        p.key = std::string(p.sigil ? inner.substr(1) : inner);
        p.key.erase(0, p.key.find_first_not_of(' '));
        p.key.erase(p.key.find_last_not_of(' ') + 1);
        if (p.key.empty()) fail("empty placeholder");
        // A field names the list it is in.
        p.field = p.key[0] == '.';
        if (p.field) {
            if (list_.empty()) fail("{{" + p.key + "}} outside a {{*list}}");
            p.key = list_ + p.key;
        }
        return p;
    }

    // Where the placeholder may stand, and what node it makes.
    void place(const Placeholder& p) {
        // "<{{x}}>", and "<{{/a}}{{x}}>" where a block ends between: the tokenizer has not
        // seen a tag name yet, but a value here (now or after the block) would become one,
        // which is "inside a tag" as much as anything is.
        if (st_.mode == Mode::Text && (emitted_[1] == '<' || (emitted_[0] == '<' && emitted_[1] == '/'))) {
            fail(p.sigil ? "a block marker right after '<'" : "a placeholder as a tag name");
        }
        auto known = std::find(names_.begin(), names_.end(), p.key);
        if (known == names_.end()) fail("unknown placeholder {{" + p.key + "}}");
        flush();
        Node node{Node::Kind::Value, "", Context::Text,
                  p.field ? cell_of(p.key) : static_cast<size_t>(known - names_.begin())};
        node.cell = p.field;
        switch (p.sigil) {
            case '*': return open_list(node, p.key);
            case '#':
            case '^':
                node.kind = p.sigil == '#' ? Node::Kind::Open : Node::Kind::OpenInverted;
                return open(node, p.key);
            case '/': return close(node, p.key);
            default: return value(node);
        }
    }

    void open_list(Node node, const std::string& key) {
        if (!list_.empty()) fail("{{*" + key + "}} inside another list");
        node.fields = fields_of(key);
        if (node.fields == 0) fail("{{*" + key + "}}: not a list (it has no fields)");
        list_ = key;
        node.kind = Node::Kind::Each;
        open(node, key);
    }

    void open(const Node& node, const std::string& key) {
        open_.push_back({key, t_.nodes_.size(), st_});
        t_.nodes_.push_back(node);
    }

    // A block begins and ends in the same HTML context, so its text is well placed
    // whether it is shown or not, once or for every row.
    void close(Node node, const std::string& key) {
        if (open_.empty() || open_.back().name != key) fail("{{/" + key + "}} closes nothing open");
        if (!(open_.back().state == st_)) fail("the block {{" + key + "}} ends in another HTML context than it began");
        if (key == list_) list_.clear();
        t_.nodes_[open_.back().node].close = t_.nodes_.size();
        node.kind = Node::Kind::Close;
        t_.nodes_.push_back(node);
        open_.pop_back();
    }

    void value(Node node) {
        std::string why;
        if (!context_for(st_, node.context, why)) fail(why);
        t_.nodes_.push_back(node);
    }

    // A field's place among its list's fields: its rank among the names "list.…".
    size_t cell_of(const std::string& qualified) const {
        size_t rank = 0;
        for (const std::string& n : names_) {
            if (n == qualified) return rank;
            if (n.rfind(list_ + ".", 0) == 0) ++rank;
        }
        return rank;
    }

    size_t fields_of(const std::string& list) const {
        return static_cast<size_t>(std::count_if(names_.begin(), names_.end(),
                                                 [&](const std::string& n) { return n.rfind(list + ".", 0) == 0; }));
    }

    void flush() {
        t_.literal_bytes_ += literal_.size();
        if (!literal_.empty()) t_.nodes_.push_back({Node::Kind::Literal, std::move(literal_)});
        literal_.clear();
    }

    // "file:line: why", naming the included file where the line came from one.
    [[noreturn]] void fail(const std::string& why) const {
        size_t at = std::min(static_cast<size_t>(line_), origin_.size());
        std::string where =
            at ? origin_[at - 1].first + ":" + std::to_string(origin_[at - 1].second) : std::string(name_) + ":1";
        if (at && origin_[at - 1].first != name_) where += " (included in " + std::string(name_) + ")";
        throw TemplateError(where + ": " + why);
    }

    const std::string_view name_;
    const std::string_view src_;
    const std::vector<std::pair<std::string, int>>& origin_;  // each line's file and line
    const std::vector<std::string>& names_;
    Template t_;
    HtmlState st_;
    std::vector<Open> open_;
    std::string list_;     // the list whose rows the text is in, "" for none
    std::string literal_;  // text not yet made a node
    int line_ = 1;
    char emitted_[2] = {0, 0};
};

Template Template::compile(std::string_view name, std::string_view source, const std::vector<std::string>& names,
                           const Loader& load) {
    std::string expanded;
    std::vector<std::pair<std::string, int>> origin;
    expand(std::string(name), source, load, 0, expanded, origin);
    return Compiler(name, expanded, origin, names).run();
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
