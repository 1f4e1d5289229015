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

ReadBudget::ReadBudget(long long per_minute, double share)
    : share_(share), limit_(per_minute), window_(kRateWindowSeconds), server_remaining_(0), window_end_(0) {}

// A window that has ended gives a new one; its reads, until a reply says otherwise,
// are the last limit seen.
void ReadBudget::roll(long long now) {
    if (now < window_end_) return;
    server_remaining_ = limit_;
    spent_ = 0;
    unseen_ = 0;
    window_end_ = now + window_;
    heard_ = false;
}

long long ReadBudget::per_window() const {
    return static_cast<long long>(std::floor(share_ * static_cast<double>(limit_)));
}

// This process's part of what api.video last said is left, less the reads api.video may
// not have counted yet (those in flight, those whose reply never came), and never more
// than what is left of this process's share of the window.
long long ReadBudget::available(long long now) {
    roll(now);
    const long long of_key =
        static_cast<long long>(std::floor(share_ * static_cast<double>(server_remaining_))) - in_flight_ - unseen_;
    return std::max(0LL, std::min(of_key, per_window() - spent_));
}

bool ReadBudget::take(long long now) {
    if (available(now) <= 0) return false;
    ++in_flight_;
    ++spent_;
    return true;
}

void ReadBudget::settle(const HttpResult& r, long long now) {
    roll(now);  // a reply after this window's end speaks of the next one
    in_flight_ = std::max(0LL, in_flight_ - 1);
    // No reply, no news: the read stays spent.
    if (r.outcome != HttpResult::Outcome::Ok) {
        ++unseen_;
        return;
    }
    const RateLimitHeaders& h = r.rate;
    if (h.limit > 0) limit_ = h.limit;
    // Whatever a reply claims, never a wait beyond two of api.video's windows.
    long long reset = h.retry_after >= 0 ? std::min(h.retry_after, kMaxRateWaitSeconds) : -1;
    // The clock here counts whole seconds, api.video's in finer steps: a second's margin,
    // so this window never ends before api.video's does.
    if (r.status == 429) {
        server_remaining_ = 0;
        heard_ = true;
        window_end_ = now + std::min((reset > 0 ? reset : window_) + 1, kMaxRateWaitSeconds);
        return;
    }
    if (h.remaining < 0) {
        ++unseen_;
        return;
    }
    // The first read of a window tells the window's length.
    if (reset > 0 && h.limit > 0 && h.remaining == h.limit - 1) window_ = reset + 1;
    // Reads made at once are replied to in any order: within a window, the lowest count is
    // the newest, and it counts every read replied to before it (a read still in
    // flight may be in it too: subtracted again, on the safe side). A read with no news
    // may still be counted later: it stays subtracted until the window ends. A reply
    // whose window ends well after the one kept opens a new one, its own read the first
    // of this process's share there.
    const bool later_window = reset >= 0 && now + reset + 1 >= window_end_ + window_ / 2;
    if (!heard_ || later_window) {
        server_remaining_ = h.remaining;
        if (later_window) spent_ = 1;
    } else {
        server_remaining_ = std::min(server_remaining_, h.remaining);
    }
    heard_ = true;
    if (reset >= 0) window_end_ = now + std::min(reset + 1, kMaxRateWaitSeconds);
}

// Their requests went out, so api.video has counted them or will.
void ReadBudget::release(long long reads) {
    reads = std::min(reads, in_flight_);
    in_flight_ -= reads;
    unseen_ += reads;
}

void ReadBudget::refuse(long long seconds, long long now) {
    server_remaining_ = 0;
    window_end_ = now + std::clamp(seconds + 1, 1LL, kMaxRateWaitSeconds);
}

long long ReadBudget::seconds_to_next(long long now) {
    return available(now) > 0 ? 0 : std::max(1LL, window_end_ - now);
}

// ---- TurnQueue -----------------------------------------------------------------------------

TurnQueue::TurnQueue(std::string secret, long long bound)
    // A process of its own draws a nonce of its own: another process's tickets never pass.
    : secret_(std::move(secret) + "\n" + random_hex(8)), bound_(bound) {}

std::string TurnQueue::sign(const std::string& video_id, std::uint64_t turn, long long expires) const {
    std::string body = std::to_string(turn) + "." + std::to_string(expires);
    return body + "." + base64url_encode(hmac_sha256(secret_, "apivideo-watch turn v1\n" + video_id + "\n" + body));
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
    for (size_t i = 0; i < redeemed_.size(); ++i) n += !redeemed_[i] && now < admitted_at_[i] + kReservationSeconds;
    return n;
}

// Admits the next turns for the reads that are free beyond those held for admitted
// turns, and forgets admitted turns older than any ticket can be.
void TurnQueue::advance(ReadBudget& budget, long long now) {
    while (floor_ < admitted_ && admitted_at_.front() + bound_ <= now) {
        ++floor_;
        admitted_at_.pop_front();
        redeemed_.pop_front();
    }
    for (long long free = budget.available(now) - held(now); free > 0 && admitted_ < issued_; --free) {
        ++admitted_;
        admitted_at_.push_back(now);
        redeemed_.push_back(false);
    }
}

// When turn `turn`'s read should be free: reads come a window at a time.
long long TurnQueue::estimate(std::uint64_t turn, ReadBudget& budget, long long now) {
    if (turn <= admitted_) return 1;
    const long long ahead = static_cast<long long>(turn - admitted_);
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
    return admitted_ == issued_ && budget.available(now) - held(now) > budget.per_window() / 2 && budget.take(now);
}

TurnQueue::Decision TurnQueue::admit(const std::string& ticket, const std::string& video_id, ReadBudget& budget,
                                     long long now) {
    advance(budget, now);
    Ticket t;
    if (!ticket.empty() && read(ticket, video_id, now, t) && t.turn > floor_ && t.turn <= issued_) {
        if (t.turn > admitted_) return wait(video_id, t.turn, t.expires, budget, now);  // a reload keeps its place
        size_t i = static_cast<size_t>(t.turn - floor_ - 1);
        if (!redeemed_[i]) {
            if (!budget.take(now)) return wait(video_id, t.turn, t.expires, budget, now);
            redeemed_[i] = true;
            return Decision{};
        }
        // Redeemed already: a replay goes to the back, as a newcomer.
    }
    // A newcomer (or a ticket forged, expired, replayed or another process's) goes now
    // only when nobody waits and a read is free beyond those held for admitted turns.
    if (admitted_ == issued_ && budget.available(now) - held(now) > 0 && budget.take(now)) return Decision{};
    // A turn only for one who can have it within the bound: a turn nobody comes for
    // would hold a read when admitted.
    Decision d = wait(video_id, issued_ + 1, now + bound_, budget, now);
    if (d.kind == Decision::Kind::Wait) ++issued_;
    return d;
}

}  // namespace watch
