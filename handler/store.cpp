// Opening the state store, and Redis on the event loop (see store.h).
#include "handler/store.h"

#include <chrono>

#include "common/shared_state.h"
#include "common/store_lmdb.h"

namespace watch {

namespace {

using Clock = std::chrono::steady_clock;

// This process's store_cost(); the clock runs while `depth` > 0.
struct Totals {
    StoreCost cost;
    Clock::duration spent{};
    int depth = 0;
    Clock::time_point since{};
};
Totals& totals() {
    static Totals t;
    return t;
}

// The time while it lives is the store's (once, however deeply nested).
struct InStore {
    InStore() {
        Totals& t = totals();
        if (t.depth++ == 0) t.since = Clock::now();
    }
    ~InStore() {
        Totals& t = totals();
        if (--t.depth == 0) t.spent += Clock::now() - t.since;
    }
    InStore(const InStore&) = delete;
    InStore& operator=(const InStore&) = delete;
};

// Inside an InStore, the time while it lives is the caller's: its `done`.
struct OutOfStore {
    const int depth = totals().depth;
    OutOfStore() {
        Totals& t = totals();
        if (depth > 0) t.spent += Clock::now() - t.since;
        t.depth = 0;
    }
    ~OutOfStore() {
        Totals& t = totals();
        t.depth = depth;
        if (depth > 0) t.since = Clock::now();
    }
    OutOfStore(const OutOfStore&) = delete;
    OutOfStore& operator=(const OutOfStore&) = delete;
};

// The store as its callers see it, counted.
class CountedStore final : public StateStore {
   public:
    explicit CountedStore(std::unique_ptr<StateStore> store) : store_(std::move(store)) {}
    // Closing counts too: a CGI process closes its store with every page view.
    ~CountedStore() override {
        InStore in;
        store_.reset();
    }
    void apply(std::vector<StateChange> changes, Done done) override {
        InStore in;
        ++totals().cost.applies;
        totals().cost.changes += changes.size();
        store_->apply(std::move(changes), [done = std::move(done)](bool ok, const std::string& why) {
            OutOfStore out;
            done(ok, why);
        });
    }
    std::string name() const override { return store_->name(); }
    std::vector<std::string> keys(const std::string& prefix, size_t max) override {
        InStore in;
        return store_->keys(prefix, max);
    }

   private:
    std::unique_ptr<StateStore> store_;
};

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
        [on = std::move(on)](uint32_t ev) {
            InStore in_store;
            on(ev & (EPOLLIN | EPOLLERR | EPOLLHUP), ev & EPOLLOUT);
        },
        why);
    if (!w->w) return nullptr;
    return w;
}

std::unique_ptr<StoreLoop::Timer> StoreOnLoop::after(long ms, std::function<void()> fn) {
    auto t = std::make_unique<LoopTimer>();
    t->t = loop_.after(ms, [fn = std::move(fn)] {
        InStore in;
        fn();
    });
    return t;
}

StoreCondition OpenedStore::condition() const {
    StoreCondition c;
    c.name = store->name();
    c.shared = shared();
    if (fallback) c.outage = fallback->outage();
    c.cost = store_cost();
    return c;
}

StoreCost store_cost() {
    const Totals& t = totals();
    StoreCost c = t.cost;
    Clock::duration spent = t.spent + (t.depth > 0 ? Clock::now() - t.since : Clock::duration{});
    c.microseconds =
        static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::microseconds>(spent).count());
    return c;
}

OpenedStore open_store(const Config& config, StoreLoop* loop, const std::function<void(const std::string&)>& log) {
    InStore in;
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
        out.store = std::make_unique<CountedStore>(std::make_unique<MemoryStore>());
        return out;
    }
    auto fallback = std::make_unique<FallbackStore>(std::move(store), log, &merge_outage);
    out.fallback = fallback.get();
    out.store = std::make_unique<CountedStore>(std::move(fallback));
    return out;
}

}  // namespace watch
