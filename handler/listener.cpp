// Finding and checking the listening socket (see listener.h).
#include "handler/listener.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace watch {

namespace {

// systemd's hand-over (sd_listen_fds(3)): LISTEN_PID names this process.
bool socket_activated() {
    const char* pid = std::getenv("LISTEN_PID");
    return pid && std::getenv("LISTEN_FDS") && std::strtol(pid, nullptr, 10) == getpid();
}

// Why `fd` cannot be listened on, or "".
std::string not_listening(int fd) {
    int listening = 0, type = 0;
    socklen_t len = sizeof listening;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0) {
        return errno == EBADF ? "is not open" : errno == ENOTSOCK ? "is not a socket" : std::strerror(errno);
    }
    len = sizeof type;
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_STREAM) return "is not a stream socket";
    if (!listening) return "is a socket that is not listening";
    return "";
}

// The path a Unix socket is bound to ("" for another kind, or an abstract one).
std::string bound_path(int fd) {
    sockaddr_un a{};
    socklen_t len = sizeof a;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0 || a.sun_family != AF_UNIX) return "";
    if (len <= offsetof(sockaddr_un, sun_path) || a.sun_path[0] == '\0') return "";
    return std::string(a.sun_path, strnlen(a.sun_path, len - offsetof(sockaddr_un, sun_path)));
}

}  // namespace

// The spec's own test (fcgi-spec.html §2.2): the web server leaves a listening socket on
// fd 0, on which getpeername() fails with ENOTCONN; a CGI program's fd 0 is a pipe or a file.
bool started_with_socket() {
    sockaddr_storage peer{};
    socklen_t len = sizeof peer;
    return socket_activated() || (getpeername(0, reinterpret_cast<sockaddr*>(&peer), &len) != 0 && errno == ENOTCONN);
}

Listener Listener::find(const std::string& takeover_path, std::string& why) {
    Listener l;
    if (socket_activated()) {
        const char* fds = std::getenv("LISTEN_FDS");
        if (std::strcmp(fds, "1") != 0) {
            why = "systemd passed LISTEN_FDS=" + std::string(fds) + "; the handler serves exactly one socket";
            return l;
        }
        if (std::string e = not_listening(3); !e.empty()) {
            why = "systemd passed LISTEN_FDS=1, but fd 3 " + e + " (is the .socket unit's ListenStream= a path?)";
            return l;
        }
        l.fd = 3;
        l.from_systemd = true;  // systemd keeps the socket itself: WATCH_SOCKET has nothing to do
        return l;
    }
    if (std::string e = not_listening(0); !e.empty()) {
        why = "standard input " + e + ": start the handler with a listening socket on it (spawn-fcgi)";
        return l;
    }
    l.fd = 0;
    if (takeover_path.empty()) return l;
    // Take the public path over: a rename is atomic, so every connect() reaches either
    // the predecessor's socket or this one, never nothing.
    std::string bound = bound_path(0);
    if (bound.empty()) {
        why = "WATCH_SOCKET is set, but the socket on standard input is not a Unix socket with a path";
        l.fd = -1;
        return l;
    }
    if (bound != takeover_path && std::rename(bound.c_str(), takeover_path.c_str()) != 0) {
        why = "WATCH_SOCKET: cannot move " + bound + " to " + takeover_path + ": " + std::strerror(errno) +
              " (both must be in the same folder)";
        l.fd = -1;
        return l;
    }
    struct stat st {};
    if (stat(takeover_path.c_str(), &st) != 0) {
        why = "WATCH_SOCKET: " + takeover_path + ": " + std::strerror(errno);
        l.fd = -1;
        return l;
    }
    l.path = takeover_path;
    l.dev = st.st_dev;
    l.ino = st.st_ino;
    return l;
}

bool Listener::handed_over() const {
    struct stat st {};
    return stat(path.c_str(), &st) != 0 || st.st_dev != dev || st.st_ino != ino;
}

std::string exposed_tcp_address(int fd) {
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return "";
    char host[INET6_ADDRSTRLEN] = {};
    if (ss.ss_family == AF_INET) {
        auto* a = reinterpret_cast<sockaddr_in*>(&ss);
        if ((ntohl(a->sin_addr.s_addr) >> 24) == 127) return "";
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
    }
    if (ss.ss_family == AF_INET6) {
        auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
        if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr)) return "";
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        return std::string("[") + host + "]:" + std::to_string(ntohs(a->sin6_port));
    }
    return "";  // a Unix socket: its file mode decides who may connect
}

std::string exposure_warning(const std::string& address) {
    return "listening on " + address +
           ", reachable from other hosts: bind a Unix socket (mode 0660) "
           "or 127.0.0.1: the FastCGI socket is the web server's, and trusts it with every setting";
}

}  // namespace watch
