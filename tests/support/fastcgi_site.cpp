// Test support: nginx + spawn-fcgi + handler + stand-in (see fastcgi_site.h).
#include "tests/support/fastcgi_site.h"

namespace testing {

std::map<std::string, std::string> standin_settings(const std::map<std::string, std::string>& overrides) {
    std::map<std::string, std::string> s = {{"APIVIDEO_API_KEY", kKey},
                                            {"APIVIDEO_API_URL", shared_standin().api()},
                                            {"APIVIDEO_TIMEOUT_MS", "1500"},
                                            // The shared stand-in's budget (its harness sets it).
                                            {"APIVIDEO_READS_PER_MINUTE", "1000000"},
                                            // Each test's handlers keep their own state: no
                                            // budget or queue carried from one test to the next.
                                            {"WATCH_STORE", "memory"}};
    for (const auto& kv : overrides) s[kv.first] = kv.second;
    return s;
}

namespace {

// A site's handler shares its state through a store of the site's own, in its folder.
std::map<std::string, std::string> with_store(const TempDir& dir, std::map<std::string, std::string> overrides) {
    overrides.emplace("WATCH_STORE", dir.file("state"));
    return overrides;
}

}  // namespace

FastCgiSite::FastCgiSite(const std::map<std::string, std::string>& overrides, const std::string& extra_site)
    : handler(dir.file("watch.sock"), standin_settings(with_store(dir, overrides)), dir.file("handler-stderr.log")),
      nginx(dir, handler.socket(), extra_site) {
    shared_standin().reset();
    shared_standin().knobs("");
}

int FastCgiSite::port() const {  // from "http://127.0.0.1:PORT/"
    std::string u = nginx.url("/");
    return std::stoi(u.substr(u.rfind(':') + 1));
}

}  // namespace testing
