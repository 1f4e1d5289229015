// Component tier: common/http_client.cpp's HttpMulti on the real event loop, against a
// small HTTP server of the test's own on the same loop, so the test decides when each
// byte arrives. A call cancelled while its socket has an event pending, a socket the loop
// cannot watch, many calls at once: the transfer concerned fails or goes, never the rest.
#include <boost/test/unit_test.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "handler/event_loop.h"

using watch::EventLoop;
using watch::HttpMulti;
using watch::HttpResult;

namespace {

// HttpMulti's loop, as handler/upstream.cpp is, with one more power: to refuse the next
// watches it is asked for, as a loop out of epoll room would.
class TestLoop final : public HttpMulti::Loop {
   public:
    explicit TestLoop(EventLoop& loop) : loop_(loop) {}
    void attach(HttpMulti& multi) { multi_ = &multi; }
    int refuse = 0;
    std::vector<std::string> logged;

   private:
    struct SocketWatch final : Watch {
        EventLoop::Watch w;
        bool change(bool in, bool out, std::string& why) override { return w.change(events(in, out), why); }
    };
    static uint32_t events(bool in, bool out) { return (in ? EPOLLIN : 0u) | (out ? EPOLLOUT : 0u); }

    std::unique_ptr<Watch> watch_socket(int fd, bool in, bool out, HttpMulti::Socket* socket,
                                        std::string& why) override {
        if (refuse > 0) {
            --refuse;
            why = "refused by the test";
            return nullptr;
        }
        auto s = std::make_unique<SocketWatch>();
        s->w = loop_.watch(
            fd, events(in, out),
            [this, socket](uint32_t ev) { multi_->on_socket(socket, ev & EPOLLIN, ev & EPOLLOUT, ev & EPOLLERR); },
            why);
        if (!s->w) return nullptr;
        return s;
    }
    void set_timer(long ms) override {
        timer_ = ms < 0 ? EventLoop::Timer() : loop_.after(ms, [this] { multi_->on_timeout(); });
    }
    void log(const std::string& line) override { logged.push_back(line); }

    EventLoop& loop_;
    HttpMulti* multi_ = nullptr;
    EventLoop::Timer timer_;
};

// An HTTP/1.1 server on 127.0.0.1 driven by the same loop: it accepts, reads each
// request's head, and answers only when the test says so.
class Server {
   public:
    explicit Server(EventLoop& loop) : loop_(loop) {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        BOOST_TEST_REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        BOOST_TEST_REQUIRE(listen(fd_, 64) == 0);
        BOOST_TEST_REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port_ = ntohs(a.sin_port);
        std::string why;
        listening_ = loop_.watch(
            fd_, EPOLLIN, [this](uint32_t) { accept_all(); }, why);
        BOOST_TEST_REQUIRE(static_cast<bool>(listening_), why);
    }
    ~Server() {
        listening_.reset();
        close(fd_);
        for (auto& c : conns_) {
            c->w.reset();
            close(c->fd);
        }
    }
    std::string url(const std::string& path) const { return "http://127.0.0.1:" + std::to_string(port_) + path; }
    // Requests whose head has arrived and that have no answer yet.
    size_t waiting() const {
        size_t n = 0;
        for (auto& c : conns_) n += c->asked && !c->answered;
        return n;
    }
    // Answers every waiting request with `body`.
    void answer_all(const std::string& body) {
        for (auto& c : conns_) {
            if (!c->asked || c->answered) continue;
            std::string r = "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
            BOOST_TEST_REQUIRE(write(c->fd, r.data(), r.size()) == static_cast<ssize_t>(r.size()));
            c->answered = true;
        }
    }

