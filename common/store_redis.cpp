// Redis as the state store (see store_redis.h). hiredis 0.14 (Debian 12's) has no command
// timeouts and no adapter for a hand-made loop: its async context is driven through its
// five event hooks, and a timer per command is the loop's.
#include "common/store_redis.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <random>
#include <unordered_map>

#include "common/crypto.h"

namespace watch {

namespace {

// Compare-and-set. KEYS[1]: the key; ARGV[1]: the value the change was computed from (""
// for none); ARGV[2]: the value to leave ("" to leave it as it is); ARGV[3]: its lifetime
// in seconds. Returns {1} when done, {0, value} with what the key holds when it moved on.
// Values are never empty (the core writes JSON), so "" means none unambiguously.
constexpr const char* kCasScript =
    "local cur = redis.call('GET', KEYS[1]) or ''\n"
    "if cur ~= ARGV[1] then return {0, cur} end\n"
    "if ARGV[2] ~= '' then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end\n"
    "return {1}\n";
// A change that keeps meeting another process's first gives up: the store is too busy.
constexpr int kMaxAttempts = 100;
// Values remembered from the last replies, so a change usually needs one round trip.
constexpr size_t kMaxCached = 10000;

// A draw of this process's own (a forked child must not back off in step with its parent).
unsigned jitter() {
    static pid_t seeded_for = 0;
    static std::minstd_rand rng;
    if (seeded_for != getpid()) {
        seeded_for = getpid();
        rng.seed(static_cast<unsigned>(seeded_for) ^ static_cast<unsigned>(std::time(nullptr)));
    }
    return static_cast<unsigned>(rng());
}

const std::string& script_sha() {
    static const std::string sha = sha1_hex(kCasScript);
    return sha;
}

// What a compare-and-set reply says: done, moved on (with the value there now), or broken.
enum class CasReply { Done, Moved, NoScript, Broken };

CasReply read_cas_reply(const redisReply* r, std::string& current, std::string& why) {
    if (!r) {
        why = "connection lost";
        return CasReply::Broken;
    }
    if (r->type == REDIS_REPLY_ERROR) {
        std::string e(r->str, r->len);
        if (e.rfind("NOSCRIPT", 0) == 0) return CasReply::NoScript;
        why = e.substr(0, 200);
        return CasReply::Broken;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 1 || r->element[0]->type != REDIS_REPLY_INTEGER) {
        why = "unexpected reply to the compare-and-set script";
        return CasReply::Broken;
    }
    if (r->element[0]->integer == 1) return CasReply::Done;
    if (r->elements != 2 || r->element[1]->type != REDIS_REPLY_STRING) {
        why = "unexpected reply to the compare-and-set script";
        return CasReply::Broken;
    }
    current.assign(r->element[1]->str, r->element[1]->len);
    return CasReply::Moved;
}

// One compare-and-set in flight: the change, what it was computed from, what it leaves.
struct Cas {
    const StateChange* change = nullptr;
    std::string expected;  // "" for none
    std::string next;      // "" to leave the value as it is
    int attempts = 0;
    bool full_script = false;  // after NOSCRIPT: EVAL with the script itself

