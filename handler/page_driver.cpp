// A page view's rounds on the event loop (see page_driver.h).
#include "handler/page_driver.h"

#include <exception>

namespace watch {

PageDriver::PageDriver(Upstream& upstream, StateStore& state, std::unique_ptr<View> page, OnResponse done,
                       OnFailure failed, size_t& in_flight)
    : upstream_(upstream),
      state_(state),
      page_(std::move(page)),
      done_(std::move(done)),
      failed_(std::move(failed)),
      in_flight_(in_flight) {
    ++in_flight_;
}

PageDriver::~PageDriver() {
    abandon();
    --in_flight_;
}

void PageDriver::abandon() {
    if (abandoned_) return;
    abandoned_ = true;
    alive_.reset();
    for (HttpMulti::Id id : calls_) upstream_.cancel(id);
    calls_.clear();
    done_ = nullptr;
    failed_ = nullptr;
    // The reads this page took go back to the budget; nobody waits for that.
    std::vector<StateChange> give_back = page_->abandon();
    if (!give_back.empty()) state_.apply(std::move(give_back), [](bool, const std::string&) {});
}

void PageDriver::start() {
    try {
        run(page_->start());
    } catch (const std::exception& e) {
        fail(e.what());
    }
}

// Starts a round: its calls at once, its changes beside them; or hands the response over
// when the page needs nothing more.
void PageDriver::run(Round round) {
    if (round.empty()) {
        OnResponse done = std::move(done_);
        failed_ = nullptr;
        if (done) done(page_->take_response());  // last: it may end this driver
        return;
    }
    replies_.assign(round.calls.size(), HttpResult{});
    pending_ = round.calls.size() + (round.changes.empty() ? 0 : 1);
    calls_.clear();
    for (size_t i = 0; i < round.calls.size(); ++i) {
        calls_.push_back(upstream_.start(round.calls[i], [this, i](HttpResult&& r) { on_reply(i, std::move(r)); }));
    }
    if (!round.changes.empty()) {
        // Applied in place by LMDB (then this returns after on_applied), later by Redis.
        std::weak_ptr<bool> alive = alive_;
        state_.apply(std::move(round.changes), [this, alive](bool, const std::string&) {
            if (!alive.expired()) on_applied();
        });
    }
}

void PageDriver::on_reply(size_t i, HttpResult&& r) {
    replies_[i] = std::move(r);
    step();
}

// The store applied the round's changes (to itself or, when it is down, to this process's
// memory): the page goes on either way.
void PageDriver::on_applied() { step(); }

void PageDriver::step() {
    try {
        if (--pending_ > 0) return;
        calls_.clear();
        run(page_->resume(std::move(replies_)));
    } catch (const std::exception& e) {
        fail(e.what());
    }
}

void PageDriver::fail(const char* what) {
    OnFailure failed = std::move(failed_);
    abandon();
    if (failed) failed(std::string("dropping a request: ") + what);
}

}  // namespace watch
