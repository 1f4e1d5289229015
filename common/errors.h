// The error table: every way a request can fail, the status its response has, and what
// the visitor reads. One table, so the README, the pages and the tests agree.
#pragma once
#include <string>

namespace watch {

enum class Failure {
    BadRequest,        // the query broke a rule: no upstream call was made
    Forbidden,         // WATCH_LINK_SECRET is set and the link's signature is missing, bad or expired
    MethodNotAllowed,  // not GET or HEAD
    UnknownVideo,      // api.video replied 404
    KeyRefused,        // api.video replied 401 or 403: the site's key is wrong
    BadReply,          // api.video replied something unusable (status, JSON, fields)
    NoSession,         // a private video without a usable token, or /session failed
    Unreachable,       // could not connect, TLS failed, connection broke
    RateLimited,       // api.video replied 429
    Overloaded,        // WATCH_MAX_IN_FLIGHT page views are already waiting on api.video
    Timeout,           // an upstream call ran out of time
    Internal,          // a bug or resource exhaustion in the handler itself
};

struct ErrorInfo {
    int status;
    const char* reason;   // the HTTP reason phrase
    const char* title;    // the page's heading
    const char* message;  // one sentence for the visitor
    const char* code;     // stable, machine-readable name (logs, JSON errors)
};

const ErrorInfo& error_info(Failure f);

// "200 OK", "404 Not Found": the CGI Status header's value for a status we send, its
// reason phrase from the error table.
std::string status_line(int status);

}  // namespace watch
