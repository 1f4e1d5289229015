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

watch::Response Core::get(const Call& call) { return get(request(call)); }

watch::Response Core::get(watch::Request request) {
    watch::HttpClient client(global);
    return watch::handle_watch(std::move(request), site, client, *state);
}

watch::Round Core::until_calls(watch::PageView& page, watch::Round round) {
    while (!round.empty() && round.calls.empty()) {
        state->apply(std::move(round.changes), [](bool, const std::string&) {});
        round = page.resume({});
    }
    return round;
}

watch::AccountState Core::account_state() {
    watch::AccountState out;
    state->apply({watch::change_account(site->account->id,
                                        [&out](watch::AccountState& s) {
                                            out = s;
                                            return false;
                                        })},
                 [](bool, const std::string&) {});
    return out;
}

watch::Response Core::get_as_sent(const std::map<std::string, std::string>& cgi_variables) {
    watch::Request req = watch::request_from_params([&](const char* name) -> const char* {
        auto it = cgi_variables.find(name);
        return it == cgi_variables.end() ? nullptr : it->second.c_str();
    });
    return get(std::move(req));
}

std::string session_of(const std::string& url) {
    size_t at = url.find("avh=");
    if (at == std::string::npos) return "";
    return url.substr(at + 4, url.find_first_of("&#", at) - at - 4);
}

std::vector<std::string> asset_urls(const std::string& page) {
    std::vector<std::string> out;
    for (const auto& u : page_urls(page)) {
        if (u.rfind(shared_standin().vod(), 0) == 0 || u.rfind(shared_standin().live(), 0) == 0) out.push_back(u);
    }
    return out;
}

std::string cookie_pair(const watch::Response& r) {
    const std::string* set = r.header("Set-Cookie");
    return set ? set->substr(0, set->find(';')) : "";
}

}  // namespace testing
