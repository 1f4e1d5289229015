// Sites (see site.h).
#include "common/site.h"

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

std::shared_ptr<const Site> Sites::for_request(const SettingLookup& params, std::string& error) {
    std::string key;
    for (const std::string& name : site_setting_names()) {
        const char* v = params(name.c_str());
        if (v && *v) key += name + '=' + v + '\0';
    }
    if (key.empty()) return base_;

    std::lock_guard<std::mutex> lock(mutex_);
    auto it = sites_.find(key);
    if (it != sites_.end()) return it->second;
    std::shared_ptr<const Site> site;
    // The request's parameters first, then the process environment, then the defaults.
    error = load_site(
        [&](const char* name) {
            const char* v = params(name);
            return v && *v ? v : env_(name);
        },
        site);
    if (!error.empty()) return nullptr;
    if (sites_.size() >= kMaxSites) sites_.clear();
    sites_.emplace(key, site);
    return site;
}

}  // namespace watch