   private:
    struct Conn {
        int fd;
        std::string head;
        bool asked = false, answered = false;
        EventLoop::Watch w;
    };
    void accept_all() {
        for (int fd; (fd = accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0;) {
            auto c = std::make_unique<Conn>();
            c->fd = fd;
            Conn* p = c.get();
            std::string why;
            c->w = loop_.watch(
                fd, EPOLLIN,
                [p](uint32_t) {
                    char buf[4096];
                    ssize_t n;
                    while ((n = read(p->fd, buf, sizeof buf)) > 0) p->head.append(buf, static_cast<size_t>(n));
                    if (p->head.find("\r\n\r\n") != std::string::npos && !p->answered) p->asked = true;
                    if (n == 0) p->w.reset();
                },
                why);
            conns_.push_back(std::move(c));
        }
    }

    EventLoop& loop_;
    int fd_ = -1;
    int port_ = 0;
    EventLoop::Watch listening_;
    std::vector<std::unique_ptr<Conn>> conns_;
};

watch::HttpCall call(const std::string& url) {
    watch::HttpCall c;
    c.url = url;
    return c;
}

struct Fixture {
    watch::HttpGlobal http;
    EventLoop loop;
    TestLoop test_loop{loop};
    HttpMulti multi{http, test_loop, 16};
    Server server{loop};
    Fixture() { test_loop.attach(multi); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_FIXTURE_TEST_SUITE(http_multi_tests, Fixture)

BOOST_AUTO_TEST_CASE(many_calls_at_once_each_get_their_own_reply) {
    std::map<int, HttpResult> results;
    for (int i = 0; i < 20; ++i) {
        multi.start(call(server.url("/" + std::to_string(i))), [&, i](HttpResult&& r) { results[i] = std::move(r); });
    }
    loop.run([&] { return server.waiting() == 20; });
    server.answer_all("ok");
    loop.run([&] { return results.size() == 20; });
    for (auto& [i, r] : results) {
        BOOST_TEST((r.outcome == HttpResult::Outcome::Ok), i << ": " << r.error);
        BOOST_TEST(r.status == 200);
        BOOST_TEST(r.body == "ok");
    }
    BOOST_TEST(multi.running() == 0u);
    BOOST_TEST(test_loop.logged.empty());
}

// In one batch: the first event cancels a call whose socket's reply is queued behind it.
BOOST_AUTO_TEST_CASE(a_call_cancelled_while_its_socket_has_an_event_pending_never_answers) {
    int answered = 0;
    HttpMulti::Id id = multi.start(call(server.url("/cancelled")), [&](HttpResult&&) { ++answered; });
    loop.run([&] { return server.waiting() == 1; });
    int pair[2];
    BOOST_TEST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, pair) == 0);
    std::string why;
    bool cancelled = false;
    EventLoop::Watch canceller = loop.watch(
        pair[0], EPOLLIN,
        [&](uint32_t) {
            multi.cancel(id);
            cancelled = true;
        },
        why);
    BOOST_TEST_REQUIRE(write(pair[1], "x", 1) == 1);  // ready first
    server.answer_all("too late");                    // the call's reply, queued behind
    loop.run([&] { return cancelled; });
    BOOST_TEST(answered == 0);
    BOOST_TEST(multi.running() == 0u);
    // Another call goes on as if nothing happened.
    HttpResult next;
    multi.start(call(server.url("/next")), [&](HttpResult&& r) { next = std::move(r); });
    loop.run([&] { return server.waiting() == 1; });
    server.answer_all("next");
    loop.run([&] { return next.status != 0; });
    BOOST_TEST(next.body == "next");
    BOOST_TEST(answered == 0);
    canceller.reset();
    close(pair[0]);
    close(pair[1]);
}

// A loop out of room for a socket: that call fails by itself, the others go on.
BOOST_AUTO_TEST_CASE(a_socket_the_loop_cannot_watch_fails_its_call_alone) {
    HttpResult refused, other;
    bool failed = false;
    test_loop.refuse = 1;
    multi.start(call(server.url("/refused")), [&](HttpResult&& r) {
        refused = std::move(r);
        failed = true;
    });
    loop.run([&] { return failed; });
    BOOST_TEST((refused.outcome == HttpResult::Outcome::Broken));
    BOOST_TEST(refused.error.find("refused by the test") != std::string::npos, refused.error);
    multi.start(call(server.url("/other")), [&](HttpResult&& r) { other = std::move(r); });
    loop.run([&] { return server.waiting() >= 1; });
    server.answer_all("fine");
    loop.run([&] { return other.status != 0; });
    BOOST_TEST(other.body == "fine");
    BOOST_TEST(multi.running() == 0u);
}

BOOST_AUTO_TEST_CASE(a_refused_url_answers_later_never_from_start) {
    bool answered = false;
    watch::HttpCall c = call("http://192.0.2.1/not-loopback");
    multi.start(c, [&](HttpResult&& r) {
        answered = true;
        BOOST_TEST((r.outcome == HttpResult::Outcome::Refused));
    });
    BOOST_TEST(!answered);
    loop.run([&] { return answered; });
    // Cancelled before its answer came: never answers.
    bool late = false;
    HttpMulti::Id id = multi.start(c, [&](HttpResult&&) { late = true; });
    multi.cancel(id);
    EventLoop::Timer t = loop.after(20, [] {});
    loop.run([&] { return !t.pending(); });
    BOOST_TEST(!late);
}

BOOST_AUTO_TEST_CASE(sockets_are_unwatched_when_libcurl_is_done_with_them) {
    const size_t before = loop.watched();
    HttpResult r;
    multi.start(call(server.url("/one")), [&](HttpResult&& x) { r = std::move(x); });
    loop.run([&] { return server.waiting() == 1; });
    BOOST_TEST(multi.sockets() == 1u);
    server.answer_all("one");
    loop.run([&] { return r.status != 0; });
    // The connection is kept for the next call, but nothing waits on it: not watched.
    BOOST_TEST(multi.sockets() == 0u);
    BOOST_TEST(loop.watched() == before + 1);  // the server's end of it, not libcurl's
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
