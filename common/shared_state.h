// A site's shared state, as the core means it: what an account (an API URL and key) keeps
// in the store, under which keys, and the changes the core makes to it. A change decodes
// the value kept, lets the core's own logic (budget.h, video_facts.h) work on it, and
// encodes it again; a value that cannot be read (another version's, or poisoned) counts
// as none, so the worst it can cost is a fresh start.
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/budget.h"
#include "common/state_store.h"
#include "common/video_facts.h"

namespace watch {

// What every process of a site shares of its account.
struct AccountState {
    BudgetState budget;  // limit 0: fresh, the site's APIVIDEO_READS_PER_MINUTE applies
    QueueState queue;
    std::vector<std::string> origins;        // the hosts its videos are served from (the waiting page's CSP)
    std::string secret;                      // made once when the site sets no WATCH_COOKIE_SECRET
    std::map<std::string, long long> pages;  // page views by outcome (the status)
};

// How long a value lives after its last change: an account a week (its secret signs the
// cookies of returning viewers), a video's facts a day.
inline constexpr long long kAccountSeconds = 7 * 24 * 3600;
inline constexpr long long kVideoSeconds = 24 * 3600;
// The hosts an account keeps for the waiting page's CSP, at most.
inline constexpr size_t kMaxOrigins = 16;

// An account's name in the store: its API URL and key, hashed (no key in a store).
std::string account_id(const std::string& api_url, const std::string& api_key);

// The store's keys: one per account, one per video of an account.
inline constexpr const char* kAccountKeyPrefix = "apivideo-watch:v1:account:";
std::string account_key(const std::string& account);
std::string video_key(const std::string& account, const std::string& id);

// A change to an account's state, or to one video's facts: `change` gets the value (fresh
// when none is kept) and returns whether it changed it (a change that only reads writes
// nothing, and leaves the value's lifetime as it was).
StateChange change_account(const std::string& account, std::function<bool(AccountState&)> change);
StateChange change_video(const std::string& account, const std::string& id, std::function<bool(VideoFact&)> change);

// Adds page views by outcome (a process counts its own, and adds them now and then).
StateChange count_pages(const std::string& account, std::map<std::string, long long> counts);

// What a process made of a key while the store was down (`outage`), merged into what the
// store kept (FallbackStore's Merge): the queue's visitors who waited in the process's own
// queue join the kept queue by arrival, ahead of those who came later; the budget counts
// the reads spent meanwhile; the page counts are not lost.
std::string merge_outage(const std::string& key, const std::string& kept, const std::string& outage);

// The budget and the queue of a state, as the site's settings make them.
ReadBudget budget_of(const AccountState& s, long long per_minute, double share);

}  // namespace watch
