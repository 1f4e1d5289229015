// Test support: a page played in Debian's headless Chromium by tests/browser/play.mjs
// (playwright-core), as a visitor would: what the visitor saw, as the script reports it.
#pragma once
#include <ostream>
#include <string>
#include <vector>

namespace testing {

struct PlayResult {
    bool ok = false;             // the script's verdict: every check below good
    long natural_width = 0;      // the page's first <img> (the thumbnail); 0 if it did not decode
    double current_time = 0;     // of the video that got furthest, in the page or a frame
    std::string frame;           // where that video is: "page" or "iframe"
    std::string played;          // "hls-mse" (hls.js, VHS), "hls-native", "mp4" or "none"
    std::string current_src;     // that video's currentSrc, without its query
    bool pressed_play_in_frame = false;  // the script pressed play inside an iframe's player
    std::vector<std::string> console_errors;
    std::vector<std::string> csp_violations;
    std::string error;           // why the script stopped without playback; "" when it played
    std::string raw;             // the script's JSON line, or all it printed when it gave none
};

// Runs `node tests/browser/play.mjs URL`: loads the page, waits for the thumbnail, clicks
// it, waits (at most `timeout_ms`) for playback past 1 s. Saves a PNG of the page at the
// end when `screenshot` is given. Never throws for a page that fails to play: see `error`.
PlayResult play_in_browser(const std::string& url, int timeout_ms = 20000, const std::string& screenshot = "");

// The raw JSON line, for test messages.
std::ostream& operator<<(std::ostream& os, const PlayResult& r);

}  // namespace testing
