// Test support for the component tier (see core.h).
#include "tests/support/core.h"

#include <ctime>
#include <stdexcept>

#include "tests/support/http.h"
#include "tests/support/standin.h"

namespace testing {

Core::Core(Settings settings) {
    settings.emplace("APIVIDEO_API_KEY", kKey);
    settings.emplace("APIVIDEO_API_URL", shared_standin().api());
    settings.emplace("APIVIDEO_TIMEOUT_MS", "2000");
    std::string err;
    bool ok = watch::load_site(
        [&](const char* n) {
            auto it = settings.find(n);
            return it == settings.end() ? nullptr : it->second.c_str();
        },
        site, err);
    if (!ok) throw std::runtime_error(err);
    shared_standin().reset();
    shared_standin().knobs("");
}

watch::Request Core::request(const Call& call) {
    watch::Request req;
    req.method = call.method;
    req.query = call.query;
    req.cookie = call.cookie;
    req.accept = call.accept;
    req.path = "/watch";
    req.now = call.now ? call.now : static_cast<long long>(std::time(nullptr));
    return req;
}

watch::Response Core::get(const Call& call) {
    watch::HttpClient client(global);
    return watch::handle_watch(request(call), site, client);
}

watch::Response Core::get_as_sent(const std::map<std::string, std::string>& cgi_variables) {
    watch::Request req = watch::request_from_params([&](const char* name) -> const char* {
        auto it = cgi_variables.find(name);
        return it == cgi_variables.end() ? nullptr : it->second.c_str();
    });
    watch::HttpClient client(global);
    return watch::handle_watch(req, site, client);
}

std::string session_of(const std::string& url) {
    size_t at = url.find("avh=");
    if (at == std::string::npos) return "";
    return url.substr(at + 4, url.find_first_of("&#", at) - at - 4);
}

std::vector<std::string> asset_urls(const std::string& page) {
    std::vector<std::string> out;
    for (const auto& u : page_urls(page)) {
        if (u.rfind(shared_standin().vod(), 0) == 0) out.push_back(u);
    }
    return out;
}

std::string cookie_pair(const watch::Response& r) {
    const std::string* set = r.header("Set-Cookie");
    return set ? set->substr(0, set->find(';')) : "";
}

}  // namespace testing
