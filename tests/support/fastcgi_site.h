// Test support: the README's nginx recipe for real, fresh for each test. nginx from
// nginx.conf.example in front of the handler under spawn-fcgi, the shared stand-in
// behind it (reset, knobs cleared).
#pragma once
#include <map>
#include <string>

#include "tests/support/servers.h"
#include "tests/support/standin.h"

namespace testing {

// The handler's settings for the shared stand-in: its API URL and key, a 1.5 s budget;
// `overrides` on top.
std::map<std::string, std::string> standin_settings(const std::map<std::string, std::string>& overrides = {});

struct FastCgiSite {
    explicit FastCgiSite(const std::map<std::string, std::string>& overrides = {}, const std::string& extra_site = "");
    std::string watch(const std::string& query) const { return nginx.url("/watch?" + query); }
    int port() const;

    TempDir dir;
    SpawnFcgiHandler handler;
    Nginx nginx;
};

}  // namespace testing
