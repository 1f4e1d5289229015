// CGI and the shell command: one request from the environment (or --query), written to
// stdout in the CGI response format, the log line to stderr (the server's error log).
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "common/watch.h"
#include "handler/adapter.h"

namespace watch {

HttpOptions http_options(const Config& config) {
    HttpOptions o;
    o.timeout_ms = config.timeout_ms;
    o.connect_timeout_ms = config.connect_timeout_ms;
    o.ca_file = config.ca_file;
    return o;
}

static int write_out(const Response& r, bool with_body) {
    if (!r.log.empty()) std::fprintf(stderr, "apivideo-watch: %s\n", r.log.c_str());
    std::string out = serialize_cgi(r, with_body);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) return 1;
    return 0;
}

int serve_cgi(const Config& config, const std::string& config_error, const Pages& pages, const HttpGlobal& http) {
    Request req = request_from_params([](const char* name) { return std::getenv(name); });
    if (!config_error.empty()) {
        Response r = pages.error(Failure::Internal);
        r.log = "500 step=config: " + config_error;
        write_out(r, req.method != "HEAD");
        return 0;  // the server got a complete answer; the log says what is wrong
    }
    HttpClient client(http, http_options(config));
    Response r = handle_watch(req, Services{config, pages, client});
    return write_out(r, req.method != "HEAD");
}

int serve_shell(const std::string& query, const Config& config, const Pages& pages, const HttpGlobal& http) {
    Request req;
    req.method = "GET";
    req.query = query;
    HttpClient client(http, http_options(config));
    Response r = handle_watch(req, Services{config, pages, client});
    if (write_out(r, true) != 0) return 1;
    return r.status < 400 ? 0 : 1;
}

}  // namespace watch
