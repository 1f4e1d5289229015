// api.video's read budget, kept by the handler instead of discovered by a 429: the reads
// left in the current window as api.video's own headers say (X-RateLimit-*), and, when
// they run out, fair turns for the visitors who must wait. A turn is a signed ticket the
// waiting page carries; the handler keeps counters, not a list of who waits.
#pragma once
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "common/http_client.h"

namespace watch {

// What a budget knows, as the shared state keeps it (a site's processes share one).
struct BudgetState {
    long long limit = 0;             // reads per window (X-RateLimit-Limit)
    long long window = 0;            // seconds per window
    long long server_remaining = 0;  // the key's reads left in the window, as api.video last said
    long long window_end = 0;
    long long in_flight = 0;  // reads taken, not yet settled
    long long spent = 0;      // reads taken in the window
    long long unseen = 0;     // reads taken whose reply said nothing of the budget
    bool heard = false;       // a reply has spoken of this window
};

// One api.video account's reads (a per-key budget), from the point of view of the
// processes that share its state (all of a site's, with a store; one, without).
// Times are Unix seconds; everything is an input, so the tests drive the clock.
class ReadBudget {
   public:
    // `per_minute`: what to assume before api.video's first reply; `share`: the part of
    // the key's budget these processes may spend (1 with a shared store; WATCH_READ_SHARE,
    // 1/N for N processes on one key, when each keeps its own).
    ReadBudget(long long per_minute, double share);
    // A budget as the shared state kept it.
    ReadBudget(const BudgetState& state, double share);
    const BudgetState& state() const { return s_; }

    // Reads that may go now.
    long long available(long long now);
    // Takes one read; false when none is left.
    [[nodiscard]] bool take(long long now);
    // A read taken has its result: what the reply's headers say of the budget (a call
    // that got no reply leaves the read spent).
    void settle(const HttpResult& r, long long now);
    // Reads taken whose replies will never come (their page view ended first): no longer
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
    long long window_seconds() const { return s_.window; }

   private:
    void roll(long long now);
    const double share_;
    BudgetState s_;
};

// A waiting visitor's place: the queue that gave it (its epoch), the turn there, when the
// visitor arrived, until when it holds.
struct Ticket {
    std::string epoch;
    std::uint64_t turn = 0;
    long long arrival = 0;
    long long expires = 0;
};

// A ticket of another queue (one a process kept while its store was down, or the shared
// queue before a store came back empty) whose visitor arrived before anyone waiting here:
// it is served first, in the order of arrival.
struct EarlyTicket {
    std::string id;  // "epoch:turn"
    long long arrival = 0, expires = 0;
    long long admitted_at = 0;  // 0: still waiting
    bool redeemed = false;
};

// What a queue knows, as the shared state keeps it: three counters, one bit per admitted
// turn not yet expired, and when the turns still waiting were handed out (a count per
// second), never a record per waiting visitor; besides, the few early tickets of other
// queues it has taken in.
struct QueueState {
    std::string epoch;           // this queue's own, signed into its tickets ("" before the first)
    bool local = false;          // kept by one process while its store was down
    std::uint64_t issued = 0;    // the last turn handed out
    std::uint64_t admitted = 0;  // turns up to here may take a read
    std::uint64_t floor = 0;     // turns up to here have expired or were redeemed in order
    std::deque<bool> redeemed;   // for turns floor+1 ... admitted
    std::deque<long long> admitted_at;
    std::deque<std::pair<long long, std::uint64_t>> waiting;  // (handed out at, how many), oldest first
    std::deque<EarlyTicket> early;
};

// The queue of one account: turns handed out in arrival order and admitted as reads free
// up, each admitted turn redeemed once. A ticket names its queue (the epoch) and when its
// visitor arrived: every process that shares the queue honours its turn; a queue that
// did not give it (a process's own while its store was down, or the shared one after the
// store came back) serves it first if its visitor arrived before everyone waiting there,
// so an outage does not send its waiting visitors to the back.
class TurnQueue {
   public:
    // `secret` signs the tickets; `bound`: the longest wait offered, in seconds.
    TurnQueue(std::string secret, long long bound, QueueState state = {});
    const QueueState& state() const { return s_; }

    struct Decision {
        enum class Kind { Go, Wait, Full } kind = Kind::Go;
        std::string ticket;     // Wait: the signed ticket to carry (the same one on a reload)
        long long seconds = 0;  // Wait: about when to come back; Full: Retry-After
    };

    // A page view that needs a read, with the ticket it carries ("" for none). Go means a
    // read was taken from `budget` for it.
    Decision admit(const std::string& ticket, const std::string& id, ReadBudget& budget, long long now);

    // A read for what can do without it (a caption list): taken only when nobody waits
    // for a turn and more than half the window's reads are free beyond those held for
    // admitted turns, so that a burst's visitors never wait for it.
    [[nodiscard]] bool spare(ReadBudget& budget, long long now);

    // Turns handed out and admitted so far; turns waiting, and for how long the oldest has.
    std::uint64_t issued() const { return s_.issued; }
    std::uint64_t admitted() const { return s_.admitted; }
    std::uint64_t waiting() const;
    long long oldest_wait(long long now) const;

   private:
    std::string sign(const std::string& id, std::uint64_t turn, long long arrival, long long expires,
                     const std::string& epoch) const;
    bool read(const std::string& ticket, const std::string& id, long long now, Ticket& out) const;
    void advance(ReadBudget& budget, long long now);
    long long held(long long now) const;
    long long estimate(long long ahead, ReadBudget& budget, long long now);
    Decision wait(const std::string& id, std::uint64_t turn, long long arrival, long long expires, ReadBudget& budget,
                  long long now);
    std::optional<Decision> early(const Ticket& t, const std::string& ticket, ReadBudget& budget, long long now);

    const std::string secret_;
    const long long bound_;
    QueueState s_;
};

}  // namespace watch
