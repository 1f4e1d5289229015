// End-to-end tier, api.video's read budget through nginx: a burst beyond the budget, in
// which every visitor plays at once or waits for a turn and then plays; no 429 reaches
// the handler; turns are served in arrival order; a reload keeps its place, a forged
// ticket waits at the back; past the bound, the 503 page; and in Chromium, a waiting
// visitor's player starts by itself without a reload. The stand-in's window is 2 s
// (its rate_limit knob), so the tests run in seconds. Counts and order, not times.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <ctime>
#include <map>
#include <string>
#include <vector>

#include "tests/support/browser.h"
#include "tests/support/fastcgi_site.h"
#include "tests/support/http.h"
#include "tests/support/staging.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

// A site on a key whose budget is `limit` reads per `window` seconds, warmed up: the
// handler has read api.video's headers once and the window that read opened has ended,
// so both sides start the test with a whole window.
struct BudgetSite {
    explicit BudgetSite(int limit, const std::map<std::string, std::string>& extra = {}, const std::string& site = "",
                        int window = 2)
        : s(settings(limit, extra), site),
          knob(R"({"rate_limit":{"limit":)" + std::to_string(limit) + R"(,"window_s":)" + std::to_string(window) +
               "}}") {
        // A window of the stand-in's own begins with the warm-up read.
        standin().reset();
        standin().knobs(knob);
        BOOST_REQUIRE(http_get(s.watch(std::string("id=") + kPublicVideo)).status == 200);
        // It ends when the stand-in says; the handler's ends at the next whole second of
        // its clock after that (it counts whole seconds, with a second's margin: budget.cpp).
        const double ends = standin().window_end(kKey);
        BOOST_REQUIRE(ends > 0);
        BOOST_REQUIRE(wait_until([] { return standin().window_end(kKey) == 0; }, window * 1000 + 1000));
        const auto handler_ends = static_cast<std::time_t>(ends) + 2;
        BOOST_REQUIRE(wait_until([&] { return std::time(nullptr) >= handler_ends; }, 3000));
    }
    ~BudgetSite() { standin().knobs(""); }
    static std::map<std::string, std::string> settings(int limit, const std::map<std::string, std::string>& extra) {
        std::map<std::string, std::string> m = {{"APIVIDEO_READS_PER_MINUTE", std::to_string(limit)}};
        for (const auto& kv : extra) m[kv.first] = kv.second;
        return m;
    }
    FastCgiSite s;
    const std::string knob;
};

bool waits(const HttpReply& r) { return r.status == 200 && r.body.find("Starting in about") != std::string::npos; }
bool plays(const HttpReply& r) {
    return r.status == 200 && r.body.find("Starting in about") == std::string::npos &&
           r.body.find("avh=") != std::string::npos;
}

// The ticket a waiting page's cookie carries, and its turn number.
std::string ticket_of(const HttpReply& r) {
    std::string c = r.header("set-cookie");
    const std::string name = "apivideo_watch_turn=";
    if (c.rfind(name, 0) != 0) return "";
    return c.substr(name.size(), c.find(';') - name.size());
}
unsigned long turn_of(const std::string& ticket) { return std::stoul(ticket.substr(0, ticket.find('.'))); }

