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
                                 const std::string& stderr_path, const std::vector<std::string>& wrapper)
    : socket_(socket_path) {
    std::vector<std::string> argv = wrapper;
    if (!user.empty()) {
        // As the service's unprivileged user (DynamicUser= in the unit): setpriv execs in
        // place, so the pid is still the handler's.
        const passwd* pw = getpwnam(user.c_str());
        if (!pw) throw std::runtime_error("no user " + user);
        argv.insert(argv.end(), {"/usr/bin/setpriv", "--reuid=" + std::to_string(pw->pw_uid),
                                 "--regid=" + std::to_string(pw->pw_gid), "--clear-groups", "--"});
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

// A unit's value with the specifiers the units use resolved: %d (the credentials folder),
// %S (the state root), %%.
std::string resolved(const std::string& value, const std::string& credentials, const std::string& state_root) {
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
        if (value[i] != '%' || i + 1 == value.size()) {
            out += value[i];
            continue;
        }
        char c = value[++i];
        if (c == 'd')
            out += credentials;
        else if (c == 'S')
            out += state_root;
        else if (c == '%')
            out += '%';
        else
            throw std::runtime_error(std::string("the units' specifier %") + c + " is not known to the tests");
    }
    return out;
}

// What systemd does for StateDirectory=NAME (one name) before it starts the service: the
// folder made (or kept) with StateDirectoryMode= and given to the service's user. With
// DynamicUser= it lives in ROOT/private/ (mode 0700, root's), ROOT/NAME is a symlink to it,
// and inside the service's mount namespace ROOT/private is a tmpfs holding that folder
// alone: returned as a wrapper that builds that namespace, then execs the service.
std::vector<std::string> make_state_directory(const std::string& service_unit, const std::string& root,
                                              const passwd& runner, const TempDir& dir, std::string& folder,
                                              std::string& named) {
    std::string name = unit_setting(service_unit, "StateDirectory");
    if (name.empty()) return {};
    if (name.find_first_of(" /:") != std::string::npos) {
        throw std::runtime_error("StateDirectory=" + name + ": the tests make one plain name only");
    }
    std::string mode_text = unit_setting(service_unit, "StateDirectoryMode");
    mode_t mode = static_cast<mode_t>(std::stoi(mode_text.empty() ? "0755" : mode_text, nullptr, 8));
    const bool dynamic = unit_setting(service_unit, "DynamicUser") == "yes";
    must(mkdir(root.c_str(), 0755) == 0 || errno == EEXIST, "mkdir " + root);
    named = root + "/" + name;
    folder = dynamic ? root + "/private/" + name : named;
    if (dynamic) {
        must(mkdir((root + "/private").c_str(), 0700) == 0 || errno == EEXIST, "mkdir " + root + "/private");
        char target[256] = {};
        ssize_t n = readlink(named.c_str(), target, sizeof target - 1);
        if (n <= 0 || std::string(target, static_cast<size_t>(n)) != "private/" + name) {
            must(symlink(("private/" + name).c_str(), named.c_str()) == 0, "symlink " + named);
        }
    }
    must(mkdir(folder.c_str(), mode) == 0 || errno == EEXIST, "mkdir " + folder);
    must(chown(folder.c_str(), runner.pw_uid, runner.pw_gid) == 0, "chown " + folder);
    must(chmod(folder.c_str(), mode) == 0, "chmod " + folder);
    if (!dynamic) return {};
    std::string stash = dir.file("state-directory-stash");
    must(mkdir(stash.c_str(), 0700) == 0 || errno == EEXIST, "mkdir " + stash);
    return {"/usr/bin/unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            "set -e; mount --bind \"$1\" \"$2\"; mount -t tmpfs -o mode=0755 tmpfs \"$3\"; mkdir \"$1\"; "
            "mount --move \"$2\" \"$1\"; shift 3; exec \"$@\"",
            "sh",
            folder,
            stash,
            root + "/private"};
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

    std::vector<std::string> wrapper =
        make_state_directory(units.service_unit, units.state_root, runner, dir, state_folder_, state_directory_);

    std::map<std::string, std::string> all{{"CREDENTIALS_DIRECTORY", creds}};
    if (!state_directory_.empty()) all["STATE_DIRECTORY"] = state_directory_;
    for (std::string kv : unit_settings(units.service_unit, "Environment")) {
        kv = resolved(kv, creds, units.state_root);
        all[kv.substr(0, kv.find('='))] = kv.substr(kv.find('=') + 1);
    }
    for (const auto& kv : env) all[kv.first] = kv.second;
    write_file(journal, "");
    struct stat st {};
    must(stat(journal.c_str(), &st) == 0, "stat " + journal);
    all["JOURNAL_STREAM"] = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);

    activated_ = std::make_unique<SocketActivated>(units.socket_path, units.program, all, user, journal, wrapper);
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
