// Settings: the table of names and defaults, and the one function that reads them.
#include "common/config.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "common/request.h"
#include "common/store_redis.h"
#include "common/text.h"
#include "common/url.h"

namespace watch {

namespace {

struct Setting {
    const char* name;
    const char* fallback;  // nullptr: no default
    const char* meaning;
    bool per_site;  // may differ per site (FastCGI parameter)
};

// The one place defaults live. README.md's settings table mirrors this.
const Setting kSettings[] = {
    {"APIVIDEO_API_KEY", nullptr, "api.video API key (or APIVIDEO_API_KEY_FILE)", true},
    {"APIVIDEO_API_KEY_FILE", nullptr, "file holding the API key (preferred on shared servers)", true},
    {"APIVIDEO_API_URL", "https://ws.api.video", "API base URL (https://sandbox.api.video for sandbox keys)", true},
    {"APIVIDEO_TIMEOUT_MS", "5000", "budget for each upstream call, in milliseconds", true},
    {"APIVIDEO_CA_FILE", "", "extra CA bundle (PEM) trusted besides the system's", true},
    {"APIVIDEO_CA_TRUST", "system",
     "the CAs trusted: system (the host's, else those built in), builtin, or a PEM file or hashed folder", false},
    {"WATCH_PLAYER", "videojs", "the page's player: videojs, hlsjs, native or embed", true},
    {"WATCH_PLAYER_URL", kDefaultVideoJsUrl, "folder URL video.js is loaded from (https:// or /path)", true},
    {"WATCH_HLSJS_URL", kDefaultHlsJsUrl, "folder URL hls.js is loaded from (https:// or /path)", true},
    {"WATCH_TEMPLATE_DIR", "", "folder of customised templates (default: those built in)", true},
    {"WATCH_LOG", "errors", "errors: log failures; requests: one line per request", true},
    {"WATCH_COOKIE_SECRET", "", "secret that signs the returning-viewer cookie (off when empty)", true},
    {"WATCH_LINK_SECRET", "", "secret of signed watch links; when set, /watch needs exp and sig", true},
    {"WATCH_CLIENT_IP_HEADER", "", "header a trusted proxy puts the client's address in (empty: REMOTE_ADDR)", true},
    {"WATCH_ALLOWED_IDS", "", "the only video ids served: a list, or the path of a file of ids", true},
    {"APIVIDEO_READS_PER_MINUTE", "500", "api.video reads a minute to assume until its first reply (sandbox: 100)",
     true},
    {"WATCH_READ_SHARE", "1",
     "the part of the key's reads a process spends while it keeps its own state (no store, or the store is down)",
     true},
    {"WATCH_WAIT_SECONDS", "120", "the longest wait for a turn offered; longer gets the 503 page", true},
    {"WATCH_CAPTIONS", "on", "on: the video's captions in the player (one api.video read a video, kept a while); off",
     true},
    {"WATCH_CHAPTERS", "on", "on: the video's chapters in the player, likewise; off", true},
    {"WATCH_TRACKS_SECONDS", "300", "how long a video's caption and chapter lists are kept before they are read again",
     true},
    {"WATCH_NOINDEX", "on", "on: a private video's page asks search engines not to index it (noindex); off", true},
    {"WATCH_ANALYTICS", "off", "off, or apivideo: the video.js and hls.js pages report plays to api.video", true},
    {"WATCH_ANALYTICS_SCRIPT_URL", kDefaultAnalyticsScriptUrl,
     "folder URL api.video's analytics module (index.js) is loaded from (https:// or /path)", true},
    {"WATCH_ANALYTICS_URL", "https://collector.api.video", "api.video's analytics collector (pings go to URL/vod)",
     true},
    {"WATCH_MAX_IN_FLIGHT", "4096", "FastCGI: page views waiting on api.video at once (more get 503)", false},
    {"WATCH_SOCKET", "", "FastCGI: the socket path to take over from a predecessor (spawn-fcgi restarts)", false},
    {"WATCH_STORE", "",
     "where a site's processes share their state: a folder (LMDB; default $STATE_DIRECTORY, else "
     "/var/tmp/apivideo-watch-UID), redis://host:port[/db], or memory (each process its own)",
     false},
    {"WATCH_STORE_PASSWORD_FILE", "", "file holding the Redis password (AUTH) of WATCH_STORE", false},
};

const Setting* find_setting(const char* name) {
    for (const Setting& s : kSettings) {
        if (std::strcmp(s.name, name) == 0) return &s;
    }
    return nullptr;
}

std::string setting(const SettingLookup& lookup, const char* name) {
    const char* v = lookup(name);
    if (v && *v) return v;
    const Setting* s = find_setting(name);
    return s && s->fallback ? s->fallback : "";
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
    return std::all_of(k.begin(), k.end(), [](unsigned char c) { return c > 0x20 && c < 0x7F && c != ':'; });
}

bool parse_switch(const std::string& s, bool& out) {
    if (s != "on" && s != "off") return false;
    out = s == "on";
    return true;
}

bool parse_fraction(const std::string& s, double& out) {
    if (s.empty() || s.find_first_not_of("0123456789.") != std::string::npos) return false;
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (*end != '\0' || !(v > 0) || v > 1) return false;
    out = v;
    return true;
}

// The problems of a configuration, one line each: all are found, so a broken
// configuration is fixed in one go.
class Problems {
   public:
    void add(const std::string& line) { text_ += (text_.empty() ? "" : "\n") + line; }
    bool empty() const { return text_.empty(); }
    const std::string& text() const { return text_; }

