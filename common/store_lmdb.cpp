// LMDB as the state store (see store_lmdb.h). The discipline of LMDB's own mtest.c: one
// short write transaction per apply(), nothing but memory work inside it, every result
// checked. A value is its expiry (8 bytes, Unix seconds) and its data; a value past its
// expiry is absent, and a sweep now and then deletes those.
#include "common/store_lmdb.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

namespace watch {

namespace {

// Expired values are swept out at most this often per process (and whenever the map fills).
constexpr long long kSweepSeconds = 60;

long long unix_now() { return static_cast<long long>(std::time(nullptr)); }

std::string lmdb_error(const char* call, int rc) { return std::string(call) + ": " + mdb_strerror(rc); }

std::string octal(mode_t m) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
    return buf;
}

// The folder as this user's own: there, or made; no symlink, ours, closed to others.
bool own_folder(const std::string& folder, std::string& why) {
    if (folder.empty() || folder[0] != '/') {
        why = folder + ": the state folder must be an absolute path";
        return false;
    }
    if (mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) {
        why = folder + ": cannot be made: " + std::strerror(errno);
        return false;
    }
    int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        why = folder + ": " +
              (errno == ELOOP || errno == ENOTDIR ? "is a symlink or not a folder" : std::strerror(errno));
        return false;
    }
    struct stat st {};
    bool ok = fstat(fd, &st) == 0;
    ::close(fd);
    if (!ok) {
        why = folder + ": " + std::strerror(errno);
        return false;
    }
    if (st.st_uid != geteuid()) {
        why = folder + ": belongs to uid " + std::to_string(st.st_uid) + ", not to this process's " +
              std::to_string(geteuid());
        return false;
    }
    if (st.st_mode & 077) {
        why = folder + ": is open to others (mode " + octal(st.st_mode) + "): chmod 700 it";
        return false;
    }
    return true;
}

struct Txn {
    MDB_txn* txn = nullptr;
    ~Txn() {
        if (txn) mdb_txn_abort(txn);
    }
    int commit() {
        int rc = mdb_txn_commit(txn);
        txn = nullptr;  // freed either way
        return rc;
    }
};

MDB_val as_val(const std::string& s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }

// The value's data when it has not expired.
std::optional<std::string> live_data(const MDB_val& v, long long now) {
    if (v.mv_size < sizeof(long long)) return std::nullopt;
    long long expires = 0;
    std::memcpy(&expires, v.mv_data, sizeof expires);
    if (expires <= now) return std::nullopt;
    return std::string(static_cast<const char*>(v.mv_data) + sizeof expires, v.mv_size - sizeof expires);
}

}  // namespace

std::unique_ptr<LmdbStore> LmdbStore::open(const std::string& folder, std::string& why) {
    if (!own_folder(folder, why)) return nullptr;
    MDB_env* env = nullptr;
    int rc = mdb_env_create(&env);
    if (rc != 0) {
        why = lmdb_error("mdb_env_create", rc);
        return nullptr;
    }
    // The state is soft (a budget and a queue a restart may forget): no fsync per change,
    // the page cache is enough and each change costs microseconds. A change is written
    // through the shared map rather than by write(2) calls at each commit (MDB_WRITEMAP:
    // no system call per change; the file is then as long as the map, sparse on disk).
    if ((rc = mdb_env_set_mapsize(env, kMapBytes)) != 0 ||
        (rc = mdb_env_open(env, folder.c_str(), MDB_NOSYNC | MDB_WRITEMAP | MDB_NOTLS | MDB_NORDAHEAD, 0600)) != 0) {
        why = folder + ": " + lmdb_error("mdb_env_open", rc);
        mdb_env_close(env);
        return nullptr;
    }
    // A process that died holding a read slot left it stale.
    int stale = 0;
    mdb_reader_check(env, &stale);
    Txn t;
    MDB_dbi dbi = 0;
    if ((rc = mdb_txn_begin(env, nullptr, 0, &t.txn)) != 0 || (rc = mdb_dbi_open(t.txn, nullptr, 0, &dbi)) != 0 ||
        (rc = t.commit()) != 0) {
        why = folder + ": " + lmdb_error("mdb_dbi_open", rc);
        mdb_env_close(env);
        return nullptr;
    }
    return std::unique_ptr<LmdbStore>(new LmdbStore(folder, env, dbi));
}

LmdbStore::~LmdbStore() { mdb_env_close(env_); }

int LmdbStore::write(std::vector<StateChange>& changes, long long now) {
    Txn t;
    int rc = mdb_txn_begin(env_, nullptr, 0, &t.txn);
    if (rc != 0) return rc;
    for (StateChange& c : changes) {
        MDB_val key = as_val(c.key), value{};
        std::optional<std::string> current;
        rc = mdb_get(t.txn, dbi_, &key, &value);
        if (rc == 0) {
            current = live_data(value, now);
        } else if (rc != MDB_NOTFOUND) {
            return rc;
        }
        std::optional<std::string> next = c.apply(current);
        if (!next) continue;
        const long long expires = now + c.ttl_seconds;
        std::string stored(sizeof expires, '\0');
        std::memcpy(&stored[0], &expires, sizeof expires);
        stored += *next;
        MDB_val v = as_val(stored);
        if ((rc = mdb_put(t.txn, dbi_, &key, &v, 0)) != 0) return rc;
    }
    return t.commit();
}

int LmdbStore::sweep(long long now) {
    Txn t;
    MDB_cursor* cur = nullptr;
    int rc = mdb_txn_begin(env_, nullptr, 0, &t.txn);
    if (rc != 0 || (rc = mdb_cursor_open(t.txn, dbi_, &cur)) != 0) return rc;
    MDB_val key{}, value{};
    for (rc = mdb_cursor_get(cur, &key, &value, MDB_FIRST); rc == 0; rc = mdb_cursor_get(cur, &key, &value, MDB_NEXT)) {
        if (!live_data(value, now) && (rc = mdb_cursor_del(cur, 0)) != 0) break;
    }
    mdb_cursor_close(cur);
    if (rc != MDB_NOTFOUND) return rc;
    swept_at_ = now;
    return t.commit();
}

void LmdbStore::apply(std::vector<StateChange> changes, Done done) {
    const long long now = unix_now();
    if (now - swept_at_ >= kSweepSeconds) sweep(now);  // a failed sweep is the next one's
    int rc = write(changes, now);
    if (rc == MDB_MAP_FULL && sweep(now) == 0) rc = write(changes, now);
    if (rc != 0) return done(false, lmdb_error(rc == MDB_MAP_FULL ? "full" : "mdb_txn", rc));
    done(true, "");
}

std::vector<std::string> LmdbStore::keys(const std::string& prefix, size_t max) {
    std::vector<std::string> out;
    Txn t;
    MDB_cursor* cur = nullptr;
    if (mdb_txn_begin(env_, nullptr, MDB_RDONLY, &t.txn) != 0 || mdb_cursor_open(t.txn, dbi_, &cur) != 0) return out;
    const long long now = unix_now();
    MDB_val key = as_val(prefix), value{};
    for (int rc = mdb_cursor_get(cur, &key, &value, MDB_SET_RANGE); rc == 0 && out.size() < max;
         rc = mdb_cursor_get(cur, &key, &value, MDB_NEXT)) {
        std::string k(static_cast<const char*>(key.mv_data), key.mv_size);
        if (k.compare(0, prefix.size(), prefix) != 0) break;
        if (live_data(value, now)) out.push_back(std::move(k));
    }
    mdb_cursor_close(cur);
    return out;
}

}  // namespace watch
