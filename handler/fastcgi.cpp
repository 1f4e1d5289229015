// FastCGI on one event loop: the listening socket and the web server's connections
// (fastcgi_connection.h), each request's page driven on the loop (page_driver.h) with every
// page's upstream calls on one libcurl multi handle (upstream.h), and stopping without
// losing a request (handover.h). No thread per visitor: a visitor waiting on api.video
// costs a connection and a page, and WATCH_MAX_IN_FLIGHT bounds how many pages.
//
// Nothing one connection does ends the process: a descriptor the loop cannot watch, a
// write the web server refuses, an accept past the descriptor limit each close that one
// connection (or pause accepting a moment) with one log line, and the loop serves on.
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <list>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/shared_state.h"
#include "common/status.h"
#include "common/watch.h"
#include "handler/adapter.h"
#include "handler/event_loop.h"
#include "handler/fastcgi_connection.h"
#include "handler/handover.h"
#include "handler/log.h"
#include "handler/page_driver.h"
#include "handler/store.h"
#include "handler/upstream.h"

namespace watch {

namespace {

// The signals the loop reads as events: SIGTERM and SIGINT stop, SIGHUP reloads.
sigset_t handled_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, s);
    return signals;
}

// Each kept connection and each upstream call is a descriptor: allow as many as the
// system lets this process have. Returns how many the web server's connections may take:
// an eighth (at least 32) stays for api.video's calls, which a page cannot do without.
size_t raise_descriptor_limit() {
    rlimit lim{};
    if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024 - 128;
    if (lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &lim) != 0) getrlimit(RLIMIT_NOFILE, &lim);
    }
    const size_t limit = lim.rlim_cur == RLIM_INFINITY ? size_t{1} << 20 : static_cast<size_t>(lim.rlim_cur);
    const size_t reserve = std::max<size_t>(32, limit / 8);
    return limit > 2 * reserve ? limit - reserve : limit / 2;
}

// Out of descriptors, the process lets its oldest idle connections go to take new ones,
// or pauses accepting a moment when none is idle; the log hears of it once per episode.
struct Shortage {
    static constexpr long kPauseMs = 100;
    static constexpr std::chrono::seconds kQuiet{10};
    EventLoop::Clock::time_point said{};
    unsigned long let_go = 0, pauses = 0;

    void log(const char* error) {
        auto now = EventLoop::Clock::now();
        if (now - said < kQuiet) return;
        log_lines(std::string("accepting a connection: ") + error + "; " + std::to_string(let_go) +
                  " idle connections let go and " + std::to_string(pauses) + " pauses of " + std::to_string(kPauseMs) +
                  " ms since the last line");
        said = now;
        let_go = pauses = 0;
    }
};

class Server final : private FastCgiConnection::Owner {
   public:
    // Each page view in flight holds at most one connection to each of api.video's hosts.
    Server(const Listener& listener, Sites& sites, const SettingLookup& env, const HttpGlobal& http,
           size_t max_connections)
        : upstream_(loop_, http, 2 * sites.base().config.max_in_flight, [](const std::string& l) { log_lines(l); }),
          store_loop_(loop_),
          state_(open_store(sites.base().config, &store_loop_, [](const std::string& l) { log_lines(l); })),
          listener_(listener),
          handover_(loop_, listener_),
          sites_(sites),
          env_(env),
          max_in_flight_(static_cast<size_t>(sites.base().config.max_in_flight)),
          max_connections_(max_connections),
          to_journal_(stderr_is_journal()) {}

    int run() {
        std::string why;
        if (!loop_.on_signals(
                handled_signals(), [this](int signo) { on_signal(signo); }, why) ||
            !(listening_ = loop_.watch(
                  listener_.fd, EPOLLIN, [this](uint32_t) { accept_all(); }, why))) {
            log_lines(why);
            return 1;
        }
        loop_.run([this] { return !accepting_ && conns_.empty(); });
        // The last counts go to a store that applies in place (LMDB); Redis's loop is over.
        for (auto& [id, counts] : counts_)
            state_.store->apply({count_pages(id, counts)}, [](bool, const std::string&) {});
        return 0;
    }

