// A site: its settings, its compiled templates, and the api.video account it reads from
// with that account's read budget. One handler may serve several sites, each with its
// own settings passed by the web server as FastCGI parameters (fastcgi_param,
// FcgidInitialEnv); each distinct set is read and checked once, then kept. This is the
// loader: the one stage that reads files (settings' files, templates).
#pragma once
#include <map>
#include <memory>
#include <set>
#include <string>

#include "common/budget.h"
#include "common/config.h"
#include "common/page.h"
#include "common/video_facts.h"

namespace watch {

// What the handler keeps of one api.video account (an API URL and key) between page
// views: its read budget and the queue of turns, what it learnt of its videos (caption
// and chapter lists, playability), and the hosts its videos are served from (the
// waiting page, made before any read, must allow them).
struct Account {
    Account(const Config& c, std::string turn_secret)
        : budget(c.reads_per_minute, c.read_share),
          turns(std::move(turn_secret), c.wait_seconds),
          facts(c.tracks_seconds) {}
    ReadBudget budget;
    TurnQueue turns;
    VideoFacts facts;
    std::set<std::string> asset_origins;
};

struct Site {
    Config config;
    Pages pages;
    std::shared_ptr<Account> account;  // shared by every site of the same account
};

// The FileReader of the loader: the whole file, or why not.
[[nodiscard]] bool read_file(const std::string& path, std::string& content, std::string& why);

// The pages of the templates built into the binary: the error response when a site's
// own settings are broken.
Pages builtin_pages();

// Reads settings and templates into a Site with an account of its own. False with a
// reason (a line per problem).
[[nodiscard]] bool load_site(const SettingLookup& lookup, std::shared_ptr<const Site>& out, std::string& why);

// The sites of one FastCGI process. Used by its one event loop only.
class Sites {
   public:
    // `env` is the process's own settings (getenv); `base` the site they make.
    Sites(SettingLookup env, std::shared_ptr<const Site> base);

    // The site of a request: the base one unless the request's parameters set site
    // settings, which then win over the process's own (a site that sets either key
    // setting takes neither from the process). Returns nullptr with `error` set when
    // those settings are broken.
    std::shared_ptr<const Site> for_request(const SettingLookup& params, std::string& error);

    const Site& base() const { return *base_; }

    // A new base site (settings files and templates read again): every site is read
    // again on its next request. Pages under way keep the site they started with; an
    // account keeps its budget and its queue.
    void reset(std::shared_ptr<const Site> base);

   private:
    std::shared_ptr<const Site> with_account(std::shared_ptr<const Site> site);

    // Distinct parameter sets kept; a web server has a handful of sites, so hitting this
    // means something varies per request that should not: start over rather than grow.
    static constexpr size_t kMaxSites = 64;
    SettingLookup env_;
    std::shared_ptr<const Site> base_;
    struct Entry {
        std::shared_ptr<const Site> site;  // null when the settings are broken
        std::string error;
    };
    std::map<std::string, Entry> sites_;
    std::map<std::string, std::shared_ptr<Account>> accounts_;  // by API URL and key
};

}  // namespace watch
