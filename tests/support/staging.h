// Test support: what a server's unprivileged user must read (nginx's workers as www-data,
// a systemd DynamicUser= service, mod_fcgid's and mod_cgid's processes), copied into a
// test's own folder with modes anyone may read. The checkout may sit in a private folder
// (a clone in root's home, mode 0700) that those users cannot enter, as a user's may.
#pragma once
#include <sys/types.h>

#include <string>

#include "tests/support/process.h"

namespace testing {

// Copies a file, with `mode`. Throws when it cannot.
void copy_file(const std::string& from, const std::string& to, mode_t mode);

// The handler binary (handler_binary()) copied to `to` (mode 0755); returns `to`.
std::string staged_handler(const std::string& to);
// The same, as dir/bin/apivideo-watch.
std::string staged_handler(const TempDir& dir);

// The pinned player scripts (tools/stage-player) in dir/player/video.js/,
// dir/player/hls.js/ and dir/player/player-analytics/; returns dir/player. Throws, saying
// why, when they are missing.
std::string staged_player_scripts(const TempDir& dir);

}  // namespace testing
