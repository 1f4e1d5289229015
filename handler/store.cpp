// Opening the state store, and Redis on the event loop (see store.h).
#include "handler/store.h"

#include "common/shared_state.h"
#include "common/store_lmdb.h"

namespace watch {

namespace {

uint32_t epoll_events(bool in, bool out) { return (in ? uint32_t{EPOLLIN} : 0u) | (out ? uint32_t{EPOLLOUT} : 0u); }

struct LoopWatch final : StoreLoop::Watch {
    EventLoop::Watch w;
    bool change(bool in, bool out, std::string& why) override { return w.change(epoll_events(in, out), why); }
};

struct LoopTimer final : StoreLoop::Timer {
    EventLoop::Timer t;
};

}  // namespace

std::unique_ptr<StoreLoop::Watch> StoreOnLoop::watch(int fd, bool in, bool out,
                                                     std::function<void(bool in, bool out)> on, std::string& why) {
    auto w = std::make_unique<LoopWatch>();
    // An error or a hang-up is news for the reader: hiredis finds out what it was.
    w->w = loop_.watch(
        fd, epoll_events(in, out),
        [on = std::move(on)](uint32_t ev) { on(ev & (EPOLLIN | EPOLLERR | EPOLLHUP), ev & EPOLLOUT); }, why);
    if (!w->w) return nullptr;
    return w;
}

std::unique_ptr<StoreLoop::Timer> StoreOnLoop::after(long ms, std::function<void()> fn) {
    auto t = std::make_unique<LoopTimer>();
    t->t = loop_.after(ms, std::move(fn));
    return t;
}

StoreCondition OpenedStore::condition() const {
    StoreCondition c;
    c.name = store->name();
    c.shared = shared();
    if (fallback) c.outage = fallback->outage();
    return c;
}

OpenedStore open_store(const Config& config, StoreLoop* loop, const std::function<void(const std::string&)>& log) {
    OpenedStore out;
    std::unique_ptr<StateStore> store;
    if (config.store.rfind("redis://", 0) == 0) {
        RedisAddress address;
        std::string why;
        if (parse_redis_url(config.store, address, why)) {  // checked by load_config already
            address.password = config.store_password;
            store = loop ? RedisStore::on_loop(address, *loop) : RedisStore::blocking(address);
        }
    } else if (config.store != "memory") {
        std::string why;
        store = LmdbStore::open(config.store, why);
        if (!store) log("WATCH_STORE " + why + ": this process keeps its own state");
    }
    if (!store) {
        out.store = std::make_unique<MemoryStore>();
        return out;
    }
    auto fallback = std::make_unique<FallbackStore>(std::move(store), log, &merge_outage);
    out.fallback = fallback.get();
    out.store = std::move(fallback);
    return out;
}

}  // namespace watch
