// The request as the core sees it (no FastCGI or CGI types), and the validation of its
// inputs, done before anything reaches the network.
#pragma once
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/players.h"

namespace watch {

// What the handler reads of a CGI/FastCGI request. Filled by request_from_params().
struct Request {
    std::string method;       // REQUEST_METHOD
    std::string query;        // QUERY_STRING, raw
    std::string accept;       // HTTP_ACCEPT
    std::string cookie;       // HTTP_COOKIE
    std::string path;         // the path the visitor asked for (REQUEST_URI before '?'): cookies are scoped to it
    long long now = 0;        // the time of the request, Unix seconds (an input, so tests can set it)
    bool server_busy = false;  // the driver has as many pages in flight as it may take: no upstream call
    // The variables every CGI/FastCGI request carries (RFC 3875 requires REQUEST_METHOD and
    // QUERY_STRING, even empty) that the server did not send, e.g. "REQUEST_METHOD QUERY_STRING":
    // a location without `include fastcgi_params;`. "" for a complete request.
    std::string missing;
};

// Builds a Request from CGI-style parameters (getenv, or FCGX_GetParam).
Request request_from_params(const std::function<const char*(const char*)>& param);

// The longest query string the handler reads; longer is a bad request.
inline constexpr size_t kMaxQueryLength = 4096;

struct QueryParam {
    std::string name;
    std::string value;
};

// Splits and decodes a query string. Returns false on a malformed escape, an empty
// name, a NUL byte, invalid UTF-8 or more than kMaxQueryLength bytes.
bool parse_query(std::string_view query, std::vector<QueryParam>& out);

// api.video's id format: "vi" then 21 or 22 of [0-9A-Za-z].
bool is_valid_video_id(std::string_view id);

// The validated input of /watch.
struct WatchParams {
    std::string video_id;
    std::string exp, sig;  // a signed link's expiry and signature, as given (checked by links.h)
    Player player = Player::VideoJs;
    bool player_given = false;  // ?player= chose it (else the site's WATCH_PLAYER applies)
    std::string turn;           // a waiting visitor's ticket, as given (checked by budget.h)
};

// `query` with each of `set`'s names removed and then added with its value (percent-
// encoded): the URL a waiting page asks again with.
std::string query_with(std::string_view query, const std::vector<QueryParam>& set);

// The value of cookie `name` in a Cookie header ("a=1; name=…; b=2"), "" when absent.
std::string cookie_value(std::string_view header, std::string_view name);

// The answer's form the query asks for ("json", "html", or "" for none), read leniently so
// that even a request that breaks the rules gets its error in the form it wants.
std::string requested_format(std::string_view query);

// Validates the /watch query. On failure returns false and says why in `why` (for the
// log: it names the rule, not the input).
bool parse_watch_params(std::string_view query, WatchParams& out, std::string& why);

}  // namespace watch
