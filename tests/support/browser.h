// Test support: a page in Debian's headless Chromium (playwright-core), by the scripts of
// tests/browser/: played as a visitor would (play.mjs), or checked by axe-core (axe.mjs);
// what they found, as the script reports it.
#pragma once
#include <memory>
#include <ostream>
#include <string>
#include <vector>

namespace testing {

// A text track as the page's player sees it (by "video": the element's; "videojs":
// video.js's own list, which may emulate the browser's).
struct TrackState {
    std::string by, kind, language, mode;
    long cues = -1;  // -1: none loaded (a disabled track has no cue list)
};

struct PlayResult {
    bool ok = false;                   // the script's verdict: every check below good
    long natural_width = 0;            // the page's first <img> (the thumbnail); 0 if it did not decode
    double current_time = 0;           // of the video that got furthest, in the page or a frame
    double first_time = -1;            // that video's time when it was first seen playing
    bool muted = false, loop = false;  // that video's
    std::vector<TrackState> tracks;    // the page's text tracks, once playback went 1 s
    std::string frame;                 // where that video is: "page" or "iframe"
    std::string played;                // "hls-mse" (hls.js, VHS), "hls-native", "mp4" or "none"
    std::string library;               // the page's player script: "videojs", "hlsjs" or "none"
    std::string current_src;           // that video's currentSrc, without its query
    bool clicked = false;              // the script clicked the thumbnail
    bool pressed_play_in_frame = false;
    std::string frame_hidden_controls;  // what the page asked an embedded player to hide  // the script pressed play
                                        // inside an iframe's player
    bool waited_for_turn = false;       // (wait_turn) the page was the one that waits for a turn
    bool same_document = false;         // (wait_turn) the player started without a reload
    bool paused = false;                // (play_then_pause) the visitor paused it once it played
    std::string waiting_text;           // (wait_turn) what the page that waits said
    bool ended = false;                 // (play_until_ended) the video ended
    std::string live_state;             // a live stream's page: its #live-state's text at the end
    bool vjs_waiting = false;           // video.js showed its spinner at the end
    std::vector<std::string> console_errors;
    std::vector<std::string> csp_violations;
    std::string error;  // why the script stopped without playback; "" when it played
    std::string raw;    // the script's JSON line, or all it printed when it gave none
};

// Runs `node tests/browser/play.mjs URL`: loads the page, waits for the thumbnail, clicks
// it, waits (at most `timeout_ms`) for playback past 1 s. Saves a PNG of the page at the
// end when `screenshot` is given. Never throws for a page that fails to play: see `error`.
PlayResult play_in_browser(const std::string& url, int timeout_ms = 20000, const std::string& screenshot = "");
// A page that waits for its turn of api.video's reads: nobody clicks; it must play by
// itself, in the same document.
PlayResult play_after_turn(const std::string& url, int timeout_ms = 30000);
// A link with player options: nobody clicks when `autoplay` (the page must start by
// itself); playback must go 1 s past `start`.
PlayResult play_link(const std::string& url, bool autoplay, long long start, int timeout_ms = 20000);

// Plays as play_in_browser() does, then pauses every video and waits for the page's
// requests to settle (at most 5 s more): what the pause sends has then arrived.
PlayResult play_then_pause(const std::string& url, int timeout_ms = 20000);

// A live stream's page, played as play_in_browser() plays a video's, but playback must go
// 2 s past where it was first seen: a live player starts near the live edge, not at 0.
// With `pause`, it is then paused as play_then_pause() does.
PlayResult play_live(const std::string& url, bool pause = false, int timeout_ms = 20000);

struct ScriptRun;

// play.mjs in the background, for a test that acts while the page is open (switches a live
// stream on air, ends it): the test waits for the stage the script reached, acts, then takes
// the result. Its end stops the script, and the browser, if they still run.
class PlayInBackground {
   public:
    // `args`: play.mjs's options, after the URL.
    PlayInBackground(const std::string& url, const std::vector<std::string>& args, int timeout_ms);
    PlayInBackground(PlayInBackground&&) noexcept;
    ~PlayInBackground();
    // Waits up to `timeout_ms` for the script to say it reached `stage` (see play.mjs); false
    // when it ended, or the time ran out, first.
    bool reached(const std::string& stage, int timeout_ms);
    // Waits for the script's end: what it found.
    PlayResult result();

   private:
    std::unique_ptr<ScriptRun> run_;
};

// A live stream's page that waits for it to go on air: reaches "waiting" once the page that
// waits is open; nobody clicks, it must then play by itself (2 s), in the same document.
PlayInBackground play_once_on_air(const std::string& url, int timeout_ms = 30000);
// A live stream's page played (2 s, after the thumbnail's click): reaches "playing"; the
// video must then end, and the page say so in its live state.
PlayInBackground play_until_ended(const std::string& url, int timeout_ms = 30000);

// The raw JSON line, for test messages.
std::ostream& operator<<(std::ostream& os, const PlayResult& r);

struct AxeViolation {
    std::string state;               // when: "loaded", or "player" (after the thumbnail's click)
    std::string id;                  // axe's rule, e.g. "color-contrast"
    std::string impact;              // "minor", "moderate", "serious" or "critical"
    std::string help;                // the rule in a sentence
    std::string detail;              // what axe found at the first element at fault
    std::vector<std::string> nodes;  // CSS selectors of the elements at fault
};

struct AxeResult {
    long status = 0;                   // the page's HTTP status
    std::string title;                 // its <title>
    std::string status_text;           // its role="status" element's text as laid out; "" for none
    std::vector<std::string> checked;  // the states axe ran in, in order
    std::vector<AxeViolation> violations;
    std::string error;  // why the check did not run to the end; "" when it did
    std::string raw;    // the script's JSON line, or all it printed when it gave none
    // The violations of impact serious or critical: the ones the tests fail on.
    std::vector<AxeViolation> serious() const;
};

struct AxeOptions {
    std::string method = "GET";  // another one provokes the 405 page
    bool after_click = false;    // check again with the player shown
    int timeout_ms = 20000;
};

// Runs `node tests/browser/axe.mjs URL`: axe-core's WCAG 2.1 A and AA rules on the page
// once loaded (and with the player shown, if asked). Never throws for a page that fails the
// check or cannot be checked: see `violations` and `error`.
AxeResult check_accessibility(const std::string& url, const AxeOptions& options = {});

// One violation in a line, its elements and what axe found; and every violation, a line each.
std::ostream& operator<<(std::ostream& os, const AxeViolation& v);
std::ostream& operator<<(std::ostream& os, const std::vector<AxeViolation>& vs);

}  // namespace testing
