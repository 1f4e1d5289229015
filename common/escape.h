// Escaping primitives, one per output context. Everything that reaches a page goes
// through one of these (the template engine picks which); nothing is inserted raw.
#pragma once
#include <string>
#include <string_view>

namespace watch {

// Text between tags, and quoted attribute values: & < > " ' become entities.
std::string escape_html(std::string_view s);

// A value inside a <script> block: a JSON string literal (quotes included) that cannot
// close the script element or start a comment (< > & and U+2028/2029 as \u escapes).
std::string escape_js_string(std::string_view s);

// A URL query component: everything outside RFC 3986 "unreserved" is %XX-encoded.
std::string percent_encode(std::string_view s);

// Decodes %XX and '+' (as a space) in a query component. Returns false on a malformed
// escape (a '%' not followed by two hex digits), leaving `out` unspecified.
bool percent_decode(std::string_view s, std::string& out);

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view s);

}  // namespace watch
