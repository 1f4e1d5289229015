// One page view driven on the event loop: each round's upstream calls made at once, and
// its changes to the shared state applied beside them, until its response is made. The
// core (common/watch.h) decides; this only carries calls and changes out and replies in.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/state_store.h"
#include "common/watch.h"
#include "handler/upstream.h"

namespace watch {

class PageDriver {
   public:
    using OnResponse = std::function<void(Response&&)>;
    using OnFailure = std::function<void(const std::string& why)>;

    // Exactly one of `done` and `failed` runs, once, from start() or a later reply; a
    // driver abandoned first (its visitor left) runs neither, and gives back what its page
    // holds in the shared state. `in_flight` counts the drivers alive (WATCH_MAX_IN_FLIGHT
    // bounds them).
    PageDriver(Upstream& upstream, StateStore& state, std::unique_ptr<View> page, OnResponse done, OnFailure failed,
               size_t& in_flight);
    ~PageDriver();
    PageDriver(const PageDriver&) = delete;
    PageDriver& operator=(const PageDriver&) = delete;

    void start();
    // Stops at once: the calls under way are cancelled, a store's answer still to come is
    // ignored, neither callback will run. For a driver whose destruction must wait (its
    // own callback is running).
    void abandon();

   private:
    void run(Round round);
    void on_reply(size_t i, HttpResult&& r);
    void on_applied();
    void step();
    void fail(const char* what);

    Upstream& upstream_;
    StateStore& state_;
    std::unique_ptr<View> page_;
    OnResponse done_;
    OnFailure failed_;
    std::vector<HttpMulti::Id> calls_;  // of the round under way
    std::vector<HttpResult> replies_;
    size_t pending_ = 0;  // calls and store applies of the round still to come back
    bool abandoned_ = false;
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // for the store's late answers
    size_t& in_flight_;
};

}  // namespace watch
