// Test support for the component tier: the core (handle_watch) with a site made from
// given settings, pointed at the shared stand-in, called directly (no web server).
#pragma once
#include <map>
#include <memory>
#include <string>

#include "common/http_client.h"
#include "common/shared_state.h"
#include "common/site.h"
#include "common/state_store.h"
#include "common/watch.h"

namespace testing {

struct Core {
    using Settings = std::map<std::string, std::string>;

    // The stand-in's API URL and key, a 2 s timeout, then `settings` on top. Resets the
    // stand-in's log and knobs.
    explicit Core(Settings settings = {});

    const watch::Config& config() const { return site->config; }

    struct Call {
        Call(std::string q, std::string m = "GET", std::string c = "", std::string a = "", long long n = 0)
            : query(std::move(q)), method(std::move(m)), cookie(std::move(c)), accept(std::move(a)), now(n) {}
        std::string query, method, cookie, accept;
        long long now;  // 0: the current time
    };
    // The request a web server would pass for `call`, for a test that drives a PageView.
    static watch::Request request(const Call& call);
    watch::Response get(const Call& call);
    watch::Response get(const std::string& query) { return get(Call(query)); }
    watch::Response get(watch::Request request);

    // Applies the changes of `round` and of the rounds after it, until one asks for calls
    // (returned as it is) or the page view is done (an empty round).
    watch::Round until_calls(watch::PageView& page, watch::Round round);
    // The site's account as the shared state holds it now.
    watch::AccountState account_state();
    // The request a web server passes as exactly these CGI variables (REQUEST_METHOD,
    // QUERY_STRING, REQUEST_URI, REMOTE_ADDR, …), read as the adapters read it.
    watch::Response get_as_sent(const std::map<std::string, std::string>& cgi_variables);

    watch::HttpGlobal global;
    std::shared_ptr<const watch::Site> site;
    // The site's shared state: this process's memory, fresh for each Core.
    std::unique_ptr<watch::StateStore> state = std::make_unique<watch::MemoryStore>();
};

// The value of the avh parameter in a URL ("" when absent).
std::string session_of(const std::string& url);

// The page's URLs on the stand-in's delivery and live hosts.
std::vector<std::string> asset_urls(const std::string& page);

// The "name=value" part of a Set-Cookie header, for sending it back.
std::string cookie_pair(const watch::Response& r);

}  // namespace testing
