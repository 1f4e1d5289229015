// Test support: systemd units and socket activation without systemd (see systemd.h).
#include "tests/support/systemd.h"

#include <grp.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace testing {

std::vector<std::string> unit_settings(const std::string& unit_text, const std::string& key) {
    std::vector<std::string> out;
    std::istringstream lines(unit_text);
    for (std::string line; std::getline(lines, line);) {
        size_t start = line.find_first_not_of(" \t");
        if (start == std::string::npos || line[start] == '#' || line[start] == ';' || line[start] == '[') continue;
        size_t eq = line.find('=', start);
        if (eq == std::string::npos) continue;
        std::string name = line.substr(start, eq - start);
        name.erase(name.find_last_not_of(" \t") + 1);
        if (name != key) continue;
        std::string value = line.substr(eq + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        value.erase(value.find_last_not_of(" \t\r") + 1);
        out.push_back(value);
    }
    return out;
}

std::string unit_setting(const std::string& unit_text, const std::string& key) {
    auto all = unit_settings(unit_text, key);
    return all.empty() ? "" : all.back();
}

SocketActivated::SocketActivated(const std::string& socket_path, const std::string& program,
                                 const std::map<std::string, std::string>& env, const std::string& user,
                                 const std::string& stderr_path)
    : socket_(socket_path) {
    std::vector<std::string> argv;
    if (!user.empty()) {
        // As the service's unprivileged user (DynamicUser= in the unit): setpriv execs in
        // place, so the pid is still the handler's.
        const passwd* pw = getpwnam(user.c_str());
        if (!pw) throw std::runtime_error("no user " + user);
        argv = {"/usr/bin/setpriv", "--reuid=" + std::to_string(pw->pw_uid), "--regid=" + std::to_string(pw->pw_gid),
                "--clear-groups", "--"};
    }
    argv.insert(argv.end(), {"/usr/bin/systemd-socket-activate", "-l", socket_path});
    for (const auto& kv : env) argv.push_back("-E" + kv.first + "=" + kv.second);
    argv.push_back(program);
    Process::Options o;
    o.stderr_path = stderr_path;
    o.unset = {"GATEWAY_INTERFACE", "LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"};
    proc_ = std::make_unique<Process>(argv, o);
    if (!wait_for_file(socket_path, 10000)) {
        throw std::runtime_error("systemd-socket-activate did not bind " + socket_path + ": " + read_file(stderr_path));
    }
}

SocketHolder::SocketHolder(const std::string& path) : path_(path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || listen(fd_, 4096) != 0 ||
        chmod(path.c_str(), 0666) != 0) {
        throw std::runtime_error("cannot listen on " + path + ": " + std::strerror(errno));
    }
}

SocketHolder::~SocketHolder() {
    if (fd_ >= 0) close(fd_);
    unlink(path_.c_str());
}

std::unique_ptr<Process> SocketHolder::start(const std::string& program, const std::map<std::string, std::string>& env,
                                             const std::string& stderr_path) const {
    Process::Options o;
    o.env = env;
    o.stderr_path = stderr_path;
    o.unset = {"GATEWAY_INTERFACE", "LISTEN_FDNAMES"};
    o.listen_fd = fd_;
    return std::make_unique<Process>(std::vector<std::string>{program}, o);
}

int connect_as(const std::string& path, const std::string& user) {
    const passwd* pw = getpwnam(user.c_str());
    if (!pw) throw std::runtime_error("no user " + user);
    uid_t uid = pw->pw_uid;
    gid_t gid = pw->pw_gid;
    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(255);
        int s = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un a{};
        a.sun_family = AF_UNIX;
        std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
        int rc = connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? 0 : errno;
        close(s);
        _exit(rc > 254 ? 254 : rc);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) throw std::runtime_error("connect_as: child failed");
    if (WEXITSTATUS(status) == 255) throw std::runtime_error("connect_as: cannot become " + user);
    return WEXITSTATUS(status);
}

}  // namespace testing
