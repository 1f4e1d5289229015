// The status an operator reads, as PHP-FPM's pm.status_path shows a pool: for each account
// (API key) a site serves, the reads left in api.video's window, the queue's length and
// its oldest wait, the page views by outcome, and the state store's condition. Site-wide
// when the store is shared: it is read from there. Text for a person, JSON for a script,
// OpenMetrics for Prometheus; the same View the page is, so CGI, FastCGI and
// `apivideo-watch --status` all make it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "common/shared_state.h"
#include "common/site.h"
#include "common/watch.h"

namespace watch {

enum class StatusFormat { Text, Json, OpenMetrics };

// The format a request asks for: ?format=json|openmetrics|text, else its Accept header.
StatusFormat status_format(const std::string& query, const std::string& accept);

// What this process has spent in its store since it started (handler/store.h counts it).
struct StoreCost {
    unsigned long long applies = 0;       // apply() calls
    unsigned long long changes = 0;       // the changes they carried
    unsigned long long microseconds = 0;  // wall time inside the store's code, its callers' excluded
};

// The store as the status tells it.
struct StoreCondition {
    std::string name;     // "lmdb /var/…", "redis://…", "memory"
    bool shared = false;  // in use (not in an outage, not memory)
    std::string outage;   // why it is not, when it should be
    StoreCost cost;       // this process's, not the site's
};

// One account's status, as read from the shared state.
struct AccountStatus {
    std::string id;
    std::string api_url;
    long long limit = 0;           // reads per window
    long long left = 0;            // reads that may go now
    long long window_ends_in = 0;  // seconds
    long long in_flight = 0;
    unsigned long long waiting = 0;  // turns handed out, not yet admitted
    long long oldest_wait = 0;       // seconds
    std::map<std::string, long long> pages;
};

class StatusView final : public View {
   public:
    // The accounts of `sites` (one per API key), as of `now`.
    StatusView(std::vector<std::shared_ptr<const Site>> sites, StoreCondition store, StatusFormat format,
               long long now);
    Round start() override;
    Round resume(std::vector<HttpResult> results) override;
    Response take_response() override;
    std::vector<StateChange> abandon() override { return {}; }

   private:
    std::vector<std::shared_ptr<const Site>> sites_;
    StoreCondition store_;
    StatusFormat format_;
    long long now_;
    std::shared_ptr<std::vector<AccountStatus>> accounts_;  // filled by the round's changes
};

// The status in each form.
std::string status_text(const StoreCondition& store, const std::vector<AccountStatus>& accounts, long long now);
std::string status_openmetrics(const StoreCondition& store, const std::vector<AccountStatus>& accounts);
// (status_json is json.h's.)

}  // namespace watch
