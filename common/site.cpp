// Sites (see site.h): the loader, and the sites of a FastCGI process.
#include "common/site.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

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

std::shared_ptr<Account> new_account(const Config& c) { return std::make_shared<Account>(c); }

}  // namespace

bool read_file(const std::string& path, std::string& content, std::string& why) {
    // Never blocks and never reads without end, whatever the path names: a FIFO or a
    // device (a setting sent as a FastCGI parameter may name /dev/zero) is refused.
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        why = std::string("cannot be read: ") + std::strerror(errno);
        return false;
    }
    struct stat st {};
    bool ok = false;
    if (fstat(fd, &st) != 0) {
        why = std::string("cannot be read: ") + std::strerror(errno);
    } else if (S_ISDIR(st.st_mode)) {
        why = "names a folder, not a file";
    } else if (!S_ISREG(st.st_mode)) {
        why = "is not a regular file";
    } else if (st.st_size > static_cast<off_t>(kMaxFileBytes)) {
        why = "is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB";
    } else {
        content.clear();
        char buf[64 * 1024];
        ssize_t n = 0;
        // Read to the end, in case the file grew since fstat, but never past the cap.
        while (content.size() <= kMaxFileBytes && ((n = read(fd, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))) {
            if (n > 0) content.append(buf, static_cast<size_t>(n));
        }
        if (n < 0) {
            why = std::string("cannot be read: ") + std::strerror(errno);
        } else if (content.size() > kMaxFileBytes) {
            why = "is larger than " + std::to_string(kMaxFileBytes >> 20) + " MiB";
        } else {
            ok = true;
        }
    }
    close(fd);
    return ok;
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

// The site with the account of its API URL and key: one per process while a site (or a
// page under way) uses it. An account no site holds any more goes with its last page, so
// requests that each name another key cost nothing once their sites are forgotten.
std::shared_ptr<const Site> Sites::with_account(std::shared_ptr<const Site> site) {
    std::weak_ptr<Account>& known = accounts_[site->config.api_url + "\n" + site->config.api_key];
    std::shared_ptr<Account> account = known.lock();
    if (!account) {
        account = site->account;
        known = account;
        if (accounts_.size() > 2 * kMaxSites) {
            for (auto it = accounts_.begin(); it != accounts_.end();) {
                it = it->second.expired() ? accounts_.erase(it) : std::next(it);
            }
        }
    }
    if (site->account == account) return site;
    return std::make_shared<const Site>(Site{site->config, site->pages, account});
}

std::vector<std::shared_ptr<const Site>> Sites::all() const {
    std::vector<std::shared_ptr<const Site>> out = {base_};
    for (const auto& kv : sites_) {
        if (kv.second.site) out.push_back(kv.second.site);
    }
    return out;
}

size_t Sites::accounts() const {
    size_t n = 0;
    for (const auto& kv : accounts_) n += !kv.second.expired();
    return n;
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
