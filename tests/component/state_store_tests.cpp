// Component tier: the state stores (common/state_store.h, store_lmdb.h, store_redis.h) on
// their real backends: LMDB in a temp folder, a redis-server of the test's own. Changes are
// atomic across processes (children counting at once), values expire, a folder another
// user could reach is refused, and a store that goes, stalls or fills leaves the process
// running on its own memory, which it says once, until the store is back.
#include <boost/test/unit_test.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/json.h"
#include "common/state_store.h"
#include "common/store_lmdb.h"
#include "common/store_redis.h"
#include "handler/event_loop.h"
#include "handler/store.h"
#include "tests/support/redis.h"

using namespace testing;
using watch::StateChange;
using watch::StateStore;

namespace {

// A change that adds one to the number at `key` and notes what it saw.
StateChange increment(const std::string& key, long long* seen = nullptr, long long ttl = 60) {
    return StateChange{key, ttl, [seen](const std::optional<std::string>& v) -> std::optional<std::string> {
                           long long n = v ? std::stoll(*v) : 0;
                           if (seen) *seen = n;
                           return std::to_string(n + 1);
                       }};
}

// A change that only reads.
StateChange read_into(const std::string& key, std::optional<std::string>& out) {
    return StateChange{key, 60, [&out](const std::optional<std::string>& v) -> std::optional<std::string> {
                           out = v;
                           return std::nullopt;
                       }};
}

// Applies and waits (a blocking store answers at once).
bool apply_now(StateStore& store, std::vector<StateChange> changes, std::string* why = nullptr) {
    bool done = false, ok = false;
    store.apply(std::move(changes), [&](bool o, const std::string& w) {
        done = true;
        ok = o;
        if (why) *why = w;
    });
    BOOST_TEST_REQUIRE(done, "a blocking store answered later");
    return ok;
}

std::optional<std::string> value_of(StateStore& store, const std::string& key) {
    std::optional<std::string> v;
    BOOST_TEST_REQUIRE(apply_now(store, {read_into(key, v)}));
    return v;
}

// `children` processes, each applying `each` increments to one key through a store it
// opens itself, all at once. Returns the increments that went in: the key must count
// exactly those (no change lost, none counted twice). A store may give up a change under
// such contention (Redis: a key changed under it too many times); LMDB never does.
// What came of many changes made at once: those the store said it applied, and those
// whose reply was lost (a timeout on a loaded machine: applied or not, nobody can say).
struct Counted {
    int applied = 0;
    int unknown = 0;
};

// Each child increments "count" `each` times through its own store.
Counted count_from_many_processes(const std::function<std::unique_ptr<StateStore>()>& open, int children, int each) {
    int report[2];
    BOOST_TEST_REQUIRE(pipe(report) == 0);
    std::vector<pid_t> pids;
    for (int c = 0; c < children; ++c) {
        pid_t pid = fork();
        BOOST_TEST_REQUIRE(pid >= 0);
        if (pid == 0) {
            std::unique_ptr<StateStore> store = open();  // after the fork, as LMDB wants
            int failed = 0, unknown = 0;
            for (int i = 0; i < each; ++i) {
                store->apply({increment("count")}, [&](bool ok, const std::string& why) {
                    failed += !ok;
                    unknown += !ok && why.find("attempts in a row") == std::string::npos;
                });
            }
            const std::string line = std::to_string(unknown) + "\n";  // one write: atomic on a pipe
            if (write(report[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(255);
            _exit(failed);
        }
        pids.push_back(pid);
    }
    close(report[1]);
    Counted counted;
    for (pid_t p : pids) {
        int status = 0;
        waitpid(p, &status, 0);
        BOOST_TEST_REQUIRE(WIFEXITED(status));
        BOOST_TEST_REQUIRE(WEXITSTATUS(status) <= each);
        counted.applied += each - WEXITSTATUS(status);
    }
    std::string lines;
    char buf[256];
    for (ssize_t n; (n = read(report[0], buf, sizeof buf)) > 0;) lines.append(buf, static_cast<size_t>(n));
    close(report[0]);
    std::istringstream in(lines);
    for (int n; in >> n;) counted.unknown += n;
    return counted;
}

// Polls `condition` until it holds or `ms` pass.
template <typename Condition>
bool eventually(Condition condition, int ms) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!condition()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return true;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(state_store_tests)

BOOST_AUTO_TEST_CASE(memory_applies_in_place_and_stays_bounded) {
    watch::MemoryStore store(3);
    for (int i = 0; i < 5; ++i) BOOST_TEST(apply_now(store, {increment("k" + std::to_string(i))}));
    BOOST_TEST(store.size() == 3u);  // the keys used longest ago went
    BOOST_TEST(!value_of(store, "k0"));
    BOOST_TEST(*value_of(store, "k4") == "1");
    // A change that reads only leaves the value (and its expiry) as it is.
    BOOST_TEST(apply_now(store, {increment("k4")}));
    BOOST_TEST(*value_of(store, "k4") == "2");
}

BOOST_AUTO_TEST_CASE(lmdb_changes_are_atomic_across_processes) {
    TempDir dir;
    const std::string folder = dir.file("state");
    Counted counted = count_from_many_processes(
        [&] {
            std::string why;
            std::unique_ptr<StateStore> s = watch::LmdbStore::open(folder, why);
            if (!s) _exit(250);
            return s;
        },
        8, 250);
    BOOST_TEST(counted.applied == 2000);
    std::string why;
    auto store = watch::LmdbStore::open(folder, why);
    BOOST_TEST_REQUIRE(static_cast<bool>(store), why);
    BOOST_TEST(*value_of(*store, "count") == "2000");
    struct stat st {};
    BOOST_TEST_REQUIRE(stat(folder.c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0700u);
    BOOST_TEST(store->name() == "lmdb " + folder);
}

BOOST_AUTO_TEST_CASE(lmdb_values_expire_and_keys_list_the_live_ones) {
    TempDir dir;
    std::string why;
    auto store = watch::LmdbStore::open(dir.file("state"), why);
    BOOST_TEST_REQUIRE(static_cast<bool>(store), why);
    BOOST_TEST(apply_now(*store, {increment("a:short", nullptr, 1), increment("a:long", nullptr, 3600),
                                  increment("b:other", nullptr, 3600)}));
    BOOST_TEST((store->keys("a:", 10) == std::vector<std::string>{"a:long", "a:short"}));
    BOOST_TEST_REQUIRE(eventually([&] { return !value_of(*store, "a:short"); }, 3000));
    BOOST_TEST((store->keys("a:", 10) == std::vector<std::string>{"a:long"}));
    // An expired value is none: a change starts afresh.
    long long seen = -1;
    BOOST_TEST(apply_now(*store, {increment("a:short", &seen)}));
    BOOST_TEST(seen == 0);
}

BOOST_AUTO_TEST_CASE(a_state_folder_another_user_could_reach_is_refused) {
    TempDir dir;
    std::string why;
    // A symlink to a folder of one's own.
    BOOST_TEST_REQUIRE(mkdir(dir.file("real").c_str(), 0700) == 0);
    BOOST_TEST_REQUIRE(symlink(dir.file("real").c_str(), dir.file("link").c_str()) == 0);
    BOOST_TEST(!watch::LmdbStore::open(dir.file("link"), why).get());
    BOOST_TEST(why.find("symlink") != std::string::npos, why);
    // Open to others.
    BOOST_TEST_REQUIRE(mkdir(dir.file("open").c_str(), 0755) == 0);
    BOOST_TEST(!watch::LmdbStore::open(dir.file("open"), why).get());
    BOOST_TEST(why.find("chmod 700") != std::string::npos, why);
    // Another user's.
    BOOST_TEST_REQUIRE(mkdir(dir.file("theirs").c_str(), 0700) == 0);
    const passwd* nobody = getpwnam("nobody");
    BOOST_TEST_REQUIRE(nobody);
    BOOST_TEST_REQUIRE(chown(dir.file("theirs").c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
    BOOST_TEST(!watch::LmdbStore::open(dir.file("theirs"), why).get());
    BOOST_TEST(why.find("belongs to uid") != std::string::npos, why);
    // A relative path.
    BOOST_TEST(!watch::LmdbStore::open("state", why).get());
}

BOOST_AUTO_TEST_CASE(a_full_lmdb_store_fails_and_the_fallback_carries_on) {
    TempDir dir;
    std::string why;
    auto lmdb = watch::LmdbStore::open(dir.file("state"), why);
    BOOST_TEST_REQUIRE(static_cast<bool>(lmdb), why);
    const std::string big(1 << 20, 'x');
    bool full = false;
    for (int i = 0; i < 80 && !full; ++i) {
        full = !apply_now(
            *lmdb,
            {StateChange{"big" + std::to_string(i), 3600,
                         [&](const std::optional<std::string>&) -> std::optional<std::string> { return big; }}},
            &why);
    }
    BOOST_TEST_REQUIRE(full);
    BOOST_TEST(why.find("full") != std::string::npos, why);
    std::vector<std::string> log;
    watch::FallbackStore store(std::move(lmdb), [&](const std::string& l) { log.push_back(l); });
    for (int i = 0; i < 3; ++i) {
        BOOST_TEST(apply_now(
            store, {StateChange{"more", 3600, [&](const std::optional<std::string>&) -> std::optional<std::string> {
                                    return big;
                                }}}));
    }
    BOOST_TEST(!store.shared());
    BOOST_TEST(log.size() == 1u);  // once per outage
}

BOOST_AUTO_TEST_CASE(redis_changes_are_atomic_across_processes) {
    RedisServer redis;
    watch::RedisAddress a;
    std::string why;
    BOOST_TEST_REQUIRE(watch::parse_redis_url(redis.url(), a, why), why);
    // Eight processes in a tight loop on one key: far more contention than a site's budget
    // (a few reads a second) ever makes.
    Counted counted =
        count_from_many_processes([&] { return std::unique_ptr<StateStore>(watch::RedisStore::blocking(a)); }, 8, 250);
    // Every change said applied is there, and no other but those whose reply was lost.
    const int count = std::stoi(redis.cli({"GET", "count"}));
    BOOST_TEST(count >= counted.applied);
    BOOST_TEST(count <= counted.applied + counted.unknown,
               count << " counted, " << counted.applied << " applied, " << counted.unknown << " replies lost");
    BOOST_TEST(counted.applied >= 1900, counted.applied << " of 2000 applied");
    // Every value written expires on its own.
    long long ttl = std::stoll(redis.cli({"TTL", "count"}));
    BOOST_TEST((ttl > 0 && ttl <= 60));
    auto store = watch::RedisStore::blocking(a);
    BOOST_TEST((store->keys("cou", 10) == std::vector<std::string>{"count"}));
}

BOOST_AUTO_TEST_CASE(redis_on_the_loop_applies_without_blocking) {
    RedisServer redis;
    watch::RedisAddress a;
    std::string why;
    BOOST_TEST_REQUIRE(watch::parse_redis_url(redis.url() + "/3", a, why), why);
    watch::EventLoop loop;
    watch::StoreOnLoop on_loop(loop);
    auto store = watch::RedisStore::on_loop(a, on_loop);
    BOOST_TEST(store->name() == "redis://127.0.0.1:" + std::to_string(redis.port()) + "/3");
    int done = 0;
    long long seen = -1;
    for (int i = 0; i < 100; ++i) {
        store->apply({increment("n", &seen), increment("m")}, [&](bool ok, const std::string& w) {
            BOOST_TEST(ok, w);
            ++done;
        });
    }
    BOOST_TEST(done == 0);  // never from apply()
    loop.run([&] { return done == 100; });
    BOOST_TEST(seen == 99);
    BOOST_TEST(redis.cli({"-n", "3", "GET", "n"}) == "100");
    BOOST_TEST(redis.cli({"-n", "3", "GET", "m"}) == "100");
}

BOOST_AUTO_TEST_CASE(redis_gone_slow_or_back_the_fallback_says_so_once_each) {
    auto redis = std::make_unique<RedisServer>();
    watch::RedisAddress a;
    std::string why;
    BOOST_TEST_REQUIRE(watch::parse_redis_url(redis->url(), a, why), why);
    watch::EventLoop loop;
    watch::StoreOnLoop on_loop(loop);
    std::vector<std::string> log;
    watch::FallbackStore store(watch::RedisStore::on_loop(a, on_loop), [&](const std::string& l) { log.push_back(l); });
    auto apply_and_wait = [&](std::vector<StateChange> changes) {
        bool done = false, ok = false;
        store.apply(std::move(changes), [&](bool o, const std::string&) {
            done = true;
            ok = o;
        });
        loop.run([&] { return done; });
        return ok;  // the fallback always carries on
    };
    BOOST_TEST(apply_and_wait({increment("n")}));
    BOOST_TEST(store.shared());
    // Gone: changes go to memory, one line says so.
    redis->stop();
    for (int i = 0; i < 5; ++i) BOOST_TEST(apply_and_wait({increment("n")}));
    BOOST_TEST(!store.shared());
    BOOST_TEST(log.size() == 1u);
    BOOST_TEST(log.at(0).find("failed") != std::string::npos, log.at(0));
    // Back: rejoined at the next try after the backoff, one line says so.
    redis->start();
    BOOST_TEST_REQUIRE(eventually(
        [&] {
            apply_and_wait({increment("n")});
            return store.shared();
        },
        5000));
    BOOST_TEST(log.size() == 2u);
    BOOST_TEST(log.back().find("is back") != std::string::npos, log.back());
    // Slow: a command that takes more than 50 ms is a store that is down. Redis holds
    // every client's commands for 300 ms from the moment CLIENT PAUSE answers.
    BOOST_TEST_REQUIRE(redis->cli({"CLIENT", "PAUSE", "300", "ALL"}) == "OK");
    auto t0 = std::chrono::steady_clock::now();
    BOOST_TEST(apply_and_wait({increment("n")}));
    auto took = std::chrono::steady_clock::now() - t0;
    BOOST_TEST(!store.shared());
    BOOST_TEST(log.size() == 3u);
    BOOST_TEST(std::chrono::duration_cast<std::chrono::milliseconds>(took).count() < 250);
}

// The status's count of this process's store cost: every apply and change, the store's own
// time (a change's function runs inside it), never the time the caller spends in `done`.
BOOST_AUTO_TEST_CASE(the_store_cost_counts_applies_and_the_store_s_time_alone) {
    using std::chrono::milliseconds;
    auto slow_change = [](const std::string& key) {
        return StateChange{key, 60, [](const std::optional<std::string>&) -> std::optional<std::string> {
                               std::this_thread::sleep_for(milliseconds(5));
                               return std::string("1");
                           }};
    };
    auto caller_sleeps = [](bool& done) {
        return [&done](bool ok, const std::string& why) {
            BOOST_TEST(ok, why);
            std::this_thread::sleep_for(milliseconds(100));
            done = true;
        };
    };
    TempDir dir;
    watch::Config config;
    config.store = dir.file("state");
    watch::StoreCost before = watch::store_cost();
    watch::OpenedStore lmdb =
        watch::open_store(config, nullptr, [](const std::string& l) { BOOST_TEST(l.empty(), l); });
    bool done = false;
    lmdb.store->apply({slow_change("a"), increment("b")}, caller_sleeps(done));
    BOOST_TEST_REQUIRE(done);
    watch::StoreCost after = lmdb.condition().cost;
    BOOST_TEST(after.applies == before.applies + 1);
    BOOST_TEST(after.changes == before.changes + 2);
    BOOST_TEST(after.microseconds - before.microseconds >= 5000u);
    BOOST_TEST(after.microseconds - before.microseconds < 50000u);  // not the caller's 100 ms

    // Redis on the loop: the time in its socket's events counts, the caller's `done` does not.
    RedisServer redis;
    config.store = redis.url();
    watch::EventLoop loop;
    watch::StoreOnLoop on_loop(loop);
    watch::OpenedStore shared =
        watch::open_store(config, &on_loop, [](const std::string& l) { BOOST_TEST(l.empty(), l); });
    before = watch::store_cost();
    done = false;
    shared.store->apply({slow_change("a")}, caller_sleeps(done));
    loop.run([&] { return done; });
    after = watch::store_cost();
    BOOST_TEST(after.applies == before.applies + 1);
    BOOST_TEST(after.changes == before.changes + 1);
    BOOST_TEST(after.microseconds - before.microseconds >= 5000u);
    BOOST_TEST(after.microseconds - before.microseconds < 50000u);
    // As the status shows it.
    const watch::StoreCondition c = shared.condition();
    const std::string json = watch::status_json(c, {}, 0);
    BOOST_TEST(json.find("\"thisProcess\":{\"applies\":" + std::to_string(c.cost.applies) + ",") != std::string::npos,
               json);
}

BOOST_AUTO_TEST_CASE(redis_urls) {
    watch::RedisAddress a;
    std::string why;
    BOOST_TEST(watch::parse_redis_url("redis://cache.example:6380/2", a, why));
    BOOST_TEST((a.host == "cache.example" && a.port == 6380 && a.db == 2));
    BOOST_TEST(watch::parse_redis_url("redis://[::1]", a, why));
    BOOST_TEST((a.host == "::1" && a.port == 6379 && a.db == 0));
    for (const char* bad : {"http://x", "redis://", "redis://user:pw@host", "redis://h:0", "redis://h:99999",
                            "redis://h/x", "redis://[::1"}) {
        BOOST_TEST(!watch::parse_redis_url(bad, a, why), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
