// Unit tests for common/budget.cpp: the reads api.video's headers allow, and fair turns
// when they run out (arrival order, a reload keeps its place, forged, replayed and old
// tickets go to the back, the bound). The clock is an input.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "common/budget.h"

using watch::ReadBudget;
using watch::TurnQueue;
using Kind = watch::TurnQueue::Decision::Kind;

namespace {

constexpr long long kT0 = 1800000000;
const std::string kVideo = "vi5fG2hPr1vAtEpr1vAtE001";

watch::HttpResult reply(long status, long long limit, long long remaining, long long retry_after) {
    watch::HttpResult r;
    r.outcome = watch::HttpResult::Outcome::Ok;
    r.status = status;
    r.rate = {limit, remaining, retry_after};
    return r;
}

// A page view's admission; a read it took is settled (without news of the budget), as
// the real read would be before long.
TurnQueue::Decision admit(TurnQueue& q, ReadBudget& b, const std::string& ticket, long long now,
                          const std::string& video = kVideo) {
    TurnQueue::Decision d = q.admit(ticket, video, b, now);
    if (d.kind == Kind::Go) {
        watch::HttpResult none;
        none.outcome = watch::HttpResult::Outcome::Timeout;
        b.settle(none, now);
    }
    return d;
}

// A budget that has seen api.video's first reply of a window of `limit` reads lasting
// `window` seconds, at kT0.
ReadBudget seen(long long limit, long long window) {
    ReadBudget b(500, 1.0);
    BOOST_REQUIRE(b.take(kT0));
    b.settle(reply(200, limit, limit - 1, window), kT0);
    return b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(budget_tests)

BOOST_AUTO_TEST_CASE(before_any_reply_the_configured_reads_a_minute) {
    ReadBudget b(500, 1.0);
    BOOST_TEST(b.available(kT0) == 500);
    ReadBudget half(500, 0.5);
    BOOST_TEST(half.available(kT0) == 250);
}

BOOST_AUTO_TEST_CASE(the_headers_say_what_is_left_and_when_the_window_ends) {
    ReadBudget b = seen(10, 2);
    BOOST_TEST(b.available(kT0) == 9);
    BOOST_TEST(b.window_seconds() == 3);  // with a second's margin for this clock's whole seconds
    for (int i = 0; i < 9; ++i) BOOST_REQUIRE(b.take(kT0));
    BOOST_TEST(!b.take(kT0));  // spent: no read goes out to meet a 429
    BOOST_TEST(b.seconds_to_next(kT0) == 3);
    BOOST_TEST(b.available(kT0 + 3) == 10 - 9);  // nine still in flight in the new window
    // Another process of the key spent reads: the headers win over the local count.
    for (int i = 0; i < 9; ++i) b.settle(reply(200, 10, 3, 1), kT0 + 3);
    BOOST_TEST(b.available(kT0 + 3) == 3);
}

BOOST_AUTO_TEST_CASE(a_429_shuts_the_budget_for_at_most_two_windows) {
    ReadBudget b = seen(500, 60);
    BOOST_REQUIRE(b.take(kT0));
    b.settle(reply(429, 500, 0, 999999), kT0);
    BOOST_TEST(b.available(kT0) == 0);
    BOOST_TEST(b.seconds_to_next(kT0) == 120);  // not 11.6 days
    BOOST_TEST(b.available(kT0 + 120) > 0);
    // A transport failure says nothing: the read stays spent, the window as it was.
    ReadBudget c = seen(10, 2);
    BOOST_REQUIRE(c.take(kT0));
    watch::HttpResult broken;
    broken.outcome = watch::HttpResult::Outcome::Timeout;
    c.settle(broken, kT0);
    BOOST_TEST(c.available(kT0) == 8);
}

BOOST_AUTO_TEST_CASE(a_share_spends_its_part_of_what_the_headers_say) {
    ReadBudget b(500, 0.5);
    BOOST_REQUIRE(b.take(kT0));
    b.settle(reply(200, 100, 80, 30), kT0);
    BOOST_TEST(b.available(kT0) == 40);
}

// Half of a key's 10 reads, spent one at a time: 5, however much the key has left after
// each (the other half is another process's, which may not have spent yet).
BOOST_AUTO_TEST_CASE(a_share_spends_no_more_than_its_part_of_the_window) {
    ReadBudget b(10, 0.5);
    int went = 0;
    for (long long left = 9; b.take(kT0); --left) {
        ++went;
        b.settle(reply(200, 10, left, 30), kT0);
    }
    BOOST_TEST(went == 5);
    BOOST_TEST(b.available(kT0 + 31) == 5);  // the next window
}

BOOST_AUTO_TEST_CASE(a_burst_beyond_the_budget_waits_in_turns_served_in_arrival_order) {
    ReadBudget b = seen(4, 2);  // 3 reads left in this window
    TurnQueue q("secret-of-this-site-0123456789abcdef", 120);
    std::vector<std::string> tickets;
    int went = 0;
    for (int i = 0; i < 9; ++i) {
        TurnQueue::Decision d = admit(q, b, "", kT0);
        if (d.kind == Kind::Go)
            ++went;
        else
            tickets.push_back(d.ticket);
        if (d.kind == Kind::Wait) BOOST_TEST(d.seconds >= 1);
    }
    BOOST_TEST(went == 3);
    BOOST_TEST_REQUIRE(tickets.size() == 6u);
    BOOST_TEST(q.issued() == 6u);
    // The first turns are told to come back when the window ends, the later ones a window on.
    TurnQueue::Decision again = admit(q, b, tickets[0], kT0 + 1);
    BOOST_TEST((again.kind == Kind::Wait));
    BOOST_TEST(again.ticket == tickets[0]);  // a reload keeps its place
    BOOST_TEST(again.seconds == 2);
    TurnQueue::Decision later = admit(q, b, tickets[5], kT0 + 1);
    BOOST_TEST(later.seconds > again.seconds);

    // The window ends: four reads, for the first four turns, in order. A newcomer waits.
    BOOST_TEST((admit(q, b, tickets[4], kT0 + 3).kind == Kind::Wait));  // turn 5 is not yet
    for (int i = 0; i < 4; ++i) BOOST_TEST((admit(q, b, tickets[i], kT0 + 3).kind == Kind::Go), "turn " << i + 1);
    TurnQueue::Decision newcomer = admit(q, b, "", kT0 + 3);
    BOOST_TEST((newcomer.kind == Kind::Wait));
    BOOST_TEST(q.issued() == 7u);
    // A replayed ticket gets no second read: it goes to the back.
    TurnQueue::Decision replay = admit(q, b, tickets[0], kT0 + 3);
    BOOST_TEST((replay.kind == Kind::Wait));
    BOOST_TEST(replay.ticket != tickets[0]);
    BOOST_TEST(q.issued() == 8u);
}

// Reads made at once come back in any order; an older count never raises a newer one, and
// the first reply of a later window is believed.
BOOST_AUTO_TEST_CASE(replies_out_of_order_never_raise_the_count) {
    ReadBudget b = seen(10, 9);  // 9 left, the window ends at kT0 + 10
    BOOST_REQUIRE(b.take(kT0 + 1));
    BOOST_REQUIRE(b.take(kT0 + 1));
    b.settle(reply(200, 10, 7, 8), kT0 + 1);  // the second read's reply comes first
    // 7 left, less the read still in flight (it may not be in the 7 yet)...
    BOOST_TEST(b.available(kT0 + 1) == 6);
    b.settle(reply(200, 10, 8, 8), kT0 + 1);
    // ...and once it is replied to, the 7, which counts both: never the older 8.
    BOOST_TEST(b.available(kT0 + 1) == 7);
    // api.video's next window: its first reply says so, though this window's end is near.
    BOOST_REQUIRE(b.take(kT0 + 9));
    b.settle(reply(200, 10, 9, 9), kT0 + 9);
    BOOST_TEST(b.available(kT0 + 9) == 9);
}

// A video and its captions read at once: api.video counts both before it replies to the
// first. The second reply says the same: the read is not counted twice then, and the
// window's last read is not lost.
BOOST_AUTO_TEST_CASE(a_read_counted_before_its_reply_is_counted_once) {
    ReadBudget b = seen(5, 2);  // 4 left
    BOOST_REQUIRE(b.take(kT0));
    BOOST_REQUIRE(b.take(kT0));
    b.settle(reply(200, 5, 2, 2), kT0);
    BOOST_TEST(b.available(kT0) == 1);
    b.settle(reply(200, 5, 2, 2), kT0);
    BOOST_TEST(b.available(kT0) == 2);
}

// A read whose page view ended first went out all the same: api.video counts it, perhaps
// after it has replied to a later read, so it stays spent for the rest of the window.
BOOST_AUTO_TEST_CASE(a_read_given_back_stays_spent_until_the_window_ends) {
    ReadBudget b = seen(10, 2);  // 9 left
    BOOST_REQUIRE(b.take(kT0));
    b.release(1);
    BOOST_TEST(b.available(kT0) == 8);
    BOOST_REQUIRE(b.take(kT0));
    // 6 left: this read and another process's counted, the one given back not yet.
    b.settle(reply(200, 10, 6, 2), kT0);
    BOOST_TEST(b.available(kT0) == 5);
    BOOST_TEST(b.available(kT0 + 3) == 10);
}

// A read for captions is taken only when nobody waits and one is free beyond those held.
BOOST_AUTO_TEST_CASE(a_spare_read_never_goes_before_a_waiting_visitor) {
    ReadBudget b = seen(3, 3);  // 2 reads left, a window of 4 s; spare beyond 1 (half of 3)
    TurnQueue q("secret-of-this-site-0123456789abcdef", 120);
    auto spare = [&](long long now) {
        if (!q.spare(b, now)) return false;
        watch::HttpResult none;
        none.outcome = watch::HttpResult::Outcome::Timeout;
        b.settle(none, now);
        return true;
    };
    BOOST_TEST(spare(kT0));
    BOOST_TEST(!spare(kT0), "half the window's reads stay for visitors");
    BOOST_REQUIRE((admit(q, b, "", kT0).kind == Kind::Go));
    TurnQueue::Decision waits = admit(q, b, "", kT0);
    BOOST_REQUIRE((waits.kind == Kind::Wait));
    // The window ends with 3 reads: one held for the waiting visitor, one spare.
    BOOST_TEST(spare(kT0 + 4));
    BOOST_TEST(!spare(kT0 + 4), "the rest is the waiting visitor's and the next ones'");
    BOOST_TEST((admit(q, b, waits.ticket, kT0 + 4).kind == Kind::Go));
}

BOOST_AUTO_TEST_CASE(forged_foreign_and_old_tickets_wait_at_the_back) {
    ReadBudget b = seen(2, 2);  // 1 read left
    TurnQueue q("secret-of-this-site-0123456789abcdef", 120);
    BOOST_REQUIRE((admit(q, b, "", kT0).kind == Kind::Go));
    std::string first = admit(q, b, "", kT0).ticket;  // turn 1
    BOOST_REQUIRE(!first.empty());
    std::string forged = first;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    std::string other_video = admit(q, b, "", kT0, "vi7PuBL1cPuBL1cPuBL1c001").ticket;  // turn 2
    // Another queue's, whose visitor came after those waiting here (one who came before
    // would be served first: the next tests).
    TurnQueue other_process("secret-of-this-site-0123456789abcdef", 120);
    ReadBudget b2 = seen(2, 2);
    admit(other_process, b2, "", kT0 + 1);
    std::string foreign = admit(other_process, b2, "", kT0 + 1).ticket;
    for (const std::string& t : {forged, other_video, foreign, std::string("1.9999999999.x"), std::string("junk")}) {
        TurnQueue::Decision d = admit(q, b, t, kT0);
        BOOST_TEST((d.kind == Kind::Wait), t);
        BOOST_TEST(d.ticket != first, t);
    }
    BOOST_TEST(q.issued() == 7u);  // each of them took a new turn at the back
    // A ticket past its time (the bound) is no ticket.
    TurnQueue short_bound("secret-of-this-site-0123456789abcdef", 5);
    ReadBudget b3 = seen(2, 2);
    admit(short_bound, b3, "", kT0);
    std::string t1 = admit(short_bound, b3, "", kT0).ticket;
    BOOST_REQUIRE(!t1.empty());
    BOOST_TEST((admit(short_bound, b3, t1, kT0 + 4).kind == Kind::Go));     // its read, on time
    BOOST_REQUIRE((admit(short_bound, b3, "", kT0 + 4).kind == Kind::Go));  // the window's last
    std::string t2 = admit(short_bound, b3, "", kT0 + 4).ticket;
    BOOST_REQUIRE(!t2.empty());
    TurnQueue::Decision late = admit(short_bound, b3, t2, kT0 + 10);
    BOOST_TEST(late.ticket != t2);
}

BOOST_AUTO_TEST_CASE(a_wait_beyond_the_bound_is_the_503_and_takes_no_turn) {
    ReadBudget b = seen(2, 60);  // 1 read left, then 2 a window (61 s with the margin)
    TurnQueue q("secret-of-this-site-0123456789abcdef", 130);
    BOOST_REQUIRE((admit(q, b, "", kT0).kind == Kind::Go));
    for (long long due : {61, 61, 122, 122}) {  // turns 1 to 4
        TurnQueue::Decision d = admit(q, b, "", kT0);
        BOOST_TEST((d.kind == Kind::Wait));
        BOOST_TEST(d.seconds == due);
    }
    TurnQueue::Decision full = admit(q, b, "", kT0);  // turn 5 would be in 183 s: over the bound
    BOOST_TEST((full.kind == Kind::Full));
    BOOST_TEST(full.seconds == 183);
    BOOST_TEST(q.issued() == 4u);
}

BOOST_AUTO_TEST_CASE(a_turn_nobody_comes_for_frees_its_read) {
    ReadBudget b = seen(1, 2);  // none left; one a window
    TurnQueue q("secret-of-this-site-0123456789abcdef", 120);
    std::string absent = admit(q, b, "", kT0).ticket;
    BOOST_REQUIRE(!absent.empty());
    // Admitted at the next window, its read held for it a while: a newcomer waits.
    TurnQueue::Decision newcomer = admit(q, b, "", kT0 + 3);
    BOOST_TEST((newcomer.kind == Kind::Wait));
    BOOST_TEST(q.admitted() == 1u);
    // Nobody came for turn 1: once its hold lapses, turn 2 gets the read.
    BOOST_TEST((admit(q, b, newcomer.ticket, kT0 + 10).kind == Kind::Wait));
    BOOST_TEST((admit(q, b, newcomer.ticket, kT0 + 20).kind == Kind::Go));
}

// A store's outage: the visitor who waited in one process's own queue arrived before those
// now waiting in the shared one, and is served first; after them, one who came later.
BOOST_AUTO_TEST_CASE(a_ticket_of_another_queue_whose_visitor_came_first_is_served_first) {
    const std::string secret = "the-site's-secret-0123456789abcdef";
    ReadBudget b = seen(2, 10), lb = seen(2, 10);  // a read left in each
    TurnQueue local(secret, 120), shared(secret, 120);
    BOOST_TEST((admit(local, lb, "", kT0 + 1).kind == Kind::Go));
    TurnQueue::Decision early = admit(local, lb, "", kT0 + 1);  // the budget's spent: waits
    BOOST_REQUIRE((early.kind == Kind::Wait));
    // The shared queue: its reads spent, then two who came later wait there.
    BOOST_TEST((admit(shared, b, "", kT0 + 2).kind == Kind::Go));
    TurnQueue::Decision later1 = admit(shared, b, "", kT0 + 3);
    TurnQueue::Decision later2 = admit(shared, b, "", kT0 + 3);
    BOOST_REQUIRE((later1.kind == Kind::Wait && later2.kind == Kind::Wait));
    // The early visitor comes to the shared queue: it waits ahead of both.
    TurnQueue::Decision there = admit(shared, b, early.ticket, kT0 + 4);
    BOOST_REQUIRE((there.kind == Kind::Wait));
    BOOST_TEST(there.ticket == early.ticket, "its own ticket, kept");
    BOOST_TEST(shared.waiting() == 3u);
    BOOST_TEST(shared.oldest_wait(kT0 + 4) == 3);
    // The window ends: two reads, the early visitor's first, then the first who came later.
    b.settle(reply(200, 2, 2, 10), kT0 + 11);
    BOOST_TEST((admit(shared, b, later2.ticket, kT0 + 12).kind == Kind::Wait), "the second later one waits on");
    BOOST_TEST((admit(shared, b, early.ticket, kT0 + 12).kind == Kind::Go));
    BOOST_TEST((admit(shared, b, later1.ticket, kT0 + 12).kind == Kind::Go));
    // A replay of the early ticket is a newcomer's.
    BOOST_TEST((admit(shared, b, early.ticket, kT0 + 13).kind == Kind::Wait));
}

BOOST_AUTO_TEST_CASE(a_ticket_of_another_queue_whose_visitor_came_later_is_a_newcomer) {
    const std::string secret = "the-site's-secret-0123456789abcdef";
    ReadBudget b = seen(2, 10), lb = seen(2, 10);  // a read left in each
    TurnQueue local(secret, 120), shared(secret, 120);
    BOOST_TEST((admit(shared, b, "", kT0 + 1).kind == Kind::Go));
    TurnQueue::Decision first = admit(shared, b, "", kT0 + 2);
    BOOST_REQUIRE((first.kind == Kind::Wait));
    BOOST_TEST((admit(local, lb, "", kT0 + 5).kind == Kind::Go));
    TurnQueue::Decision late = admit(local, lb, "", kT0 + 5);
    BOOST_REQUIRE((late.kind == Kind::Wait));
    TurnQueue::Decision there = admit(shared, b, late.ticket, kT0 + 6);
    BOOST_REQUIRE((there.kind == Kind::Wait));
    BOOST_TEST(there.ticket != late.ticket, "a turn of the shared queue's, behind the first");
    BOOST_TEST(shared.waiting() == 2u);
    // Another site's secret: not a ticket at all.
    TurnQueue other("another-site's-secret-0123456789abcd", 120);
    ReadBudget ob = seen(2, 10);
    BOOST_TEST((admit(other, ob, "", kT0 + 1).kind == Kind::Go));
    TurnQueue::Decision foreign = admit(other, ob, "", kT0 + 1);
    BOOST_TEST((admit(shared, b, foreign.ticket, kT0 + 6).kind == Kind::Wait));
    BOOST_TEST(shared.waiting() == 3u, "a newcomer at the back");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
