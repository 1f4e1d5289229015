// api.video's read budget and the queue of turns (see budget.h).
#include "common/budget.h"

#include <algorithm>
#include <cmath>

#include "common/apivideo.h"
#include "common/crypto.h"

namespace watch {

namespace {

// How long an admitted turn keeps its read for the visitor to come and take it: the
// waiting page asks at the time it was given, which is when reads free up.
constexpr long long kReservationSeconds = 15;

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

// A window that has ended gives a new one; its reads, until an answer says otherwise,
// are the last limit seen.
void ReadBudget::roll(long long now) {
    if (now < s_.window_end) return;
    s_.server_remaining = s_.limit;
    s_.spent = 0;
    s_.unseen = 0;
    s_.window_end = now + s_.window;
    s_.answered = false;
}

long long ReadBudget::per_window() const {
    return static_cast<long long>(std::floor(share_ * static_cast<double>(s_.limit)));
}

// This process's part of what api.video last said is left, less the reads api.video may
// not have counted yet (those in flight, those whose answer never came), and never more
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

void ReadBudget::answered(const HttpResult& r, long long now) {
    roll(now);  // an answer after this window's end speaks of the next one
    s_.in_flight = std::max(0LL, s_.in_flight - 1);
    // No answer, no news: the read stays spent.
    if (r.outcome != HttpResult::Outcome::Ok) {
        ++s_.unseen;
        return;
    }
    const RateLimitHeaders& h = r.rate;
    if (h.limit > 0) s_.limit = h.limit;
    // Whatever an answer claims, never a wait beyond two of api.video's windows.
    long long reset = h.retry_after >= 0 ? std::min(h.retry_after, kMaxRateWaitSeconds) : -1;
    // The clock here counts whole seconds, api.video's in finer steps: a second's margin,
    // so this window never ends before api.video's does.
    if (r.status == 429) {
        s_.server_remaining = 0;
        s_.answered = true;
        s_.window_end = now + std::min((reset > 0 ? reset : s_.window) + 1, kMaxRateWaitSeconds);
        return;
    }
    if (h.remaining < 0) {
        ++s_.unseen;
        return;
    }
    // The first read of a window tells the window's length.
    if (reset > 0 && h.limit > 0 && h.remaining == h.limit - 1) s_.window = reset + 1;
    // Reads made at once are answered in any order: within a window, the lowest count is
    // the newest, and it counts every read that was answered before it (a read still in
    // flight may be in it too: subtracted again, on the safe side). A read with no news
    // may still be counted later: it stays subtracted until the window ends. An answer
    // whose window ends well after the one kept opens a new one, its own read the first
    // of this process's share there.
    const bool later_window = reset >= 0 && now + reset + 1 >= s_.window_end + s_.window / 2;
    if (!s_.answered || later_window) {
        s_.server_remaining = h.remaining;
        if (later_window) s_.spent = 1;
    } else {
        s_.server_remaining = std::min(s_.server_remaining, h.remaining);
    }
    s_.answered = true;
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

std::string TurnQueue::sign(const std::string& video_id, std::uint64_t turn, long long expires) const {
    std::string body = std::to_string(turn) + "." + std::to_string(expires);
    return body + "." +
           base64url_encode(
               hmac_sha256(secret_, "apivideo-watch turn v2\n" + s_.epoch + "\n" + video_id + "\n" + body));
}

long long TurnQueue::oldest_wait(long long now) const {
    return s_.waiting.empty() ? 0 : std::max(0LL, now - s_.waiting.front().first);
}

bool TurnQueue::read(const std::string& ticket, const std::string& video_id, long long now, Ticket& out) const {
    size_t a = ticket.find('.'), b = ticket.find('.', a == std::string::npos ? a : a + 1);
    if (ticket.size() > 128 || b == std::string::npos) return false;
    unsigned long long turn = 0, expires = 0;
    if (!parse_number(std::string_view(ticket).substr(0, a), turn) ||
        !parse_number(std::string_view(ticket).substr(a + 1, b - a - 1), expires)) {
        return false;
    }
    if (!constant_time_equal(ticket, sign(video_id, turn, static_cast<long long>(expires)))) return false;
    if (static_cast<long long>(expires) <= now) return false;
    out = Ticket{turn, static_cast<long long>(expires)};
    return true;
}

// Admitted turns whose visitors have not come yet: reads kept for them.
long long TurnQueue::held(long long now) const {
    long long n = 0;
    for (size_t i = 0; i < s_.redeemed.size(); ++i)
        n += !s_.redeemed[i] && now < s_.admitted_at[i] + kReservationSeconds;
    return n;
}

// Admits the next turns for the reads that are free beyond those held for admitted
// turns, and forgets admitted turns older than any ticket can be.
void TurnQueue::advance(ReadBudget& budget, long long now) {
    while (s_.floor < s_.admitted && s_.admitted_at.front() + bound_ <= now) {
        ++s_.floor;
        s_.admitted_at.pop_front();
        s_.redeemed.pop_front();
    }
    for (long long free = budget.available(now) - held(now); free > 0 && s_.admitted < s_.issued; --free) {
        ++s_.admitted;
        s_.admitted_at.push_back(now);
        s_.redeemed.push_back(false);
        if (!s_.waiting.empty() && --s_.waiting.front().second == 0) s_.waiting.pop_front();
    }
}

// When turn `turn`'s read should be free: reads come a window at a time.
long long TurnQueue::estimate(std::uint64_t turn, ReadBudget& budget, long long now) {
    if (turn <= s_.admitted) return 1;
    const long long ahead = static_cast<long long>(turn - s_.admitted);
    const long long per_window = std::max(1LL, budget.per_window());
    return std::max(1LL, budget.seconds_to_next(now)) + (ahead - 1) / per_window * budget.window_seconds();
}

TurnQueue::Decision TurnQueue::wait(const std::string& video_id, std::uint64_t turn, long long expires,
                                    ReadBudget& budget, long long now) {
    Decision d;
    long long seconds = estimate(turn, budget, now);
    if (now + seconds > expires) {
        d.kind = Decision::Kind::Full;
        d.seconds = seconds;
        return d;
    }
    d.kind = Decision::Kind::Wait;
    d.ticket = sign(video_id, turn, expires);
    d.seconds = seconds;
    return d;
}

bool TurnQueue::spare(ReadBudget& budget, long long now) {
    advance(budget, now);
    return s_.admitted == s_.issued && budget.available(now) - held(now) > budget.per_window() / 2 && budget.take(now);
}

TurnQueue::Decision TurnQueue::admit(const std::string& ticket, const std::string& video_id, ReadBudget& budget,
                                     long long now) {
    advance(budget, now);
    Ticket t;
    if (!ticket.empty() && read(ticket, video_id, now, t) && t.turn > s_.floor && t.turn <= s_.issued) {
        if (t.turn > s_.admitted) return wait(video_id, t.turn, t.expires, budget, now);  // a reload keeps its place
        size_t i = static_cast<size_t>(t.turn - s_.floor - 1);
        if (!s_.redeemed[i]) {
            if (!budget.take(now)) return wait(video_id, t.turn, t.expires, budget, now);
            s_.redeemed[i] = true;
            return Decision{};
        }
        // Redeemed already: a replay goes to the back, as a newcomer.
    }
    // A newcomer (or a ticket forged, expired, replayed or another process's) goes now
    // only when nobody waits and a read is free beyond those held for admitted turns.
    if (s_.admitted == s_.issued && budget.available(now) - held(now) > 0 && budget.take(now)) return Decision{};
    // A turn only for one who can have it within the bound: a turn nobody comes for
    // would hold a read when admitted.
    Decision d = wait(video_id, s_.issued + 1, now + bound_, budget, now);
    if (d.kind == Decision::Kind::Wait) {
        ++s_.issued;
        if (s_.waiting.empty() || s_.waiting.back().first != now) s_.waiting.emplace_back(now, 0);
        ++s_.waiting.back().second;
    }
    return d;
}

}  // namespace watch
