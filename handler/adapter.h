// How requests arrive: FastCGI (a pool of threads on a listening socket), CGI (one
// request from the environment) and the shell (--query). Each turns what it gets into
// a watch::Request, picks the site, and hands both to the core.
#pragma once
#include <string>

#include "common/http_client.h"
#include "common/site.h"

namespace watch {

// Serves FastCGI on `listen_fd` with `threads` workers until SIGTERM or SIGINT, then
// lets in-flight requests finish. Returns the process exit status.
int serve_fastcgi(int listen_fd, int threads, Sites& sites, const HttpGlobal& http);

// Serves the one CGI request in the environment. `site` is null when the settings are
// broken (`site_error` says why): the visitor gets the 500 page, the log the reason.
int serve_cgi(const Site* site, const std::string& site_error, const HttpGlobal& http);

// --query: serves GET /watch?QUERY and prints the whole response (status, headers, page).
int serve_shell(const std::string& query, const Site& site, const HttpGlobal& http);

// Writes a Response in the CGI form with its log line; shared by CGI and the shell.
int write_cgi_response(const Response& r, bool with_body);

}  // namespace watch
