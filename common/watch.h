// The core: one /watch request in, one complete response out, as a plain function of the
// request and api.video's replies. It makes no call itself: it says which calls it needs,
// a round at a time; its driver makes them (a round at a time for CGI and --query, every
// page's at once on the event loop for FastCGI) and hands their results back. No FastCGI or
// CGI types, no sockets.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/request.h"
#include "common/response.h"
#include "common/site.h"

namespace watch {

class PageView {
   public:
    PageView(Request request, std::shared_ptr<const Site> site);
    ~PageView();
    PageView(const PageView&) = delete;
    PageView& operator=(const PageView&) = delete;

    // The calls to make now, in any order or all at once; none when the response is ready.
    std::vector<HttpCall> start();
    // The results of the last round, one per call in its order; returns the next round.
    std::vector<HttpCall> resume(std::vector<HttpResult> results);
    // The response, once a round asked for no call. Its `log` holds the line for the
    // server's error log (empty when there is nothing to log). Never throws: anything
    // unexpected on the way became the 500 response.
    Response take_response();

   private:
    struct Flow;
    std::unique_ptr<Flow> flow_;
};

// A page view whose rounds of calls are made one after another on `http` (the calls of
// a round at once): CGI and --query.
Response handle_watch(const Request& request, std::shared_ptr<const Site> site, HttpClient& http);

// The same line format for failures the adapters meet before the core (a broken site
// configuration): "<time> 500 id=- step=config: why".
std::string log_line_now(int status, const std::string& step, const std::string& detail);

}  // namespace watch