    void compute(const std::string& current) {
        expected = current;
        std::optional<std::string> v = change->apply(current.empty() ? std::nullopt : std::optional(current));
        next = v ? *v : std::string();
        ++attempts;
    }
    std::vector<std::string> argv() const {
        return {full_script ? "EVAL" : "EVALSHA",
                full_script ? std::string(kCasScript) : script_sha(),
                "1",
                change->key,
                expected,
                next,
                std::to_string(change->ttl_seconds)};
    }
};

void to_argv(const std::vector<std::string>& args, std::vector<const char*>& p, std::vector<size_t>& n) {
    p.clear();
    n.clear();
    for (const std::string& a : args) {
        p.push_back(a.data());
        n.push_back(a.size());
    }
}

}  // namespace

bool parse_redis_url(const std::string& url, RedisAddress& out, std::string& why) {
    const std::string scheme = "redis://";
    if (url.compare(0, scheme.size(), scheme) != 0) {
        why = "not a redis:// URL";
        return false;
    }
    std::string rest = url.substr(scheme.size());
    RedisAddress a;
    size_t slash = rest.find('/');
    std::string hostport = rest.substr(0, slash);
    if (slash != std::string::npos) {
        std::string db = rest.substr(slash + 1);
        if (db.empty() || db.size() > 2 || db.find_first_not_of("0123456789") != std::string::npos) {
            why = "the database after the host must be a number (redis://host:6379/0)";
            return false;
        }
        a.db = std::atoi(db.c_str());
    }
    std::string port;
    if (!hostport.empty() && hostport[0] == '[') {
        size_t close = hostport.find(']');
        if (close == std::string::npos) {
            why = "an IPv6 host needs its closing ]";
            return false;
        }
        a.host = hostport.substr(1, close - 1);
        if (close + 1 < hostport.size()) {
            if (hostport[close + 1] != ':') {
                why = "a port follows the host after ':'";
                return false;
            }
            port = hostport.substr(close + 2);
        }
    } else {
        size_t colon = hostport.find(':');
        a.host = hostport.substr(0, colon);
        if (colon != std::string::npos) port = hostport.substr(colon + 1);
    }
    if (a.host.empty() || a.host.find_first_of("@ \t") != std::string::npos) {
        why = "no host (redis://host:6379); a password goes in WATCH_STORE_PASSWORD_FILE, not the URL";
        return false;
    }
    if (!port.empty()) {
        long p =
            port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos ? std::atol(port.c_str()) : 0;
        if (p < 1 || p > 65535) {
            why = "the port must be a number from 1 to 65535";
            return false;
        }
        a.port = static_cast<int>(p);
    }
    out = a;
    return true;
}

// ---- the two transports ------------------------------------------------------------------

struct RedisStore::Impl {
    using Done = StateStore::Done;
    RedisAddress address;
    std::unordered_map<std::string, std::string> cached;  // key -> value last seen ("" none)

    explicit Impl(RedisAddress a) : address(std::move(a)) {}
    virtual ~Impl() = default;
    virtual void apply(std::vector<StateChange> changes, Done done) = 0;
    virtual std::vector<std::string> keys(const std::string&, size_t) { return {}; }

    const std::string& seen(const std::string& key) {
        static const std::string none;
        auto it = cached.find(key);
        return it == cached.end() ? none : it->second;
    }
    void remember(const std::string& key, const std::string& value) {
        if (cached.size() >= kMaxCached) cached.clear();
        cached[key] = value;
    }
    // The commands a new connection starts with: AUTH, SELECT.
    std::vector<std::vector<std::string>> hello() const {
        std::vector<std::vector<std::string>> out;
        if (!address.password.empty()) out.push_back({"AUTH", address.password});
        if (address.db != 0) out.push_back({"SELECT", std::to_string(address.db)});
        return out;
    }
};

namespace {

timeval timeout_tv() { return timeval{0, RedisStore::kTimeoutMs * 1000}; }

// Blocking: a redisContext, each command bounded by kTimeoutMs.
struct Blocking final : RedisStore::Impl {
    redisContext* c = nullptr;

    using Impl::Impl;
    ~Blocking() override { drop(); }
    void drop() {
        if (c) redisFree(c);
        c = nullptr;
    }

    redisReply* command(const std::vector<std::string>& args) {
        std::vector<const char*> p;
        std::vector<size_t> n;
        to_argv(args, p, n);
        return static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(p.size()), p.data(), n.data()));
    }

    bool connect(std::string& why) {
        if (c) return true;
        c = redisConnectWithTimeout(address.host.c_str(), address.port, timeout_tv());
        if (!c || c->err) {
            why = c ? c->errstr : "out of memory";
            drop();
            return false;
        }
        if (redisSetTimeout(c, timeout_tv()) != REDIS_OK) {
            why = "cannot set a timeout";
            drop();
            return false;
        }
        for (const auto& args : hello()) {
            redisReply* r = command(args);
            bool ok = r && r->type != REDIS_REPLY_ERROR;
            why = !r ? (c->errstr[0] ? c->errstr : "no reply") : ok ? "" : std::string(r->str, r->len).substr(0, 200);
            if (r) freeReplyObject(r);
            if (!ok) {
                drop();
                return false;
            }
        }
        return true;
    }

