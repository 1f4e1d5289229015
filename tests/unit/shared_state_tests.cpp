// Unit tests for common/shared_state.cpp: an account's value comes back as it went in, a
// value that cannot be read counts as none, and what a process made of an account while
// its store was down is merged into what the store kept.
#include <boost/test/unit_test.hpp>

#include <string>

#include "common/json.h"
#include "common/shared_state.h"

using watch::AccountState;
using watch::ReadBudget;
using watch::TurnQueue;

namespace {

constexpr long long kT0 = 1800000000;
const std::string kSecret = "the-site's-secret-0123456789abcdef";
const std::string kKey = std::string(watch::kAccountKeyPrefix) + "0123456789abcdef0123456789abcdef";

AccountState read(const std::string& json) {
    AccountState s;
    BOOST_TEST_REQUIRE(watch::parse_account_state(json, s));
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(shared_state_tests)

BOOST_AUTO_TEST_CASE(an_account_comes_back_as_it_went_in) {
    AccountState s;
    ReadBudget b(10, 1.0);
    TurnQueue q(kSecret, 120);
    BOOST_REQUIRE(b.take(kT0));
    BOOST_REQUIRE((q.admit("", "vi5fG2hPr1vAtEpr1vAtE001", b, kT0).kind == TurnQueue::Decision::Kind::Go));
    s.budget = b.state();
    s.queue = q.state();
    s.origins = {"https://vod.api.video"};
    s.secret = kSecret;
    s.pages = {{"done", 3}, {"404", 1}};
    const std::string json = watch::account_state_json(s);
    BOOST_TEST(watch::account_state_json(read(json)) == json);
    for (const char* bad : {"", "{}", "[]", "{\"b\":[1,2,3]}"}) {
        AccountState x;
        BOOST_TEST(!watch::parse_account_state(bad, x), bad);
    }
    // A queue whose counters contradict each other is refused, not believed.
    AccountState broken = s;
    broken.queue.admitted = broken.queue.issued + 1;
    AccountState x;
    BOOST_TEST(!watch::parse_account_state(watch::account_state_json(broken), x));
}

// A process kept its own queue during an outage: its waiting visitors join the kept queue
// by arrival, as early tickets; the reads it spent count; no page count is lost.
BOOST_AUTO_TEST_CASE(an_outage_is_merged_into_what_the_store_kept) {
    AccountState kept;
    kept.secret = kSecret;
    kept.budget.limit = 10;
    kept.budget.window = 6;
    kept.budget.window_end = kT0 + 6;
    kept.budget.server_remaining = 8;
    kept.pages = {{"done", 10}};
    TurnQueue shared(kSecret, 120);
    kept.queue = shared.state();

    AccountState outage = kept;
    outage.budget.server_remaining = 3;
    outage.pages = {{"done", 12}, {"turn", 2}};
    outage.origins = {"https://vod.example"};
    watch::QueueState local;
    local.local = true;
    TurnQueue own(kSecret, 120, local);
    ReadBudget spent(kept.budget, 1.0);
    spent.refuse(5, kT0);  // nothing free: both visitors wait
    TurnQueue::Decision w1 = own.admit("", "vi5fG2hPr1vAtEpr1vAtE001", spent, kT0 + 1);
    TurnQueue::Decision w2 = own.admit("", "vi5fG2hPr1vAtEpr1vAtE001", spent, kT0 + 2);
    BOOST_REQUIRE((w1.kind == TurnQueue::Decision::Kind::Wait && w2.kind == TurnQueue::Decision::Kind::Wait));
    outage.queue = own.state();

    AccountState merged =
        read(watch::merge_outage(kKey, watch::account_state_json(kept), watch::account_state_json(outage)));
    BOOST_TEST(merged.queue.epoch == kept.queue.epoch, "the kept queue goes on");
    BOOST_TEST_REQUIRE(merged.queue.early.size() == 2u);
    BOOST_TEST(merged.queue.early[0].arrival == kT0 + 1);
    BOOST_TEST(merged.queue.early[1].arrival == kT0 + 2);
    BOOST_TEST(merged.budget.server_remaining == 3);
    BOOST_TEST(merged.pages["done"] == 12);
    BOOST_TEST(merged.pages["turn"] == 2);
    BOOST_TEST(merged.secret == kSecret);
    BOOST_TEST(merged.origins.size() == 1u);
    // The early visitor is served first by the kept queue once a read is free.
    TurnQueue after(kSecret, 120, merged.queue);
    ReadBudget fresh(10, 1.0);
    BOOST_TEST(
        (after.admit(w1.ticket, "vi5fG2hPr1vAtEpr1vAtE001", fresh, kT0 + 3).kind == TurnQueue::Decision::Kind::Go));
    // A video's facts: the store's are kept.
    BOOST_TEST(watch::merge_outage("apivideo-watch:v1:video:x:vi", "kept", "outage") == "kept");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
