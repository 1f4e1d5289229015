// Opening a site's state store as WATCH_STORE says (LMDB in a folder, Redis, or this
// process's memory), behind the fallback that keeps a process going when it fails; and the
// Redis store's sockets and timers on the event loop (common/store_redis.h's StoreLoop).
#pragma once
#include <functional>
#include <memory>
#include <string>

#include "common/config.h"
#include "common/state_store.h"
#include "common/status.h"
#include "common/store_redis.h"
#include "handler/event_loop.h"

namespace watch {

// The store `config.store` names. With `loop`, a Redis store never blocks (FastCGI);
// without, it blocks a command at most RedisStore::kTimeoutMs (CGI, the shell). A folder
// that cannot be used (another user's, say) is said once through `log`, and the process
// keeps its own state. `shared` tells whether the store in use is shared right now.
struct OpenedStore {
    std::unique_ptr<StateStore> store;
    FallbackStore* fallback = nullptr;  // the store's, when it has one
    bool shared() const { return fallback && fallback->shared(); }
    // As the status tells it.
    StoreCondition condition() const;
};
OpenedStore open_store(const Config& config, StoreLoop* loop, const std::function<void(const std::string&)>& log);

// What this process has spent in its store so far (the status shows it): the applies asked
// of the store that open_store returned, and the wall time inside the store's code (opening
// it, applying, Redis's socket events and timers, closing it), the callers' own work in
// their `done` excluded. The handler runs one thread, so one process-wide count.
StoreCost store_cost();

class StoreOnLoop final : public StoreLoop {
   public:
    explicit StoreOnLoop(EventLoop& loop) : loop_(loop) {}
    std::unique_ptr<Watch> watch(int fd, bool in, bool out, std::function<void(bool in, bool out)> on,
                                 std::string& why) override;
    std::unique_ptr<Timer> after(long ms, std::function<void()> fn) override;

   private:
    EventLoop& loop_;
};

}  // namespace watch