    bool run(const StateChange& change, std::string& why) {
        Cas cas;
        cas.change = &change;
        cas.compute(seen(change.key));
        for (;;) {
            redisReply* r = command(cas.argv());
            if (!r) {
                why = c->errstr[0] ? c->errstr : "no reply";
                return false;
            }
            std::string current;
            CasReply k = read_cas_reply(r, current, why);
            freeReplyObject(r);
            if (k == CasReply::Broken) return false;
            if (k == CasReply::Done) {
                remember(change.key, cas.next.empty() ? cas.expected : cas.next);
                return true;
            }
            if (k == CasReply::NoScript) {
                cas.full_script = true;
                continue;
            }
            remember(change.key, current);
            if (cas.attempts >= kMaxAttempts) {
                why = "a key changed under " + std::to_string(kMaxAttempts) + " attempts in a row";
                return false;
            }
            // Processes that met head-on try again at different moments, or meet again.
            usleep(static_cast<useconds_t>(jitter() % (100u << std::min(cas.attempts, 6))));
            cas.compute(current);
        }
    }

    void apply(std::vector<StateChange> changes, Done done) override {
        std::string why;
        if (!connect(why)) return done(false, why);
        for (const StateChange& change : changes) {
            if (!run(change, why)) {
                drop();
                return done(false, why);
            }
        }
        done(true, "");
    }

    std::vector<std::string> keys(const std::string& prefix, size_t max) override {
        std::vector<std::string> out;
        std::string why;
        if (!connect(why)) return out;
        std::string cursor = "0";
        do {
            redisReply* r = command({"SCAN", cursor, "MATCH", prefix + "*", "COUNT", "1000"});
            if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
                if (r) freeReplyObject(r);
                drop();
                return out;
            }
            cursor.assign(r->element[0]->str, r->element[0]->len);
            for (size_t i = 0; i < r->element[1]->elements && out.size() < max; ++i) {
                out.emplace_back(r->element[1]->element[i]->str, r->element[1]->element[i]->len);
            }
            freeReplyObject(r);
        } while (cursor != "0" && out.size() < max);
        std::sort(out.begin(), out.end());
        return out;
    }
};

// On an event loop: a redisAsyncContext driven through its hooks.
struct OnLoop final : RedisStore::Impl {
    struct Op {
        std::vector<StateChange> changes;
        Done done;
        size_t left = 0;
        bool over = false;
    };
    struct Command {
        OnLoop* self;
        std::shared_ptr<Op> op;
        Cas cas;
        std::unique_ptr<StoreLoop::Timer> timer;
    };

    StoreLoop& loop;
    redisAsyncContext* ac = nullptr;
    // One compare-and-set in flight per key from this process: the next waits for it and is
    // computed from what it left, so this process never races itself.
    std::unordered_map<std::string, std::deque<std::unique_ptr<Command>>> waiting;
    std::unique_ptr<StoreLoop::Watch> watch;
    bool in = false, out = false;
    // Ops failed by a lost connection, told once hiredis has let go of the context.
    std::deque<std::pair<std::shared_ptr<Op>, std::string>> failed;

    OnLoop(RedisAddress a, StoreLoop& l) : Impl(std::move(a)), loop(l) {}
    ~OnLoop() override {
        if (ac) {
            redisAsyncContext* c = ac;
            ac = nullptr;
            redisAsyncFree(c);  // pending commands' callbacks run with no reply
        }
        told_.reset();
        waiting.clear();
        failed.clear();  // nobody to tell: the store is going
    }

    // ---- hiredis's event hooks -------------------------------------------------------
    static void add_read(void* p) { static_cast<OnLoop*>(p)->rewatch(true, static_cast<OnLoop*>(p)->out); }
    static void del_read(void* p) { static_cast<OnLoop*>(p)->rewatch(false, static_cast<OnLoop*>(p)->out); }
    static void add_write(void* p) { static_cast<OnLoop*>(p)->want_write(); }
    static void del_write(void* p) { static_cast<OnLoop*>(p)->rewatch(static_cast<OnLoop*>(p)->in, false); }
    static void cleanup(void* p) {
        auto* self = static_cast<OnLoop*>(p);
        self->watch.reset();
        self->flush.reset();
        self->in = self->out = false;
    }

    // Commands to send: written at the end of this turn of the loop, all of them at once,
    // without waiting for the socket to say it is writable (it nearly always is: a command
    // is a few hundred bytes). Only a connection still opening, or a socket whose buffer a
    // write left full, is watched for writing. Watching for each command cost two
    // epoll_ctl calls and a turn of the loop (bench/results.md, the store's profile).
    void want_write() {
        if (!ac) return;
        if (flushing || !(ac->c.flags & REDIS_CONNECTED)) return rewatch(in, true);
        if (!flush)
            flush = loop.after(0, [this] {
                flush.reset();
                if (!ac) return;
                flushing = true;
                redisAsyncHandleWrite(ac);  // what it could not write, it asks to wait for
                flushing = false;
            });
    }
    std::unique_ptr<StoreLoop::Timer> flush;  // the end of this turn's write
    bool flushing = false;

