// One thread's event loop: descriptors watched with epoll, timers, and signals read as
// events (signalfd), so a signal never interrupts a read or a write half-way.
//
// An event names its owner, never a number: each watch is an object of the loop's, and
// epoll carries a pointer to it. Unwatching is two-phase, as libuv's and h2o's loops
// close: the watch is marked dead at once (an event of this turn still queued for it is
// dropped) and freed when the turn's batch is over. So a descriptor closed in one
// callback and reused by a new connection in the next is never mistaken for the old one.
// Nothing the loop is told about one descriptor ends the process: a refused epoll_ctl
// comes back to the caller, who closes what it concerns.
#pragma once
#include <signal.h>
#include <sys/epoll.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace watch {

class EventLoop {
    struct Entry;

   public:
    using Clock = std::chrono::steady_clock;
    using OnEvents = std::function<void(uint32_t events)>;  // EPOLLIN, EPOLLOUT, EPOLLRDHUP, …

    // A descriptor watched, owned by whoever watches it: destroying or resetting it stops
    // the watch (before the descriptor is closed, as its number may come back at once).
    class Watch {
       public:
        Watch() = default;
        ~Watch() { reset(); }
        Watch(Watch&& o) noexcept : loop_(o.loop_), entry_(std::exchange(o.entry_, nullptr)) {}
        Watch& operator=(Watch&& o) noexcept;
        Watch(const Watch&) = delete;
        Watch& operator=(const Watch&) = delete;

        explicit operator bool() const { return entry_ != nullptr; }
        // Asks for other events from now on; the same events again cost no system call.
        // False, with `why`, when epoll refuses (the watch then stands as it was).
        [[nodiscard]] bool change(uint32_t events, std::string& why);
        uint32_t events() const;
        void reset();

       private:
        friend class EventLoop;
        Watch(EventLoop* loop, Entry* entry) : loop_(loop), entry_(entry) {}
        EventLoop* loop_ = nullptr;
        Entry* entry_ = nullptr;
    };

    // A timer, owned by whoever set it: destroying or resetting it cancels it. One that
    // has run is spent; cancelling it then does nothing.
    class Timer {
       public:
        Timer() = default;
        ~Timer() { reset(); }
        Timer(Timer&& o) noexcept : loop_(o.loop_), id_(std::exchange(o.id_, 0)) {}
        Timer& operator=(Timer&& o) noexcept;
        Timer(const Timer&) = delete;
        Timer& operator=(const Timer&) = delete;

        // Set and not yet run.
        bool pending() const;
        void reset();

       private:
        friend class EventLoop;
        Timer(EventLoop* loop, std::uint64_t id) : loop_(loop), id_(id) {}
        EventLoop* loop_ = nullptr;
        std::uint64_t id_ = 0;
    };

    EventLoop();  // throws when the kernel gives no epoll instance (start-up only)
    ~EventLoop();
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Watches `fd` for `events` (EPOLL* flags). An empty Watch, with `why`, when epoll
    // refuses (EBADF, ENOMEM, ENOSPC at max_user_watches, EEXIST for a descriptor
    // watched already): the caller closes that one connection and the loop serves on.
    [[nodiscard]] Watch watch(int fd, uint32_t events, OnEvents on, std::string& why);

    // Runs `fn` once, `ms` from now (0: at the end of this turn, after its events).
    [[nodiscard]] Timer after(long ms, std::function<void()> fn);

    // Runs `fn` once this turn's events have all been handled: what a callback must not
    // free under its own feet (the object whose callback is running) is freed there.
    void defer(std::function<void()> fn);

    // Reads `signals` as events from now on; they must already be blocked in every
    // thread. False with `why` when the kernel refuses.
    [[nodiscard]] bool on_signals(const sigset_t& signals, std::function<void(int signo)> on, std::string& why);

    // Turns until `done()` holds after a turn. Each turn waits for events (or the next
    // timer), handles every event of the batch, then the deferred work, then the timers
    // that are due. Throws only when epoll_wait itself fails (EINVAL, EFAULT: a bug).
    void run(const std::function<bool()>& done);

    // Watches and timers standing: for the tests and the soak's leak checks.
    size_t watched() const { return entries_.size(); }
    size_t timers() const { return timer_due_.size(); }

   private:
    struct Entry {
        int fd = -1;
        uint32_t events = 0;
        bool alive = true;
        OnEvents on;
    };
    void unwatch(Entry* e);
    void cancel(std::uint64_t id);
    void run_deferred();
    void run_timers();
    int next_timeout_ms() const;

    int epoll_ = -1;
    int signal_fd_ = -1;
    Watch signal_watch_;
    std::unordered_set<Entry*> entries_;  // watched now
    std::vector<Entry*> dead_;            // unwatched this turn, freed at its end
    std::vector<std::function<void()>> deferred_;
    std::map<std::pair<Clock::time_point, std::uint64_t>, std::function<void()>> timers_;
    std::unordered_map<std::uint64_t, Clock::time_point> timer_due_;
    std::uint64_t next_timer_ = 1;
};

}  // namespace watch
