// FastCGI record framing (fcgi-spec.html §3.3), the two places the event loop needs it:
// whether the bytes waiting on a connection hold a whole request yet (libfcgi reads a
// request only then, so its blocking reads never wait on a slow peer while other
// visitors do), and the records of an answer, which the loop writes without blocking
// (libfcgi's writer blocks, and holds its buffers for the whole page view). Reading a
// request, its parameters and its management records stays libfcgi's.
#pragma once
#include <string>
#include <string_view>

namespace watch {

enum class Arrival {
    Partial,    // not yet: wait for more bytes
    HeadersIn,  // FCGI_BEGIN_REQUEST and all of FCGI_PARAMS; FCGI_STDIN still coming
    Whole,      // the request, through its empty FCGI_STDIN record
    Invalid,    // not a request libfcgi should be given (see `why`)
};

// The most a request's records may take before FCGI_PARAMS ends: the loop peeks this
// much at most. nginx sends a request's parameters in a few kilobytes.
inline constexpr size_t kMaxRequestHead = 64 * 1024;

// Looks at `bytes`, the start of what a connection has sent since its last request.
// A parameter whose encoded length runs past the parameters (what makes Debian's libfcgi
// 2.4.2 abort, CVE-2025-23016) is Invalid.
Arrival fastcgi_arrival(std::string_view bytes, std::string& why);

// The records that answer request `id`: `log` (when not empty) on FCGI_STDERR, `body` on
// FCGI_STDOUT, each stream closed by an empty record, then FCGI_END_REQUEST (status 0,
// FCGI_REQUEST_COMPLETE).
std::string fastcgi_answer(unsigned id, std::string_view body, std::string_view log);

}  // namespace watch
