// Test support: child processes (servers the tests start and always stop), temporary
// directories, free loopback ports, and waiting for a server to be ready.
#pragma once
#include <sys/types.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace testing {

// A temporary directory, removed with its contents when the object dies.
class TempDir {
   public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string file(const std::string& name) const { return path_ + "/" + name; }

   private:
    std::string path_;
};

// A child process. The destructor stops it (SIGTERM, then SIGKILL) if it still runs.
class Process {
   public:
    struct Options {
        std::map<std::string, std::string> env;  // added to (or replacing in) the environment
        std::vector<std::string> unset;          // removed from the environment
        std::string stdout_path = "/dev/null";
        std::string stderr_path = "/dev/null";
        std::string stdin_path = "/dev/null";
        std::string cwd;
        // A descriptor the child gets as fd 3, with LISTEN_FDS=1 and LISTEN_PID set to
        // its own pid: systemd's socket hand-over (sd_listen_fds(3)); -1 for none.
        int listen_fd = -1;
    };
    Process(const std::vector<std::string>& argv, const Options& options);
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    // Sends `sig` and waits up to `timeout_ms`; returns the wait status, or -1 on time-out.
    int stop(int sig, int timeout_ms);
    // Waits up to `timeout_ms` for the process to end by itself (woken by its end, not by
    // polling); returns the wait status, or -1 on time-out.
    int wait(int timeout_ms);

   private:
    pid_t pid_ = -1;
    int status_ = -1;
};

// Runs a command to completion; returns its exit code, output in `out` (stdout+stderr).
int run(const std::vector<std::string>& argv, std::string* out = nullptr,
        const std::map<std::string, std::string>& env = {});

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();

// Checks `ready` every 20 ms until it holds (true) or `timeout_ms` pass (false): the one
// way the tests wait for what nothing signals (a port that starts accepting, a log line,
// the stand-in's record of a request). Never a fixed sleep for time to pass.
bool wait_until(const std::function<bool()>& ready, int timeout_ms);

// Until something accepts on 127.0.0.1:port (or the Unix socket path) or time runs out.
bool wait_for_port(int port, int timeout_ms);
bool wait_for_unix_socket(const std::string& path, int timeout_ms);
bool wait_for_file(const std::string& path, int timeout_ms);

std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& content);

// The repository root (tests run from it; APIVIDEO_WATCH_ROOT overrides). Nothing the
// tests read lies outside it.
std::string repo_root();
// build/apivideo-watch, or APIVIDEO_WATCH_BIN.
std::string handler_binary();

}  // namespace testing
