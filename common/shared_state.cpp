// A site's shared state (see shared_state.h).
#include "common/shared_state.h"

#include "common/crypto.h"
#include "common/json.h"

namespace watch {

std::string account_id(const std::string& api_url, const std::string& api_key) {
    return sha256_hex("apivideo-watch account\n" + api_url + "\n" + api_key).substr(0, 32);
}

std::string account_key(const std::string& account) { return kAccountKeyPrefix + account; }

std::string video_key(const std::string& account, const std::string& video_id) {
    return "apivideo-watch:v1:video:" + account + ":" + video_id;
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

StateChange change_video(const std::string& account, const std::string& video_id,
                         std::function<bool(VideoFact&)> change) {
    return StateChange{
        video_key(account, video_id), kVideoSeconds,
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

ReadBudget budget_of(const AccountState& s, long long per_minute, double share) {
    return s.budget.limit > 0 ? ReadBudget(s.budget, share) : ReadBudget(per_minute, share);
}

}  // namespace watch
