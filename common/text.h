// Small text helpers every stage shares: ASCII case, trimming, times in ISO 8601.
#pragma once
#include <string>
#include <string_view>

namespace watch {

// ASCII only: the names compared here (HTTP headers, HTML tags, URL schemes) are ASCII.
char ascii_lower(char c);
std::string ascii_lower(std::string_view s);
bool equals_ignoring_case(std::string_view a, std::string_view b);
// `s` starts with `prefix` (given in lower case), ignoring the case of `s`.
bool starts_with_ignoring_case(std::string_view s, std::string_view lower_prefix);

// Without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view s);

// "2026-11-27T20:40:00Z" for Unix seconds.
std::string iso_time(long long unix_seconds);

}  // namespace watch
