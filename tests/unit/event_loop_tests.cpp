// Unit tests for handler/event_loop.cpp: an event reaches its owner, never whoever holds
// the number now; a refused watch is the caller's to handle, not the end of the process;
// timers, deferred work and signals. Socketpairs stand for connections.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "handler/event_loop.h"

using watch::EventLoop;

namespace {

struct Pair {
    int fd[2] = {-1, -1};
    Pair() { BOOST_TEST_REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == 0); }
    ~Pair() {
        for (int f : fd)
            if (f >= 0) close(f);
    }
    void poke() { BOOST_TEST_REQUIRE(write(fd[1], "x", 1) == 1); }
    // Reads what poke() wrote: watches are level-triggered.
    void drain() {
        char b[16];
        while (read(fd[0], b, sizeof b) > 0) {
        }
    }
    void close_near() {
        close(fd[0]);
        fd[0] = -1;
    }
};

// Runs `n` turns of the loop.
void turns(EventLoop& loop, int n) {
    int done = 0;
    loop.run([&] { return done++ == n; });
}

EventLoop::Watch watched(EventLoop& loop, int fd, EventLoop::OnEvents on) {
    std::string why;
    EventLoop::Watch w = loop.watch(fd, EPOLLIN, std::move(on), why);
    BOOST_TEST_REQUIRE(static_cast<bool>(w), why);
    return w;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(event_loop_tests)

// The race a visitor who hangs up early made: in one batch, the first event closes
// descriptor N, a new connection is given N, and the batch's stale event for N follows.
BOOST_AUTO_TEST_CASE(a_stale_event_never_reaches_a_new_owner_of_its_number) {
    EventLoop loop;
    Pair first, old_conn;
    const int n = old_conn.fd[0];
    int old_called = 0, new_called = 0;
    std::unique_ptr<Pair> new_conn;
    EventLoop::Watch new_watch;
    EventLoop::Watch old_watch = watched(loop, n, [&](uint32_t) { ++old_called; });
    EventLoop::Watch first_watch = watched(loop, first.fd[0], [&](uint32_t) {
        // The first event of the batch: the old connection goes, a new one comes.
        first.drain();
        old_watch.reset();
        old_conn.close_near();
        new_conn = std::make_unique<Pair>();
        BOOST_TEST_REQUIRE(new_conn->fd[0] == n);  // the kernel gave its number again
        new_watch = watched(loop, n, [&](uint32_t) {
            ++new_called;
            new_conn->drain();
        });
    });
    first.poke();     // ready first, so first in the batch
    old_conn.poke();  // its event is queued behind
    turns(loop, 1);
    BOOST_TEST(old_called == 0);
    BOOST_TEST(new_called == 0);  // the new connection sent nothing
    new_conn->poke();
    turns(loop, 1);
    BOOST_TEST(new_called == 1);
}

BOOST_AUTO_TEST_CASE(a_watch_ended_by_another_callback_in_the_batch_gets_no_event) {
    EventLoop loop;
    Pair a, b;
    int b_called = 0;
    EventLoop::Watch wb = watched(loop, b.fd[0], [&](uint32_t) { ++b_called; });
    EventLoop::Watch wa = watched(loop, a.fd[0], [&](uint32_t) { wb.reset(); });
    a.poke();
    b.poke();
    turns(loop, 1);
    BOOST_TEST(b_called == 0);
    BOOST_TEST(loop.watched() == 1u);
}

BOOST_AUTO_TEST_CASE(a_callback_that_ends_its_own_watch_runs_to_its_end) {
    EventLoop loop;
    Pair a;
    std::string seen;
    auto w = std::make_unique<EventLoop::Watch>();
    *w = watched(loop, a.fd[0], [&, tag = std::string("still here")](uint32_t) {
        w.reset();   // the watch, and with it this callback's owner, goes
        seen = tag;  // the callback's own state lives to the end of the turn
    });
    a.poke();
    turns(loop, 1);
    BOOST_TEST(seen == "still here");
    BOOST_TEST(loop.watched() == 0u);
}

BOOST_AUTO_TEST_CASE(a_refused_watch_comes_back_to_the_caller) {
    EventLoop loop;
    Pair a;
    std::string why;
    // A descriptor already closed (what a libcurl socket callback may name).
    int closed = dup(a.fd[0]);
    close(closed);
    EventLoop::Watch w = loop.watch(
        closed, EPOLLIN, [](uint32_t) {}, why);
    BOOST_TEST(!w);
    BOOST_TEST(why.find("epoll_ctl") != std::string::npos, why);
    // The same descriptor twice.
    EventLoop::Watch once = watched(loop, a.fd[0], [](uint32_t) {});
    EventLoop::Watch twice = loop.watch(
        a.fd[0], EPOLLIN, [](uint32_t) {}, why);
    BOOST_TEST(!twice);
    BOOST_TEST(why.find("File exists") != std::string::npos, why);
    // A change epoll refuses leaves the watch as it was.
    Pair b;
    EventLoop::Watch wb = watched(loop, b.fd[0], [](uint32_t) {});
    b.close_near();
    BOOST_TEST(!wb.change(EPOLLIN | EPOLLOUT, why));
    BOOST_TEST(wb.events() == uint32_t{EPOLLIN});
    // The loop serves on.
    int called = 0;
    Pair c;
    EventLoop::Watch wc = watched(loop, c.fd[0], [&](uint32_t) {
        ++called;
        c.drain();
    });
    c.poke();
    turns(loop, 1);
    BOOST_TEST(called == 1);
}

BOOST_AUTO_TEST_CASE(timers_run_in_order_of_their_time_and_a_cancelled_one_never) {
    EventLoop loop;
    std::vector<std::string> ran;
    EventLoop::Timer later = loop.after(30, [&] { ran.push_back("30"); });
    EventLoop::Timer sooner = loop.after(10, [&] { ran.push_back("10"); });
    EventLoop::Timer cancelled = loop.after(20, [&] { ran.push_back("20"); });
    EventLoop::Timer canceller = loop.after(15, [&] { cancelled.reset(); });
    BOOST_TEST(cancelled.pending());
    loop.run([&] { return ran.size() == 2; });
    BOOST_TEST((ran == std::vector<std::string>{"10", "30"}));
    BOOST_TEST(!cancelled.pending());
    BOOST_TEST(!later.pending());  // spent
    BOOST_TEST(loop.timers() == 0u);
}

BOOST_AUTO_TEST_CASE(a_timer_cancelled_by_another_due_at_the_same_turn_never_runs) {
    EventLoop loop;
    int b_ran = 0;
    EventLoop::Timer b;
    EventLoop::Timer a = loop.after(5, [&] { b.reset(); });
    b = loop.after(5, [&] { ++b_ran; });
    loop.run([&] { return loop.timers() == 0; });
    BOOST_TEST(b_ran == 0);
}

BOOST_AUTO_TEST_CASE(a_timer_dropped_by_its_owner_never_runs) {
    EventLoop loop;
    int ran = 0;
    {
        EventLoop::Timer t = loop.after(0, [&] { ++ran; });
    }
    EventLoop::Timer other = loop.after(1, [] {});
    loop.run([&] { return !other.pending(); });
    BOOST_TEST(ran == 0);
}

BOOST_AUTO_TEST_CASE(deferred_work_runs_after_the_batch) {
    EventLoop loop;
    Pair a, b;
    std::vector<std::string> order;
    EventLoop::Watch wa = watched(loop, a.fd[0], [&](uint32_t) {
        order.push_back("a");
        loop.defer([&] { order.push_back("deferred"); });
    });
    EventLoop::Watch wb = watched(loop, b.fd[0], [&](uint32_t) { order.push_back("b"); });
    a.poke();
    b.poke();
    turns(loop, 1);
    BOOST_TEST((order == std::vector<std::string>{"a", "b", "deferred"}));
}

BOOST_AUTO_TEST_CASE(signals_arrive_as_events) {
    EventLoop loop;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigset_t before;
    BOOST_TEST_REQUIRE(pthread_sigmask(SIG_BLOCK, &set, &before) == 0);
    std::vector<int> got;
    std::string why;
    BOOST_TEST_REQUIRE(loop.on_signals(
                           set, [&](int s) { got.push_back(s); }, why),
                       why);
    raise(SIGUSR2);
    loop.run([&] { return !got.empty(); });
    BOOST_TEST((got == std::vector<int>{SIGUSR2}));
    pthread_sigmask(SIG_SETMASK, &before, nullptr);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
