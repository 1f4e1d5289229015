// Test support: the systemd units of examples/systemd/ without a running systemd: their
// settings read from the files, and the socket hand-over they describe reproduced with
// systemd-socket-activate (fd 3, LISTEN_FDS, LISTEN_PID), which needs no systemd running.
#pragma once
#include <sys/types.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace testing {

// The value of the last `key=` line in a unit file's text ("" when absent), as systemd
// reads it: a later assignment wins. Comments and section headers are skipped.
std::string unit_setting(const std::string& unit_text, const std::string& key);
// Every value of `key=` in order (Environment= and the like may repeat).
std::vector<std::string> unit_settings(const std::string& unit_text, const std::string& key);

// systemd-socket-activate -l SOCKET -E NAME=VALUE… PROGRAM, run as `user` (empty: as
// this process's user). It binds the socket, waits for the first connection, then
// execs PROGRAM in its own process with the listening socket on fd 3: the process id
// stays the same throughout. Only the -E settings (and PATH, HOME, TERM) reach PROGRAM.
class SocketActivated {
   public:
    // `wrapper`: a command that runs first, as root, and execs the rest (its arguments).
    SocketActivated(const std::string& socket_path, const std::string& program,
                    const std::map<std::string, std::string>& env, const std::string& user,
                    const std::string& stderr_path, const std::vector<std::string>& wrapper = {});
    Process& process() { return *proc_; }
    const std::string& socket() const { return socket_; }

   private:
    std::string socket_;
    std::unique_ptr<Process> proc_;
};

// What a .socket unit does across restarts of its service: holds one listening Unix
// socket and hands it to each new handler process on fd 3 (LISTEN_FDS=1, LISTEN_PID), so
// connections wait in its queue while no handler runs.
class SocketHolder {
   public:
    // Binds `path` (mode 0666: nginx's workers connect) and listens.
    explicit SocketHolder(const std::string& path);
    ~SocketHolder();
    SocketHolder(const SocketHolder&) = delete;
    SocketHolder& operator=(const SocketHolder&) = delete;
    // Starts `program` with the socket on fd 3; only `env` (plus PATH) reaches it.
    std::unique_ptr<Process> start(const std::string& program, const std::map<std::string, std::string>& env,
                                   const std::string& stderr_path) const;
    const std::string& path() const { return path_; }

   private:
    std::string path_;
    int fd_ = -1;
};

// A .socket unit and its .service started as systemd would start them, without systemd:
// the socket's folder made (DirectoryMode=), the socket bound by systemd-socket-activate
// and then given the .socket unit's SocketUser=, SocketGroup= and SocketMode=; `program`
// started on the first connection as `user` (the service's DynamicUser=), with the
// .service unit's Environment= lines (%d: a credentials folder in `dir` holding `key`
// under the id of its LoadCredential=; %S: the state root) and `env` on top. Its stderr goes
// to `journal`, which JOURNAL_STREAM names, as systemd does for a service logging to the
// journal. Its StateDirectory= is made as systemd makes it, below the state root (with
// DynamicUser=: the folder in ROOT/private/, ROOT/NAME a symlink to it, STATE_DIRECTORY
// naming the symlink, and the service started in a mount namespace where ROOT/private is
// a tmpfs holding that folder alone, as systemd makes it reachable for the service).
class UnitsStarted {
   public:
    struct Units {
        std::string socket_unit, service_unit;  // the units' text
        std::string socket_path;                // where to bind (the unit's ListenStream= or a test's own)
        std::string program;                    // what to run (the unit's ExecStart= or a copy)
        std::string state_root = "/var/lib";    // %S: where StateDirectory= folders go
    };
    UnitsStarted(const TempDir& dir, const Units& units, const std::string& key,
                 const std::map<std::string, std::string>& env, const std::string& user, const std::string& journal);
    Process& process() { return activated_->process(); }
    const std::string& socket() const { return activated_->socket(); }
    // The mode the activator bound the socket with (before SocketMode= was applied).
    mode_t mode_as_bound() const { return mode_as_bound_; }
    // The StateDirectory= folder: the real one (below private/ with DynamicUser=), and the
    // path STATE_DIRECTORY names. Both "" when the unit has none.
    const std::string& state_folder() const { return state_folder_; }
    const std::string& state_directory() const { return state_directory_; }

   private:
    mode_t mode_as_bound_ = 0;
    std::string state_folder_, state_directory_;
    std::unique_ptr<SocketActivated> activated_;
};

// Connects to the Unix socket `path` as `user` (a child process that drops to that
// user): 0 when it connected, else the errno (EACCES when the socket's mode keeps the
// user out).
int connect_as(const std::string& path, const std::string& user);

}  // namespace testing
