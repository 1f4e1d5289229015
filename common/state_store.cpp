// This process's memory as a store, and the fallback onto it (see state_store.h).
#include "common/state_store.h"

#include <algorithm>
#include <ctime>

namespace watch {

namespace {

long long unix_now() { return static_cast<long long>(std::time(nullptr)); }

}  // namespace

MemoryStore::MemoryStore(size_t max_keys) : max_keys_(std::max<size_t>(max_keys, 1)) {}

void MemoryStore::apply(std::vector<StateChange> changes, Done done) {
    const long long now = unix_now();
    for (StateChange& c : changes) {
        auto it = values_.find(c.key);
        std::optional<std::string> current;
        if (it != values_.end() && it->second.expires > now) current = it->second.data;
        std::optional<std::string> next = c.apply(current);
        if (!next) continue;
        if (it == values_.end()) {
            if (values_.size() >= max_keys_) {
                values_.erase(by_use_.front());
                by_use_.pop_front();
            }
            by_use_.push_back(c.key);
            it = values_.emplace(c.key, Value{std::string(), 0, std::prev(by_use_.end())}).first;
        } else {
            by_use_.splice(by_use_.end(), by_use_, it->second.used);
        }
        it->second.data = std::move(*next);
        it->second.expires = now + c.ttl_seconds;
    }
    done(true, "");
}

std::vector<std::string> MemoryStore::keys(const std::string& prefix, size_t max) {
    std::vector<std::string> out;
    const long long now = unix_now();
    for (const auto& [key, value] : values_) {
        if (out.size() >= max) break;
        if (value.expires > now && key.compare(0, prefix.size(), prefix) == 0) out.push_back(key);
    }
    std::sort(out.begin(), out.end());
    return out;
}

FallbackStore::FallbackStore(std::unique_ptr<StateStore> store, Log log, Merge merge)
    : store_(std::move(store)), log_(std::move(log)), merge_(std::move(merge)) {}

// Keys changed while the store was down, at most this many (the rest start from what the
// store kept).
constexpr size_t kMaxOutageKeys = 10000;

std::string FallbackStore::name() const { return store_->name(); }

std::vector<std::string> FallbackStore::keys(const std::string& prefix, size_t max) {
    return down_ ? memory_.keys(prefix, max) : store_->keys(prefix, max);
}

void FallbackStore::apply(std::vector<StateChange> changes, Done done) {
    if (down_ && Clock::now() < retry_at_) {
        for (const StateChange& c : changes) {
            if (outage_keys_.size() < kMaxOutageKeys) outage_keys_[c.key] = c.ttl_seconds;
        }
        return memory_.apply(std::move(changes), std::move(done));
    }
    // The store's turn (again, after a backoff). Each change goes as it is to memory if the
    // store fails; to the store, wrapped, so that memory learns what the store holds.
    std::vector<StateChange> to_store;
    to_store.reserve(changes.size());
    for (const StateChange& c : changes) to_store.push_back(through_memory(c));
    std::weak_ptr<bool> alive = alive_;
    store_->apply(std::move(to_store), [this, alive, changes = std::move(changes), done = std::move(done)](
                                           bool ok, const std::string& why) mutable {
        if (alive.expired()) return;
        if (ok) {
            if (down_) {
                log_("state store " + store_->name() + " is back: sharing state again");
                down_ = false;
                why_.clear();
                backoff_ = std::chrono::milliseconds(0);
                merge_outage();
            }
            return done(true, "");
        }
        if (!down_) {
            log_("state store " + store_->name() + " failed (" + why +
                 "): this process keeps its own state until it is back");
        }
        down_ = true;
        why_ = why;
        for (const StateChange& c : changes) {
            if (outage_keys_.size() < kMaxOutageKeys) outage_keys_[c.key] = c.ttl_seconds;
        }
        // Soon at first (a restart takes a moment, and processes rejoining at different
        // times split a queue), then less and less often.
        backoff_ = std::min(std::chrono::milliseconds(10'000),
                            backoff_.count() ? backoff_ * 2 : std::chrono::milliseconds(100));
        retry_at_ = Clock::now() + backoff_;
        memory_.apply(std::move(changes), std::move(done));
    });
}

// What the outage made of each key it changed goes into the store (nobody waits for it).
void FallbackStore::merge_outage() {
    std::vector<StateChange> merges;
    for (const auto& [key, ttl] : outage_keys_) {
        std::optional<std::string> outage;
        memory_.apply({StateChange{key, ttl,
                                   [&outage](const std::optional<std::string>& v) -> std::optional<std::string> {
                                       outage = v;
                                       return std::nullopt;
                                   }}},
                      [](bool, const std::string&) {});
        if (!outage) continue;
        merges.push_back(StateChange{key, ttl,
                                     [merge = merge_, key = key, outage = *outage](
                                         const std::optional<std::string>& kept) -> std::optional<std::string> {
                                         if (!kept) return outage;
                                         return merge ? merge(key, *kept, outage) : *kept;
                                     }});
    }
    outage_keys_.clear();
    if (!merges.empty()) store_->apply(std::move(merges), [](bool, const std::string&) {});
}

// The change as the store runs it: from memory's value when the store has none (it came
// back empty), and leaving memory the value it leaves in the store.
StateChange FallbackStore::through_memory(const StateChange& c) {
    std::optional<std::string> remembered;
    memory_.apply({StateChange{c.key, c.ttl_seconds,
                               [&remembered](const std::optional<std::string>& v) -> std::optional<std::string> {
                                   remembered = v;
                                   return std::nullopt;
                               }}},
                  [](bool, const std::string&) {});
    MemoryStore* memory = &memory_;
    return StateChange{c.key, c.ttl_seconds,
                       [apply = c.apply, remembered, memory, key = c.key,
                        ttl = c.ttl_seconds](const std::optional<std::string>& current) -> std::optional<std::string> {
                           const std::optional<std::string>& from = current ? current : remembered;
                           std::optional<std::string> next = apply(from);
                           // Written back when it came from memory, even unchanged.
                           std::optional<std::string> left = next ? next : current ? std::nullopt : from;
                           const std::optional<std::string> kept = next ? next : from;
                           if (kept) {
                               memory->apply(
                                   {StateChange{key, ttl, [kept](const std::optional<std::string>&) { return kept; }}},
                                   [](bool, const std::string&) {});
                           }
                           return left;
                       }};
}

}  // namespace watch
