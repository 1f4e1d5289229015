// api.video's read budget, kept by the handler instead of discovered by a 429: the reads
// left in the current window as api.video's own headers say (X-RateLimit-*), and, when
// they run out, fair turns for the visitors who must wait. A turn is a signed ticket the
// waiting page carries; the handler keeps counters, not a list of who waits.
#pragma once
#include <cstdint>
#include <deque>
#include <string>

#include "common/http_client.h"

namespace watch {

// One api.video account's reads (a per-key budget), from one process's point of view.
// Times are Unix seconds; everything is an input, so the tests drive the clock.
class ReadBudget {
   public:
    // `per_minute`: what to assume before api.video's first reply; `share`: the part of
    // the key's budget this process may spend (1/N for N handlers on one key).
    ReadBudget(long long per_minute, double share);

    // Reads that may go now.
    long long available(long long now);
    // Takes one read; false when none is left.
    [[nodiscard]] bool take(long long now);
    // A read taken has its result: what the reply's headers say of the budget (a call
    // that got no reply leaves the read spent).
    void settle(const HttpResult& r, long long now);
    // Reads taken whose results will never come (their page view ended first): no longer
    // in flight.
    void release(long long reads);
    // api.video refused a read (a 429 the headers did not foretell, or the delivery host's
    // own): nothing is spent until `seconds` (at most two windows) have passed.
    void refuse(long long seconds, long long now);
    // Seconds until the next read frees up (0: one is free now).
    long long seconds_to_next(long long now);
    // Reads a new window brings this process (its share), and its length in seconds, as
    // last seen.
    long long per_window() const;
    long long window_seconds() const { return window_; }

   private:
    void roll(long long now);
    const double share_;
    long long limit_;             // reads per window (X-RateLimit-Limit)
    long long window_;            // seconds per window
    long long server_remaining_;  // the key's reads left in the window, as api.video last said
    long long window_end_;
    long long in_flight_ = 0;  // reads taken, not yet settled
    long long spent_ = 0;      // reads this process took in the window
    long long unseen_ = 0;     // reads taken whose reply said nothing of the budget
    bool heard_ = false;       // a reply has spoken of this window
};

// A waiting visitor's place: the order of arrival, who gave it, until when.
struct Ticket {
    std::uint64_t turn = 0;
    long long expires = 0;
};

// The queue of one account: turns handed out in arrival order and admitted as reads free
// up, each admitted turn redeemed once. State: three counters and one bit per admitted
// turn not yet expired, never a record per waiting visitor.
class TurnQueue {
   public:
    // `secret` signs the tickets; `bound`: the longest wait offered, in seconds.
    TurnQueue(std::string secret, long long bound);

    struct Decision {
        enum class Kind { Go, Wait, Full } kind = Kind::Go;
        std::string ticket;     // Wait: the signed ticket to carry (the same one on a reload)
        long long seconds = 0;  // Wait: about when to come back; Full: Retry-After
    };

    // A page view that needs a read, with the ticket it carries ("" for none). Go means a
    // read was taken from `budget` for it.
    Decision admit(const std::string& ticket, const std::string& video_id, ReadBudget& budget, long long now);

    // A read for what can do without it (a caption list): taken only when nobody waits
    // for a turn and more than half the window's reads are free beyond those held for
    // admitted turns, so that a burst's visitors never wait for it.
    [[nodiscard]] bool spare(ReadBudget& budget, long long now);

    // For the tests and the log: turns handed out and admitted so far.
    std::uint64_t issued() const { return issued_; }
    std::uint64_t admitted() const { return admitted_; }

   private:
    std::string sign(const std::string& video_id, std::uint64_t turn, long long expires) const;
    bool read(const std::string& ticket, const std::string& video_id, long long now, Ticket& out) const;
    void advance(ReadBudget& budget, long long now);
    long long held(long long now) const;
    long long estimate(std::uint64_t turn, ReadBudget& budget, long long now);
    Decision wait(const std::string& video_id, std::uint64_t turn, long long expires, ReadBudget& budget,
                  long long now);

    const std::string secret_;
    const long long bound_;
    std::uint64_t issued_ = 0;    // the last turn handed out
    std::uint64_t admitted_ = 0;  // turns up to here may take a read
    std::uint64_t floor_ = 0;     // turns up to here have expired or were redeemed in order
    std::deque<bool> redeemed_;   // for turns floor_+1 ... admitted_
    std::deque<long long> admitted_at_;
};

}  // namespace watch
