// Just enough URL handling for api.video's asset URLs: split, origin, the loopback rule,
// and adding a query parameter in the right place.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace watch {

struct Url {
    std::string scheme;  // lower case: "https"
    std::string host;    // lower case, IPv6 without brackets
    std::string port;    // as written, may be empty
    std::string rest;    // path, query and fragment, starting with '/', '?' or '#', or empty
};

// Parses an absolute http(s) URL. Userinfo ("user@host") is refused: it has no place in
// api.video's URLs and is a classic way to disguise a host.
std::optional<Url> parse_url(std::string_view s);

// "https://vod.api.video" or "http://127.0.0.1:8081": what a Content-Security-Policy names.
std::string origin_of(const Url& u);

// 127.0.0.0/8, ::1 and localhost.
bool is_loopback_host(std::string_view host);

// The one rule for every URL the handler calls or puts in a page: https, or plain http to
// a loopback host (the tests' stand-in). Anything else is refused.
bool is_allowed_upstream_url(std::string_view s);

// Appends name=value (value percent-encoded) to the query, with '?' or '&' as the URL
// needs, before any fragment.
std::string add_query_param(std::string_view url, std::string_view name, std::string_view value);

}  // namespace watch
