// Test support: tests/browser/play.mjs as a child process, its JSON line parsed (see browser.h).
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

}  // namespace

PlayResult play_in_browser(const std::string& url, int timeout_ms, const std::string& screenshot) {
    TempDir dir;
    std::vector<std::string> argv = {node_binary(), repo_root() + "/tests/browser/play.mjs", url, "--timeout-ms",
                                     std::to_string(timeout_ms)};
    if (!screenshot.empty()) argv.insert(argv.end(), {"--screenshot", screenshot});
    Process::Options o;
    o.stdout_path = dir.file("stdout");
    o.stderr_path = dir.file("stderr");
    o.cwd = repo_root();  // node resolves playwright-core from the project's node_modules
    PlayResult r;
    {
        // The script bounds itself; this bound is for a browser that hangs it. Stopping
        // the process stops its group: Chromium goes with it.
        Process node(argv, o);
        if (node.wait(timeout_ms + 20000) == -1) r.error = "play.mjs did not finish";
    }
    std::string out = read_file(dir.file("stdout"));
    size_t line = out.rfind("\n{");
    r.raw = out.substr(line == std::string::npos ? 0 : line + 1);
    rapidjson::Document d;
    d.Parse(r.raw.c_str());
    if (d.HasParseError() || !d.IsObject()) {
        r.raw = "no result from play.mjs; stdout: " + out + " stderr: " + read_file(dir.file("stderr"));
        if (r.error.empty()) r.error = "no result";
        return r;
    }
    auto str = [&](const char* name) {
        auto it = d.FindMember(name);
        return it != d.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
    };
    auto num = [&](const char* name) {
        auto it = d.FindMember(name);
        return it != d.MemberEnd() && it->value.IsNumber() ? it->value.GetDouble() : 0.0;
    };
    auto flag = [&](const char* name) {
        auto it = d.FindMember(name);
        return it != d.MemberEnd() && it->value.IsBool() && it->value.GetBool();
    };
    r.ok = flag("ok");
    r.natural_width = static_cast<long>(num("naturalWidth"));
    r.current_time = num("currentTime");
    r.frame = str("frame");
    r.played = str("played");
    r.current_src = str("currentSrc");
    r.pressed_play_in_frame = flag("pressedPlayInFrame");
    r.console_errors = strings(d, "consoleErrors");
    r.csp_violations = strings(d, "cspViolations");
    if (r.error.empty()) r.error = str("error");
    return r;
}

std::ostream& operator<<(std::ostream& os, const PlayResult& r) { return os << r.raw; }

}  // namespace testing
