// One thread's event loop: file descriptors watched with epoll, timers, and signals read
// as events (signalfd), so a signal never interrupts a read or a write half-way.
#pragma once
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <utility>

namespace watch {

class EventLoop {
   public:
    using Clock = std::chrono::steady_clock;
    using OnEvents = std::function<void(uint32_t events)>;  // EPOLLIN, EPOLLOUT, EPOLLRDHUP, …
    using TimerId = std::uint64_t;

    EventLoop();
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Watches `fd` for `events` (EPOLL* flags, EPOLLET allowed), replacing what was set;
    // the same events again cost no system call. A watched descriptor must be unwatched
    // before it is closed (its number may come back).
    void watch(int fd, uint32_t events, OnEvents on);
    void unwatch(int fd);

    // Runs `fn` once, `ms` from now (0: at the next turn). Cancelling an id that has run
    // or was never given does nothing.
    TimerId after(long ms, std::function<void()> fn);
    void cancel(TimerId id);

    // Reads `signals` as events from now on; they must already be blocked in every thread.
    void on_signals(const sigset_t& signals, std::function<void(int signo)> on);

    // Turns until `done()` holds after a turn.
    void run(const std::function<bool()>& done);

   private:
    void run_timers();
    int epoll_ = -1;
    int signal_fd_ = -1;
    struct Watched {
        uint32_t events;
        OnEvents on;
    };
    std::unordered_map<int, Watched> watched_;
    std::map<std::pair<Clock::time_point, TimerId>, std::function<void()>> timers_;
    std::unordered_map<TimerId, Clock::time_point> timer_due_;
    TimerId next_timer_ = 1;
};

}  // namespace watch
