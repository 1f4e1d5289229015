// FastCGI: a pool of worker threads, each blocked in FCGX_Accept_r on the shared
// listening socket with its own libcurl handle, so one slow upstream call holds up only
// its own visitor. Shutdown follows the pattern measured in shared/platform-notes.md
// (1.7): libfcgi's idle threads never return on SIGTERM by themselves, so the main
// thread waits for the signal and wakes the idle ones with SIGUSR1 (never shutdown(2) on
// the socket: under systemd it is not ours to close). In-flight requests finish first.
#include <fcgiapp.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "common/watch.h"
#include "handler/adapter.h"

namespace watch {

namespace {

enum class WorkerState { Starting, Accepting, Busy, Done };

struct Worker {
    std::thread thread;
    std::atomic<WorkerState> state{WorkerState::Starting};
};

std::atomic<bool> g_stopping{false};

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

// glibc gives threads that meet in malloc arenas of their own, up to 8 per core, and an
// arena keeps every page its threads once touched. Arenas beyond one per core buy no
// parallelism, only memory: capped at the core count, peak RSS measured with bench/bench's
// loads on 2 cores went from 14.4 to 14.0 MiB (16 threads) and from 39.3 to 38.3 MiB
// (256 threads), CPU per page unchanged. MALLOC_ARENA_MAX or GLIBC_TUNABLES still win.
void cap_malloc_arenas() {
    const char* tunables = std::getenv("GLIBC_TUNABLES");
    if (std::getenv("MALLOC_ARENA_MAX") || (tunables && std::strstr(tunables, "glibc.malloc.arena_max"))) return;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    if (cores > 0) mallopt(M_ARENA_MAX, static_cast<int>(cores));
}

// SIGUSR1 only has to interrupt accept(); the handler itself does nothing.
void on_wake(int) {}

void write_all(FCGX_Stream* s, const std::string& data) {
    // A visitor who left makes this fail; there is nobody to tell.
    FCGX_PutStr(data.data(), static_cast<int>(data.size()), s);
}

void serve_requests(Worker& self, int listen_fd, Sites& sites, const HttpGlobal& http, bool to_journal);

// A worker that cannot start (no memory for its client) says so and leaves the pool
// smaller, rather than ending the process through std::terminate.
void run_worker(Worker& self, int listen_fd, Sites& sites, const HttpGlobal& http, bool to_journal) {
    try {
        serve_requests(self, listen_fd, sites, http, to_journal);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "apivideo-watch: a worker thread stopped: %s\n", e.what());
    }
    self.state = WorkerState::Done;
}

void serve_requests(Worker& self, int listen_fd, Sites& sites, const HttpGlobal& http, bool to_journal) {
    sigset_t wake;
    sigemptyset(&wake);
    sigaddset(&wake, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &wake, nullptr);

    HttpClient client(http);
    FCGX_Request fcgi;
    if (FCGX_InitRequest(&fcgi, listen_fd, 0) != 0) {
        std::fprintf(stderr, "apivideo-watch: FCGX_InitRequest failed\n");
        return;
    }
    while (!g_stopping) {
        self.state = WorkerState::Accepting;
        int rc = FCGX_Accept_r(&fcgi);
        self.state = WorkerState::Busy;
        if (rc < 0) {
            if (g_stopping) break;
            // EINTR from a stray signal, or a transient accept() failure (EMFILE): back
            // off a little rather than spin.
            std::this_thread::sleep_for(std::chrono::milliseconds(rc == -EINTR ? 0 : 100));
            continue;
        }
        auto param = [&](const char* name) { return FCGX_GetParam(name, fcgi.envp); };
        Request req = request_from_params(param);
        std::string site_error;
        std::shared_ptr<const Site> site = sites.for_request(param, site_error);
        Response r;
        if (site) {
            r = handle_watch(req, *site, client);
        } else {
            r = sites.base().pages.error(Failure::Internal, false);
            r.log = log_line_now(500, "config", "this site's settings: " + site_error);
        }
        if (!r.log.empty()) {
            std::string line = "apivideo-watch: " + r.log + "\n";
            if (to_journal) {
                // One write(2) per line, so lines of concurrent workers never interleave.
                // A failed write loses the line; there is nowhere else to say so.
                ssize_t written = write(2, line.data(), line.size());
                (void)written;
            } else {
                write_all(fcgi.err, line);
            }
        }
        write_all(fcgi.out, serialize_cgi(r, req.method != "HEAD"));
        FCGX_Finish_r(&fcgi);
    }
    FCGX_Free(&fcgi, 0);  // 0: the listening socket is shared and stays open
}

}  // namespace

int serve_fastcgi(int listen_fd, int threads, Sites& sites, const HttpGlobal& http) {
    // Block the stop signals everywhere (threads inherit the mask); only the main thread
    // takes them, with sigwait. SIGUSR1 is unblocked in workers only.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &stop, nullptr);
    sigdelset(&stop, SIGUSR1);

    struct sigaction sa {};
    sa.sa_handler = on_wake;
    sa.sa_flags = 0;  // no SA_RESTART: accept() must return EINTR
    sigaction(SIGUSR1, &sa, nullptr);
    // A visitor who disconnects must not kill the process; libfcgi and OpenSSL then see EPIPE.
    signal(SIGPIPE, SIG_IGN);

    if (FCGX_Init() != 0) {
        std::fprintf(stderr, "apivideo-watch: FCGX_Init failed\n");
        return 1;
    }

    cap_malloc_arenas();  // before the first worker can make an arena
    const bool to_journal = stderr_is_journal();
    std::vector<std::unique_ptr<Worker>> workers;
    for (int i = 0; i < threads; ++i) {
        workers.push_back(std::make_unique<Worker>());
        Worker& w = *workers.back();
        w.thread = std::thread(run_worker, std::ref(w), listen_fd, std::ref(sites), std::cref(http), to_journal);
    }

    int sig = 0;
    sigwait(&stop, &sig);
    g_stopping = true;
    FCGX_ShutdownPending();

    // Wake the idle workers until every one has left; busy ones finish their request.
    for (;;) {
        bool all_done = true;
        for (auto& w : workers) {
            WorkerState s = w->state;
            if (s != WorkerState::Done) all_done = false;
            if (s == WorkerState::Accepting) pthread_kill(w->thread.native_handle(), SIGUSR1);
        }
        if (all_done) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    for (auto& w : workers) w->thread.join();
    return 0;
}

}  // namespace watch
