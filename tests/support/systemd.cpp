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

namespace {

passwd user_named(const std::string& name) {
    const passwd* pw = getpwnam(name.c_str());
    if (!pw) throw std::runtime_error("no user " + name);
    return *pw;
}

void must(bool ok, const std::string& what) {
    if (!ok) throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

UnitsStarted::UnitsStarted(const TempDir& dir, const Units& units, const std::string& key,
                           const std::map<std::string, std::string>& env, const std::string& user,
                           const std::string& journal) {
    passwd runner = user_named(user);
    // The socket's folder as systemd makes it (DirectoryMode=), writable by the activator.
    std::string folder = units.socket_path.substr(0, units.socket_path.rfind('/'));
    std::string folder_mode = unit_setting(units.socket_unit, "DirectoryMode");
    if (folder_mode.empty()) folder_mode = "0755";  // systemd's default
    must(mkdir(folder.c_str(), static_cast<mode_t>(std::stoi(folder_mode, nullptr, 8))) == 0 || errno == EEXIST,
         "mkdir " + folder);
    must(chown(folder.c_str(), runner.pw_uid, runner.pw_gid) == 0, "chown " + folder);

    // LoadCredential=ID:PATH -> $CREDENTIALS_DIRECTORY/ID, readable by the service only.
    std::string credential = unit_setting(units.service_unit, "LoadCredential");
    std::string id = credential.substr(0, credential.find(':'));
    if (id.empty()) throw std::runtime_error("the service unit has no LoadCredential=");
    std::string creds = dir.file("credentials");
    must(mkdir(creds.c_str(), 0700) == 0, "mkdir " + creds);
    write_file(creds + "/" + id, key + "\n");
    for (const std::string& path : {creds + "/" + id, creds}) {
        must(chown(path.c_str(), runner.pw_uid, runner.pw_gid) == 0, "chown " + path);
    }
    must(chmod((creds + "/" + id).c_str(), 0400) == 0 && chmod(creds.c_str(), 0500) == 0, "chmod " + creds);

    std::map<std::string, std::string> all{{"CREDENTIALS_DIRECTORY", creds}};
    for (std::string kv : unit_settings(units.service_unit, "Environment")) {
        size_t d = kv.find("%d");
        if (d != std::string::npos) kv.replace(d, 2, creds);
        all[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    for (const auto& kv : env) all[kv.first] = kv.second;
    write_file(journal, "");
    struct stat st {};
    must(stat(journal.c_str(), &st) == 0, "stat " + journal);
    all["JOURNAL_STREAM"] = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);

    activated_ = std::make_unique<SocketActivated>(units.socket_path, units.program, all, user, journal);
    must(stat(units.socket_path.c_str(), &st) == 0, "stat " + units.socket_path);
    mode_as_bound_ = st.st_mode & 07777;

    // What systemd does for SocketUser=, SocketGroup=, SocketMode=.
    passwd owner = user_named(unit_setting(units.socket_unit, "SocketUser"));
    const group* grp = getgrnam(unit_setting(units.socket_unit, "SocketGroup").c_str());
    if (!grp) throw std::runtime_error("no group " + unit_setting(units.socket_unit, "SocketGroup"));
    must(chown(units.socket_path.c_str(), owner.pw_uid, grp->gr_gid) == 0, "chown " + units.socket_path);
    mode_t mode = static_cast<mode_t>(std::stoi(unit_setting(units.socket_unit, "SocketMode"), nullptr, 8));
    must(chmod(units.socket_path.c_str(), mode) == 0, "chmod " + units.socket_path);
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