   private:
    std::string text_;
};

void drop_trailing_slashes(std::string& url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
}

// Whether a URL the handler calls or a page loads is usable; if not, why, said so that
// the fix is plain. `what` is the rule, for when nothing more precise applies.
[[nodiscard]] bool usable_url(const std::string& url, const std::string& what, std::string& why) {
    auto blank = [](unsigned char c) { return c <= 0x20 || c == 0x7F; };
    if (!url.empty() && blank(static_cast<unsigned char>(url.back()))) {
        why = "ends with a space or a control character (pasted with the line's end?): remove it";
        return false;
    }
    if (!url.empty() && blank(static_cast<unsigned char>(url.front()))) {
        why = "starts with a space or a control character: remove it";
        return false;
    }
    if (std::any_of(url.begin(), url.end(), [&](char c) { return blank(static_cast<unsigned char>(c)); })) {
        why = "holds a space or a control character";
        return false;
    }
    size_t scheme_end = url.find("://");
    std::string scheme = ascii_lower(scheme_end == std::string::npos ? "" : url.substr(0, scheme_end));
    if (scheme != "https" && scheme != "http") {
        why = "must be " + what;
        return false;
    }
    std::string authority = url.substr(scheme_end + 3);
    authority = authority.substr(0, authority.find_first_of("/?#"));
    if (authority.find('@') != std::string::npos) {
        why = "must not hold a user name or password (user@host)";
        return false;
    }
    // The port: the digits after the last ':' that is not inside an IPv6 address's brackets.
    size_t colon = authority.rfind(':');
    if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
        std::string port = authority.substr(colon + 1);
        if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos) {
            why = "what follows the host's ':' is not a port number";
            return false;
        }
        if (port.size() > 5 || std::stol(port) < 1 || std::stol(port) > 65535) {
            why = "the port " + port.substr(0, 16) + " is out of range (1 to 65535)";
            return false;
        }
    }
    if (!parse_url(url)) {
        why = "is not a URL: must be " + what;
        return false;
    }
    if (!is_allowed_upstream_url(url)) {
        why = "http:// is only for a loopback host (127.0.0.1, ::1, localhost): use https://";
        return false;
    }
    return true;
}

// A base URL the handler calls (the API, the analytics collector): https (http only to a
// loopback host), kept without its trailing slashes; no query or fragment, as paths are
// appended to it.
[[nodiscard]] bool service_url(const SettingLookup& lookup, const char* name, std::string& out, std::string& why) {
    out = setting(lookup, name);
    drop_trailing_slashes(out);
    if (!usable_url(out, "an https:// URL (http:// only for a loopback host)", why)) {
        why = std::string(name) + ": " + why;
        return false;
    }
    if (parse_url(out)->rest.find_first_of("?#") != std::string::npos) {
        why = std::string(name) + ": must not hold a query or a fragment (? or #)";
        return false;
    }
    return true;
}

// A script folder: https://… (or http:// on loopback), or a path on this site.
[[nodiscard]] bool script_folder(const SettingLookup& lookup, const char* name, std::string& out, std::string& why) {
    out = setting(lookup, name);
    drop_trailing_slashes(out);
    bool local = !out.empty() && out[0] == '/' && (out.size() < 2 || out[1] != '/');
    if (!local && !usable_url(out, "an https:// URL or a path on this site starting with /", why)) {
        why = std::string(name) + ": " + why;
        return false;
    }
    if (out.find_first_of("\"'<> ") != std::string::npos) {
        why = std::string(name) + ": holds a quote or space";
        return false;
    }
    return true;
}

