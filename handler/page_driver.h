// One page view driven on the event loop: each round of its upstream calls made at once,
// their replies handed back, until its response is made. The core (common/watch.h) decides;
// this only carries calls out and replies in.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/watch.h"
#include "handler/upstream.h"

namespace watch {

class PageDriver {
   public:
    using OnResponse = std::function<void(Response&&)>;
    using OnFailure = std::function<void(const std::string& why)>;

    // Exactly one of `done` and `failed` runs, once, from start() or a later reply; a
    // driver destroyed first (its visitor left) abandons its calls and runs neither.
    // `in_flight` counts the drivers alive (WATCH_MAX_IN_FLIGHT bounds them).
    PageDriver(Upstream& upstream, std::unique_ptr<PageView> page, OnResponse done, OnFailure failed,
               size_t& in_flight);
    ~PageDriver();
    PageDriver(const PageDriver&) = delete;
    PageDriver& operator=(const PageDriver&) = delete;

    void start();
    // Stops at once: the calls under way are cancelled, neither callback will run. For a
    // driver whose destruction must wait (its own callback is running).
    void abandon();

   private:
    void run(std::vector<HttpCall> calls);
    void on_reply(size_t i, HttpResult&& r);
    void fail(const char* what);

    Upstream& upstream_;
    std::unique_ptr<PageView> page_;
    OnResponse done_;
    OnFailure failed_;
    std::vector<HttpMulti::Id> calls_;  // of the round under way
    std::vector<HttpResult> replies_;
    size_t pending_ = 0;
    size_t& in_flight_;
};

}  // namespace watch
