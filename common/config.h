// Settings: read once at start-up from the environment into one struct. Every default
// lives in config.cpp's table, which --help prints and README.md mirrors.
#pragma once
#include <functional>
#include <string>

namespace watch {

// video.js, pinned, from a CDN that serves the npm package byte for byte, so the
// Subresource Integrity hashes below can be checked against the npm tarball.
inline constexpr const char* kDefaultPlayerUrl = "https://cdn.jsdelivr.net/npm/video.js@8.24.1/dist";
inline constexpr const char* kDefaultPlayerJsSri =
    "sha384-9LtdENn4aCK5YUSBEw9zQT/tT1eCah4K4BlWimkvqqCaURKD4rBN00ZHMe26ny2O";
inline constexpr const char* kDefaultPlayerCssSri =
    "sha384-xfG5I3MEODgvS2hsikP3bkQWFgJNS4uI4dJQt7PoOmActllz5+bPWPywC/ow2KWd";

struct Config {
    std::string api_key;  // secret: sent to the API host only, never logged or rendered
    std::string api_url;  // no trailing slash
    long timeout_ms = 0;
    long connect_timeout_ms = 0;
    std::string ca_file;     // extra CA bundle, empty for the system's
    std::string player_url;  // directory holding video.min.js and video-js.min.css
    std::string player_js_sri;   // empty unless player_url is the pinned default
    std::string player_css_sri;
    int threads = 0;
};

// Looks a setting up by name; nullptr when unset. getenv in CGI and at start-up.
using SettingLookup = std::function<const char*(const char* name)>;

// Fills `out` from `lookup`. On a bad or missing setting returns a one-line message naming
// it (never its value: it may be the key); returns "" on success.
std::string load_config(const SettingLookup& lookup, Config& out);

// The settings table, for --help: one line per setting with its default.
std::string settings_help();

}  // namespace watch
