// Sites (see site.h).
#include "common/site.h"

#include <cstring>

namespace watch {

std::string load_site(const SettingLookup& lookup, std::shared_ptr<const Site>& out) {
    Config config;
    if (std::string err = load_config(lookup, config); !err.empty()) return err;
    try {
        Pages pages = Pages::load(config.template_dir);
        out = std::make_shared<const Site>(std::move(config), std::move(pages));
    } catch (const TemplateError& e) {
        return std::string("template ") + e.what();
    }
    return "";
}

void Sites::reset(std::shared_ptr<const Site> base) {
    std::lock_guard<std::mutex> lock(mutex_);
    base_ = std::move(base);
    sites_.clear();
}

std::shared_ptr<const Site> Sites::for_request(const SettingLookup& params, std::string& error) {
    std::string key;
    for (const std::string& name : site_setting_names()) {
        const char* v = params(name.c_str());
        if (v && *v) key += name + '=' + v + '\0';
    }
    if (key.empty()) return base_;

    std::lock_guard<std::mutex> lock(mutex_);
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
    entry.error = load_site(
        [&](const char* name) -> const char* {
            if (set(name)) return params(name);
            bool key_setting = std::strcmp(name, "APIVIDEO_API_KEY") == 0 || std::strcmp(name, "APIVIDEO_API_KEY_FILE") == 0;
            return own_key && key_setting ? nullptr : env_(name);
        },
        entry.site);
    // Kept either way: a broken site is not read again on every request (the log says
    // why each time).
    if (sites_.size() >= kMaxSites) sites_.clear();
    sites_.emplace(key, entry);
    error = entry.error;
    return entry.site;
}

}  // namespace watch
