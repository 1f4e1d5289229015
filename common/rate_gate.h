// api.video's rate limit, honoured: after a 429 the gate stays shut until Retry-After has
// passed, and /watch answers 503 at once instead of spending more of the limit.
#pragma once
#include <atomic>

namespace watch {

class RateGate {
   public:
    // Seconds until api.video may be called again; 0 when the gate is open.
    long long seconds_left(long long now) const {
        long long until = until_.load(std::memory_order_relaxed);
        return until > now ? until - now : 0;
    }
    // Shuts the gate for `seconds` from `now` (never shortens an earlier, longer wait).
    void shut_for(long long seconds, long long now) {
        long long want = now + seconds;
        long long cur = until_.load(std::memory_order_relaxed);
        while (cur < want && !until_.compare_exchange_weak(cur, want, std::memory_order_relaxed)) {
        }
    }

   private:
    std::atomic<long long> until_{0};
};

}  // namespace watch
