// The core: one /watch request in, one complete response out, as a plain function of the
// request, the results of its calls to api.video and the site's shared state. It makes no call and touches
// no store itself: it says what it needs, a round at a time (upstream calls, and changes
// to the shared state); its driver carries them out (a round at a time for CGI and
// --query, every page's at once on the event loop for FastCGI) and hands the replies
// back. No FastCGI or CGI types, no sockets.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/request.h"
#include "common/response.h"
#include "common/site.h"
#include "common/state_store.h"

namespace watch {

// What a page view needs done before it can go on: upstream calls, in any order or all
// at once, and changes to the shared state, each atomic, in their order. The calls and the
// changes may run at the same time.
struct Round {
    std::vector<HttpCall> calls;
    std::vector<StateChange> changes;
    bool empty() const { return calls.empty() && changes.empty(); }
};

// What a driver carries out, round by round, until its response: a page view, or the
// status.
class View {
   public:
    virtual ~View() = default;
    // The first round; an empty one when the response is ready.
    virtual Round start() = 0;
    // The results of the last round's calls, one per call in its order (its changes have
    // been applied, to the shared store or this process's memory); returns the next round.
    virtual Round resume(std::vector<HttpResult> results) = 0;
    // The response, once a round came back empty. Its `log` holds the line for the server's
    // error log (empty when there is nothing to log). Never throws: anything unexpected on
    // the way became the 500 response.
    virtual Response take_response() = 0;
    // A view that ends before its response (its visitor left): the changes that give back
    // what it holds (a page's reads in flight), to apply without waiting for them.
    virtual std::vector<StateChange> abandon() = 0;
};

class PageView final : public View {
   public:
    PageView(Request request, std::shared_ptr<const Site> site);
    ~PageView() override;
    PageView(const PageView&) = delete;
    PageView& operator=(const PageView&) = delete;

    Round start() override;
    Round resume(std::vector<HttpResult> results) override;
    Response take_response() override;
    std::vector<StateChange> abandon() override;

   private:
    struct Flow;
    std::shared_ptr<Flow> flow_;  // shared with its changes, which may outlive it in a store
};

// A view whose rounds are carried out one after another on `http` and `state` (a store
// that applies in place): CGI and the shell.
Response run_view(View& view, HttpClient& http, StateStore& state);
// The /watch page view, so: CGI and --query.
Response handle_watch(Request request, std::shared_ptr<const Site> site, HttpClient& http, StateStore& state);

// The same line format for failures the adapters meet before the core (a broken site
// configuration): "<time> 500 id=- step=config: why".
std::string log_line_now(int status, const std::string& step, const std::string& detail);

}  // namespace watch
