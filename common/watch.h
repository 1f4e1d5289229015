// The core: one /watch request in, one complete response out. No FastCGI or CGI types,
// no I/O but the two api.video calls through the client it is given.
#pragma once
#include "common/http_client.h"
#include "common/request.h"
#include "common/response.h"
#include "common/site.h"

namespace watch {

// Serves /watch for `site`, calling api.video through `http` (the thread's client).
// Never throws: anything unexpected becomes the 500 answer. The Response's `log` holds
// the line for the server's error log (empty when there is nothing to log).
Response handle_watch(const Request& request, const Site& site, HttpClient& http);

// The same line format for failures the adapters meet before the core (a broken site
// configuration): "<time> 500 id=- step=config: why".
std::string log_line_now(int status, const std::string& step, const std::string& detail);

}  // namespace watch
