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

#include "common/config.h"
#include "common/page.h"
#include "common/shared_state.h"

namespace watch {

// What a process keeps of one api.video account (an API URL and key) besides its shared
// state (shared_state.h): the account's name there, and the secret it signs cookies and
// tickets with when the site's settings set none (made once in the shared state, learnt
// once per process).
struct Account {
    explicit Account(const Config& c) : id(account_id(c.api_url, c.api_key)) {}
    const std::string id;
    std::string secret;          // "" until learnt
    bool secret_shared = false;  // learnt from the shared store (not this process's memory)
};

struct Site {
    Config config;
    Pages pages;
    std::shared_ptr<Account> account;  // shared by every site of the same account
};

// The FileReader of the loader: the whole of a regular file of at most kMaxFileBytes, or
// why not.
inline constexpr size_t kMaxFileBytes = 8 << 20;
[[nodiscard]] bool read_file(const std::string& path, std::string& content, std::string& why);

// The pages of the templates built into the binary: the error response when a site's
// own settings are broken (compiled as they are needed).
Pages builtin_pages();

// Reads settings and templates into a Site with an account of its own. False with a
// reason (a line per problem). `compile`: Pages::Compile::OnUse for a process that serves
// one page (CGI).
[[nodiscard]] bool load_site(const SettingLookup& lookup, std::shared_ptr<const Site>& out, std::string& why,
                             Pages::Compile compile = Pages::Compile::AtLoad);

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
    // Every site this process serves now: the base one and those its requests named.
    std::vector<std::shared_ptr<const Site>> all() const;
    // Accounts in use (by a site kept, or a page under way): bounded by the sites kept.
    size_t accounts() const;

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
    std::map<std::string, std::weak_ptr<Account>> accounts_;  // by API URL and key
};

}  // namespace watch
