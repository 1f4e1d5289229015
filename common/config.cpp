// Settings: the table of names and defaults, and the one function that reads them.
#include "common/config.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/url.h"

namespace watch {

namespace {

struct Setting {
    const char* name;
    const char* fallback;  // nullptr: no default
    const char* meaning;
};

// The one place defaults live. README.md's settings table mirrors this.
const Setting kSettings[] = {
    {"APIVIDEO_API_KEY", nullptr, "api.video API key (or APIVIDEO_API_KEY_FILE)"},
    {"APIVIDEO_API_KEY_FILE", nullptr, "file holding the API key (preferred on shared servers)"},
    {"APIVIDEO_API_URL", "https://ws.api.video", "API base URL (https://sandbox.api.video for sandbox keys)"},
    {"APIVIDEO_TIMEOUT_MS", "5000", "budget for each upstream call, in milliseconds"},
    {"APIVIDEO_CA_FILE", "", "extra CA bundle (PEM) trusted besides the system's"},
    {"WATCH_PLAYER_URL", kDefaultPlayerUrl, "where the page loads video.js from (a directory URL)"},
    {"WATCH_THREADS", "16", "FastCGI worker threads"},
};

const char* setting(const SettingLookup& lookup, const char* name) {
    const char* v = lookup(name);
    if (v && *v) return v;
    for (const Setting& s : kSettings) {
        if (std::string(s.name) == name) return s.fallback ? s.fallback : "";
    }
    return "";
}

bool parse_long(const std::string& s, long lo, long hi, long& out) {
    if (s.empty()) return false;
    errno = 0;
    char* end = nullptr;
    long v = std::strtol(s.c_str(), &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
    out = v;
    return true;
}

// A key is printable ASCII without spaces or ':' (Basic auth puts a ':' after it).
bool plausible_key(const std::string& k) {
    if (k.empty() || k.size() > 256) return false;
    for (unsigned char c : k) {
        if (c <= 0x20 || c >= 0x7F || c == ':') return false;
    }
    return true;
}

std::string trim(std::string s) {
    const char* ws = " \t\r\n";
    s.erase(s.find_last_not_of(ws) + 1);
    s.erase(0, s.find_first_not_of(ws));
    return s;
}

}  // namespace

std::string load_config(const SettingLookup& lookup, Config& out) {
    Config c;

    std::string key = setting(lookup, "APIVIDEO_API_KEY");
    std::string key_file = setting(lookup, "APIVIDEO_API_KEY_FILE");
    if (key.empty() && !key_file.empty()) {
        std::ifstream in(key_file);
        if (!in) return "APIVIDEO_API_KEY_FILE: cannot read " + key_file;
        std::stringstream ss;
        ss << in.rdbuf();
        key = trim(ss.str());
        if (key.empty()) return "APIVIDEO_API_KEY_FILE: " + key_file + " is empty";
    }
    if (key.empty()) return "no API key: set APIVIDEO_API_KEY or APIVIDEO_API_KEY_FILE";
    if (!plausible_key(key)) return "the API key holds spaces, ':' or control characters";
    c.api_key = key;

    c.api_url = setting(lookup, "APIVIDEO_API_URL");
    while (!c.api_url.empty() && c.api_url.back() == '/') c.api_url.pop_back();
    auto api = parse_url(c.api_url);
    if (!api || !is_allowed_upstream_url(c.api_url) || (api->rest != "" && api->rest[0] != '/') ||
        api->rest.find_first_of("?#") != std::string::npos) {
        return "APIVIDEO_API_URL: must be an https:// URL (http:// only for a loopback host)";
    }

    if (!parse_long(setting(lookup, "APIVIDEO_TIMEOUT_MS"), 100, 120000, c.timeout_ms)) {
        return "APIVIDEO_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 120000";
    }
    // Connecting is the part that fails fast or not at all: give it a share of the budget.
    c.connect_timeout_ms = std::min(c.timeout_ms, std::max(100L, c.timeout_ms * 2 / 5));

    c.ca_file = setting(lookup, "APIVIDEO_CA_FILE");
    if (!c.ca_file.empty() && !std::ifstream(c.ca_file)) {
        return "APIVIDEO_CA_FILE: cannot read " + c.ca_file;
    }

    c.player_url = setting(lookup, "WATCH_PLAYER_URL");
    while (!c.player_url.empty() && c.player_url.back() == '/') c.player_url.pop_back();
    bool local = !c.player_url.empty() && c.player_url[0] == '/' &&
                 (c.player_url.size() < 2 || c.player_url[1] != '/');
    if (!local && !(parse_url(c.player_url) && parse_url(c.player_url)->scheme == "https") &&
        !is_allowed_upstream_url(c.player_url)) {
        return "WATCH_PLAYER_URL: must be an https:// URL or a path on this site starting with /";
    }
    if (c.player_url == kDefaultPlayerUrl) {
        c.player_js_sri = kDefaultPlayerJsSri;
        c.player_css_sri = kDefaultPlayerCssSri;
    }

    long threads = 0;
    if (!parse_long(setting(lookup, "WATCH_THREADS"), 1, 1024, threads)) {
        return "WATCH_THREADS: must be a whole number from 1 to 1024";
    }
    c.threads = static_cast<int>(threads);

    out = std::move(c);
    return "";
}

std::string settings_help() {
    std::string out;
    for (const Setting& s : kSettings) {
        out += "  ";
        out += s.name;
        out += std::string(24 - std::string(s.name).size(), ' ');
        out += s.meaning;
        if (s.fallback && *s.fallback) {
            out += " (default ";
            out += s.fallback;
            out += ")";
        }
        out += "\n";
    }
    return out;
}

}  // namespace watch
