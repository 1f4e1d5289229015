// Test support: processes, temp dirs, ports. See process.h.
#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace testing {

TempDir::TempDir() {
    std::string tmpl = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") + "/watch-test.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) throw std::runtime_error("mkdtemp failed");
    path_ = buf.data();
    // Servers that drop privileges (nginx workers run as www-data) must reach sockets here.
    chmod(path_.c_str(), 0755);
}

TempDir::~TempDir() {
    if (!path_.empty()) run({"/bin/rm", "-rf", path_});
}

Process::Process(const std::vector<std::string>& argv, const Options& o) {
    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        size_t eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& u : o.unset) env.erase(u);
    for (const auto& kv : o.env) env[kv.first] = kv.second;
    std::vector<std::string> env_strings;
    for (const auto& kv : env) env_strings.push_back(kv.first + "=" + kv.second);

    if (o.listen_fd >= 0) {
        env.erase("LISTEN_PID");
        env_strings.push_back("LISTEN_FDS=1");
    }
    std::vector<char*> cargv, cenv;
    for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
    cargv.push_back(nullptr);
    for (const auto& e : env_strings) cenv.push_back(const_cast<char*>(e.c_str()));
    char listen_pid[32] = "LISTEN_PID=";  // filled in the child, which alone knows its pid
    if (o.listen_fd >= 0) cenv.push_back(listen_pid);
    cenv.push_back(nullptr);

    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        setpgid(0, 0);  // its own group, so stopping it reaches what it starts
        int in = open(o.stdin_path.c_str(), O_RDONLY);
        int out = open(o.stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        int err = open(o.stderr_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (in < 0 || out < 0 || err < 0) _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        int first_closed = 3;
        if (o.listen_fd >= 0) {
            // No allocation after fork: the pid goes into the buffer reserved above.
            std::snprintf(listen_pid + 11, sizeof listen_pid - 11, "%d", static_cast<int>(getpid()));
            if (o.listen_fd != 3 && dup2(o.listen_fd, 3) != 3) _exit(126);
            fcntl(3, F_SETFD, 0);
            first_closed = 4;
        }
        for (int fd = first_closed; fd < 1024; ++fd) close(fd);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        if (!o.cwd.empty() && chdir(o.cwd.c_str()) != 0) _exit(126);
        execve(cargv[0], cargv.data(), cenv.data());
        _exit(127);
    }
}

Process::~Process() {
    if (pid_ > 0 && running()) {
        if (stop(SIGTERM, 3000) == -1) stop(SIGKILL, 3000);
    }
    if (pid_ > 0) kill(-pid_, SIGKILL);  // anything the child left in its group
}

bool Process::running() {
    if (status_ != -1) return false;
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
        status_ = st;
        return false;
    }
    return r == 0;
}

int Process::wait(int timeout_ms) {
    if (!running()) return status_;
    // A process's descriptor turns readable when it ends (pidfd_open(2), Linux 5.3).
    int fd = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
    if (fd < 0) return wait_until([&] { return !running(); }, timeout_ms) ? status_ : -1;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        int n = poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
        if (n >= 0 || errno != EINTR) break;
    }
    close(fd);
    return running() ? -1 : status_;
}

int Process::stop(int sig, int timeout_ms) {
    if (running()) kill(pid_, sig);
    return wait(timeout_ms);
}

int run(const std::vector<std::string>& argv, std::string* out, const std::map<std::string, std::string>& env) {
    char tmpl[] = "/tmp/watch-run.XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    Process::Options o;
    o.env = env;
    o.stdout_path = tmpl;
    o.stderr_path = tmpl;
    Process p(argv, o);
    int st = p.wait(120000);
    if (out) *out = read_file(tmpl);
    unlink(tmpl);
    if (st == -1) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int free_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        close(s);
        throw std::runtime_error("no free port");
    }
    close(s);
    return ntohs(a.sin_port);
}

static bool connects(int family, const sockaddr* addr, socklen_t len) {
    int s = socket(family, SOCK_STREAM, 0);
    bool ok = connect(s, addr, len) == 0;
    close(s);
    return ok;
}

bool wait_until(const std::function<bool()>& ready, int timeout_ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!ready()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

bool wait_for_port(int port, int timeout_ms) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(static_cast<uint16_t>(port));
    return wait_until([&] { return connects(AF_INET, reinterpret_cast<sockaddr*>(&a), sizeof a); }, timeout_ms);
}

bool wait_for_unix_socket(const std::string& path, int timeout_ms) {
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
    return wait_until([&] { return connects(AF_UNIX, reinterpret_cast<sockaddr*>(&a), sizeof a); }, timeout_ms);
}

bool wait_for_file(const std::string& path, int timeout_ms) {
    return wait_until([&] { return access(path.c_str(), F_OK) == 0; }, timeout_ms);
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& content) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + path);
}

std::string repo_root() {
    const char* r = std::getenv("APIVIDEO_WATCH_ROOT");
    if (r && *r) return r;
    char buf[4096];
    if (!getcwd(buf, sizeof buf)) throw std::runtime_error("getcwd failed");
    return buf;
}

std::string handler_binary() {
    const char* b = std::getenv("APIVIDEO_WATCH_BIN");
    if (b && *b) return b;
    return repo_root() + "/build/apivideo-watch";
}

}  // namespace testing
