// Test support: the scripts of tests/browser/ as child processes, their JSON line parsed (see browser.h).
#include "tests/support/browser.h"

#include <rapidjson/document.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include "tests/support/process.h"

namespace testing {

namespace {

// node from PATH: Process runs a program by its path.
std::string node_binary() {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
    for (std::string dir; std::getline(dirs, dir, ':');) {
        std::string candidate = (dir.empty() ? "." : dir) + "/node";
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return "/usr/bin/node";
}

std::vector<std::string> strings(const rapidjson::Value& object, const char* name) {
    std::vector<std::string> out;
    auto it = object.FindMember(name);
    if (it == object.MemberEnd() || !it->value.IsArray()) return out;
    for (const auto& v : it->value.GetArray()) {
        if (v.IsString()) out.emplace_back(v.GetString());
    }
    return out;
}

std::string str(const rapidjson::Value& object, const char* name) {
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
}

double num(const rapidjson::Value& object, const char* name) {
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : 0.0;
}

bool flag(const rapidjson::Value& object, const char* name) {
    auto it = object.FindMember(name);
    return it != object.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

}  // namespace

// `node tests/browser/SCRIPT URL ARGS…`, started; its output in a folder of its own.
struct ScriptRun {
    std::string script;
    int timeout_ms;
    TempDir dir;
    std::unique_ptr<Process> node;

    ScriptRun(const std::string& script_, const std::string& url, const std::vector<std::string>& args, int timeout_ms_)
        : script(script_), timeout_ms(timeout_ms_) {
        std::vector<std::string> argv = {node_binary(), repo_root() + "/tests/browser/" + script, url};
        argv.insert(argv.end(), args.begin(), args.end());
        Process::Options o;
        o.stdout_path = dir.file("stdout");
        o.stderr_path = dir.file("stderr");
        o.cwd = repo_root();  // node resolves playwright-core from the project's node_modules
        node = std::make_unique<Process>(argv, o);
    }

    // Waits for the script's end and parses the JSON line it ends with into `d`. `raw` gets
    // that line, or all the script printed when there is none (then false, and `error` says
    // so unless it already said why).
    bool finish(rapidjson::Document& d, std::string& raw, std::string& error) {
        // The script bounds itself; this bound is for a browser that hangs it. Stopping
        // the process stops its group: Chromium goes with it.
        if (node && node->wait(timeout_ms + 20000) == -1) error = script + " did not finish";
        node.reset();
        std::string out = read_file(dir.file("stdout"));
        size_t line = out.rfind("\n{");
        raw = out.substr(line == std::string::npos ? 0 : line + 1);
        d.Parse(raw.c_str());
        if (d.HasParseError() || !d.IsObject()) {
            raw = "no result from " + script + "; stdout: " + out + " stderr: " + read_file(dir.file("stderr"));
            if (error.empty()) error = "no result";
            return false;
        }
        return true;
    }
};

namespace {

// Runs `node tests/browser/SCRIPT URL ARGS…` to its end: see ScriptRun::finish.
bool run_script(const std::string& script, const std::string& url, const std::vector<std::string>& args, int timeout_ms,
                rapidjson::Document& d, std::string& raw, std::string& error) {
    return ScriptRun(script, url, args, timeout_ms).finish(d, raw, error);
}

}  // namespace

namespace {

// play.mjs's JSON line, read into `r`.
void read_play(const rapidjson::Document& d, PlayResult& r) {
    r.ok = flag(d, "ok");
    r.natural_width = static_cast<long>(num(d, "naturalWidth"));
    r.current_time = num(d, "currentTime");
    r.first_time = num(d, "firstTime");
    r.muted = flag(d, "muted");
    r.loop = flag(d, "loop");
    auto tracks = d.FindMember("tracks");
    if (tracks != d.MemberEnd() && tracks->value.IsArray()) {
        for (const auto& t : tracks->value.GetArray()) {
            if (!t.IsObject()) continue;
            r.tracks.push_back(
                {str(t, "by"), str(t, "kind"), str(t, "language"), str(t, "mode"), static_cast<long>(num(t, "cues"))});
        }
    }
    r.frame = str(d, "frame");
    r.played = str(d, "played");
    r.library = str(d, "library");
    r.current_src = str(d, "currentSrc");
    r.clicked = flag(d, "clicked");
    r.pressed_play_in_frame = flag(d, "pressedPlayInFrame");
    r.frame_hidden_controls = str(d, "frameHiddenControls");
    r.waited_for_turn = flag(d, "waitedForTurn");
    r.same_document = flag(d, "sameDocument");
    r.paused = flag(d, "paused");
    r.waiting_text = str(d, "waitingText");
    r.ended = flag(d, "ended");
    r.live_state = str(d, "liveState");
    r.vjs_waiting = flag(d, "vjsWaiting");
    r.console_errors = strings(d, "consoleErrors");
    r.csp_violations = strings(d, "cspViolations");
    if (r.error.empty()) r.error = str(d, "error");
}

PlayResult play(const std::string& url, std::vector<std::string> args, int timeout_ms) {
    PlayResult r;
    rapidjson::Document d;
    if (run_script("play.mjs", url, args, timeout_ms, d, r.raw, r.error)) read_play(d, r);
    return r;
}

}  // namespace

PlayResult play_in_browser(const std::string& url, int timeout_ms, const std::string& screenshot) {
    std::vector<std::string> args = {"--timeout-ms", std::to_string(timeout_ms)};
    if (!screenshot.empty()) args.insert(args.end(), {"--screenshot", screenshot});
    return play(url, args, timeout_ms);
}

PlayResult play_after_turn(const std::string& url, int timeout_ms) {
    return play(url, {"--timeout-ms", std::to_string(timeout_ms), "--wait-turn"}, timeout_ms);
}

PlayResult play_link(const std::string& url, bool autoplay, long long start, int timeout_ms) {
    std::vector<std::string> args = {"--timeout-ms", std::to_string(timeout_ms), "--start", std::to_string(start)};
    if (autoplay) args.emplace_back("--autoplay");
    return play(url, args, timeout_ms);
}

PlayResult play_then_pause(const std::string& url, int timeout_ms) {
    // The script's own bound grows by the settling it may wait.
    return play(url, {"--timeout-ms", std::to_string(timeout_ms), "--pause"}, timeout_ms + 5000);
}

PlayResult play_live(const std::string& url, bool pause, int timeout_ms) {
    std::vector<std::string> args = {"--timeout-ms", std::to_string(timeout_ms), "--advance", "2"};
    if (pause) args.emplace_back("--pause");
    return play(url, args, timeout_ms + (pause ? 5000 : 0));
}

PlayInBackground::PlayInBackground(const std::string& url, const std::vector<std::string>& args, int timeout_ms)
    : run_(std::make_unique<ScriptRun>("play.mjs", url, args, timeout_ms)) {}
PlayInBackground::PlayInBackground(PlayInBackground&&) noexcept = default;
PlayInBackground::~PlayInBackground() = default;

bool PlayInBackground::reached(const std::string& stage, int timeout_ms) {
    const std::string line = "stage " + stage + "\n";
    auto said = [&] {
        std::string out = read_file(run_->dir.file("stdout"));
        return out.rfind(line, 0) == 0 || out.find("\n" + line) != std::string::npos;
    };
    // A script that ended will say nothing more.
    wait_until([&] { return said() || !run_->node || !run_->node->running(); }, timeout_ms);
    return said();
}

PlayResult PlayInBackground::result() {
    PlayResult r;
    rapidjson::Document d;
    if (run_->finish(d, r.raw, r.error)) read_play(d, r);
    return r;
}

PlayInBackground play_once_on_air(const std::string& url, int timeout_ms) {
    return PlayInBackground(url, {"--timeout-ms", std::to_string(timeout_ms), "--wait-turn", "--advance", "2"},
                            timeout_ms);
}

PlayInBackground play_until_ended(const std::string& url, int timeout_ms) {
    return PlayInBackground(url, {"--timeout-ms", std::to_string(timeout_ms), "--advance", "2", "--until-ended"},
                            timeout_ms);
}

std::ostream& operator<<(std::ostream& os, const PlayResult& r) { return os << r.raw; }

std::vector<AxeViolation> AxeResult::serious() const {
    std::vector<AxeViolation> out;
    for (const auto& v : violations) {
        if (v.impact == "serious" || v.impact == "critical") out.push_back(v);
    }
    return out;
}

AxeResult check_accessibility(const std::string& url, const AxeOptions& options) {
    std::vector<std::string> args = {"--timeout-ms", std::to_string(options.timeout_ms), "--method", options.method};
    if (options.after_click) args.emplace_back("--after-click");
    AxeResult r;
    rapidjson::Document d;
    if (!run_script("axe.mjs", url, args, options.timeout_ms, d, r.raw, r.error)) return r;
    r.status = static_cast<long>(num(d, "status"));
    r.title = str(d, "title");
    r.status_text = str(d, "statusText");
    r.checked = strings(d, "checked");
    auto list = d.FindMember("violations");
    if (list != d.MemberEnd() && list->value.IsArray()) {
        for (const auto& v : list->value.GetArray()) {
            if (!v.IsObject()) continue;
            r.violations.push_back({str(v, "state"), str(v, "id"), str(v, "impact"), str(v, "help"), str(v, "detail"),
                                    strings(v, "nodes")});
        }
    }
    if (r.error.empty()) r.error = str(d, "error");
    return r;
}

std::ostream& operator<<(std::ostream& os, const AxeViolation& v) {
    os << v.impact << " " << v.id << " (" << v.state << "): " << v.help << "; at";
    for (const auto& n : v.nodes) os << " " << n;
    if (!v.detail.empty()) os << "; " << v.detail;
    return os;
}

std::ostream& operator<<(std::ostream& os, const std::vector<AxeViolation>& vs) {
    if (vs.empty()) return os << "no violation";
    for (const auto& v : vs) os << "\n  " << v;
    return os;
}

}  // namespace testing
