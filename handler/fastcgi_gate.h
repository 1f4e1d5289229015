// Whether the bytes waiting on a FastCGI connection hold a whole request yet. The event
// loop lets libfcgi read a request only then, so libfcgi's blocking reads never wait on
// a slow peer while other visitors do. It reads the record framing and the lengths in
// FCGI_PARAMS, nothing else: the protocol itself stays libfcgi's.
#pragma once
#include <string>
#include <string_view>

namespace watch {

enum class Arrival {
    Partial,     // not yet: wait for more bytes
    HeadersIn,   // FCGI_BEGIN_REQUEST and all of FCGI_PARAMS; FCGI_STDIN still coming
    Whole,       // the request, through its empty FCGI_STDIN record
    Invalid,     // not a request libfcgi should be given (see `why`)
};

// The most a request's records may take before FCGI_PARAMS ends: the loop peeks this
// much at most. nginx sends a request's parameters in a few kilobytes.
inline constexpr size_t kMaxRequestHead = 64 * 1024;

// Looks at `bytes`, the start of what a connection has sent since its last request.
// A parameter whose encoded length runs past the parameters (what makes Debian's libfcgi
// 2.4.2 abort, CVE-2025-23016) is Invalid.
Arrival fastcgi_arrival(std::string_view bytes, std::string& why);

}  // namespace watch
