// The core: one /watch request in, one complete response out. No FastCGI or CGI types,
// no I/O but the two api.video calls through the client it is given.
#pragma once
#include "common/config.h"
#include "common/http_client.h"
#include "common/page.h"
#include "common/request.h"
#include "common/response.h"

namespace watch {

// What a request needs besides itself; built once (config, pages) or once per thread
// (the HTTP client) by the adapter.
struct Services {
    const Config& config;
    const Pages& pages;
    HttpClient& http;
};

// Serves /watch. Never throws: anything unexpected becomes the 500 page. The returned
// Response's `log` holds the line for the server's error log (empty on success).
Response handle_watch(const Request& request, const Services& services);

}  // namespace watch
