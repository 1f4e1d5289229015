// A page view's rounds on the event loop (see page_driver.h).
#include "handler/page_driver.h"

#include <exception>

namespace watch {

PageDriver::PageDriver(Upstream& upstream, std::unique_ptr<PageView> page, OnResponse done, OnFailure failed,
                       size_t& in_flight)
    : upstream_(upstream),
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
    for (HttpMulti::Id id : calls_) upstream_.cancel(id);
    calls_.clear();
    done_ = nullptr;
    failed_ = nullptr;
}

void PageDriver::start() {
    try {
        run(page_->start());
    } catch (const std::exception& e) {
        fail(e.what());
    }
}

// Starts a round, or hands the response over when the page asks for no call.
void PageDriver::run(std::vector<HttpCall> calls) {
    if (calls.empty()) {
        OnResponse done = std::move(done_);
        failed_ = nullptr;
        if (done) done(page_->take_response());  // last: it may end this driver
        return;
    }
    replies_.assign(calls.size(), HttpResult{});
    pending_ = calls.size();
    calls_.clear();
    for (size_t i = 0; i < calls.size(); ++i) {
        calls_.push_back(upstream_.start(calls[i], [this, i](HttpResult&& r) { on_reply(i, std::move(r)); }));
    }
}

void PageDriver::on_reply(size_t i, HttpResult&& r) {
    try {
        replies_[i] = std::move(r);
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
