// Settings: read from the environment (and, per site, from the web server's FastCGI
// parameters) into one struct. Every name and default lives in config.cpp's table,
// which --help prints and README.md mirrors.
#pragma once
#include <functional>
#include <set>
#include <string>

#include "common/http_client.h"
#include "common/players.h"

namespace watch {

// Pinned player scripts on a CDN that serves the npm packages byte for byte, so the
// Subresource Integrity hashes can be checked against the npm tarballs
// (package-lock.json pins the same versions for local serving).
inline constexpr const char* kDefaultVideoJsUrl = "https://cdn.jsdelivr.net/npm/video.js@8.24.1/dist";
inline constexpr const char* kDefaultVideoJsSri =
    "sha384-9LtdENn4aCK5YUSBEw9zQT/tT1eCah4K4BlWimkvqqCaURKD4rBN00ZHMe26ny2O";
inline constexpr const char* kDefaultVideoJsCssSri =
    "sha384-xfG5I3MEODgvS2hsikP3bkQWFgJNS4uI4dJQt7PoOmActllz5+bPWPywC/ow2KWd";
inline constexpr const char* kDefaultHlsJsUrl = "https://cdn.jsdelivr.net/npm/hls.js@1.7.4/dist";
inline constexpr const char* kDefaultHlsJsSri =
    "sha384-p9vgU/7IYJWd3I4STrtqxqR/2cAQlhIX7D/HrTnIMEjjcUox165b7se7sxmm3zDg";
// api.video's analytics module, pinned the same way (dist/index.js of the npm package).
inline constexpr const char* kDefaultAnalyticsScriptUrl =
    "https://cdn.jsdelivr.net/npm/@api.video/player-analytics@1.0.9/dist";
inline constexpr const char* kDefaultAnalyticsScriptSri =
    "sha384-YXqcUi2QHhaLc2cJbhgwvdjmh+zM/kAsZHlla+te6ZT5t6Gz3BMEJBVpCrzXiIZz";

enum class LogLevel { Errors, Requests };

// Off: the pages send nothing to a third party. ApiVideo: the video.js and hls.js pages
// report plays to api.video's collector with api.video's own module.
enum class Analytics { Off, ApiVideo };

struct Config {
    std::string api_key;  // secret: sent to the API host only, never logged or rendered
    std::string api_url;  // no trailing slash
    long timeout_ms = 0;
    long connect_timeout_ms = 0;
    std::string ca_file;       // extra CA bundle, empty for the system's
    CaTrust ca_trust;          // the CAs trusted besides it (process-wide)
    std::string template_dir;  // empty: the templates built into the binary
    Player player = Player::VideoJs;
    std::string videojs_url;                   // folder holding video.min.js and video-js.min.css
    std::string videojs_sri, videojs_css_sri;  // empty unless the pinned default
    std::string hlsjs_url;                     // folder holding hls.min.js
    std::string hlsjs_sri;
    LogLevel log = LogLevel::Errors;
    std::string cookie_secret;          // empty: returning viewers are not remembered
    std::string link_secret;            // empty: /watch needs no signed link
    std::string client_ip_header;       // a name of kClientIpHeaders (request.h), or "": REMOTE_ADDR is the client
    std::set<std::string> allowed_ids;  // empty: every id the key can read
    long reads_per_minute = 0;          // api.video's budget, until its first reply says
    double read_share = 1;              // the part of the key's reads this process spends
    long wait_seconds = 0;              // the longest wait for a turn offered
    bool captions = true;               // the video's captions in the player
    bool chapters = true;               // and its chapters
    long tracks_seconds = 0;            // how long those lists are kept
    bool noindex_private = true;        // a private video's page says noindex
    long max_in_flight = 0;             // FastCGI: page views waiting on api.video at once
    std::string socket_path;            // FastCGI: the public socket path taken over at start ("" for none)
    Analytics analytics = Analytics::Off;
    std::string analytics_script_url;  // folder holding api.video's module (index.js)
    std::string analytics_script_sri;  // empty unless the pinned default
    std::string collector_url;         // api.video's analytics collector, no trailing slash
    std::string store;                 // the shared state: an LMDB folder, a redis:// URL, or "memory"
    std::string store_password;        // Redis's AUTH password ("" for none)
};

// Looks a setting up by name; nullptr when unset.
using SettingLookup = std::function<const char*(const char* name)>;

// Reads the file at `path` into `content`; false with why not (a phrase: "names a
// folder", "cannot be read: …"). The site loader (site.h) gives the real one: reading
// files is loading's, so the stages that decide stay pure.
using FileReader = std::function<bool(const std::string& path, std::string& content, std::string& why)>;

// Fills `out` from `lookup`, reading the files settings name (the key file, an allow-list
// file) through `read`. False with `why`: one line per bad or missing setting, each
// naming it; never the value of a secret (the key, the key file's name, the secrets),
// only paths and ids that help to find the mistake. `out` is then untouched.
[[nodiscard]] bool load_config(const SettingLookup& lookup, const FileReader& read, Config& out, std::string& why);

// The settings a site may set per request (FastCGI parameters), i.e. all but the
// process-wide ones such as WATCH_MAX_IN_FLIGHT.
const std::set<std::string>& site_setting_names();

// The settings table, for --help: one line per setting with its default.
std::string settings_help();

}  // namespace watch
