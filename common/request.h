// The request as the core sees it (no FastCGI or CGI types), and the validation of its
// inputs, done before anything reaches the network.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/players.h"
#include "common/video.h"

namespace watch {

// The proxy headers WATCH_CLIENT_IP_HEADER may name, with the CGI variable each arrives
// in. A fixed list because the request is read before its site's settings are known.
struct ClientIpHeader {
    const char* name;
    const char* variable;
};
inline constexpr ClientIpHeader kClientIpHeaders[] = {
    {"X-Forwarded-For", "HTTP_X_FORWARDED_FOR"},
    {"X-Real-IP", "HTTP_X_REAL_IP"},
    {"CF-Connecting-IP", "HTTP_CF_CONNECTING_IP"},
    {"True-Client-IP", "HTTP_TRUE_CLIENT_IP"},
};

// What the handler reads of a CGI/FastCGI request. Filled by request_from_params().
struct Request {
    std::string method;  // REQUEST_METHOD
    std::string query;   // QUERY_STRING, raw
    std::string accept;  // HTTP_ACCEPT
    std::string cookie;  // HTTP_COOKIE
    // The path the visitor asked for, percent-encoded as sent (REQUEST_URI before '?', or
    // SCRIPT_NAME and PATH_INFO); "" when the server did not say or it looks unusual.
    // Cookies are scoped to it, and the waiting page asks again at it.
    std::string path;
    std::string remote_addr;  // REMOTE_ADDR: the address the web server saw the request come from
    std::map<std::string, std::string> proxy_headers;  // those of kClientIpHeaders sent, by name
    long long now = 0;          // the time of the request, Unix seconds (an input, so tests can set it)
    bool server_busy = false;   // the driver has as many pages in flight as it may take: no upstream call
    bool state_shared = false;  // the driver's store is shared (not this process's memory alone)
    bool state_outage = false;  // the driver has a store, and it is down: this process keeps its own meanwhile
    // The variables every CGI/FastCGI request carries (RFC 3875 requires REQUEST_METHOD and
    // QUERY_STRING, even empty) that the server did not send, e.g. "REQUEST_METHOD QUERY_STRING":
    // a location without `include fastcgi_params;`. "" for a complete request.
    std::string missing;
};

// Builds a Request from CGI-style parameters (getenv, or FCGX_GetParam).
Request request_from_params(const std::function<const char*(const char*)>& param);

// The client's address as given: REMOTE_ADDR when `header` (a site's
// WATCH_CLIENT_IP_HEADER) is empty, else the rightmost item of that header, the one the
// proxy in front appended ("" when the header is absent). Not checked to be an address.
std::string client_address(const Request& request, const std::string& header);

// The longest query string the handler reads; longer is a bad request.
inline constexpr size_t kMaxQueryLength = 4096;

struct QueryParam {
    std::string name;
    std::string value;
};

// Splits and decodes a query string. Returns false on a malformed escape, an empty
// name, a NUL byte, invalid UTF-8 or more than kMaxQueryLength bytes.
bool parse_query(std::string_view query, std::vector<QueryParam>& out);

// How this link's player plays: t, autoplay, loop and download of the query, parsed.
struct PlayOptions {
    long long start = 0;    // t: seconds into the video
    bool autoplay = false;  // autoplay=1: starts by itself, muted (browsers allow no more)
    bool loop = false;      // loop=1
    bool download = true;   // download=0: no MP4 in the page (HLS only, no download control)
};

// t's rule, for the query and `sign --t`: digits only, no leading zero, at most 9 digits.
[[nodiscard]] bool parse_start_seconds(std::string_view text, long long& seconds);

// The validated input of /watch.
struct WatchParams {
    std::string id;  // a video's or a live stream's, as `kind` says
    MediaKind kind = MediaKind::Video;
    std::string exp, sig;  // a signed link's expiry and signature, as given (checked by links.h)
    // The link's other fields its signature covers, as given: those of links.h's
    // kSignedFields that the query holds, in that order (the player options among them
    // are also parsed into `play`).
    std::vector<QueryParam> link_fields;
    PlayOptions play;
    Player player = Player::VideoJs;
    bool player_given = false;  // ?player= chose it (else the site's WATCH_PLAYER applies)
    std::string turn;           // a waiting visitor's ticket, as given (checked by budget.h)
};

// `query` with each of `set`'s names removed and then added with its value (percent-
// encoded): the URL a waiting page asks again with.
std::string query_with(std::string_view query, const std::vector<QueryParam>& set);

// The value of cookie `name` in a Cookie header ("a=1; name=…; b=2"), "" when absent.
std::string cookie_value(std::string_view header, std::string_view name);

// The response's form the query asks for ("json", "html", or "" for none), read leniently so
// that even a request that breaks the rules gets its error in the form it wants.
std::string requested_format(std::string_view query);

// Validates the /watch query. On failure returns false and says why in `why` (for the
// log: it names the rule, not the input).
bool parse_watch_params(std::string_view query, WatchParams& out, std::string& why);

}  // namespace watch
