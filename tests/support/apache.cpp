// Test support: Apache from a generated httpd.conf (see apache.h).
#include "tests/support/apache.h"

#include <dirent.h>
#include <grp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace testing {

namespace {

const char* const kModules = "/usr/lib/apache2/modules";

// The modules the examples need, and nothing else: mpm_event is Debian's default MPM,
// and a threaded MPM runs CGI programs through mod_cgid, not mod_cgi.
// log_config and unixd are compiled into Debian's apache2.
const char* const kModuleNames[][2] = {
    {"mpm_event_module", "mod_mpm_event.so"},
    {"authz_core_module", "mod_authz_core.so"},
    {"mime_module", "mod_mime.so"},
    {"alias_module", "mod_alias.so"},
    {"rewrite_module", "mod_rewrite.so"},
    {"cgid_module", "mod_cgid.so"},
    {"fcgid_module", "mod_fcgid.so"},
    {"setenvif_module", "mod_setenvif.so"},
    {"env_module", "mod_env.so"},
    {"dir_module", "mod_dir.so"},
};

}  // namespace

Apache::Apache(const TempDir& dir, const Options& o)
    : port_(free_port()), docroot_(dir.file("www")), error_log_path_(dir.file("apache-error.log")) {
    const std::string t = dir.path();
    mkdir(docroot_.c_str(), 0755);
    mkdir(dir.file("apache-run").c_str(), 0755);

    std::string conf = "ServerRoot " + t + "\n";
    for (const auto& m : kModuleNames) conf += "LoadModule " + std::string(m[0]) + " " + kModules + "/" + m[1] + "\n";
    conf += "Listen 127.0.0.1:" + std::to_string(port_) +
            "\n"
            "ServerName 127.0.0.1\n"
            "DefaultRuntimeDir " +
            t +
            "/apache-run\n"
            "PidFile " +
            t +
            "/apache-run/apache2.pid\n"
            "ScriptSock " +
            t +
            "/apache-run/cgid.sock\n"
            "FcgidProcessTableFile " +
            t +
            "/apache-run/fcgid_shm\n"
            "ErrorLog " +
            error_log_path_ +
            "\n"
            // info: mod_fcgid says there how each handler process ended.
            "LogLevel info\n"
            "CustomLog " +
            t +
            "/apache-access.log common\n"
            "TypesConfig /etc/mime.types\n"
            "Timeout 30\n";
    // As Debian runs it: the parent as root, the children (and the programs they start)
    // as www-data.
    if (geteuid() == 0) conf += "User www-data\nGroup www-data\n";
    conf += "DocumentRoot " + docroot_ +
            "\n"
            "<Directory />\n"
            "    AllowOverride None\n"
            "    Require all denied\n"
            "</Directory>\n"
            "<Directory " +
            docroot_ +
            ">\n"
            "    Options FollowSymLinks\n"
            "    AllowOverride " +
            o.docroot_allow_override +
            "\n"
            "    Require all granted\n"
            "</Directory>\n"
            "<FilesMatch \"^\\.ht\">\n"
            "    Require all denied\n"
            "</FilesMatch>\n";
    write_file(dir.file("site.conf"), o.site);
    conf += "Include " + dir.file("site.conf") + "\n";
    write_file(dir.file("httpd.conf"), conf);

    std::string out;
    if (run({"/usr/sbin/apache2", "-d", t, "-f", dir.file("httpd.conf"), "-t"}, &out) != 0) {
        throw std::runtime_error("apache2 -t refused the generated config: " + out);
    }
    Process::Options po;
    po.stderr_path = dir.file("apache-stderr.log");
    po.stdout_path = dir.file("apache-stderr.log");
    // Debian's apache2 reads these only through its own apache2.conf; ours needs none,
    // but set them so nothing falls back to /var/run/apache2.
    po.env = {{"APACHE_RUN_DIR", t + "/apache-run"},
              {"APACHE_LOCK_DIR", t + "/apache-run"},
              {"APACHE_LOG_DIR", t},
              {"APACHE_PID_FILE", t + "/apache-run/apache2.pid"},
              {"APACHE_RUN_USER", "www-data"},
              {"APACHE_RUN_GROUP", "www-data"},
              {"LANG", "C"}};
    po.unset = {"GATEWAY_INTERFACE"};
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/sbin/apache2", "-d", t, "-f", dir.file("httpd.conf"), "-DFOREGROUND"}, po);
    if (!wait_for_port(port_, 10000)) {
        throw std::runtime_error("apache2 did not start: " + read_file(dir.file("apache-stderr.log")) + error_log());
    }
}

Apache::~Apache() {
    if (proc_) stop();
}

int Apache::stop(int timeout_ms) { return proc_->stop(SIGTERM, timeout_ms); }

std::vector<std::string> Apache::alarms() const {
    std::vector<std::string> out;
    std::istringstream log(error_log());
    for (std::string line; std::getline(log, line);) {
        if (line.find(":crit]") != std::string::npos || line.find(":alert]") != std::string::npos ||
            line.find(":emerg]") != std::string::npos) {
            out.push_back(line);
        }
    }
    return out;
}

std::vector<pid_t> processes_running(const std::string& path) {
    std::vector<pid_t> out;
    DIR* proc = opendir("/proc");
    if (!proc) throw std::runtime_error("cannot read /proc");
    while (dirent* e = readdir(proc)) {
        char* end = nullptr;
        long pid = std::strtol(e->d_name, &end, 10);
        if (pid <= 0 || *end != '\0') continue;
        char exe[4096];
        std::string link = std::string("/proc/") + e->d_name + "/exe";
        ssize_t n = readlink(link.c_str(), exe, sizeof exe - 1);
        if (n <= 0) continue;  // gone, a kernel thread, or a zombie
        exe[n] = '\0';
        std::string target = exe;
        const std::string deleted = " (deleted)";
        if (target.size() > deleted.size() &&
            target.compare(target.size() - deleted.size(), deleted.size(), deleted) == 0) {
            target.resize(target.size() - deleted.size());
        }
        if (target == path) out.push_back(static_cast<pid_t>(pid));
    }
    closedir(proc);
    return out;
}

void give_to_group(const std::string& path, const std::string& group_name, mode_t mode) {
    const struct group* g = getgrnam(group_name.c_str());
    if (!g) throw std::runtime_error("no group " + group_name);
    if (chown(path.c_str(), 0, g->gr_gid) != 0 || chmod(path.c_str(), mode) != 0) {
        throw std::runtime_error("cannot give " + path + " to " + group_name + " (run the tests as root)");
    }
}

}  // namespace testing
