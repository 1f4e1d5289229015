// The event loop (see event_loop.h).
#include "handler/event_loop.h"

#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace watch {

namespace {

[[noreturn]] void fail(const char* what) { throw std::runtime_error(std::string(what) + ": " + std::strerror(errno)); }

}  // namespace

EventLoop::EventLoop() {
    epoll_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) fail("epoll_create1");
}

EventLoop::~EventLoop() {
    if (signal_fd_ >= 0) close(signal_fd_);
    close(epoll_);
}

void EventLoop::watch(int fd, uint32_t events, OnEvents on) {
    auto it = watched_.find(fd);
    bool known = it != watched_.end();
    if (!known || it->second.events != events) {
        epoll_event ev{};
        ev.events = events;
        ev.data.fd = fd;
        // One closed without unwatch() (libfcgi closes a connection after a write error)
        // left epoll by itself: add it again.
        if (epoll_ctl(epoll_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0) {
            int again = known && errno == ENOENT ? EPOLL_CTL_ADD : !known && errno == EEXIST ? EPOLL_CTL_MOD : -1;
            if (again < 0 || epoll_ctl(epoll_, again, fd, &ev) != 0) fail("epoll_ctl");
        }
    }
    watched_[fd] = Watched{events, std::move(on)};
}

void EventLoop::unwatch(int fd) {
    if (watched_.erase(fd)) epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);  // ENOENT: closed already
}

EventLoop::TimerId EventLoop::after(long ms, std::function<void()> fn) {
    TimerId id = next_timer_++;
    Clock::time_point due = Clock::now() + std::chrono::milliseconds(ms);
    timers_.emplace(std::make_pair(due, id), std::move(fn));
    timer_due_.emplace(id, due);
    return id;
}

void EventLoop::cancel(TimerId id) {
    auto it = timer_due_.find(id);
    if (it == timer_due_.end()) return;
    timers_.erase(std::make_pair(it->second, id));
    timer_due_.erase(it);
}

void EventLoop::on_signals(const sigset_t& signals, std::function<void(int)> on) {
    signal_fd_ = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
    if (signal_fd_ < 0) fail("signalfd");
    watch(signal_fd_, EPOLLIN, [this, on = std::move(on)](uint32_t) {
        signalfd_siginfo info{};
        while (read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            on(static_cast<int>(info.ssi_signo));
        }
    });
}

void EventLoop::run_timers() {
    // Only the timers due now: one may add another for "at once", which waits a turn.
    Clock::time_point now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first.first <= now) {
        auto it = timers_.begin();
        std::function<void()> fn = std::move(it->second);
        timer_due_.erase(it->first.second);
        timers_.erase(it);
        fn();
    }
}

void EventLoop::run(const std::function<bool()>& done) {
    std::vector<epoll_event> events(256);
    while (!done()) {
        int timeout = -1;
        if (!timers_.empty()) {
            auto wait = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first.first - Clock::now());
            timeout = wait.count() < 0 ? 0 : static_cast<int>(std::min<long long>(wait.count(), 60'000));
        }
        int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeout);
        if (n < 0) {
            if (errno == EINTR) continue;
            fail("epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            // Looked up per event: an earlier handler of this turn may have unwatched it.
            auto it = watched_.find(events[i].data.fd);
            if (it == watched_.end()) continue;
            OnEvents on = it->second.on;  // a copy: the handler may unwatch or rewatch its own fd
            on(events[i].events);
        }
        run_timers();
    }
}

}  // namespace watch
