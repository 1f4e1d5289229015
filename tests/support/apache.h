// Test support: Debian's Apache 2.4 as a real child process, from an httpd.conf generated
// in a temp dir (a free loopback port, mpm_event, mod_cgid, mod_fcgid), with a site
// configuration the test renders from the project's examples.
#pragma once
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace testing {

class Apache {
   public:
    struct Options {
        // Text included at the end of httpd.conf (an example with its paths replaced).
        std::string site;
        // AllowOverride for the DocumentRoot (dir/www): "None", or what .htaccess needs.
        std::string docroot_allow_override = "None";
    };
    // Writes dir/httpd.conf, checks it with `apache2 -t`, starts Apache in the foreground
    // and waits for its port. Throws when any of that fails.
    Apache(const TempDir& dir, const Options& options);
    ~Apache();
    Apache(const Apache&) = delete;
    Apache& operator=(const Apache&) = delete;

    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    std::string docroot() const { return docroot_; }
    std::string error_log() const { return read_file(error_log_path_); }
    // Error-log lines at level crit, alert or emerg (a healthy run has none).
    std::vector<std::string> alarms() const;
    Process& process() { return *proc_; }

    // `apachectl stop`: SIGTERM to the parent, which stops its children (mod_fcgid's
    // process manager and the handlers it started, mod_cgid's daemon). Returns the wait
    // status, -1 on time-out.
    int stop(int timeout_ms = 10000);

   private:
    int port_;
    std::string docroot_;
    std::string error_log_path_;
    std::unique_ptr<Process> proc_;
};

// The processes (live, not zombies) whose executable is `path`: to tell whether a
// handler binary copied into a test's temp dir still runs somewhere.
std::vector<pid_t> processes_running(const std::string& path);

// Makes `path` owned by root and the group `group`, with `mode` (a key file readable by
// the web server's user, and nobody else).
void give_to_group(const std::string& path, const std::string& group_name, mode_t mode);

}  // namespace testing