   private:
    // ---- connections ------------------------------------------------------------------
    void accept_all() {
        while (accepting_) {
            // Descriptors beyond the connections' share are kept for api.video's calls.
            if (open_ >= max_connections_ && !make_room("connections at their share of the descriptor limit")) return;
            int fd = accept4(listener_.fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
            if (fd >= 0) {
                add(fd);
                continue;
            }
            const int error = errno;
            if (error == EAGAIN) return;  // nobody left in the queue (or another process took them)
            // That visitor gave up before we took it: the next may be waiting.
            if (error == EINTR || error == ECONNABORTED || error == EPROTO) continue;
            if (error == EMFILE || error == ENFILE) {
                if (!make_room(std::strerror(error))) return;
                continue;
            }
            ++shortage_.pauses;
            shortage_.log(std::strerror(error));
            return pause_accepting();
        }
    }

    // Lets the oldest idle connection go to take a new one; with none idle, accepting
    // pauses a moment (the queue waits in the kernel). False when it paused.
    bool make_room(const char* why) {
        if (idle_.empty()) {
            ++shortage_.pauses;
            shortage_.log(why);
            pause_accepting();
            return false;
        }
        ++shortage_.let_go;
        shortage_.log(why);
        idle_.front()->close("");
        return true;
    }

    void add(int fd) {
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // fails harmlessly on Unix sockets
        FastCgiConnection::Owner& owner = *this;
        auto c = std::make_unique<FastCgiConnection>(loop_, owner, fd);
        FastCgiConnection& ref = *c;
        conns_.emplace(&ref, std::move(c));
        ++open_;
        ref.start();
    }

    void pause_accepting() {
        std::string why;
        if (!listening_.change(0, why)) log_lines("pausing accept: " + why);
        resume_ = loop_.after(Shortage::kPauseMs, [this] {
            std::string err;
            if (accepting_ && !listening_.change(EPOLLIN, err)) log_lines("resuming accept: " + err);
        });
    }

    void on_request(FastCgiConnection& c, FastCgiRequest&& fr) override {
        try {
            auto param = [&fr](const char* name) { return fr.param(name); };
            Request req = request_from_params(param);
            const bool head = req.method == "HEAD";
            std::string site_error;
            std::shared_ptr<const Site> site = sites_.for_request(param, site_error);
            if (!site) {
                Response r = sites_.base().pages.error(Failure::Internal, false);
                r.log = log_line_now(500, "config", "this site's settings: " + site_error);
                return respond(c, r, head);
            }
            req.server_busy = in_flight_ >= max_in_flight_;
            req.state_shared = state_.shared();
            req.state_outage = state_.fallback && !req.state_shared;
            const std::string account = site->account->id;
            // The status, where the web server says so (a FastCGI parameter no visitor can set).
            const char* status = fr.param("WATCH_STATUS");
            std::unique_ptr<View> view;
            if (status && std::string(status) == "on") {
                view = std::make_unique<StatusView>(sites_.all(), state_.condition(),
                                                    status_format(req.query, req.accept), req.now);
            } else {
                view = std::make_unique<PageView>(std::move(req), std::move(site));
            }
            auto driver = std::make_unique<PageDriver>(
                upstream_, *state_.store, std::move(view),
                [this, &c, head, account](Response&& r) {
                    count(account, r.outcome);
                    respond(c, r, head);
                },
                [&c](const std::string& why) { c.close(why); }, in_flight_);
            PageDriver& page = *driver;
            c.serve(std::move(driver));
            page.start();
        } catch (const std::exception& e) {
            c.close(std::string("dropping a request: ") + e.what());
        }
    }

    // The response goes to the web server; its log line to the journal under systemd,
    // else on FCGI_STDERR to the web server's error log (spawn-fcgi without -n would send
    // the process's own stderr to /dev/null).
    void respond(FastCgiConnection& c, const Response& r, bool head) {
        std::string log;
        if (!r.log.empty()) {
            if (to_journal_)
                log_lines(r.log);
            else
                log = "apivideo-watch: " + r.log + "\n";
        }
        c.respond(serialize_cgi(r, !head), log);
    }

    // Page views by outcome, counted here and added to the shared state now and then.
    void count(const std::string& account, const std::string& outcome) {
        ++counts_[account][outcome];
        if (flush_.pending()) return;
        flush_ = loop_.after(kCountFlushMs, [this] {
            std::vector<StateChange> changes;
            for (auto& [id, counts] : counts_) changes.push_back(count_pages(id, std::move(counts)));
            counts_.clear();
            state_.store->apply(std::move(changes), [](bool, const std::string&) {});
        });
    }

    void on_idle(FastCgiConnection& c, bool idle) override {
        if (idle) {
            c.idle_entry = idle_.insert(idle_.end(), &c);
        } else {
            idle_.erase(c.idle_entry);
        }
    }

    void on_closed(FastCgiConnection& c) override {
        --open_;
        loop_.defer([this, &c] { conns_.erase(&c); });
    }

    // Connections close when idle once no more are accepted.
    bool stopping() const override { return !accepting_; }

    // ---- signals ------------------------------------------------------------------------
    void on_signal(int signo) {
        if (signo == SIGHUP) return reload();
        if (stopping_) return;
        stopping_ = true;  // quietly: a clean stop is nothing for the log
        handover_.begin([this](bool take_queued) { stop_accepting(take_queued); },
                        [](const std::string& line) { log_lines(line); });
    }

    // Stops taking connections; then every connection closes once its request is
    // answered, and an idle one at once, unless a request is already on its way.
    void stop_accepting(bool take_queued) {
        if (!accepting_) return;
        if (take_queued) accept_all();
        accepting_ = false;
        listening_.reset();
        resume_.reset();
        if (!listener_.from_systemd) close(listener_.fd);
        std::vector<FastCgiConnection*> idle(idle_.begin(), idle_.end());
        for (FastCgiConnection* c : idle) c->let_go();
    }

    void reload() {
        std::shared_ptr<const Site> site;
        if (std::string err; !load_site(env_, site, err)) {
            log_lines("SIGHUP: the settings or templates are broken; keeping those in use:");
            log_lines(err);
            return;
        }
        sites_.reset(site);
        log_lines("SIGHUP: settings files and templates read again");
    }

    static constexpr long kCountFlushMs = 1000;

    EventLoop loop_;
    Upstream upstream_;
    StoreOnLoop store_loop_;
    OpenedStore state_;
    Listener listener_;
    Handover handover_;
    Sites& sites_;
    SettingLookup env_;
    const size_t max_in_flight_;
    const size_t max_connections_;
    const bool to_journal_;
    EventLoop::Watch listening_;
    EventLoop::Timer resume_;
    Shortage shortage_;
    std::unordered_map<FastCgiConnection*, std::unique_ptr<FastCgiConnection>> conns_;
    std::list<FastCgiConnection*> idle_;                              // the oldest first
    std::map<std::string, std::map<std::string, long long>> counts_;  // by account, by outcome
    EventLoop::Timer flush_;
    size_t open_ = 0;  // connections not yet closed (conns_ keeps the closed ones to the turn's end)
    size_t in_flight_ = 0;
    bool accepting_ = true;
    bool stopping_ = false;
};

}  // namespace

int serve_fastcgi(const Listener& listener, Sites& sites, const SettingLookup& env, const HttpGlobal& http) {
    // The loop reads these signals as events; blocked before any thread exists (libcurl's
    // resolver threads inherit the mask), so none of them interrupts a call.
    sigset_t signals = handled_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    // A web server that hangs up must not kill the process: writes then fail with EPIPE
    // (the loop's own use MSG_NOSIGNAL; OpenSSL's writes to api.video do not).
    signal(SIGPIPE, SIG_IGN);
    const size_t max_connections = raise_descriptor_limit();
    int flags = fcntl(listener.fd, F_GETFL);
    if (flags < 0 || fcntl(listener.fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        log_lines(std::string("cannot make the listening socket non-blocking: ") + std::strerror(errno));
        return 1;
    }
    Server server(listener, sites, env, http, max_connections);
    return server.run();
}

}  // namespace watch
