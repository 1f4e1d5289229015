// The listening socket the web server connects to, as it was handed over: on fd 0
// (spawn-fcgi, mod_fcgid, systemd's StandardInput=socket) or on fd 3 (systemd socket
// activation). And how it is handed on: a socket systemd holds outlives this process; one
// inherited from spawn-fcgi does not, so a successor takes over its path (WATCH_SOCKET).
#pragma once
#include <sys/types.h>

#include <string>

namespace watch {

struct Listener {
    int fd = -1;
    bool from_systemd = false;  // systemd holds it and queues connections while no handler runs
    std::string path;           // WATCH_SOCKET: the path a successor takes over ("" for none)
    dev_t dev = 0;              // the socket file at `path` while it is ours
    ino_t ino = 0;

    // The listening socket this process was started with, checked: -1 in fd with `why`
    // set when there is none that works. `takeover_path` is WATCH_SOCKET.
    static Listener find(const std::string& takeover_path, std::string& why);

    // Whether `path` names another socket by now (a successor took it over) or none.
    bool handed_over() const;
};

// True when the process was started with a socket to serve FastCGI on (not CGI).
bool started_with_socket();

// A listening TCP socket on an address other than loopback, as "0.0.0.0:9000"; "" else.
std::string exposed_tcp_address(int fd);
std::string exposure_warning(const std::string& address);

}  // namespace watch
