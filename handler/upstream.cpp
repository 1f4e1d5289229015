// libcurl's sockets and timer on the event loop (see upstream.h), as curl's
// docs/examples/multi-event.c drives them.
#include "handler/upstream.h"

namespace watch {

namespace {

uint32_t epoll_events(bool in, bool out) { return (in ? uint32_t{EPOLLIN} : 0u) | (out ? uint32_t{EPOLLOUT} : 0u); }

struct SocketWatch final : HttpMulti::Loop::Watch {
    EventLoop::Watch watch;
    bool change(bool in, bool out, std::string& why) override { return watch.change(epoll_events(in, out), why); }
};

}  // namespace

Upstream::Upstream(EventLoop& loop, const HttpGlobal& http, long max_idle, std::function<void(const std::string&)> log)
    : loop_(loop), log_(std::move(log)), multi_(http, *this, max_idle) {}

std::unique_ptr<HttpMulti::Loop::Watch> Upstream::watch_socket(int fd, bool in, bool out, HttpMulti::Socket* socket,
                                                               std::string& why) {
    auto w = std::make_unique<SocketWatch>();
    w->watch = loop_.watch(
        fd, epoll_events(in, out),
        [this, socket](uint32_t ev) {
            multi_.on_socket(socket, ev & EPOLLIN, ev & EPOLLOUT, ev & (EPOLLERR | EPOLLHUP));
        },
        why);
    if (!w->watch) return nullptr;
    return w;
}

void Upstream::set_timer(long ms) {
    timer_ = ms < 0 ? EventLoop::Timer() : loop_.after(ms, [this] { multi_.on_timeout(); });
}

}  // namespace watch
