// FastCGI on one event loop. The web server's connections (kept open between requests
// when it asks: FCGI_KEEP_CONN) are watched by epoll. A request is read by libfcgi once
// it has wholly arrived (fastcgi_records.h), so libfcgi's blocking reads never wait; the
// page view's upstream calls run on one libcurl multi handle; the answer's records are
// written without blocking when the last call ends. No thread per visitor: a visitor
// waiting on api.video costs a connection and a PageView, and WATCH_MAX_IN_FLIGHT bounds
// how many.
//
// libfcgi never accepts, writes to or closes a connection here: its accept and its close
// wait on the peer, its writer blocks and keeps its buffers for the whole page view. The loop does those, and hands
// libfcgi each request's reading only.
#include <fcgiapp.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/watch.h"
#include "handler/adapter.h"
#include "handler/event_loop.h"
#include "handler/fastcgi_records.h"

namespace watch {

namespace {

// How long a connection may take to send the rest of a request it has begun, to take an
// answer (nginx and Apache read one as it comes), and to close after an answer given
// before its body was read.
constexpr long kStalledConnectionMs = 10'000;
// After SIGTERM, how long a handler whose socket path a successor takes over
// (WATCH_SOCKET) keeps serving while it waits for one, and how often it looks.
constexpr long kHandoverWaitMs = 10'000;
constexpr long kHandoverPollMs = 50;
// Connections already in the kernel's queue when the path changed hands still arrive.
constexpr long kHandoverSettleMs = 100;

// Under systemd, stderr is the journal, where `journalctl -u` shows it: the log lines go
// there. Elsewhere they go to the FastCGI stderr stream, which lands in the web server's
// error log (spawn-fcgi without -n would send the process's own stderr to /dev/null).
// systemd names the journal stream in JOURNAL_STREAM as "device:inode" (systemd.exec(5)).
bool stderr_is_journal() {
    const char* js = std::getenv("JOURNAL_STREAM");
    if (!js) return false;
    unsigned long long dev = 0, ino = 0;
    struct stat st {};
    return std::sscanf(js, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
           static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino;
}

// One write(2) per line, so no line is ever split. A failed write loses the line; there
// is nowhere else to say so.
void say(const std::string& text) {
    std::string line = "apivideo-watch: " + text + "\n";
    ssize_t written = write(2, line.data(), line.size());
    (void)written;
}

// Each kept connection and each upstream call is a descriptor: allow as many as the
// system lets this process have.
void raise_descriptor_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

struct Connection {
    explicit Connection(int f) : fd(f) { FCGX_InitRequest(&fcgi, -1, 0); }
    enum class State { Waiting, Serving, Writing, Closing };

    int fd;
    State state = State::Waiting;
    FCGX_Request fcgi;        // libfcgi's, while it reads a request
    unsigned request_id = 0;  // of the request being served
    bool keep = false;        // the web server asked to keep the connection
    bool input_done = false;  // FCGI_STDIN was read to its end
    bool head = false;
    bool more_input = false;  // bytes arrived while a page was being made
    std::unique_ptr<PageView> page;
    std::vector<HttpMulti::Id> calls;  // of the round under way
    std::vector<HttpResult> answers;
    size_t pending = 0;
    std::string out;  // the answer's records not yet written
    size_t sent = 0;
    EventLoop::TimerId deadline = 0;
};

class Server final : public HttpMulti::Loop {
   public:
    // Each page view in flight holds at most one connection to each of api.video's hosts.
    Server(const Listener& listener, Sites& sites, const SettingLookup& env, const HttpGlobal& http)
        : multi_(http, *this, 2 * sites.base().config.max_in_flight),
          listener_(listener),
          sites_(sites),
          env_(env),
          to_journal_(stderr_is_journal()) {}

    ~Server() override {
        for (auto& kv : conns_) release(*kv.second);
    }

    int run(size_t max_in_flight) {
        max_in_flight_ = max_in_flight;
        sigset_t signals;
        sigemptyset(&signals);
        for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
        loop_.on_signals(signals, [this](int signo) { on_signal(signo); });
        loop_.watch(listener_.fd, EPOLLIN, [this](uint32_t) { accept_all(); });
        loop_.run([this] { return stopping_ && !accepting_ && conns_.empty(); });
        return 0;
    }

   private:
    // ---- libcurl's sockets and timer (HttpMulti::Loop) ------------------------------
    // A connection libcurl keeps for reuse stays registered, parked: its next transfer
    // asks for the same events, which then costs no epoll_ctl. An event on a parked one
    // (the server closed it) unregisters it; libcurl finds out when it next looks.
    void watch_socket(int fd, bool in, bool out) override {
        if (!in && !out) {
            parked_.insert(fd);
            loop_.watch(fd, EPOLLIN, [this, fd](uint32_t) { on_curl_socket(fd, 0); });
            return;
        }
        parked_.erase(fd);
        uint32_t events = (in ? uint32_t{EPOLLIN} : 0u) | (out ? uint32_t{EPOLLOUT} : 0u);
        loop_.watch(fd, events, [this, fd](uint32_t ev) { on_curl_socket(fd, ev); });
    }

    void on_curl_socket(int fd, uint32_t ev) {
        if (parked_.count(fd)) {
            parked_.erase(fd);
            loop_.unwatch(fd);
            return;
        }
        multi_.on_socket(fd, ev & EPOLLIN, ev & EPOLLOUT, ev & (EPOLLERR | EPOLLHUP));
    }

    void forget_socket(int fd) override {
        parked_.erase(fd);
        loop_.unwatch(fd);
    }

    void set_timer(long ms) override {
        loop_.cancel(curl_timer_);
        curl_timer_ = ms < 0 ? 0 : loop_.after(ms, [this] {
            curl_timer_ = 0;
            multi_.on_timeout();
        });
    }

    // ---- connections ------------------------------------------------------------------
    void accept_all() {
        while (accepting_) {
            int fd = accept4(listener_.fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EMFILE || errno == ENFILE) {
                    // Out of descriptors: pause accepting a moment instead of spinning.
                    say("out of file descriptors; not accepting for 100 ms");
                    loop_.unwatch(listener_.fd);
                    loop_.after(100, [this] {
                        if (accepting_) loop_.watch(listener_.fd, EPOLLIN, [this](uint32_t) { accept_all(); });
                    });
                }
                return;  // EAGAIN: nobody left in the queue (or another process took them)
            }
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on Unix sockets
            auto [it, added] = conns_.emplace(fd, std::make_unique<Connection>(fd));
            Connection& c = *it->second;
            watch_connection(c, false);
        }
    }

    void watch_connection(Connection& c, bool writing) {
        uint32_t events = EPOLLIN | EPOLLRDHUP | EPOLLET | (writing ? uint32_t{EPOLLOUT} : 0u);
        loop_.watch(c.fd, events, [this, &c](uint32_t ev) { on_connection(c, ev); });
    }

    void on_connection(Connection& c, uint32_t events) {
        bool gone = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
        switch (c.state) {
            case Connection::State::Waiting: return gone ? close_connection(c) : look_for_request(c);
            case Connection::State::Serving:
                // The web server closed the connection: its visitor left. The page's
                // upstream calls end here; nobody would read the answer.
                if (gone) return close_connection(c);
                c.more_input = true;
                return;
            case Connection::State::Writing:
                if (gone) return close_connection(c);
                if (events & EPOLLIN) c.more_input = true;
                if (events & EPOLLOUT) flush(c);
                return;
            case Connection::State::Closing: return drain(c, gone);
        }
    }

    void look_for_request(Connection& c) {
        static char head[kMaxRequestHead];
        ssize_t n = recv(c.fd, head, sizeof head, MSG_PEEK | MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return close_connection(c);
        if (n < 0) return;
        std::string why;
        switch (fastcgi_arrival(std::string_view(head, static_cast<size_t>(n)), why)) {
            case Arrival::Partial:
                if (!c.deadline) set_deadline(c);
                return;
            case Arrival::Invalid: say("closing a FastCGI connection: " + why); return close_connection(c);
            case Arrival::HeadersIn: return read_request(c, false);
            case Arrival::Whole: return read_request(c, true);
        }
    }

    void read_request(Connection& c, bool whole) {
        cancel_deadline(c);
        c.fcgi.ipcFd = c.fd;
        c.fcgi.keepConnection = 1;
        if (FCGX_Accept_r(&c.fcgi) != 0 || c.fcgi.ipcFd != c.fd) {
            // libfcgi refused what it read and closed the connection itself.
            say("libfcgi could not read a request; connection closed");
            c.fcgi.ipcFd = -1;
            return forget(c);
        }
        c.request_id = static_cast<unsigned>(c.fcgi.requestId);
        c.keep = c.fcgi.keepConnection;
        c.input_done = whole;
        if (whole) {
            // A GET's FCGI_STDIN is one empty record, already here: read it to its end,
            // so the next request on this connection starts clean.
            char sink[4096];
            while (FCGX_GetStr(sink, sizeof sink, c.fcgi.in) > 0) {
            }
        }
        try {
            auto param = [&c](const char* name) { return FCGX_GetParam(name, c.fcgi.envp); };
            Request req = request_from_params(param);
            c.head = req.method == "HEAD";
            std::string site_error;
            std::shared_ptr<const Site> site = sites_.for_request(param, site_error);
            FCGX_Free(&c.fcgi, 0);  // what the page needs is copied out: libfcgi's part ends
            if (!site) {
                Response r = sites_.base().pages.error(Failure::Internal, false);
                r.log = log_line_now(500, "config", "this site's settings: " + site_error);
                return respond(c, r);
            }
            req.server_busy = serving_ >= max_in_flight_;
            c.page = std::make_unique<PageView>(std::move(req), std::move(site));
            c.state = Connection::State::Serving;
            ++serving_;
            run_round(c, c.page->start());
        } catch (const std::exception& e) {
            say(std::string("dropping a request: ") + e.what());
            close_connection(c);
        }
    }

    // Starts a round of the page's calls, or answers when it needs none.
    void run_round(Connection& c, std::vector<HttpCall> calls) {
        if (calls.empty()) return respond(c, c.page->take_response());
        c.answers.assign(calls.size(), HttpResult{});
        c.pending = calls.size();
        c.calls.clear();
        for (size_t i = 0; i < calls.size(); ++i) {
            c.calls.push_back(multi_.start(calls[i], [this, &c, i](HttpResult&& r) { on_answer(c, i, std::move(r)); }));
        }
    }

    void on_answer(Connection& c, size_t i, HttpResult&& r) {
        try {
            c.answers[i] = std::move(r);
            if (--c.pending == 0) {
                c.calls.clear();
                run_round(c, c.page->resume(std::move(c.answers)));
            }
        } catch (const std::exception& e) {
            say(std::string("dropping a request: ") + e.what());
            close_connection(c);
        }
    }

    void respond(Connection& c, const Response& r) {
        std::string log;
        if (!r.log.empty()) {
            if (to_journal_)
                say(r.log);
            else
                log = "apivideo-watch: " + r.log + "\n";
        }
        c.out = fastcgi_answer(c.request_id, serialize_cgi(r, !c.head), log);
        c.sent = 0;
        end_page(c);
        c.state = Connection::State::Writing;
        flush(c);
    }

    // Writes what the web server takes now; the rest when its socket is writable again.
    void flush(Connection& c) {
        while (c.sent < c.out.size()) {
            ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) {
                c.sent += static_cast<size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && errno == EAGAIN) {
                if (!c.deadline) {
                    set_deadline(c);
                    watch_connection(c, true);
                }
                return;
            }
            return close_connection(c);  // the web server went away
        }
        std::string().swap(c.out);
        c.sent = 0;
        if (c.deadline) {
            cancel_deadline(c);
            watch_connection(c, false);
        }
        answered(c);
    }

    void answered(Connection& c) {
        if (!c.input_done) {
            // Answered before its body arrived (a POST): stop writing, read what is
            // still coming, then close, so the web server sees the answer, not a reset.
            shutdown(c.fd, SHUT_WR);
            c.state = Connection::State::Closing;
            set_deadline(c);
            return drain(c, false);
        }
        if (!c.keep || stopping_) return close_connection(c);
        c.state = Connection::State::Waiting;
        if (c.more_input) {
            c.more_input = false;
            look_for_request(c);  // its edge passed while the page was being made
        }
    }

    // A connection that does not move on within kStalledConnectionMs is closed.
    void set_deadline(Connection& c) {
        c.deadline = loop_.after(kStalledConnectionMs, [this, &c] {
            c.deadline = 0;
            close_connection(c);
        });
    }

    void drain(Connection& c, bool gone) {
        char sink[4096];
        for (;;) {
            ssize_t n = recv(c.fd, sink, sizeof sink, MSG_DONTWAIT);
            if (n > 0) continue;
            if (n == 0 || gone || (errno != EAGAIN && errno != EINTR)) return close_connection(c);
            return;
        }
    }

    void end_page(Connection& c) {
        if (!c.page) return;
        for (HttpMulti::Id id : c.calls) multi_.cancel(id);
        c.calls.clear();
        c.page.reset();
        --serving_;
    }

    void cancel_deadline(Connection& c) {
        loop_.cancel(c.deadline);
        c.deadline = 0;
    }

    // Frees what the connection holds (its page's calls, libfcgi's streams).
    void release(Connection& c) {
        end_page(c);
        cancel_deadline(c);
        FCGX_Free(&c.fcgi, 0);
    }

    void close_connection(Connection& c) {
        release(c);
        loop_.unwatch(c.fd);
        close(c.fd);
        conns_.erase(c.fd);
    }

    // A connection libfcgi has closed already.
    void forget(Connection& c) {
        release(c);
        loop_.unwatch(c.fd);
        conns_.erase(c.fd);
    }

    // ---- signals ------------------------------------------------------------------------
    void on_signal(int signo) {
        if (signo == SIGHUP) return reload();
        if (stopping_) return;
        stopping_ = true;  // quietly: a clean stop is nothing for the log
        // Idle kept connections close now; those with a request on its way get it answered.
        std::vector<Connection*> idle;
        for (auto& kv : conns_) {
            if (kv.second->state == Connection::State::Waiting && !kv.second->deadline) idle.push_back(kv.second.get());
        }
        for (Connection* c : idle) {
            char b;
            if (recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) < 0 && errno == EAGAIN)
                close_connection(*c);
            else
                look_for_request(*c);
        }
        if (listener_.from_systemd) return stop_accepting(false);  // systemd queues for the next one
        if (listener_.path.empty()) return stop_accepting(true);
        wait_for_successor(kHandoverWaitMs);
    }

