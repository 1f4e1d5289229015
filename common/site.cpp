// Sites (see site.h): the loader, and the sites of a FastCGI process.
#include "common/site.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/ca_bundle.h"
#include "common/crypto.h"

namespace watch {

namespace {

// The source of template `name`: in `dir` when it has the file, else built in.
std::string template_source(const std::string& dir, const std::string& name) {
    if (!dir.empty()) {
        std::string text, why;
        if (read_file(dir + "/" + name, text, why)) return text;
    }
    for (const BuiltinTemplate& t : builtin_templates()) {
        if (name == t.name) return t.source;
    }
    throw TemplateError(name + ": not built in");
}

// The queue adds a nonce of the process to whichever secret it gets (TurnQueue): a turn
// is a place in one process's queue, never honoured by another.
std::shared_ptr<Account> new_account(const Config& c) {
    return std::make_shared<Account>(c, c.cookie_secret.empty() ? random_hex(32) : c.cookie_secret);
}

}  // namespace

bool read_file(const std::string& path, std::string& content, std::string& why) {
    struct stat st {};
    if (stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
        why = "names a folder, not a file";
        return false;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        why = std::string("cannot be read: ") + std::strerror(errno);
        return false;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    content = ss.str();
    return true;
}

Pages builtin_pages() {
    return Pages::load([](const std::string& name) { return template_source("", name); }, Pages::Compile::OnUse);
}

bool load_site(const SettingLookup& lookup, std::shared_ptr<const Site>& out, std::string& why,
               Pages::Compile compile) {
    Config config;
    if (!load_config(lookup, read_file, config, why)) return false;
    // A mistyped folder must not pass silently for "all built in".
    struct stat st {};
    if (!config.template_dir.empty() && (stat(config.template_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
        why = "WATCH_TEMPLATE_DIR: " + config.template_dir + " is not a folder this process can read";
        return false;
    }
    if (config.ca_trust.from == CaTrust::From::Path && stat(config.ca_trust.path.c_str(), &st) != 0) {
        why = "APIVIDEO_CA_TRUST: " + config.ca_trust.path + ": " + std::strerror(errno);
        return false;
    }
    if (config.ca_trust.from == CaTrust::From::BuiltIn && !builtin_ca_bundle()) {
        why = "APIVIDEO_CA_TRUST: builtin, but this binary has no CA certificates built in (make static's has)";
        return false;
    }
    try {
        // The loader keeps its own copy of the folder: with OnUse it outlives this call.
        Pages pages = Pages::load(
            [dir = config.template_dir](const std::string& name) { return template_source(dir, name); }, compile);
        std::shared_ptr<Account> account = new_account(config);
        out = std::make_shared<const Site>(Site{std::move(config), std::move(pages), std::move(account)});
    } catch (const TemplateError& e) {
        why = std::string("template ") + e.what();
        return false;
    }
    return true;
}

Sites::Sites(SettingLookup env, std::shared_ptr<const Site> base) : env_(std::move(env)) {
    base_ = with_account(std::move(base));
}

// The site with the account of its API URL and key, made once per process.
std::shared_ptr<const Site> Sites::with_account(std::shared_ptr<const Site> site) {
    std::shared_ptr<Account>& account = accounts_[site->config.api_url + "\n" + site->config.api_key];
    if (!account) account = site->account;
    if (site->account == account) return site;
    return std::make_shared<const Site>(Site{site->config, site->pages, account});
}

void Sites::reset(std::shared_ptr<const Site> base) {
    base_ = with_account(std::move(base));
    sites_.clear();
}

std::shared_ptr<const Site> Sites::for_request(const SettingLookup& params, std::string& error) {
    std::string key;
    for (const std::string& name : site_setting_names()) {
        const char* v = params(name.c_str());
        if (v && *v) key += name + '=' + v + '\0';
    }
    if (key.empty()) return base_;

    auto it = sites_.find(key);
    if (it != sites_.end()) {
        error = it->second.error;
        return it->second.site;
    }
    // A site that names its own key, as APIVIDEO_API_KEY or APIVIDEO_API_KEY_FILE, gets
    // nothing of the process's key: otherwise the process's APIVIDEO_API_KEY would win
    // over the site's key file, and the site would be served from another account.
    auto set = [&](const char* name) {
        const char* v = params(name);
        return v && *v;
    };
    const bool own_key = set("APIVIDEO_API_KEY") || set("APIVIDEO_API_KEY_FILE");
    // The request's parameters first, then the process environment, then the defaults.
    Entry entry;
    std::shared_ptr<const Site> site;
    bool ok = load_site(
        [&](const char* name) -> const char* {
            if (set(name)) return params(name);
            bool key_setting =
                std::strcmp(name, "APIVIDEO_API_KEY") == 0 || std::strcmp(name, "APIVIDEO_API_KEY_FILE") == 0;
            return own_key && key_setting ? nullptr : env_(name);
        },
        site, entry.error);
    if (ok) entry.site = with_account(site);
    // Kept either way: a broken site is not read again on every request (the log says
    // why each time).
    if (sites_.size() >= kMaxSites) sites_.clear();
    sites_.emplace(key, entry);
    error = entry.error;
    return entry.site;
}

}  // namespace watch
