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

FallbackStore::FallbackStore(std::unique_ptr<StateStore> store, Log log)
    : store_(std::move(store)), log_(std::move(log)) {}

std::string FallbackStore::name() const { return store_->name(); }

std::vector<std::string> FallbackStore::keys(const std::string& prefix, size_t max) {
    return down_ ? memory_.keys(prefix, max) : store_->keys(prefix, max);
}

void FallbackStore::apply(std::vector<StateChange> changes, Done done) {
    if (down_ && Clock::now() < retry_at_) return memory_.apply(std::move(changes), std::move(done));
    // The store's turn (again, after a backoff): a copy of the changes stays here in case
    // it fails and memory must take them.
    std::vector<StateChange> copy = changes;
    std::weak_ptr<bool> alive = alive_;
    store_->apply(std::move(changes), [this, alive, copy = std::move(copy), done = std::move(done)](
                                          bool ok, const std::string& why) mutable {
        if (alive.expired()) return;
        if (ok) {
            if (down_) log_("state store " + store_->name() + " is back: sharing state again");
            down_ = false;
            why_.clear();
            backoff_ = std::chrono::milliseconds(0);
            return done(true, "");
        }
        if (!down_) {
            log_("state store " + store_->name() + " failed (" + why +
                 "): this process keeps its own state until it is back");
        }
        down_ = true;
        why_ = why;
        backoff_ = std::min(std::chrono::milliseconds(30'000),
                            backoff_.count() ? backoff_ * 2 : std::chrono::milliseconds(500));
        retry_at_ = Clock::now() + backoff_;
        memory_.apply(std::move(copy), std::move(done));
    });
}

}  // namespace watch