// A list of ids ("vi…, vi…" or whitespace-separated) or, starting with '/', a file of
// them, one a line, '#' starting a comment.
[[nodiscard]] bool allowed_ids(const std::string& value, const FileReader& read, std::set<std::string>& out,
                               std::string& why) {
    std::string text = value;
    bool from_file = !value.empty() && value[0] == '/';
    if (from_file) {
        if (std::string reason; !read(value, text, reason)) {
            why = "WATCH_ALLOWED_IDS: " + value + " " + reason;
            return false;
        }
        std::string stripped;
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) stripped += line.substr(0, line.find('#')) + "\n";
        text = stripped;
    }
    std::replace(text.begin(), text.end(), ',', ' ');
    std::istringstream words(text);
    for (std::string id; words >> id;) {
        // Ids are letters and digits: a word with '/' or '.' is a file named relative to a
        // working directory that the web server chooses.
        if (!from_file && id.find_first_of("/.~") != std::string::npos) {
            why = "WATCH_ALLOWED_IDS: " + id.substr(0, 64) + " looks like a file: give its absolute path (/…)";
            return false;
        }
        if (!media_kind_of(id)) {
            why = "WATCH_ALLOWED_IDS: " + id.substr(0, 32) + " is not a video or live stream id";
            return false;
        }
        out.insert(id);
    }
    if (out.empty()) {
        why = "WATCH_ALLOWED_IDS: set, but lists no id";
        return false;
    }
    return true;
}

// The loaders below read one concern each into `c`, adding a line to `problems` for each
// setting that is wrong, in the order of the settings table.

// The API key, given itself or in a file; the file's name is never echoed: a key pasted
// there by mistake would end up in a log.
void load_key(const SettingLookup& lookup, const FileReader& read, Config& c, Problems& problems) {
    std::string key = setting(lookup, "APIVIDEO_API_KEY");
    std::string key_file = setting(lookup, "APIVIDEO_API_KEY_FILE");
    if (!key.empty() && !key_file.empty()) {
        // Neither silently wins: the one left out may be the one the admin just changed.
        problems.add("APIVIDEO_API_KEY and APIVIDEO_API_KEY_FILE are both set: set only one");
        key.clear();
    } else if (!key_file.empty()) {
        if (std::string reason; !read(key_file, key, reason)) {
            problems.add("APIVIDEO_API_KEY_FILE: " + reason);
        } else if ((key = std::string(trim(key))).empty()) {
            problems.add("APIVIDEO_API_KEY_FILE: the file it names is empty");
        }
    }
    if (key.empty() && key_file.empty())
        problems.add("no API key: set APIVIDEO_API_KEY or APIVIDEO_API_KEY_FILE");
    else if (!key.empty() && !plausible_key(key))
        problems.add("the API key holds spaces, ':' or control characters");
    c.api_key = key;
}

// How the handler reaches api.video: where, how long it waits, whom it trusts.
void load_upstream(const SettingLookup& lookup, const FileReader& read, Config& c, Problems& problems) {
    if (std::string why; !service_url(lookup, "APIVIDEO_API_URL", c.api_url, why)) problems.add(why);
    if (!parse_long(setting(lookup, "APIVIDEO_TIMEOUT_MS"), 100, 120000, c.timeout_ms)) {
        problems.add("APIVIDEO_TIMEOUT_MS: must be a whole number of milliseconds from 100 to 120000");
    }
    // Connecting either works fast or not at all: it gets a share of the budget.
    c.connect_timeout_ms = std::min(c.timeout_ms, std::max(100L, c.timeout_ms * 2 / 5));
    c.ca_file = setting(lookup, "APIVIDEO_CA_FILE");
    if (std::string pem, reason; !c.ca_file.empty() && !read(c.ca_file, pem, reason)) {
        problems.add("APIVIDEO_CA_FILE: " + c.ca_file + " " + reason);
    }
    // Whether the path exists, and the built-in bundle, are the loader's to check (site.cpp).
    std::string trust = setting(lookup, "APIVIDEO_CA_TRUST");
    if (trust == "builtin") {
        c.ca_trust.from = CaTrust::From::BuiltIn;
    } else if (!trust.empty() && trust[0] == '/') {
        c.ca_trust = {CaTrust::From::Path, trust};
    } else if (trust != "system") {
        problems.add("APIVIDEO_CA_TRUST: must be system, builtin, or the absolute path of a PEM file or hashed folder");
    }
}

