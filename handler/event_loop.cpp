// The event loop (see event_loop.h).
#include "handler/event_loop.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace watch {

namespace {

std::string failed(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

}  // namespace

EventLoop::Watch& EventLoop::Watch::operator=(Watch&& o) noexcept {
    if (this != &o) {
        reset();
        loop_ = o.loop_;
        entry_ = std::exchange(o.entry_, nullptr);
    }
    return *this;
}

bool EventLoop::Watch::change(uint32_t events, std::string& why) {
    if (!entry_) {
        why = "not watched";
        return false;
    }
    if (entry_->events == events) return true;
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = entry_;
    if (epoll_ctl(loop_->epoll_, EPOLL_CTL_MOD, entry_->fd, &ev) != 0) {
        why = failed("epoll_ctl(MOD)");
        return false;
    }
    entry_->events = events;
    return true;
}

uint32_t EventLoop::Watch::events() const { return entry_ ? entry_->events : 0; }

void EventLoop::Watch::reset() {
    if (entry_) loop_->unwatch(std::exchange(entry_, nullptr));
}

EventLoop::Timer& EventLoop::Timer::operator=(Timer&& o) noexcept {
    if (this != &o) {
        reset();
        loop_ = o.loop_;
        id_ = std::exchange(o.id_, 0);
    }
    return *this;
}

bool EventLoop::Timer::pending() const { return id_ && loop_->timer_due_.count(id_); }

void EventLoop::Timer::reset() {
    if (id_) loop_->cancel(std::exchange(id_, 0));
}

EventLoop::EventLoop() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw std::runtime_error(failed("epoll_create1"));
}

EventLoop::~EventLoop() {
    signal_watch_.reset();
    if (signal_fd_ >= 0) close(signal_fd_);
    for (Entry* e : dead_) delete e;
    // Watches still held outlive the loop only by a bug of their owner; the entries go.
    for (Entry* e : entries_) delete e;
    close(epoll_);
}

EventLoop::Watch EventLoop::watch(int fd, uint32_t events, OnEvents on, std::string& why) {
    auto* e = new Entry{fd, events, true, std::move(on)};
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = e;
    if (epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        why = failed("epoll_ctl(ADD)");
        delete e;
        return Watch();
    }
    entries_.insert(e);
    return Watch(this, e);
}

void EventLoop::unwatch(Entry* e) {
    // ENOENT or EBADF when the descriptor was closed first: epoll forgot it already.
    epoll_ctl(epoll_, EPOLL_CTL_DEL, e->fd, nullptr);
    // Its callback may be the one running now: it is destroyed with the entry, later.
    e->alive = false;
    entries_.erase(e);
    dead_.push_back(e);
}

EventLoop::Timer EventLoop::after(long ms, std::function<void()> fn) {
    std::uint64_t id = next_timer_++;
    Clock::time_point due = Clock::now() + std::chrono::milliseconds(ms < 0 ? 0 : ms);
    timers_.emplace(std::make_pair(due, id), std::move(fn));
    timer_due_.emplace(id, due);
    return Timer(this, id);
}

void EventLoop::cancel(std::uint64_t id) {
    auto it = timer_due_.find(id);
    if (it == timer_due_.end()) return;
    timers_.erase(std::make_pair(it->second, id));
    timer_due_.erase(it);
}

void EventLoop::defer(std::function<void()> fn) { deferred_.push_back(std::move(fn)); }

bool EventLoop::on_signals(const sigset_t& signals, std::function<void(int)> on, std::string& why) {
    signal_fd_ = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0) {
        why = failed("signalfd");
        return false;
    }
    signal_watch_ = watch(
        signal_fd_, EPOLLIN,
        [this, on = std::move(on)](uint32_t) {
            signalfd_siginfo info{};
            while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
                on(static_cast<int>(info.ssi_signo));
            }
        },
        why);
    return static_cast<bool>(signal_watch_);
}

void EventLoop::run_deferred() {
    // Deferred work may defer more: it runs in this same pass.
    for (size_t i = 0; i < deferred_.size(); ++i) {
        std::function<void()> fn = std::move(deferred_[i]);
        fn();
    }
    deferred_.clear();
    for (Entry* e : dead_) delete e;
    dead_.clear();
}

void EventLoop::run_timers() {
    // Only the timers due now: one set for "at once" by a timer waits for the next turn.
    const Clock::time_point now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
        auto it = timers_.begin();
        std::function<void()> fn = std::move(it->second);
        timer_due_.erase(it->first.second);
        timers_.erase(it);
        fn();
    }
}

int EventLoop::next_timeout_ms() const {
    if (!deferred_.empty()) return 0;
    if (timers_.empty()) return -1;
    auto wait = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first.first - Clock::now());
    return wait.count() < 0 ? 0 : static_cast<int>(std::min<long long>(wait.count(), 60'000));
}

void EventLoop::run(const std::function<bool()>& done) {
    std::vector<epoll_event> events(256);
    while (!done()) {
        int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), next_timeout_ms());
        if (n < 0 && errno != EINTR) throw std::runtime_error(failed("epoll_wait"));
        for (int i = 0; i < n; ++i) {
            auto* e = static_cast<Entry*>(events[i].data.ptr);
            // Unwatched earlier in this batch: the event was its old owner's.
            if (e->alive) e->on(events[i].events);
        }
        run_deferred();
        run_timers();
        run_deferred();
    }
}

}  // namespace watch
