// The state store across hosts: Redis 7 (or Valkey), through hiredis. The one place hiredis
// is used. Each change is one Lua script run (compare-and-set: the value the change was
// computed from must still be there, or the script hands back what is, and the change runs
// again on it), so every change is atomic across processes and hosts, and every value
// written expires on its own. A command that takes longer than kTimeoutMs fails the
// connection: a slow store is a store that is down (FallbackStore carries on).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/state_store.h"

namespace watch {

struct RedisAddress {
    std::string host;
    int port = 6379;
    int db = 0;
    std::string password;  // from WATCH_STORE_PASSWORD_FILE; "" for none
};

// "redis://host[:port][/db]" (an IPv6 host in brackets). False with `why` otherwise.
[[nodiscard]] bool parse_redis_url(const std::string& url, RedisAddress& out, std::string& why);

// What the store needs of an event loop: its socket watched, and timers.
struct StoreLoop {
    virtual ~StoreLoop() = default;
    struct Watch {
        virtual ~Watch() = default;
        [[nodiscard]] virtual bool change(bool in, bool out, std::string& why) = 0;
    };
    struct Timer {
        virtual ~Timer() = default;
    };
    // Calls `on(readable, writable)` on each event; nullptr with `why` when it cannot.
    virtual std::unique_ptr<Watch> watch(int fd, bool in, bool out, std::function<void(bool in, bool out)> on,
                                         std::string& why) = 0;
    // Runs `fn` once, `ms` from now, unless the Timer is destroyed first.
    virtual std::unique_ptr<Timer> after(long ms, std::function<void()> fn) = 0;
};

class RedisStore final : public StateStore {
   public:
    static constexpr long kTimeoutMs = 50;

    // Blocking (CGI, the shell): each command waits for Redis, at most kTimeoutMs.
    static std::unique_ptr<RedisStore> blocking(const RedisAddress& address);
    // On an event loop (FastCGI): never blocks; apply() calls `done` from a later event.
    static std::unique_ptr<RedisStore> on_loop(const RedisAddress& address, StoreLoop& loop);
    ~RedisStore() override;

    void apply(std::vector<StateChange> changes, Done done) override;
    std::string name() const override;
    // Blocking stores only (SCAN); a store on a loop answers none.
    std::vector<std::string> keys(const std::string& prefix, size_t max) override;

    struct Impl;

   private:
    explicit RedisStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace watch
