// The state every process of a site must share (its read budget and queue of turns, what
// it knows of each video, the secrets it made), kept in a store: LMDB in a folder on one
// host, Redis across hosts, or this process's memory when neither is set up or the store
// is gone. A store holds values by key, each expiring on its own, and changes one key at a
// time atomically; what a change means (the budget's arithmetic, the queue's) stays in the
// core as plain functions of the value, so every backend runs the same logic and none of
// it is written twice (in Lua, say).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace watch {

// One atomic change to one key. `apply` gets the value the key holds now (nullopt: none,
// or expired) and returns the value to leave there (nullopt: leave it as it is, expiry
// included). It may run more than once for one change (another process changed the key
// first: it runs again on that value), so it depends on its argument alone and leaves its
// results where its last run puts them.
struct StateChange {
    using Apply = std::function<std::optional<std::string>(const std::optional<std::string>& current)>;
    std::string key;
    long long ttl_seconds = 0;  // a value written lives this long
    Apply apply;
};

class StateStore {
   public:
    virtual ~StateStore() = default;
    using Done = std::function<void(bool ok, const std::string& why)>;
    // Applies `changes`, each atomically, in order, and calls `done` once: ok, or why not
    // (the store is gone, slow or full; then some of the changes may have been applied).
    // A store that works in place (memory, LMDB) calls `done` before it returns.
    virtual void apply(std::vector<StateChange> changes, Done done) = 0;
    // What it is, for the log and the status: "lmdb /var/tmp/apivideo-watch-33", "redis://…".
    virtual std::string name() const = 0;
    // The keys it holds that begin with `prefix` (for the status), at most `max`.
    virtual std::vector<std::string> keys(const std::string& prefix, size_t max) = 0;
};

// This process's memory: what a process keeps when it shares no store, and what it falls
// back on while its store is gone. Bounded: past `max_keys`, the key used longest ago goes.
class MemoryStore final : public StateStore {
   public:
    explicit MemoryStore(size_t max_keys = 20000);
    void apply(std::vector<StateChange> changes, Done done) override;
    std::string name() const override { return "memory"; }
    std::vector<std::string> keys(const std::string& prefix, size_t max) override;
    size_t size() const { return values_.size(); }

   private:
    struct Value {
        std::string data;
        long long expires = 0;  // Unix seconds
        std::list<std::string>::iterator used;
    };
    const size_t max_keys_;
    std::unordered_map<std::string, Value> values_;
    std::list<std::string> by_use_;  // the key used longest ago first
};

// A store that may fail (LMDB full, Redis gone or slow), and this process's memory behind
// it: changes the store cannot apply are applied to memory, the log hears of it once per
// outage, the store is tried again after a backoff (0.1 s, doubling to 10 s), and rejoined
// as soon as it answers. No page waits for a store that is down.
//
// Memory keeps the last value the store gave for each key, so an outage goes on from the
// site's state as it was (its budget's window, its queue and the tickets it gave), not
// from nothing. When the store is back, what the outage made of each key is merged into
// what the store kept (`merge`: the core's, which knows what a value means), and a store
// that comes back without a key (a Redis restarted empty) gets it back from memory.
class FallbackStore final : public StateStore {
   public:
    using Log = std::function<void(const std::string& line)>;
    // What the store keeps of a key, and what this process made of it during an outage:
    // the value to leave in the store when it is back.
    using Merge =
        std::function<std::string(const std::string& key, const std::string& kept, const std::string& outage)>;
    FallbackStore(std::unique_ptr<StateStore> store, Log log, Merge merge = {});
    void apply(std::vector<StateChange> changes, Done done) override;
    std::string name() const override;
    std::vector<std::string> keys(const std::string& prefix, size_t max) override;
    // The store is in use (not in an outage).
    bool shared() const { return !down_; }
    const std::string& outage() const { return why_; }  // why the store is not in use

   private:
    using Clock = std::chrono::steady_clock;
    StateChange through_memory(const StateChange& c);
    void merge_outage();
    std::unique_ptr<StateStore> store_;
    MemoryStore memory_;
    Log log_;
    Merge merge_;
    std::unordered_map<std::string, long long> outage_keys_;  // key -> lifetime, changed while down
    bool down_ = false;
    std::string why_;
    Clock::time_point retry_at_{};
    std::chrono::milliseconds backoff_{0};
    std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace watch