    // The socket path is a successor's once it renamed its own socket over it; until
    // then (or for kHandoverWaitMs) this process goes on serving.
    void wait_for_successor(long left_ms) {
        if (listener_.handed_over()) {
            loop_.after(kHandoverSettleMs, [this] { stop_accepting(true); });
            return;
        }
        if (left_ms <= 0) {
            say("no successor took over " + listener_.path + "; stopping");
            return stop_accepting(true);
        }
        loop_.after(kHandoverPollMs, [this, left_ms] { wait_for_successor(left_ms - kHandoverPollMs); });
    }

    // Stops taking connections. `take_queued`: accept those already queued first (they
    // would be reset when the socket closes), then close it.
    void stop_accepting(bool take_queued) {
        if (!accepting_) return;
        if (take_queued) accept_all();
        accepting_ = false;
        loop_.unwatch(listener_.fd);
        if (!listener_.from_systemd) close(listener_.fd);
    }

    void reload() {
        std::shared_ptr<const Site> site;
        if (std::string err; !load_site(env_, site, err)) {
            say("SIGHUP: the settings or templates are broken; keeping those in use:");
            say(err);
            return;
        }
        sites_.reset(site);
        say("SIGHUP: settings files and templates read again");
    }

    EventLoop loop_;
    std::unordered_set<int> parked_;  // before multi_, whose end closes its sockets
    HttpMulti multi_;
    Listener listener_;
    Sites& sites_;
    SettingLookup env_;
    const bool to_journal_;
    size_t max_in_flight_ = 0;
    std::unordered_map<int, std::unique_ptr<Connection>> conns_;
    size_t serving_ = 0;
    bool accepting_ = true;
    bool stopping_ = false;
    EventLoop::TimerId curl_timer_ = 0;
};

}  // namespace

int serve_fastcgi(const Listener& listener, Sites& sites, const SettingLookup& env, const HttpGlobal& http) {
    // The loop reads these signals as events; blocked before any thread exists (libcurl's
    // resolver threads inherit the mask), so none of them interrupts a call.
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // A visitor who disconnects must not kill the process: writes then fail with EPIPE.
    signal(SIGPIPE, SIG_IGN);
    if (FCGX_Init() != 0) {
        say("FCGX_Init failed");
        return 1;
    }
    raise_descriptor_limit();
    int flags = fcntl(listener.fd, F_GETFL);
    if (flags < 0 || fcntl(listener.fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        say(std::string("cannot make the listening socket non-blocking: ") + std::strerror(errno));
        return 1;
    }
    Server server(listener, sites, env, http);
    return server.run(static_cast<size_t>(sites.base().config.max_in_flight));
}

}  // namespace watch
