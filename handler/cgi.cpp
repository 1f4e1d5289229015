// CGI and the shell command: one request from the environment (or --query), written to
// stdout in the CGI response form, the log line to stderr (the server's error log). The
// site's state is shared through its store as by FastCGI processes: a CGI process reads
// and changes it in place (LMDB), or blocks on Redis a few milliseconds at most.
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "common/shared_state.h"
#include "common/status.h"
#include "common/watch.h"
#include "handler/adapter.h"
#include "handler/log.h"
#include "handler/store.h"

namespace watch {

namespace {

int write_cgi_response(const Response& r, bool with_body) {
    if (!r.log.empty()) std::fprintf(stderr, "apivideo-watch: %s\n", r.log.c_str());
    std::string out = serialize_cgi(r, with_body);
    if (std::fwrite(out.data(), 1, out.size(), stdout) != out.size() || std::fflush(stdout) != 0) return 1;
    return 0;
}

// One page view with the site's store: its response, and its outcome counted. Or the
// status, where the web server says so (WATCH_STATUS=on, as nginx's fastcgi_param or
// Apache's SetEnv set it; a visitor's headers arrive as HTTP_*, never as this).
Response serve(Request req, const std::shared_ptr<const Site>& site, const HttpGlobal& http, bool status) {
    OpenedStore state = open_store(site->config, nullptr, [](const std::string& line) { log_lines(line); });
    req.state_shared = state.fallback != nullptr;  // until the store fails, which it says
    HttpClient client(http);
    if (status) {
        StatusView view({site}, state.condition(), status_format(req.query, req.accept), req.now);
        return run_view(view, client, *state.store);
    }
    Response r = handle_watch(std::move(req), site, client, *state.store);
    state.store->apply({count_pages(site->account->id, {{r.outcome, 1}})}, [](bool, const std::string&) {});
    return r;
}

}  // namespace

int serve_cgi(std::shared_ptr<const Site> site, const std::string& site_error, const HttpGlobal& http) {
    Request req = request_from_params([](const char* name) { return std::getenv(name); });
    if (!site) {
        // No site, so no templates of its own either: the built-in error page.
        Response r = builtin_pages().error(Failure::Internal, false);
        r.log = log_line_now(500, "config", site_error);
        write_cgi_response(r, req.method != "HEAD");
        return 0;  // the server got a complete response; the log says what is wrong
    }
    const bool head = req.method == "HEAD";
    const char* status = std::getenv("WATCH_STATUS");
    return write_cgi_response(serve(std::move(req), site, http, status && std::string(status) == "on"), !head);
}

int serve_shell(const std::string& query, std::shared_ptr<const Site> site, const HttpGlobal& http) {
    Request req;
    req.method = "GET";
    req.query = query;
    req.path = "/watch";
    req.now = static_cast<long long>(std::time(nullptr));
    Response r = serve(std::move(req), site, http, false);
    if (write_cgi_response(r, true) != 0) return 1;
    return r.status < 400 ? 0 : 1;
}

int print_status(StatusFormat format, std::shared_ptr<const Site> site, const HttpGlobal& http) {
    OpenedStore state = open_store(site->config, nullptr, [](const std::string& line) { log_lines(line); });
    HttpClient client(http);
    StatusView view({site}, state.condition(), format, static_cast<long long>(std::time(nullptr)));
    Response r = run_view(view, client, *state.store);
    return std::fwrite(r.body.data(), 1, r.body.size(), stdout) == r.body.size() && std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace watch
