// Test support: nginx, spawn-fcgi and fcgiwrap as real child processes (see servers.h).
#include "tests/support/servers.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <cerrno>
#include <sstream>
#include <stdexcept>

namespace testing {

std::string must_replace(std::string text, const std::string& from, const std::string& to) {
    size_t at = text.find(from);
    if (at == std::string::npos) throw std::runtime_error("not found in the example: " + from);
    return text.replace(at, from.size(), to);
}

SpawnFcgiHandler::SpawnFcgiHandler(const std::string& socket_path, const std::map<std::string, std::string>& env,
                                   const std::string& stderr_path, const std::vector<std::string>& wrapper)
    : socket_(socket_path) {
    Process::Options o;
    o.env = env;
    o.stderr_path = stderr_path;
    o.unset = {"GATEWAY_INTERFACE"};
    std::vector<std::string> argv = wrapper;
    for (const char* a : {"/usr/bin/spawn-fcgi", "-n", "-s", socket_path.c_str(), "-M", "0660", "-U", "www-data", "-G",
                          "www-data", "--"}) {
        argv.push_back(a);
    }
    argv.push_back(handler_binary());
    proc_ = std::make_unique<Process>(argv, o);
    if (!wait_for_unix_socket(socket_path, 10000)) {
        throw std::runtime_error("the handler did not start under spawn-fcgi: " + read_file(stderr_path));
    }
}

NginxWithConf::NginxWithConf(const TempDir& dir, const std::string& http_conf, const std::vector<int>& ports)
    : error_log_path_(dir.file("nginx-error.log")) {
    const std::string t = dir.path();
    mkdir(dir.file("www").c_str(), 0755);
    // "include fastcgi_params" is relative to the configuration's folder, as in /etc/nginx.
    if (symlink("/etc/nginx/fastcgi_params", dir.file("fastcgi_params").c_str()) != 0 && errno != EEXIST) {
        throw std::runtime_error("cannot link fastcgi_params (is nginx installed?)");
    }
    write_file(dir.file("sites.conf"), http_conf);
    write_file(dir.file("nginx.conf"), std::string(geteuid() == 0 ? "user www-data;\n" : "") +
                                           "worker_processes 1;\n"
                                           "pid " +
                                           t +
                                           "/nginx.pid;\n"
                                           "error_log " +
                                           error_log_path_ +
                                           " info;\n"
                                           "worker_rlimit_nofile 16384;\n"
                                           "events { worker_connections 8192; }\n"
                                           "http {\n"
                                           "  include /etc/nginx/mime.types;\n"
                                           "  access_log " +
                                           t +
                                           "/nginx-access.log;\n"
                                           "  client_body_temp_path " +
                                           t +
                                           "/body;\n"
                                           "  fastcgi_temp_path " +
                                           t +
                                           "/fastcgi;\n"
                                           "  proxy_temp_path " +
                                           t +
                                           "/proxy;\n"
                                           "  uwsgi_temp_path " +
                                           t +
                                           "/uwsgi;\n"
                                           "  scgi_temp_path " +
                                           t +
                                           "/scgi;\n"
                                           "  include " +
                                           t +
                                           "/sites.conf;\n"
                                           "}\n");
    std::string out;
    if (run({"/usr/sbin/nginx", "-t", "-q", "-e", error_log_path_, "-c", dir.file("nginx.conf")}, &out) != 0) {
        throw std::runtime_error("nginx -t refused the configuration: " + out);
    }
    Process::Options o;
    o.stderr_path = dir.file("nginx-stderr.log");
    proc_ = std::make_unique<Process>(std::vector<std::string>{"/usr/sbin/nginx", "-e", error_log_path_, "-c",
                                                               dir.file("nginx.conf"), "-g", "daemon off;"},
                                      o);
    for (int port : ports) {
        if (!wait_for_port(port, 10000)) throw std::runtime_error("nginx did not start: " + error_log());
    }
}

NginxWithConf::~NginxWithConf() {
    // QUIT: nginx's graceful stop; the Process destructor escalates if it hangs.
    if (proc_) proc_->stop(SIGQUIT, 5000);
    // A healthy run leaves nothing at level crit, alert or emerg (as the Apache tests check).
    std::vector<std::string> a = alarms();
    BOOST_TEST(a.empty(), "nginx's error log: " << (a.empty() ? "" : a.front()));
}

std::vector<std::string> NginxWithConf::alarms() const {
    std::vector<std::string> out;
    std::istringstream log(error_log());
    for (std::string line; std::getline(log, line);) {
        for (const char* level : {"[crit]", "[alert]", "[emerg]"}) {
            if (line.find(level) != std::string::npos) {
                out.push_back(line);
                break;
            }
        }
    }
    return out;
}

Nginx::Nginx(const TempDir& dir, const std::string& handler_socket, const std::string& extra_site)
    : port_(free_port()) {
    std::string site = read_file(repo_root() + "/nginx.conf.example");
    site = must_replace(site, "listen 80;", "listen 127.0.0.1:" + std::to_string(port_) + ";");
    site = must_replace(site, "unix:/run/apivideo-watch/apivideo-watch.sock", "unix:" + handler_socket);
    site = must_replace(site, "root /var/www/html;", "root " + dir.file("www") + ";");
    // Tests send many requests from one address, at once; the rate limit has its own test.
    site = must_replace(site, "rate=5r/s", "rate=10000r/s");
    site = must_replace(site, "burst=10 ", "burst=100000 ");
    if (!extra_site.empty()) site.insert(site.rfind('}'), extra_site + "\n");
    server_ = std::make_unique<NginxWithConf>(dir, site, std::vector<int>{port_});
}

Fcgiwrap::Fcgiwrap(const std::string& socket_path, const std::map<std::string, std::string>& env,
                   const std::string& stderr_path) {
    Process::Options o;
    o.env = env;
    o.stderr_path = stderr_path;
    proc_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/sbin/fcgiwrap", "-f", "-c", "2", "-s", "unix:" + socket_path}, o);
    if (!wait_for_unix_socket(socket_path, 10000)) throw std::runtime_error("fcgiwrap did not start");
    chmod(socket_path.c_str(), 0666);  // test-only: nginx's workers run as www-data
}

}  // namespace testing