size_t replies_429() {
    size_t n = 0;
    for (const StandinRequest& q : standin().requests()) n += q.status == 429;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(budget_tests)

BOOST_AUTO_TEST_CASE(a_burst_of_three_budgets_plays_for_everyone_in_turns_without_a_429) {
    BudgetSite site(5, {{"WATCH_WAIT_SECONDS", "60"}});
    standin().reset();
    standin().knobs(site.knob);
    std::vector<HttpRequest> burst(15);
    for (HttpRequest& q : burst) q.url = site.s.watch(std::string("id=") + kPrivateVideo);
    std::vector<HttpReply> first = http_all(burst);

    std::map<unsigned long, std::string> waiting;  // turn -> ticket
    size_t played = 0;
    for (const HttpReply& r : first) {
        if (plays(r))
            ++played;
        else if (waits(r))
            waiting[turn_of(ticket_of(r))] = ticket_of(r);
        else
            BOOST_ERROR("neither played nor waits: " << r.status << " " << r.body.substr(0, 200));
    }
    // The first window's five reads: a page each, but the one list read (captions) a page
    // took beside its video while more than half the budget was left.
    auto lists = [] {
        size_t n = 0;
        for (const StandinRequest& q : standin().requests()) {
            n += q.host == "api" && q.path.find("/captions") != std::string::npos;
        }
        return n;
    };
    BOOST_TEST(lists() == 1u);
    BOOST_TEST(played == 4u);
    BOOST_TEST(waiting.size() == 11u);

    // The waiting pages ask for their JSON, later turns first each round, as an unfair
    // crowd would, until each is served (three windows of 3 s and some): a turn is never
    // served in a round before an earlier one.
    std::map<unsigned long, int> served_in_round;
    int rounds = 0;
    auto everyone_served = [&] {
        for (auto it = waiting.rbegin(); it != waiting.rend(); ++it) {
            if (served_in_round.count(it->first)) continue;
            HttpReply r =
                http_get(site.s.watch(std::string("id=") + kPrivateVideo + "&format=json&turn=" + it->second));
            if (r.status == 200) {
                BOOST_TEST(r.body.find("avh=") != std::string::npos, r.body);
                served_in_round[it->first] = rounds;
            } else {
                BOOST_TEST(r.status == 503, r.body);
                BOOST_TEST(r.body.find("\"code\":\"waiting\"") != std::string::npos, r.body);
            }
        }
        ++rounds;
        return served_in_round.size() == waiting.size();
    };
    BOOST_TEST(wait_until(everyone_served, 20000), served_in_round.size() << " of " << waiting.size() << " served");
    int last_round = -1;
    for (const auto& [turn, round] : served_in_round) {  // ascending turns
        BOOST_TEST(round >= last_round, "turn " << turn << " served before an earlier one");
        last_round = round;
    }
    BOOST_TEST(replies_429() == 0u);
    // One read per page view, each of the fifteen; the chapters came in a later window.
    BOOST_TEST(standin().video_reads() == 15u);
    BOOST_TEST(lists() == 1u);
}

BOOST_AUTO_TEST_CASE(a_reload_keeps_its_place_and_a_forged_ticket_waits_at_the_back) {
    BudgetSite site(2, {{"WATCH_WAIT_SECONDS", "60"}});
    const std::string url = site.s.watch(std::string("id=") + kPrivateVideo);
    BOOST_REQUIRE(plays(http_get(url)));
    BOOST_REQUIRE(plays(http_get(url)));
    HttpReply a = http_get(url);
    HttpReply b = http_get(url);
    BOOST_REQUIRE(waits(a));
    BOOST_REQUIRE(waits(b));
    std::string ta = ticket_of(a), tb = ticket_of(b);
    BOOST_TEST(turn_of(tb) == turn_of(ta) + 1);
    // A reload sends the cookie back: the same place.
    HttpReply reload = http_get(url, {"Cookie: apivideo_watch_turn=" + ta});
    BOOST_TEST(waits(reload));
    BOOST_TEST(ticket_of(reload) == ta);
    // A forged ticket is no ticket: a new turn, behind everyone.
    std::string forged = ta;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';
    HttpReply f = http_get(url, {"Cookie: apivideo_watch_turn=" + forged});
    BOOST_TEST(waits(f));
    BOOST_TEST(turn_of(ticket_of(f)) == turn_of(tb) + 1);
    BOOST_TEST(replies_429() == 0u);
}

BOOST_AUTO_TEST_CASE(a_wait_past_the_bound_gets_the_503_page_with_retry_after) {
    BudgetSite site(2, {{"WATCH_WAIT_SECONDS", "4"}});
    const std::string url = site.s.watch(std::string("id=") + kPrivateVideo);
    std::vector<HttpReply> r;
    for (int i = 0; i < 8; ++i) r.push_back(http_get(url));
    size_t played = std::count_if(r.begin(), r.end(), plays);
    size_t waiting = std::count_if(r.begin(), r.end(), waits);
    BOOST_TEST(played == 2u);
    BOOST_TEST(waiting == 2u);  // the next window's two reads: a 3 s window is within 4 s
    for (size_t i = 4; i < r.size(); ++i) {
        BOOST_TEST(r[i].status == 503, i << ": " << r[i].status);
        BOOST_TEST(!r[i].header("retry-after").empty());
        BOOST_TEST(r[i].body.find("Too many viewers right now") != std::string::npos);
    }
    BOOST_TEST(replies_429() == 0u);
}

// In Chromium: a visitor whose turn comes later gets the waiting page, and its player
// starts by itself at the turn, in the same page, every request of it with the session.
BOOST_AUTO_TEST_CASE(a_waiting_visitors_player_starts_in_place_in_a_browser) {
    TempDir players;
    BudgetSite site(
        1,
        {{"WATCH_WAIT_SECONDS", "60"}, {"WATCH_PLAYER_URL", "/player/video.js"}, {"WATCH_HLSJS_URL", "/player/hls.js"}},
        "    location /player/ {\n        alias " + staged_player_scripts(players) + "/;\n    }\n",
        8);  // long enough for Chromium to start within the wait
    const std::string url = site.s.watch(std::string("id=") + kPrivateVideo);
    BOOST_REQUIRE(plays(http_get(url)));  // the window's one read
    PlayResult r = play_after_turn(url, 40000);
    BOOST_TEST(r.ok, r);
    BOOST_TEST(r.waited_for_turn, r);
    BOOST_TEST(r.same_document, r);
    BOOST_TEST(r.played == "hls-mse", r);
    for (const StandinRequest& q : standin().requests()) {
        if (q.host == "vod" && !q.session.empty()) BOOST_TEST(q.session == "valid", q.path);
        BOOST_TEST(q.status != 429, q.path);
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