// The page's player and where its scripts come from (the pinned defaults with their
// Subresource Integrity hashes), the templates, and what the log holds.
void load_pages(const SettingLookup& lookup, Config& c, Problems& problems) {
    if (!parse_player(setting(lookup, "WATCH_PLAYER"), c.player)) {
        problems.add("WATCH_PLAYER: must be " + player_names());
    }
    if (std::string why; !script_folder(lookup, "WATCH_PLAYER_URL", c.videojs_url, why)) problems.add(why);
    if (c.videojs_url == kDefaultVideoJsUrl) {
        c.videojs_sri = kDefaultVideoJsSri;
        c.videojs_css_sri = kDefaultVideoJsCssSri;
    }
    if (std::string why; !script_folder(lookup, "WATCH_HLSJS_URL", c.hlsjs_url, why)) problems.add(why);
    if (c.hlsjs_url == kDefaultHlsJsUrl) c.hlsjs_sri = kDefaultHlsJsSri;
    c.template_dir = setting(lookup, "WATCH_TEMPLATE_DIR");  // read, and checked, by the site loader
    std::string log = setting(lookup, "WATCH_LOG");
    if (log == "requests")
        c.log = LogLevel::Requests;
    else if (log != "errors")
        problems.add("WATCH_LOG: must be errors or requests");
}

// Who may watch, and who is remembered: the secrets, the client's address, the allow-list.
void load_access(const SettingLookup& lookup, const FileReader& read, Config& c, Problems& problems) {
    // Secrets shorter than this are guessable; a site makes one with: openssl rand -hex 32
    for (auto [name, secret] :
         {std::pair{"WATCH_COOKIE_SECRET", &c.cookie_secret}, std::pair{"WATCH_LINK_SECRET", &c.link_secret}}) {
        *secret = setting(lookup, name);
        if (!secret->empty() && secret->size() < 32) {
            problems.add(std::string(name) + ": must be at least 32 characters (openssl rand -hex 32)");
        }
    }
    // Only the names the request reads (request.h), in any case: a misspelt header would
    // otherwise leave every address-bound link refused.
    std::string header = setting(lookup, "WATCH_CLIENT_IP_HEADER");
    if (!header.empty()) {
        std::string names;
        for (const ClientIpHeader& h : kClientIpHeaders) {
            if (ascii_lower(header) == ascii_lower(h.name)) c.client_ip_header = h.name;
            names += std::string(names.empty() ? "" : ", ") + h.name;
        }
        if (c.client_ip_header.empty()) {
            problems.add("WATCH_CLIENT_IP_HEADER: must be one of " + names + " (or empty)");
        }
    }
    std::string ids = setting(lookup, "WATCH_ALLOWED_IDS");
    if (std::string why; !ids.empty() && !allowed_ids(ids, read, c.allowed_ids, why)) problems.add(why);
}

// api.video's read budget as this process spends it, and the video facts it keeps.
void load_budget(const SettingLookup& lookup, Config& c, Problems& problems) {
    if (!parse_long(setting(lookup, "APIVIDEO_READS_PER_MINUTE"), 1, 1000000, c.reads_per_minute)) {
        problems.add("APIVIDEO_READS_PER_MINUTE: must be a whole number from 1 to 1000000");
    }
    if (!parse_fraction(setting(lookup, "WATCH_READ_SHARE"), c.read_share)) {
        problems.add("WATCH_READ_SHARE: must be a number above 0 and at most 1 (0.5 for one of two handlers)");
    }
    if (!parse_long(setting(lookup, "WATCH_WAIT_SECONDS"), 0, 600, c.wait_seconds)) {
        problems.add("WATCH_WAIT_SECONDS: must be a whole number of seconds from 0 to 600");
    }
    for (auto [name, flag] : {std::pair{"WATCH_CAPTIONS", &c.captions}, std::pair{"WATCH_CHAPTERS", &c.chapters},
                              std::pair{"WATCH_NOINDEX", &c.noindex_private}}) {
        if (!parse_switch(setting(lookup, name), *flag)) problems.add(std::string(name) + ": must be on or off");
    }
    if (!parse_long(setting(lookup, "WATCH_TRACKS_SECONDS"), 1, 86400, c.tracks_seconds)) {
        problems.add("WATCH_TRACKS_SECONDS: must be a whole number of seconds from 1 to 86400");
    }
}

