// apivideo-watch: the entry point. Reads the settings once, compiles the templates,
// then picks how requests arrive: --query (a shell command), FastCGI (a listening
// socket on fd 0, or fd 3 from systemd), or CGI (one request in the environment).
#include <fcgiapp.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/config.h"
#include "common/http_client.h"
#include "common/page.h"
#include "handler/adapter.h"

namespace {

constexpr const char* kVersion = "0.1.0";

void usage(FILE* to) {
    std::fprintf(to,
                 "usage: apivideo-watch                 serve FastCGI (socket on fd 0, or systemd's fd 3) or CGI\n"
                 "       apivideo-watch --query QUERY   serve GET /watch?QUERY once and print the response\n"
                 "       apivideo-watch --help | --version\n"
                 "\nSettings (environment):\n%s",
                 watch::settings_help().c_str());
}

// systemd socket activation without StandardInput=socket: the socket is fd 3.
bool socket_activated() {
    const char* pid = std::getenv("LISTEN_PID");
    const char* fds = std::getenv("LISTEN_FDS");
    return pid && fds && std::strtol(pid, nullptr, 10) == getpid() && std::strcmp(fds, "1") == 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string query;
    bool shell = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else if (a == "--version") {
            std::printf("apivideo-watch %s\n", kVersion);
            return 0;
        } else if (a == "--query" && i + 1 < argc) {
            shell = true;
            query = argv[++i];
        } else if (a.rfind("--query=", 0) == 0) {
            shell = true;
            query = a.substr(8);
        } else {
            std::fprintf(stderr, "apivideo-watch: unknown argument %s\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }

    std::string config_error;
    watch::Config config;
    try {
        config_error = watch::load_config([](const char* n) { return std::getenv(n); }, config);
    } catch (const std::exception& e) {
        config_error = e.what();
    }

    try {
        const watch::Pages pages = watch::Pages::builtin();
        watch::HttpGlobal http;

        int listen_fd = -1;
        if (!shell && socket_activated()) {
            listen_fd = 3;
        } else if (!shell && !FCGX_IsCGI()) {
            listen_fd = 0;
        }
        if (listen_fd >= 0 || shell) {
            if (!config_error.empty()) {
                std::fprintf(stderr, "apivideo-watch: %s\n", config_error.c_str());
                return 1;
            }
            return shell ? watch::serve_shell(query, config, pages, http)
                         : watch::serve_fastcgi(listen_fd, config, pages, http);
        }
        if (std::getenv("GATEWAY_INTERFACE")) return watch::serve_cgi(config, config_error, pages, http);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "apivideo-watch: %s\n", e.what());
        return 1;
    }

    std::fprintf(stderr,
                 "apivideo-watch: not started by a web server (no FastCGI socket on fd 0, no CGI environment)\n");
    usage(stderr);
    return 2;
}
