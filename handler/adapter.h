// The two ways requests arrive: FastCGI (a pool of threads on a listening socket) and
// CGI/shell (one request, then exit). Both hand a watch::Request to the core.
#pragma once
#include <string>

#include "common/config.h"
#include "common/http_client.h"
#include "common/page.h"

namespace watch {

// Serves FastCGI on `listen_fd` with config.threads workers until SIGTERM or SIGINT,
// then lets in-flight requests finish. Returns the process exit status.
int serve_fastcgi(int listen_fd, const Config& config, const Pages& pages, const HttpGlobal& http);

// Serves the one CGI request described by the environment; writes it to stdout.
// `config_error` non-empty: the settings are broken, answer 500 and log why.
int serve_cgi(const Config& config, const std::string& config_error, const Pages& pages, const HttpGlobal& http);

// --query: serves GET /watch?QUERY and prints the whole response (status, headers, page).
int serve_shell(const std::string& query, const Config& config, const Pages& pages, const HttpGlobal& http);

// The HTTP client settings that follow from the configuration.
HttpOptions http_options(const Config& config);

}  // namespace watch