// api.video's analytics: whether the pages report plays, the module, the collector. Both
// URLs are checked even when off, as the player folders are: turning it on must not
// reveal a typo.
void load_analytics(const SettingLookup& lookup, Config& c, Problems& problems) {
    std::string analytics = setting(lookup, "WATCH_ANALYTICS");
    if (analytics == "apivideo")
        c.analytics = Analytics::ApiVideo;
    else if (analytics != "off")
        problems.add("WATCH_ANALYTICS: must be off or apivideo");
    if (std::string why; !script_folder(lookup, "WATCH_ANALYTICS_SCRIPT_URL", c.analytics_script_url, why)) {
        problems.add(why);
    }
    if (c.analytics_script_url == kDefaultAnalyticsScriptUrl) c.analytics_script_sri = kDefaultAnalyticsScriptSri;
    if (std::string why; !service_url(lookup, "WATCH_ANALYTICS_URL", c.collector_url, why)) problems.add(why);
}

// The process-wide FastCGI settings.
void load_process(const SettingLookup& lookup, Config& c, Problems& problems) {
    if (!parse_long(setting(lookup, "WATCH_MAX_IN_FLIGHT"), 1, 1000000, c.max_in_flight)) {
        problems.add("WATCH_MAX_IN_FLIGHT: must be a whole number from 1 to 1000000");
    }
    c.socket_path = setting(lookup, "WATCH_SOCKET");
    if (!c.socket_path.empty() && c.socket_path[0] != '/') problems.add("WATCH_SOCKET: must be an absolute path");
}

// WATCH_STORE as the process will open it: a folder (the default one resolved), a
// redis:// URL checked with its password read, or "memory".
void load_store(const SettingLookup& lookup, const FileReader& read, Config& c, Problems& problems) {
    c.store = setting(lookup, "WATCH_STORE");
    if (c.store.empty()) {
        // systemd's StateDirectory= (a list when it names several: the first).
        const char* state_directory = lookup("STATE_DIRECTORY");
        std::string first =
            state_directory ? std::string(state_directory).substr(0, std::string(state_directory).find(':')) : "";
        c.store = !first.empty() ? first : "/var/tmp/apivideo-watch-" + std::to_string(geteuid());
    }
    if (c.store.rfind("redis://", 0) == 0) {
        RedisAddress unused;
        if (std::string why; !parse_redis_url(c.store, unused, why)) return problems.add("WATCH_STORE: " + why);
        std::string file = setting(lookup, "WATCH_STORE_PASSWORD_FILE");
        if (std::string reason; !file.empty() && !read(file, c.store_password, reason)) {
            return problems.add("WATCH_STORE_PASSWORD_FILE: " + reason);
        }
        c.store_password = std::string(trim(c.store_password));
    } else if (c.store != "memory" && c.store[0] != '/') {
        problems.add("WATCH_STORE: must be an absolute folder, a redis://host:port URL, or memory");
    }
}

}  // namespace

bool load_config(const SettingLookup& lookup, const FileReader& read, Config& out, std::string& why) {
    Config c;
    Problems problems;
    load_key(lookup, read, c, problems);
    load_upstream(lookup, read, c, problems);
    load_pages(lookup, c, problems);
    load_access(lookup, read, c, problems);
    load_budget(lookup, c, problems);
    load_analytics(lookup, c, problems);
    load_process(lookup, c, problems);
    load_store(lookup, read, c, problems);
    if (!problems.empty()) {
        why = problems.text();
        return false;
    }
    out = std::move(c);
    return true;
}

const std::set<std::string>& site_setting_names() {
    static const std::set<std::string> names = [] {
        std::set<std::string> s;
        for (const Setting& x : kSettings) {
            if (x.per_site) s.insert(x.name);
        }
        return s;
    }();
    return names;
}

std::string settings_help() {
    std::string out;
    for (const Setting& s : kSettings) {
        std::string name = s.name;
        out += "  " + name + std::string(name.size() < 24 ? 24 - name.size() : 1, ' ') + s.meaning;
        if (s.fallback && *s.fallback) out += std::string(" (default ") + s.fallback + ")";
        out += "\n";
    }
    return out;
}

}  // namespace watch