    void rewatch(bool want_in, bool want_out) {
        in = want_in;
        out = want_out;
        if (!ac) return;
        std::string why;
        if (watch) {
            if (watch->change(in, out, why)) return;
        } else {
            watch = loop.watch(
                ac->c.fd, in, out,
                [this](bool readable, bool writable) {
                    if (readable && ac) redisAsyncHandleRead(ac);
                    if (writable && ac) redisAsyncHandleWrite(ac);
                },
                why);
            if (watch) return;
        }
        lose("cannot watch its socket: " + why);
    }

    static void on_connect(const redisAsyncContext* c, int status) {
        auto* self = static_cast<OnLoop*>(c->ev.data);
        // hiredis frees a context whose connect failed, after this returns.
        if (status != REDIS_OK) self->gone(c->errstr);
    }
    static void on_disconnect(const redisAsyncContext* c, int status) {
        auto* self = static_cast<OnLoop*>(c->ev.data);
        self->gone(status == REDIS_OK ? "disconnected" : c->errstr);
    }

    // hiredis is freeing the context: pending commands come back with no reply.
    void gone(const std::string& why) {
        if (ac) last_error = why;  // not when this side gave the connection up (lose())
        ac = nullptr;
        watch.reset();
        flush.reset();
        in = out = false;
    }
    std::string last_error;
    std::unique_ptr<StoreLoop::Timer> told_;  // tells the failed ops

    bool connect(std::string& why) {
        if (ac) return true;
        ac = redisAsyncConnect(address.host.c_str(), address.port);
        if (!ac || ac->err) {
            why = ac ? ac->errstr : "out of memory";
            if (ac) redisAsyncFree(ac);
            ac = nullptr;
            return false;
        }
        ac->ev.data = this;
        ac->ev.addRead = &add_read;
        ac->ev.delRead = &del_read;
        ac->ev.addWrite = &add_write;
        ac->ev.delWrite = &del_write;
        ac->ev.cleanup = &cleanup;
        redisAsyncSetConnectCallback(ac, &on_connect);
        redisAsyncSetDisconnectCallback(ac, &on_disconnect);
        // hiredis watches for the connection to complete: its first write event.
        add_write(this);
        for (const auto& args : hello()) send_plain(args);
        return ac != nullptr;
    }

    static void on_plain(redisAsyncContext*, void* reply, void* p) {
        auto* self = static_cast<OnLoop*>(p);
        auto* r = static_cast<redisReply*>(reply);
        if (r && r->type == REDIS_REPLY_ERROR) self->lose(std::string(r->str, r->len).substr(0, 200));
    }
    void send_plain(const std::vector<std::string>& args) {
        std::vector<const char*> p;
        std::vector<size_t> n;
        to_argv(args, p, n);
        redisAsyncCommandArgv(ac, &on_plain, this, static_cast<int>(p.size()), p.data(), n.data());
    }

    // Gives the connection up (an error, a command too slow): every op on it fails.
    void lose(const std::string& why) {
        last_error = why;
        if (!ac) return;
        redisAsyncContext* c = ac;
        ac = nullptr;
        redisAsyncFree(c);  // deferred by hiredis when inside one of its callbacks
    }

    // The op fails; its `done` is told from the loop, outside hiredis's own calls.
    void fail(const std::shared_ptr<Op>& op, const std::string& why) {
        if (op->over) return;
        op->over = true;
        failed.emplace_back(op, why);
        if (!told_)
            told_ = loop.after(0, [this] {
                told_.reset();
                tell_failed();
            });
    }

    // A `done` may well start the next changes.
    void tell_failed() {
        while (!failed.empty()) {
            auto [op, why] = std::move(failed.front());
            failed.pop_front();
            Done done = std::move(op->done);
            done(false, why);
        }
    }

    // Sends the change now, or after the one in flight on its key.
    void start(std::unique_ptr<Command> cmd) {
        auto [it, first] = waiting.try_emplace(cmd->cas.change->key);
        if (!first) {
            it->second.push_back(std::move(cmd));
            return;
        }
        cmd->cas.compute(seen(cmd->cas.change->key));
        send(std::move(cmd));
    }

