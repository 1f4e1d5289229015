// A site: its settings, its compiled templates and its rate-limit gate. One handler may
// serve several sites, each with its own settings passed by the web server as FastCGI
// parameters (fastcgi_param, FcgidInitialEnv); each distinct set is read and checked
// once, then kept.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "common/config.h"
#include "common/page.h"
#include "common/rate_gate.h"

namespace watch {

struct Site {
    Site(Config c, Pages p) : config(std::move(c)), pages(std::move(p)) {}
    Config config;
    Pages pages;
    mutable RateGate gate;  // api.video's rate limit is per key, so per site
};

// Reads settings and templates into a Site. Returns "" or a one-line reason.
std::string load_site(const SettingLookup& lookup, std::shared_ptr<const Site>& out);

class Sites {
   public:
    // `env` is the process's own settings (getenv); `base` the site they make.
    Sites(SettingLookup env, std::shared_ptr<const Site> base) : env_(std::move(env)), base_(std::move(base)) {}

    // The site of a request: the base one unless the request's parameters set site
    // settings, which then win over the process's own (a site that sets either key
    // setting takes neither from the process). Returns nullptr with `error` set when
    // those settings are broken.
    std::shared_ptr<const Site> for_request(const SettingLookup& params, std::string& error);

    const Site& base() const { return *base_; }

    // A new base site (settings files and templates read again): every site is read
    // again on its next request. Pages under way keep the site they started with.
    void reset(std::shared_ptr<const Site> base);

   private:
    // Distinct parameter sets kept; a web server has a handful of sites, so hitting this
    // means something varies per request that should not: start over rather than grow.
    static constexpr size_t kMaxSites = 64;
    SettingLookup env_;
    std::shared_ptr<const Site> base_;
    std::mutex mutex_;
    struct Entry {
        std::shared_ptr<const Site> site;  // null when the settings are broken
        std::string error;
    };
    std::map<std::string, Entry> sites_;
};

}  // namespace watch
