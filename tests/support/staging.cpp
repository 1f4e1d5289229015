// Test support: copies for unprivileged readers (see staging.h).
#include "tests/support/staging.h"

#include <sys/stat.h>

#include <cerrno>
#include <stdexcept>

namespace testing {

void copy_file(const std::string& from, const std::string& to, mode_t mode) {
    std::string content = read_file(from);
    if (content.empty()) throw std::runtime_error("cannot read " + from);
    write_file(to, content);
    if (chmod(to.c_str(), mode) != 0) throw std::runtime_error("cannot chmod " + to);
}

std::string staged_handler(const std::string& to) {
    copy_file(handler_binary(), to, 0755);
    return to;
}

std::string staged_handler(const TempDir& dir) {
    if (mkdir(dir.file("bin").c_str(), 0755) != 0 && errno != EEXIST) throw std::runtime_error("cannot make bin/");
    return staged_handler(dir.file("bin/apivideo-watch"));
}

std::string staged_player_scripts(const TempDir& dir) {
    std::string folder = dir.file("player"), out;
    if (run({repo_root() + "/tools/stage-player", folder}, &out) != 0) throw std::runtime_error(out);
    return folder;
}

}  // namespace testing
