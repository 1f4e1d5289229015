// The operator's status (see status.h).
#include "common/status.h"

#include <algorithm>
#include <set>

#include "common/json.h"
#include "common/request.h"
#include "common/text.h"

namespace watch {

StatusFormat status_format(const std::string& query, const std::string& accept) {
    std::vector<QueryParam> params;
    if (parse_query(query, params)) {
        for (const QueryParam& p : params) {
            if (p.name != "format") continue;
            if (p.value == "json") return StatusFormat::Json;
            if (p.value == "openmetrics") return StatusFormat::OpenMetrics;
            return StatusFormat::Text;
        }
    }
    if (accept.find("application/openmetrics-text") != std::string::npos) return StatusFormat::OpenMetrics;
    if (accept.find("application/json") != std::string::npos) return StatusFormat::Json;
    return StatusFormat::Text;
}

StatusView::StatusView(std::vector<std::shared_ptr<const Site>> sites, StoreCondition store, StatusFormat format,
                       long long now)
    : sites_(std::move(sites)),
      store_(std::move(store)),
      format_(format),
      now_(now),
      accounts_(std::make_shared<std::vector<AccountStatus>>()) {}

// One change that only reads, per account (sites on one key share it).
Round StatusView::start() {
    Round r;
    std::set<std::string> seen;
    for (const auto& site : sites_) {
        const Config& c = site->config;
        if (!seen.insert(site->account->id).second) continue;
        auto out = accounts_;
        const long long now = now_;
        const double share = store_.shared ? 1.0 : c.read_share;
        AccountStatus a;
        a.id = site->account->id;
        a.api_url = c.api_url;
        const long long per_minute = c.reads_per_minute;
        const std::string secret = site->account->secret;
        const long long bound = c.wait_seconds;
        r.changes.push_back(
            change_account(a.id, [out, a, now, share, per_minute, secret, bound](AccountState& s) mutable {
                ReadBudget budget = budget_of(s, per_minute, share);
                a.left = budget.available(now);
                a.limit = budget.per_window();
                a.in_flight = budget.state().in_flight;
                a.window_ends_in = std::max(0LL, budget.state().window_end - now);
                TurnQueue turns(secret, bound, s.queue);
                a.waiting = turns.waiting();
                a.oldest_wait = turns.oldest_wait(now);
                a.pages = s.pages;
                // A change may run again (another process wrote first): the last run counts.
                auto it = std::find_if(out->begin(), out->end(), [&](const AccountStatus& x) { return x.id == a.id; });
                if (it == out->end())
                    out->push_back(a);
                else
                    *it = a;
                return false;
            }));
    }
    return r;
}

Round StatusView::resume(std::vector<HttpResult>) { return Round{}; }

Response StatusView::take_response() {
    Response r;
    r.headers.emplace_back("Cache-Control", "no-store");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    switch (format_) {
        case StatusFormat::Json:
            r.headers.emplace_back("Content-Type", "application/json");
            r.body = status_json(store_, *accounts_, now_);
            break;
        case StatusFormat::OpenMetrics:
            r.headers.emplace_back("Content-Type", "application/openmetrics-text; version=1.0.0; charset=utf-8");
            r.body = status_openmetrics(store_, *accounts_);
            break;
        case StatusFormat::Text:
            r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
            r.body = status_text(store_, *accounts_, now_);
            break;
    }
    r.outcome = "status";
    return r;
}

std::string status_text(const StoreCondition& store, const std::vector<AccountStatus>& accounts, long long now) {
    std::string s = "apivideo-watch status at " + iso_time(now) + "\n";
    s += "state store: " + store.name +
         (store.shared             ? " (shared)"
          : store.name == "memory" ? " (this process's own)"
                                   : "");
    if (!store.outage.empty()) s += " (down: " + store.outage + "; this process keeps its own state meanwhile)";
    s += "\n";
    s += "  this process: " + std::to_string(store.cost.applies) + " applies of " + std::to_string(store.cost.changes) +
         " changes, " + std::to_string(store.cost.microseconds) + " µs in the store\n";
    for (const AccountStatus& a : accounts) {
        s += "\naccount " + a.id + " (" + a.api_url + ")\n";
        s += "  reads left in this window: " + std::to_string(a.left) + " of " + std::to_string(a.limit) +
             " (it ends in " + std::to_string(a.window_ends_in) + " s; " + std::to_string(a.in_flight) +
             " in flight)\n";
        s += "  waiting for a turn: " + std::to_string(a.waiting) + " (the oldest for " +
             std::to_string(a.oldest_wait) + " s)\n";
        s += "  page views:";
        if (a.pages.empty()) s += " none yet";
        for (const auto& [outcome, n] : a.pages) s += " " + outcome + " " + std::to_string(n) + ",";
        if (s.back() == ',') s.pop_back();
        s += "\n";
    }
    return s;
}

namespace {

// An OpenMetrics label value: backslash, double quote and newline escaped.
std::string label(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') out += '\\';
        out += c == '\n' ? std::string("\\n") : std::string(1, c);
    }
    return out;
}

}  // namespace

std::string status_openmetrics(const StoreCondition& store, const std::vector<AccountStatus>& accounts) {
    std::string s;
    auto family = [&](const char* name, const char* type, const char* help) {
        s += std::string("# TYPE ") + name + " " + type + "\n# HELP " + name + " " + help + "\n";
    };
    auto gauge = [&](const char* name, const char* help, long long AccountStatus::*field) {
        family(name, "gauge", help);
        for (const AccountStatus& a : accounts) {
            s += std::string(name) + "{account=\"" + label(a.id) + "\"} " + std::to_string(a.*field) + "\n";
        }
    };
    gauge("apivideo_watch_reads_left", "api.video reads that may go now, in this window.", &AccountStatus::left);
    gauge("apivideo_watch_reads_per_window", "api.video reads a window brings.", &AccountStatus::limit);
    gauge("apivideo_watch_reads_in_flight", "api.video reads taken whose replies have not come.",
          &AccountStatus::in_flight);
    gauge("apivideo_watch_window_ends_in_seconds", "Seconds until api.video's window ends.",
          &AccountStatus::window_ends_in);
    gauge("apivideo_watch_oldest_wait_seconds", "How long the oldest visitor waiting for a turn has waited.",
          &AccountStatus::oldest_wait);
    family("apivideo_watch_waiting", "gauge", "Visitors waiting for a turn.");
    for (const AccountStatus& a : accounts) {
        s += "apivideo_watch_waiting{account=\"" + label(a.id) + "\"} " + std::to_string(a.waiting) + "\n";
    }
    family("apivideo_watch_pages", "counter", "Page views by outcome.");
    for (const AccountStatus& a : accounts) {
        for (const auto& [outcome, n] : a.pages) {
            s += "apivideo_watch_pages_total{account=\"" + label(a.id) + "\",outcome=\"" + label(outcome) + "\"} " +
                 std::to_string(n) + "\n";
        }
    }
    family("apivideo_watch_store_shared", "gauge", "1 when the state store is in use and shared, else 0.");
    s += "apivideo_watch_store_shared{store=\"" + label(store.name) + "\"} " + (store.shared ? "1" : "0") + "\n";
    family("apivideo_watch_store_applies", "counter", "Applies this process asked of the state store.");
    s += "apivideo_watch_store_applies_total " + std::to_string(store.cost.applies) + "\n";
    family("apivideo_watch_store_seconds", "counter", "Wall time this process spent in the state store's code.");
    s += "apivideo_watch_store_seconds_total " + std::to_string(store.cost.microseconds / 1e6) + "\n";
    s += "# EOF\n";
    return s;
}

}  // namespace watch
