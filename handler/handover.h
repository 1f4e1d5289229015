// How a stopping FastCGI process lets go of its listening socket, so that no connection
// is refused while a successor starts: systemd holds its socket and queues meanwhile; a
// socket path taken over (WATCH_SOCKET) is served until the successor has renamed its own
// over it; with neither, the connections already queued are taken before the socket closes.
#pragma once
#include <functional>

#include "handler/event_loop.h"
#include "handler/listener.h"

namespace watch {

class Handover {
   public:
    // How long a process whose path a successor takes over keeps serving while it waits
    // for one, and how often it looks.
    static constexpr long kWaitMs = 10'000;
    static constexpr long kPollMs = 50;
    // Connections already in the kernel's queue when the path changed hands still arrive.
    static constexpr long kSettleMs = 100;

    Handover(EventLoop& loop, const Listener& listener) : loop_(loop), listener_(listener) {}

    // Calls `stop(take_queued)` once, when this process should stop accepting:
    // `take_queued` asks it to accept those queued first (they would be reset when the
    // socket closes). `log` gets the one line worth saying (nobody took the path over).
    void begin(std::function<void(bool take_queued)> stop, std::function<void(const std::string&)> log);

   private:
    void look(long left_ms);

    EventLoop& loop_;
    const Listener& listener_;
    std::function<void(bool)> stop_;
    std::function<void(const std::string&)> log_;
    EventLoop::Timer timer_;
};

}  // namespace watch
