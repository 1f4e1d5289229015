// The upstream calls of every page in flight, on the event loop: libcurl's multi handle
// (common/http_client.h) with its sockets and its timer watched by the loop.
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "common/http_client.h"
#include "handler/event_loop.h"

namespace watch {

class Upstream final : private HttpMulti::Loop {
   public:
    // Keeps up to `max_idle` connections to api.video's hosts open between calls; `log`
    // takes the lines libcurl's troubles are worth.
    Upstream(EventLoop& loop, const HttpGlobal& http, long max_idle, std::function<void(const std::string&)> log);

    HttpMulti::Id start(const HttpCall& call, HttpMulti::Done done) { return multi_.start(call, std::move(done)); }
    void cancel(HttpMulti::Id id) { multi_.cancel(id); }
    const HttpMulti& multi() const { return multi_; }

   private:
    std::unique_ptr<Watch> watch_socket(int fd, bool in, bool out, HttpMulti::Socket* socket,
                                        std::string& why) override;
    void set_timer(long ms) override;
    void log(const std::string& line) override { log_(line); }

    EventLoop& loop_;
    std::function<void(const std::string&)> log_;
    EventLoop::Timer timer_;
    HttpMulti multi_;  // last: its end unwatches sockets through this object
};

}  // namespace watch
