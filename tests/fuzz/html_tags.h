// A second reading of HTML for the fuzz targets, independent of the template engine's: the
// start tags a browser's tokenizer finds (WHATWG HTML 13.2.5, simplified: no character
// references, no script double-escaping, no foreign content), each with its attribute
// names, in document order. Rendering a template with hostile values instead of harmless
// ones must not change it: a value that adds a tag or an attribute has escaped.
#pragma once
#include <cctype>
#include <string>
#include <string_view>

namespace fuzz {

inline std::string start_tags(std::string_view s) {
    constexpr size_t npos = std::string_view::npos;
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; };
    auto alpha = [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; };
    auto lower = [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); };
    auto skip_to_gt = [&](size_t from) {  // a bogus comment, a DOCTYPE, a CDATA section
        size_t e = s.find('>', from);
        return e == npos ? s.size() : e + 1;
    };
    std::string out;
    size_t i = 0;
    const size_t n = s.size();
    while (i < n) {
        if (s[i] != '<' || i + 1 >= n) {
            ++i;
            continue;
        }
        char c = s[i + 1];
        if (c == '!') {
            if (s.compare(i + 2, 2, "--") != 0) {
                i = skip_to_gt(i + 2);
                continue;
            }
            size_t j = i + 4;  // "<!-->" and "<!--->" end at once, else "-->" or "--!>"
            if (j < n && s[j] == '>') {
                i = j + 1;
            } else if (s.compare(j, 2, "->") == 0) {
                i = j + 2;
            } else {
                size_t a = s.find("-->", j), b = s.find("--!>", j);
                size_t e = a == npos ? (b == npos ? npos : b + 4) : (b == npos || a < b ? a + 3 : b + 4);
                i = e == npos ? n : e;
            }
            continue;
        }
        if (c == '?') {
            i = skip_to_gt(i + 2);
            continue;
        }
        const bool end = c == '/';
        size_t j = i + 1 + (end ? 1 : 0);
        if (j >= n) break;
        if (!alpha(s[j])) {
            if (end) {
                i = s[j] == '>' ? j + 1 : skip_to_gt(j);  // "</>" is dropped, "</3" a bogus comment
            } else {
                ++i;  // a '<' that is text
            }
            continue;
        }
        std::string name;
        while (j < n && !space(s[j]) && s[j] != '/' && s[j] != '>') name += lower(s[j++]);
        std::string attrs;
        while (j < n && s[j] != '>') {
            if (space(s[j]) || s[j] == '/') {
                ++j;
                continue;
            }
            std::string a(1, lower(s[j++]));  // a first '=' belongs to the name
            while (j < n && !space(s[j]) && s[j] != '/' && s[j] != '>' && s[j] != '=') a += lower(s[j++]);
            while (j < n && space(s[j])) ++j;
            if (j < n && s[j] == '=') {
                ++j;
                while (j < n && space(s[j])) ++j;
                if (j < n && (s[j] == '"' || s[j] == '\'')) {
                    size_t e = s.find(s[j], j + 1);
                    j = e == npos ? n : e + 1;
                } else {
                    while (j < n && !space(s[j]) && s[j] != '>') ++j;
                }
            }
            attrs += (attrs.empty() ? "" : ",") + a;
        }
        i = j < n ? j + 1 : n;
        if (end) continue;
        out += name + "[" + attrs + "] ";
        if (name == "plaintext") break;
        // Raw text and RCDATA: no tag inside until the element's own end tag.
        static const char* const kRaw[] = {"script",   "style",    "xmp",   "iframe",  "noembed",
                                           "noframes", "noscript", "title", "textarea"};
        for (const char* r : kRaw) {
            if (name != r) continue;
            const std::string close = "</" + name;
            size_t k = i;
            for (; k + close.size() <= n; ++k) {
                bool match = true;
                for (size_t m = 0; m < close.size() && match; ++m) match = lower(s[k + m]) == close[m];
                if (!match) continue;
                size_t after = k + close.size();
                if (after >= n || space(s[after]) || s[after] == '/' || s[after] == '>') break;
            }
            i = k + close.size() <= n ? k : n;
            break;
        }
    }
    return out;
}

}  // namespace fuzz
