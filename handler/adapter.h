// How requests arrive: FastCGI (one event loop on a listening socket), CGI (one request
// from the environment) and the shell (--query). Each turns what it gets into a
// watch::Request, picks the site, and hands both to the core.
#pragma once
#include <string>

#include "common/http_client.h"
#include "common/site.h"
#include "common/status.h"
#include "handler/listener.h"

namespace watch {

// Serves FastCGI on `listener` until SIGTERM or SIGINT, then answers every request
// already received and exits; SIGHUP reads the settings files and templates again
// (`env` is the process's own settings). Returns the process exit status.
int serve_fastcgi(const Listener& listener, Sites& sites, const SettingLookup& env, const HttpGlobal& http);

// Serves the one CGI request in the environment. `site` is null when the settings are
// broken (`site_error` says why): the visitor gets the 500 page, the log the reason.
int serve_cgi(std::shared_ptr<const Site> site, const std::string& site_error, const HttpGlobal& http);

// --query: serves GET /watch?QUERY and prints the whole response (status, headers, page).
int serve_shell(const std::string& query, std::shared_ptr<const Site> site, const HttpGlobal& http);

// --status: prints the site's status (status.h) from its shared state.
int print_status(StatusFormat format, std::shared_ptr<const Site> site, const HttpGlobal& http);

}  // namespace watch
