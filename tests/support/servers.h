// Test support: the real servers the end-to-end tests put in front of the handler,
// each configured in a temp dir from the project's own examples, on free loopback ports.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace testing {

// The handler under spawn-fcgi -n on a Unix socket (mode 0660, group www-data), as the
// README's nginx recipe runs it. Its stderr goes to a file. `wrapper` runs spawn-fcgi
// (e.g. prlimit, for a descriptor limit).
class SpawnFcgiHandler {
   public:
    SpawnFcgiHandler(const std::string& socket_path, const std::map<std::string, std::string>& env,
                     const std::string& stderr_path, const std::vector<std::string>& wrapper = {});
    const std::string& socket() const { return socket_; }
    Process& process() { return *proc_; }

   private:
    std::string socket_;
    std::unique_ptr<Process> proc_;
};

// nginx with a configuration the test writes: `http_conf` goes inside http { } (where
// "include fastcgi_params" works, as in /etc/nginx), logs and temp files in `dir`. Waits
// until every port in `ports` (127.0.0.1) accepts.
class NginxWithConf {
   public:
    NginxWithConf(const TempDir& dir, const std::string& http_conf, const std::vector<int>& ports);
    ~NginxWithConf();
    NginxWithConf(const NginxWithConf&) = delete;
    NginxWithConf& operator=(const NginxWithConf&) = delete;
    std::string error_log() const { return read_file(error_log_path_); }
    // Error-log lines at level crit, alert or emerg; the destructor fails the test on any.
    std::vector<std::string> alarms() const;

   private:
    std::string error_log_path_;
    std::unique_ptr<Process> proc_;
};

// nginx with nginx.conf.example rendered into `dir`: its listen port, handler socket and
// document root replaced, the rest as a user would paste it. `extra_site` is appended
// inside the server block (test-only locations).
class Nginx {
   public:
    Nginx(const TempDir& dir, const std::string& handler_socket, const std::string& extra_site = "");
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    std::string error_log() const { return server_->error_log(); }

   private:
    int port_;
    std::unique_ptr<NginxWithConf> server_;
};

// fcgiwrap on a Unix socket: nginx's way to run a CGI program (the handler in CGI mode).
class Fcgiwrap {
   public:
    Fcgiwrap(const std::string& socket_path, const std::map<std::string, std::string>& env,
             const std::string& stderr_path);

   private:
    std::unique_ptr<Process> proc_;
};

// Replaces `from` by `to` in `text`; throws when `from` is absent (the example changed
// and the test would silently stop testing it).
std::string must_replace(std::string text, const std::string& from, const std::string& to);

}  // namespace testing
