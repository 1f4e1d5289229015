// api.video's read budget and the queue of turns (see budget.h).
#include "common/budget.h"

#include <algorithm>
#include <cmath>
#include <string_view>
#include <vector>

#include "common/apivideo.h"
#include "common/crypto.h"

namespace watch {

namespace {

// How long an admitted turn keeps its read for the visitor to come and take it: the
// waiting page asks at the time it was given, which is when reads free up.
constexpr long long kReservationSeconds = 15;
// Early tickets of other queues a queue takes in, at most (an outage's waiting visitors).
constexpr size_t kMaxEarly = 1000;

bool parse_number(std::string_view s, unsigned long long& out) {
    if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
    out = 0;
    for (char c : s) out = out * 10 + static_cast<unsigned>(c - '0');
    return true;
}

}  // namespace

// ---- ReadBudget ---------------------------------------------------------------------------

ReadBudget::ReadBudget(long long per_minute, double share) : share_(share) {
    s_.limit = per_minute;
    s_.window = kRateWindowSeconds;
}

ReadBudget::ReadBudget(const BudgetState& state, double share) : share_(share), s_(state) {}

// A window that has ended gives a new one; its reads, until a reply says otherwise,
// are the last limit seen.
void ReadBudget::roll(long long now) {
    if (now < s_.window_end) return;
    s_.server_remaining = s_.limit;
    s_.spent = 0;
    s_.unseen = 0;
    s_.window_end = now + s_.window;
    s_.heard = false;
}

long long ReadBudget::per_window() const {
    return static_cast<long long>(std::floor(share_ * static_cast<double>(s_.limit)));
}

// This process's part of what api.video last said is left, less the reads api.video may
// not have counted yet (those in flight, those whose reply never came), and never more
// than what is left of this process's share of the window.
long long ReadBudget::available(long long now) {
    roll(now);
    const long long of_key = static_cast<long long>(std::floor(share_ * static_cast<double>(s_.server_remaining))) -
                             s_.in_flight - s_.unseen;
    return std::max(0LL, std::min(of_key, per_window() - s_.spent));
}

bool ReadBudget::take(long long now) {
    if (available(now) <= 0) return false;
    ++s_.in_flight;
    ++s_.spent;
    return true;
}

void ReadBudget::settle(const HttpResult& r, long long now) {
    roll(now);  // a reply after this window's end speaks of the next one
    s_.in_flight = std::max(0LL, s_.in_flight - 1);
    // No reply, no news: the read stays spent.
    if (r.outcome != HttpResult::Outcome::Ok) {
        ++s_.unseen;
        return;
    }
    const RateLimitHeaders& h = r.rate;
    if (h.limit > 0) s_.limit = h.limit;
    // Whatever a reply claims, never a wait beyond two of api.video's windows.
    long long reset = h.retry_after >= 0 ? std::min(h.retry_after, kMaxRateWaitSeconds) : -1;
    // The clock here counts whole seconds, api.video's in finer steps: a second's margin,
    // so this window never ends before api.video's does.
    if (r.status == 429) {
        s_.server_remaining = 0;
        s_.heard = true;
        s_.window_end = now + std::min((reset > 0 ? reset : s_.window) + 1, kMaxRateWaitSeconds);
        return;
    }
    if (h.remaining < 0) {
        ++s_.unseen;
        return;
    }
    // The first read of a window tells the window's length.
    if (reset > 0 && h.limit > 0 && h.remaining == h.limit - 1) s_.window = reset + 1;
    // Reads made at once are replied to in any order: within a window, the lowest count is
    // the newest, and it counts every read replied to before it (a read still in
    // flight may be in it too: subtracted again, on the safe side). A read with no news
    // may still be counted later: it stays subtracted until the window ends. A reply
    // whose window ends well after the one kept opens a new one, its own read the first
    // of this process's share there.
    const bool later_window = reset >= 0 && now + reset + 1 >= s_.window_end + s_.window / 2;
    if (!s_.heard || later_window) {
        s_.server_remaining = h.remaining;
        if (later_window) s_.spent = 1;
    } else {
        s_.server_remaining = std::min(s_.server_remaining, h.remaining);
    }
    s_.heard = true;
    if (reset >= 0) s_.window_end = now + std::min(reset + 1, kMaxRateWaitSeconds);
}

// Their requests went out, so api.video has counted them or will.
void ReadBudget::release(long long reads) {
    reads = std::min(reads, s_.in_flight);
    s_.in_flight -= reads;
    s_.unseen += reads;
}

void ReadBudget::refuse(long long seconds, long long now) {
    s_.server_remaining = 0;
    s_.window_end = now + std::clamp(seconds + 1, 1LL, kMaxRateWaitSeconds);
}

long long ReadBudget::seconds_to_next(long long now) {
    return available(now) > 0 ? 0 : std::max(1LL, s_.window_end - now);
}

// ---- TurnQueue -----------------------------------------------------------------------------

TurnQueue::TurnQueue(std::string secret, long long bound, QueueState state)
    : secret_(std::move(secret)), bound_(bound), s_(std::move(state)) {
    // A queue begun afresh (a store emptied, a process on its own) is another queue: the
    // tickets of the one before name turns it never handed out.
    if (s_.epoch.empty()) s_.epoch = random_hex(8);
}

std::string TurnQueue::sign(const std::string& id, std::uint64_t turn, long long arrival, long long expires,
                            const std::string& epoch) const {
    std::string body =
        std::to_string(turn) + "." + std::to_string(arrival) + "." + std::to_string(expires) + "." + epoch;
    return body + "." + base64url_encode(hmac_sha256(secret_, "apivideo-watch turn v3\n" + id + "\n" + body));
}

std::uint64_t TurnQueue::waiting() const {
    std::uint64_t n = s_.issued - s_.admitted;
    for (const EarlyTicket& e : s_.early) n += e.admitted_at == 0;
    return n;
}

long long TurnQueue::oldest_wait(long long now) const {
    long long oldest = s_.waiting.empty() ? now : s_.waiting.front().first;
    for (const EarlyTicket& e : s_.early) {
        if (e.admitted_at == 0) oldest = std::min(oldest, e.arrival);
    }
    return std::max(0LL, now - oldest);
}

// "turn.arrival.expires.epoch.signature", the signature checked against its own epoch.
bool TurnQueue::read(const std::string& ticket, const std::string& id, long long now, Ticket& out) const {
    if (ticket.size() > 160) return false;
    std::vector<std::string_view> part;
    std::string_view rest(ticket);
    for (size_t dot; part.size() < 4 && (dot = rest.find('.')) != std::string_view::npos; rest.remove_prefix(dot + 1)) {
        part.push_back(rest.substr(0, dot));
    }
    unsigned long long turn = 0, arrival = 0, expires = 0;
    if (part.size() != 4 || !parse_number(part[0], turn) || !parse_number(part[1], arrival) ||
        !parse_number(part[2], expires) || part[3].size() != 16 ||
        part[3].find_first_not_of("0123456789abcdef") != std::string_view::npos) {
        return false;
    }
    Ticket t{std::string(part[3]), turn, static_cast<long long>(arrival), static_cast<long long>(expires)};
    if (!constant_time_equal(ticket, sign(id, t.turn, t.arrival, t.expires, t.epoch))) return false;
    if (t.expires <= now) return false;
    out = t;
    return true;
}

// Admitted turns whose visitors have not come yet: reads kept for them.
long long TurnQueue::held(long long now) const {
    long long n = 0;
    for (size_t i = 0; i < s_.redeemed.size(); ++i)
        n += !s_.redeemed[i] && now < s_.admitted_at[i] + kReservationSeconds;
    for (const EarlyTicket& e : s_.early)
        n += e.admitted_at && !e.redeemed && now < e.admitted_at + kReservationSeconds;
    return n;
}

// Admits the next turns for the reads that are free beyond those held for admitted
// turns, early tickets first, and forgets admitted turns older than any ticket can be.
void TurnQueue::advance(ReadBudget& budget, long long now) {
    while (s_.floor < s_.admitted && s_.admitted_at.front() + bound_ <= now) {
        ++s_.floor;
        s_.admitted_at.pop_front();
        s_.redeemed.pop_front();
    }
    s_.early.erase(
        std::remove_if(s_.early.begin(), s_.early.end(), [&](const EarlyTicket& e) { return e.expires <= now; }),
        s_.early.end());
    long long free = budget.available(now) - held(now);
    for (EarlyTicket& e : s_.early) {
        if (free <= 0) break;
        if (e.admitted_at) continue;
        e.admitted_at = now;
        --free;
    }
    for (; free > 0 && s_.admitted < s_.issued; --free) {
        ++s_.admitted;
        s_.admitted_at.push_back(now);
        s_.redeemed.push_back(false);
        if (!s_.waiting.empty() && --s_.waiting.front().second == 0) s_.waiting.pop_front();
    }
}

// When the read of one with `ahead` turns before it (itself included) should be free:
// reads come a window at a time.
long long TurnQueue::estimate(long long ahead, ReadBudget& budget, long long now) {
    if (ahead <= 0) return 1;
    const long long per_window = std::max(1LL, budget.per_window());
    return std::max(1LL, budget.seconds_to_next(now)) + (ahead - 1) / per_window * budget.window_seconds();
}

TurnQueue::Decision TurnQueue::wait(const std::string& id, std::uint64_t turn, long long arrival, long long expires,
                                    ReadBudget& budget, long long now) {
    Decision d;
    long long early_waiting = 0;
    for (const EarlyTicket& e : s_.early) early_waiting += e.admitted_at == 0;
    long long seconds =
        estimate(early_waiting + static_cast<long long>(turn - std::min(turn, s_.admitted)), budget, now);
    if (now + seconds > expires) {
        d.kind = Decision::Kind::Full;
        d.seconds = seconds;
        return d;
    }
    d.kind = Decision::Kind::Wait;
    d.ticket = sign(id, turn, arrival, expires, s_.epoch);
    d.seconds = seconds;
    return d;
}

// A ticket of another queue: served first when its visitor arrived before everyone waiting
// here (nullopt: not so, or a replay; it is then a newcomer's).
std::optional<TurnQueue::Decision> TurnQueue::early(const Ticket& t, const std::string& ticket, ReadBudget& budget,
                                                    long long now) {
    const std::string id = t.epoch + ":" + std::to_string(t.turn);
    auto it = std::find_if(s_.early.begin(), s_.early.end(), [&](const EarlyTicket& e) { return e.id == id; });
    if (it == s_.early.end()) {
        // Arrivals are whole seconds: one in the same second as the first waiting here is
        // taken for earlier (an outage's visitor, most likely, who arrived first).
        const bool before_all = s_.waiting.empty() || t.arrival <= s_.waiting.front().first;
        if (!before_all || s_.early.size() >= kMaxEarly) return std::nullopt;
        // In arrival order among the early ones.
        auto at =
            std::find_if(s_.early.begin(), s_.early.end(), [&](const EarlyTicket& e) { return e.arrival > t.arrival; });
        it = s_.early.insert(at, EarlyTicket{id, t.arrival, t.expires, 0, false});
        size_t i = static_cast<size_t>(it - s_.early.begin());
        advance(budget, now);
        it = s_.early.begin() + static_cast<std::ptrdiff_t>(i);
    }
    if (it->redeemed) return std::nullopt;  // a replay goes to the back, as a newcomer
    if (it->admitted_at && budget.take(now)) {
        it->redeemed = true;
        return Decision{};
    }
    long long ahead = 0;
    for (auto e = s_.early.begin(); e != it; ++e) ahead += e->admitted_at == 0;
    Decision d;
    d.kind = Decision::Kind::Wait;
    d.ticket = ticket;  // its own queue's: kept as it is
    d.seconds = estimate(ahead + 1, budget, now);
    return d;
}

bool TurnQueue::spare(ReadBudget& budget, long long now) {
    advance(budget, now);
    return waiting() == 0 && budget.available(now) - held(now) > budget.per_window() / 2 && budget.take(now);
}

TurnQueue::Decision TurnQueue::admit(const std::string& ticket, const std::string& id, ReadBudget& budget,
                                     long long now) {
    advance(budget, now);
    Ticket t;
    if (!ticket.empty() && read(ticket, id, now, t)) {
        if (t.epoch != s_.epoch) {
            if (std::optional<Decision> d = early(t, ticket, budget, now)) return *d;
        } else if (t.turn > s_.floor && t.turn <= s_.issued) {
            if (t.turn > s_.admitted)
                return wait(id, t.turn, t.arrival, t.expires, budget, now);  // a reload keeps its place
            size_t i = static_cast<size_t>(t.turn - s_.floor - 1);
            if (!s_.redeemed[i]) {
                if (!budget.take(now)) return wait(id, t.turn, t.arrival, t.expires, budget, now);
                s_.redeemed[i] = true;
                return Decision{};
            }
            // Redeemed already: a replay goes to the back, as a newcomer.
        }
    }
    // A newcomer (or a ticket forged, expired or replayed) goes now only when nobody
    // waits and a read is free beyond those held for admitted turns.
    if (waiting() == 0 && budget.available(now) - held(now) > 0 && budget.take(now)) return Decision{};
    // A turn only for one who can have it within the bound: a turn nobody comes for
    // would hold a read when admitted.
    Decision d = wait(id, s_.issued + 1, now, now + bound_, budget, now);
    if (d.kind == Decision::Kind::Wait) {
        ++s_.issued;
        if (s_.waiting.empty() || s_.waiting.back().first != now) s_.waiting.emplace_back(now, 0);
        ++s_.waiting.back().second;
    }
    return d;
}

}  // namespace watch
