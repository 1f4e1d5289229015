// A site's shared state (see shared_state.h).
#include "common/shared_state.h"

#include <algorithm>
#include <cstdlib>

#include "common/crypto.h"
#include "common/json.h"

namespace watch {

std::string account_id(const std::string& api_url, const std::string& api_key) {
    return sha256_hex("apivideo-watch account\n" + api_url + "\n" + api_key).substr(0, 32);
}

std::string account_key(const std::string& account) { return kAccountKeyPrefix + account; }

std::string video_key(const std::string& account, const std::string& id) {
    return "apivideo-watch:v1:video:" + account + ":" + id;
}

StateChange change_account(const std::string& account, std::function<bool(AccountState&)> change) {
    return StateChange{
        account_key(account), kAccountSeconds,
        [change = std::move(change)](const std::optional<std::string>& kept) -> std::optional<std::string> {
            AccountState s;
            if (kept && !parse_account_state(*kept, s)) s = AccountState{};
            if (!change(s)) return std::nullopt;
            return account_state_json(s);
        }};
}

StateChange change_video(const std::string& account, const std::string& id, std::function<bool(VideoFact&)> change) {
    return StateChange{
        video_key(account, id), kVideoSeconds,
        [change = std::move(change)](const std::optional<std::string>& kept) -> std::optional<std::string> {
            VideoFact f;
            if (kept && !parse_video_fact(*kept, f)) f = VideoFact{};
            if (!change(f)) return std::nullopt;
            return video_fact_json(f);
        }};
}

StateChange count_pages(const std::string& account, std::map<std::string, long long> counts) {
    return change_account(account, [counts = std::move(counts)](AccountState& s) {
        for (const auto& [outcome, n] : counts) s.pages[outcome] += n;
        return !counts.empty();
    });
}

namespace {

// The longest a ticket may wait (WATCH_WAIT_SECONDS's bound): how long an early ticket is kept.
constexpr long long kLongestWait = 600;

// The turns a process's own queue handed out and did not see redeemed, as early tickets of
// another queue, each with when its visitor arrived.
void add_waiting_visitors(const QueueState& local, QueueState& into) {
    std::deque<std::pair<long long, std::uint64_t>> waiting = local.waiting;
    for (std::uint64_t turn = local.floor + 1; turn <= local.issued; ++turn) {
        long long arrival = 0;
        if (turn <= local.admitted) {
            size_t i = static_cast<size_t>(turn - local.floor - 1);
            if (local.redeemed[i]) continue;
            arrival = local.admitted_at[i];  // admitted there: first in line anyway
        } else if (!waiting.empty()) {
            arrival = waiting.front().first;
            if (--waiting.front().second == 0) waiting.pop_front();
        }
        std::string id = local.epoch + ":" + std::to_string(turn);
        bool known =
            std::any_of(into.early.begin(), into.early.end(), [&](const EarlyTicket& e) { return e.id == id; });
        if (!known) into.early.push_back(EarlyTicket{id, arrival, arrival + kLongestWait, 0, false});
    }
    for (const EarlyTicket& e : local.early) {
        bool known =
            std::any_of(into.early.begin(), into.early.end(), [&](const EarlyTicket& x) { return x.id == e.id; });
        if (!known && !e.redeemed) into.early.push_back(EarlyTicket{e.id, e.arrival, e.expires, 0, false});
    }
    std::stable_sort(into.early.begin(), into.early.end(),
                     [](const EarlyTicket& a, const EarlyTicket& b) { return a.arrival < b.arrival; });
}

}  // namespace

std::string merge_outage(const std::string& key, const std::string& kept, const std::string& outage) {
    if (key.rfind(kAccountKeyPrefix, 0) != 0) return kept;  // a video's facts: the store's are as good
    AccountState k, o;
    if (!parse_account_state(outage, o)) return kept;
    if (!parse_account_state(kept, k)) return outage;
    // Reads spent in the same window count against it, wherever they were spent.
    if (o.budget.window_end > 0 &&
        std::llabs(o.budget.window_end - k.budget.window_end) < std::max(k.budget.window, 1LL)) {
        k.budget.server_remaining = std::min(k.budget.server_remaining, o.budget.server_remaining);
    }
    if (o.queue.local && o.queue.epoch != k.queue.epoch) add_waiting_visitors(o.queue, k.queue);
    for (const std::string& origin : o.origins) {
        if (std::find(k.origins.begin(), k.origins.end(), origin) == k.origins.end() &&
            k.origins.size() < kMaxOrigins) {
            k.origins.push_back(origin);
        }
    }
    for (const auto& [outcome, n] : o.pages) k.pages[outcome] = std::max(k.pages[outcome], n);
    if (k.secret.empty()) k.secret = o.secret;
    return account_state_json(k);
}

ReadBudget budget_of(const AccountState& s, long long per_minute, double share) {
    return s.budget.limit > 0 ? ReadBudget(s.budget, share) : ReadBudget(per_minute, share);
}

}  // namespace watch