    // The change in flight on `key` is over: the next one waiting goes.
    void next_on(const std::string& key) {
        auto it = waiting.find(key);
        if (it == waiting.end()) return;
        while (!it->second.empty()) {
            std::unique_ptr<Command> cmd = std::move(it->second.front());
            it->second.pop_front();
            if (cmd->op->over) continue;  // its op failed meanwhile
            if (!ac) {
                fail(cmd->op, last_error);
                continue;
            }
            cmd->cas.compute(seen(key));
            return send(std::move(cmd));
        }
        waiting.erase(it);
    }

    void send(std::unique_ptr<Command> cmd) {
        std::vector<std::string> args = cmd->cas.argv();
        std::vector<const char*> p;
        std::vector<size_t> n;
        to_argv(args, p, n);
        Command* raw = cmd.get();
        raw->timer = loop.after(RedisStore::kTimeoutMs, [this] { lose("no reply within 50 ms"); });
        if (!ac ||
            redisAsyncCommandArgv(ac, &on_reply, raw, static_cast<int>(p.size()), p.data(), n.data()) != REDIS_OK) {
            fail(raw->op, ac ? "cannot send a command" : last_error);
            return next_on(raw->cas.change->key);  // cmd goes; the op fails once told
        }
        cmd.release();  // hiredis holds it until its reply (or the connection's end)
    }

    static void on_reply(redisAsyncContext*, void* reply, void* p) {
        std::unique_ptr<Command> cmd(static_cast<Command*>(p));
        OnLoop* self = cmd->self;
        cmd->timer.reset();
        const std::string key = cmd->cas.change->key;
        std::string current, why;
        CasReply k = read_cas_reply(static_cast<redisReply*>(reply), current, why);
        if (k == CasReply::Broken) {
            self->fail(cmd->op, why.empty() ? self->last_error : why);
            if (reply) self->lose(why);  // an error reply: this connection is not to be trusted
            return self->next_on(key);
        }
        if (cmd->op->over) return self->next_on(key);
        if (k == CasReply::NoScript) {
            cmd->cas.full_script = true;
            return self->send(std::move(cmd));
        }
        if (k == CasReply::Moved) {
            self->remember(key, current);
            if (cmd->cas.attempts >= kMaxAttempts) {
                self->fail(cmd->op, "a key changed under " + std::to_string(kMaxAttempts) + " attempts in a row");
                return self->next_on(key);
            }
            cmd->cas.compute(current);
            return self->send(std::move(cmd));
        }
        self->remember(key, cmd->cas.next.empty() ? cmd->cas.expected : cmd->cas.next);
        std::shared_ptr<Op> op = cmd->op;
        cmd.reset();
        self->next_on(key);
        if (--op->left == 0) {
            op->over = true;
            Done done = std::move(op->done);
            done(true, "");
        }
    }

    void apply(std::vector<StateChange> changes, Done done) override {
        auto op = std::make_shared<Op>();
        op->changes = std::move(changes);
        op->done = std::move(done);
        op->left = op->changes.size();
        std::string why;
        if (!connect(why)) return fail(op, why);
        if (op->left == 0) return op->done(true, "");
        // Every change of the op at once (they are on different keys): one round trip.
        for (const StateChange& change : op->changes) {
            auto cmd = std::make_unique<Command>();
            cmd->self = this;
            cmd->op = op;
            cmd->cas.change = &change;
            if (!ac) break;
            start(std::move(cmd));
        }
        if (!ac) fail(op, last_error);
    }
};

}  // namespace

RedisStore::RedisStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RedisStore::~RedisStore() = default;

std::unique_ptr<RedisStore> RedisStore::blocking(const RedisAddress& address) {
    return std::unique_ptr<RedisStore>(new RedisStore(std::make_unique<Blocking>(address)));
}

std::unique_ptr<RedisStore> RedisStore::on_loop(const RedisAddress& address, StoreLoop& loop) {
    return std::unique_ptr<RedisStore>(new RedisStore(std::make_unique<OnLoop>(address, loop)));
}

void RedisStore::apply(std::vector<StateChange> changes, Done done) {
    impl_->apply(std::move(changes), std::move(done));
}

std::string RedisStore::name() const {
    const RedisAddress& a = impl_->address;
    bool v6 = a.host.find(':') != std::string::npos;
    return "redis://" + (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port) + "/" + std::to_string(a.db);
}

std::vector<std::string> RedisStore::keys(const std::string& prefix, size_t max) { return impl_->keys(prefix, max); }

}  // namespace watch
