// libcurl, used as curl's own examples do: every option's result checked, NOSIGNAL,
// timeouts and an error buffer always set, handles reused, bodies capped in the write
// callback (CURLOPT_MAXFILESIZE cannot cap a body of unknown size). The event loop's side
// follows docs/examples/multi-event.c: libcurl names the sockets and the timer, the loop
// reports readiness with curl_multi_socket_action.
#include "common/http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/ca_bundle.h"
#include "common/text.h"
#include "common/url.h"

namespace watch {

const char* outcome_name(HttpResult::Outcome o) {
    switch (o) {
        case HttpResult::Outcome::Ok: return "ok";
        case HttpResult::Outcome::Timeout: return "timeout";
        case HttpResult::Outcome::Unreachable: return "unreachable";
        case HttpResult::Outcome::Tls: return "tls";
        case HttpResult::Outcome::TooLarge: return "too large";
        case HttpResult::Outcome::Broken: return "broken reply";
        case HttpResult::Outcome::Refused: return "refused url";
    }
    return "?";
}

namespace {

// Where hosts keep their CA certificates, in the order looked at: hashed folders first (a
// handshake then loads just the issuer it needs, where a bundle is parsed whole), then
// bundles. A folder counts only when it holds OpenSSL's hashed names (a RHEL host has an
// /etc/ssl/certs with nothing but a bundle in it). README.md's Shared hosting lists these.
struct HostTrust {
    const char* path;
    bool folder;
};
const HostTrust kHostTrust[] = {
    {"/etc/ssl/certs", true},                                  // Debian, Ubuntu, Alpine, FreeBSD
    {"/etc/pki/ca-trust/extracted/pem/directory-hash", true},  // RHEL and AlmaLinux 9, Fedora
    {"/etc/ssl/certs/ca-certificates.crt", false},             // Debian, Ubuntu, Alpine, Arch
    {"/etc/pki/tls/certs/ca-bundle.crt", false},               // RHEL, AlmaLinux, CloudLinux, Fedora
    {"/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", false},
    {"/etc/ssl/ca-bundle.pem", false},                  // openSUSE
    {"/etc/ssl/cert.pem", false},                       // Alpine, FreeBSD
    {"/usr/local/share/certs/ca-root-nss.crt", false},  // FreeBSD's ca_root_nss
    {"/usr/local/etc/ssl/cert.pem", false},             // FreeBSD
};

bool is_folder(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const std::string& path) {
    struct stat st {};
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), R_OK) == 0;
}

// A name as c_rehash and update-ca-certificates make them: 8 hex digits, '.', a number.
bool hashed_folder(const std::string& path) {
    DIR* d = opendir(path.c_str());
    if (!d) return false;
    bool hashed = false;
    while (dirent* e = readdir(d)) {
        std::string_view n = e->d_name;
        if (n.size() > 9 && n[8] == '.' && n.find_first_not_of("0123456789abcdef") == 8 &&
            n.find_first_not_of("0123456789", 9) == std::string_view::npos) {
            hashed = true;
            break;
        }
    }
    closedir(d);
    return hashed;
}

}  // namespace

// The trusted CAs: a base (the host's, the built-in bundle, or APIVIDEO_CA_TRUST's), found
// at the first handshake that needs it, plus one store per extra CA file (a site's
// APIVIDEO_CA_FILE), shared by every connection. A CGI request to a plain-http API looks
// for none.
struct HttpGlobal::Trust {
    CaTrust setting;
    // The base, once found: certificates from a hashed folder, a bundle, or those built in.
    enum class Kind { Folder, File, BuiltIn, None };
    struct Base {
        Kind kind = Kind::None;
        std::string folder, file;  // Folder: SSL_CERT_FILE may name a file beside it
    };
    std::optional<Base> base;
    std::map<std::string, X509_STORE*> stores;

    explicit Trust(CaTrust s) : setting(std::move(s)) {}
    ~Trust() {
        for (auto& kv : stores) X509_STORE_free(kv.second);
    }

    const Base& find_base() {
        if (!base) base = look_for_base();
        return *base;
    }

    Base look_for_base() const {
        const CaBundle* builtin = builtin_ca_bundle();
        if (setting.from == CaTrust::From::BuiltIn) return {builtin ? Kind::BuiltIn : Kind::None, "", ""};
        if (setting.from == CaTrust::From::Path) {
            return is_folder(setting.path) ? Base{Kind::Folder, setting.path, ""} : Base{Kind::File, "", setting.path};
        }
        // SSL_CERT_DIR and SSL_CERT_FILE, when set, win as they do for OpenSSL's own defaults.
        const char* dir = std::getenv(X509_get_default_cert_dir_env());
        const char* file = std::getenv(X509_get_default_cert_file_env());
        if (dir || file) return {dir ? Kind::Folder : Kind::File, dir ? dir : "", file ? file : ""};
        for (const HostTrust& t : kHostTrust) {
            if (t.folder ? hashed_folder(t.path) : is_file(t.path)) {
                return t.folder ? Base{Kind::Folder, t.path, ""} : Base{Kind::File, "", t.path};
            }
        }
        return {builtin ? Kind::BuiltIn : Kind::None, "", ""};
    }

    // Says what a handshake would trust, counting what the store holds once built: a
    // bundle that does not parse, or certificates that do not load, show here first.
    std::string describe() {
        const Base& b = find_base();
        if (b.kind == Kind::None) return "none: no CA certificates found where hosts keep them, and none built in";
        X509_STORE* store = store_for("");
        if (!store) return "none: " + (b.file.empty() ? b.folder : b.file) + " holds no certificate that loads";
        // A hashed folder is read a certificate at a time, as handshakes need them.
        const int count = sk_X509_OBJECT_num(X509_STORE_get0_objects(store));
        const std::string n = std::to_string(count) + (count == 1 ? " certificate" : " certificates");
        switch (b.kind) {
            case Kind::Folder:
                return "the hashed folder " + b.folder +
                       (b.file.empty() ? "" : " and the file " + b.file + " (" + n + ")");
            case Kind::File: return "the file " + b.file + " (" + n + ")";
            case Kind::BuiltIn: return "the " + n + " built in, from " + builtin_ca_bundle()->source;
            case Kind::None: break;
        }
        return "";
    }

    X509_STORE* store_for(const std::string& extra) {
        X509_STORE*& store = stores[extra];
        if (store) return store;
        store = X509_STORE_new();
        if (!store || !add_base(store) || (!extra.empty() && X509_STORE_load_file(store, extra.c_str()) != 1)) {
            X509_STORE_free(store);
            stores.erase(extra);
            return nullptr;
        }
        // What libcurl sets on the stores it builds itself, so verification is the same:
        // prefer a trusted certificate to one the server sent, and accept an intermediate
        // in the store as an anchor.
        X509_STORE_set_flags(store, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
        return store;
    }

    bool add_base(X509_STORE* store) {
        const Base& b = find_base();
        if (b.kind == Kind::Folder) {
            X509_LOOKUP* lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
            if (!lookup || X509_LOOKUP_add_dir(lookup, b.folder.c_str(), X509_FILETYPE_PEM) != 1) return false;
        }
        if (!b.file.empty() && X509_STORE_load_file(store, b.file.c_str()) != 1) return false;
        if (b.kind == Kind::BuiltIn) {
            const CaBundle& bundle = *builtin_ca_bundle();
            for (size_t i = 0; i < bundle.count; ++i) {
                const unsigned char* der = bundle.certificates[i].der;
                X509* cert = d2i_X509(nullptr, &der, static_cast<long>(bundle.certificates[i].size));
                bool added = cert && X509_STORE_add_cert(store, cert) == 1;
                X509_free(cert);
                if (!added) return false;
            }
        }
        return true;
    }
};

HttpGlobal::HttpGlobal(CaTrust trust) : trust_(std::make_unique<Trust>(std::move(trust))) {
    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
}

HttpGlobal::~HttpGlobal() {
    trust_.reset();
    curl_global_cleanup();
}

std::string HttpGlobal::trust_source() const { return trust_->describe(); }

namespace {

// One easy handle with what its current transfer needs; reused from call to call.
struct Handle {
    CURL* curl = nullptr;
    curl_slist* headers = nullptr;
    char error[CURL_ERROR_SIZE] = {};
    HttpGlobal::Trust* trust = nullptr;
    std::string ca_file;  // the extra bundle of the current call
    size_t max_body = 0;
    bool too_large = false;
    HttpResult result;
    // HttpMulti's bookkeeping.
    HttpMulti::Id id = 0;
    HttpMulti::Done done;

    explicit Handle(HttpGlobal::Trust& t);
    ~Handle() {
        curl_easy_cleanup(curl);
        curl_slist_free_all(headers);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    // Sets the call's options; false (with result filled) when the URL is refused.
    bool prepare(const HttpCall& call);
    // The result of the finished transfer; clears what must not outlive it.
    HttpResult finish(CURLcode rc);

    static size_t on_body(char* data, size_t size, size_t n, void* p);
    static size_t on_header(char* data, size_t size, size_t n, void* p);
    static CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* p);
};

#define SETOPT(opt, val)                                                   \
    do {                                                                   \
        if (curl_easy_setopt(curl, opt, val) != CURLE_OK)                  \
            throw std::runtime_error("curl_easy_setopt(" #opt ") failed"); \
    } while (0)

Handle::Handle(HttpGlobal::Trust& t) : trust(&t) {
    curl = curl_easy_init();
    if (!curl) throw std::runtime_error("curl_easy_init failed");
    SETOPT(CURLOPT_PRIVATE, this);
    SETOPT(CURLOPT_ERRORBUFFER, error);
    // The process handles its own signals; libcurl must not touch SIGPIPE or use alarm().
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    // http is allowed by protocol here and restricted to loopback by is_allowed_upstream_url.
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    // A redirect could carry the API key to another host; api.video does not redirect.
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    // A reply fits in one read of this size; libcurl's default costs memory per handle.
    SETOPT(CURLOPT_BUFFERSIZE, 4096L);
    SETOPT(CURLOPT_WRITEFUNCTION, &Handle::on_body);
    SETOPT(CURLOPT_WRITEDATA, this);
    SETOPT(CURLOPT_HEADERFUNCTION, &Handle::on_header);
    SETOPT(CURLOPT_HEADERDATA, this);
    SETOPT(CURLOPT_USERAGENT, "apivideo-watch/1");
    // Trust comes from the shared stores (HttpGlobal::Trust), so libcurl loads no CA
    // bundle of its own; certificate and host name checks stay on (libcurl's defaults).
    SETOPT(CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    SETOPT(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    SETOPT(CURLOPT_SSL_CTX_FUNCTION, &Handle::on_ssl_ctx);
    SETOPT(CURLOPT_SSL_CTX_DATA, this);
    SETOPT(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
}

bool Handle::prepare(const HttpCall& call) {
    result = HttpResult{};
    too_large = false;
    if (!is_allowed_upstream_url(call.url)) {
        result.outcome = HttpResult::Outcome::Refused;
        result.error = "not an https URL (or http to loopback)";
        return false;
    }
    max_body = call.options.max_body;
    SETOPT(CURLOPT_TIMEOUT_MS, call.options.timeout_ms);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, call.options.connect_timeout_ms);
    if (call.options.ca_file != ca_file) {
        // Named to libcurl too, which then never reuses a connection verified under one
        // site's trust for a site with another.
        ca_file = call.options.ca_file;
        SETOPT(CURLOPT_CAINFO, ca_file.empty() ? nullptr : ca_file.c_str());
    }
    curl_slist_free_all(headers);
    headers = curl_slist_append(nullptr, ("Accept: " + call.accept).c_str());
    if (!headers) throw std::bad_alloc();
    SETOPT(CURLOPT_HTTPHEADER, headers);
    SETOPT(CURLOPT_URL, call.url.c_str());
    // Credentials are set per call and cleared after it (finish), so the key cannot ride
    // along to the delivery host on a reused handle.
    SETOPT(CURLOPT_USERNAME, call.basic_user.empty() ? nullptr : call.basic_user.c_str());
    SETOPT(CURLOPT_PASSWORD, call.basic_user.empty() ? nullptr : "");
    return true;
}

HttpResult Handle::finish(CURLcode rc) {
    SETOPT(CURLOPT_USERNAME, static_cast<const char*>(nullptr));
    SETOPT(CURLOPT_PASSWORD, static_cast<const char*>(nullptr));
    HttpResult r = std::move(result);
    result = HttpResult{};
    curl_off_t us = 0;
    if (curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME_T, &us) == CURLE_OK) r.elapsed_ms = static_cast<long>(us / 1000);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
        r.outcome = HttpResult::Outcome::Ok;
        return r;
    }
    r.error = error[0] ? error : curl_easy_strerror(rc);
    r.body.clear();
    switch (rc) {
        case CURLE_OPERATION_TIMEDOUT: r.outcome = HttpResult::Outcome::Timeout; break;
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT: r.outcome = HttpResult::Outcome::Unreachable; break;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE: r.outcome = HttpResult::Outcome::Tls; break;
        case CURLE_WRITE_ERROR:
            r.outcome = too_large ? HttpResult::Outcome::TooLarge : HttpResult::Outcome::Broken;
            break;
        default: r.outcome = HttpResult::Outcome::Broken;
    }
    return r;
}

size_t Handle::on_body(char* data, size_t size, size_t n, void* p) {
    auto* self = static_cast<Handle*>(p);
    size_t len = size * n;
    if (self->result.body.size() + len > self->max_body) {
        self->too_large = true;
        return 0;  // a short count makes libcurl abort with CURLE_WRITE_ERROR
    }
    self->result.body.append(data, len);
    return len;
}

// Seconds or reads as api.video writes them: 1 to 9 digits; anything else is absent.
long long header_number(std::string_view v) {
    v = trim(v);
    if (v.empty() || v.size() > 9 || v.find_first_not_of("0123456789") != std::string_view::npos) return -1;
    long long n = 0;
    for (char c : v) n = n * 10 + (c - '0');
    return n;
}

// Every header line of every reply comes here; the rate-limit ones are read in place.
size_t Handle::on_header(char* data, size_t size, size_t n, void* p) {
    auto* self = static_cast<Handle*>(p);
    size_t len = size * n;
    std::string_view line(data, len);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return len;
    std::string_view name = line.substr(0, colon), value = line.substr(colon + 1);
    RateLimitHeaders& rate = self->result.rate;
    if (equals_ignoring_case(name, "x-ratelimit-limit")) {
        rate.limit = header_number(value);
    } else if (equals_ignoring_case(name, "x-ratelimit-remaining")) {
        rate.remaining = header_number(value);
    } else if (equals_ignoring_case(name, "x-ratelimit-retry-after")) {
        // The standard header wins when both came (an HTTP date in it counts as absent).
        if (rate.retry_after < 0) rate.retry_after = header_number(value);
    } else if (equals_ignoring_case(name, "retry-after")) {
        if (long long s = header_number(value); s >= 0) rate.retry_after = s;
    }
    return len;
}

// libcurl calls this for every new TLS connection: it gets the shared store (OpenSSL
// counts the reference; the store outlives every connection).
CURLcode Handle::on_ssl_ctx(CURL*, void* ssl_ctx, void* p) {
    auto* self = static_cast<Handle*>(p);
    X509_STORE* store = self->trust->store_for(self->ca_file);
    if (!store) return CURLE_SSL_CACERT_BADFILE;
    SSL_CTX_set1_cert_store(static_cast<SSL_CTX*>(ssl_ctx), store);
    return CURLE_OK;
}

#undef SETOPT

}  // namespace

// ---------------------------------------------------------------------------------------
// Blocking calls.

struct HttpClient::Impl {
    HttpGlobal::Trust& trust;
    Handle handle;
    // For get_all: made on its first use, kept with their connections.
    std::vector<std::unique_ptr<Handle>> more;
    CURLM* multi = nullptr;
    explicit Impl(HttpGlobal::Trust& t) : trust(t), handle(t) {}
    ~Impl() {
        if (multi) curl_multi_cleanup(multi);
    }
};

HttpClient::HttpClient(const HttpGlobal& global) : impl_(std::make_unique<Impl>(global.trust())) {}
HttpClient::~HttpClient() = default;

HttpResult HttpClient::get(const HttpCall& call) {
    Handle& h = impl_->handle;
    if (!h.prepare(call)) return std::move(h.result);
    return h.finish(curl_easy_perform(h.curl));
}

std::vector<HttpResult> HttpClient::get_all(const std::vector<HttpCall>& calls) {
    if (calls.size() == 1) return {get(calls[0])};
    Impl& m = *impl_;
    if (!m.multi && !(m.multi = curl_multi_init())) throw std::runtime_error("curl_multi_init failed");
    while (m.more.size() + 1 < calls.size()) m.more.push_back(std::make_unique<Handle>(m.trust));
    std::vector<Handle*> handles = {&m.handle};
    for (auto& h : m.more) handles.push_back(h.get());
    std::vector<HttpResult> results(calls.size());
    std::vector<bool> running(calls.size(), false);
    for (size_t i = 0; i < calls.size(); ++i) {
        if (!handles[i]->prepare(calls[i])) {
            results[i] = std::move(handles[i]->result);
        } else if (curl_multi_add_handle(m.multi, handles[i]->curl) != CURLM_OK) {
            results[i] = handles[i]->finish(CURLE_FAILED_INIT);
        } else {
            running[i] = true;
        }
    }
    // Each transfer has its own timeout; the loop ends when the last one has.
    for (int still = 1; still > 0;) {
        if (curl_multi_perform(m.multi, &still) != CURLM_OK) break;
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(m.multi, &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            for (size_t i = 0; i < calls.size(); ++i) {
                if (running[i] && handles[i]->curl == msg->easy_handle) {
                    curl_multi_remove_handle(m.multi, handles[i]->curl);
                    results[i] = handles[i]->finish(msg->data.result);
                    running[i] = false;
                }
            }
        }
        if (still > 0 && curl_multi_poll(m.multi, nullptr, 0, 1000, nullptr) != CURLM_OK) break;
    }
    for (size_t i = 0; i < calls.size(); ++i) {  // only after a multi error
        if (!running[i]) continue;
        curl_multi_remove_handle(m.multi, handles[i]->curl);
        results[i] = handles[i]->finish(CURLE_FAILED_INIT);
    }
    return results;
}

// ---------------------------------------------------------------------------------------
// Many calls at once.

struct HttpMulti::Socket {
    curl_socket_t fd;
    std::unique_ptr<Loop::Watch> watch;
};

struct HttpMulti::Impl {
    HttpGlobal::Trust& trust;
    Loop& loop;
    CURLM* multi = nullptr;
    Id next_id = 1;
    std::unordered_map<Id, Handle*> running;
    // Finished handles wait here for the next call: each keeps its buffers, and creating
    // one costs more than a transfer.
    std::vector<std::unique_ptr<Handle>> idle;
    std::vector<std::unique_ptr<Handle>> busy_owner;  // owns the running ones, by index
    std::unordered_map<Handle*, size_t> busy_index;
    static constexpr size_t kMaxIdle = 256;
    // The sockets libcurl asked to have watched, each assigned to libcurl's own record of
    // it; by descriptor too, for the one callback that names only a number (closing).
    std::unordered_map<Socket*, std::unique_ptr<Socket>> sockets;
    std::unordered_map<curl_socket_t, Socket*> by_fd;
    // Calls that fail before or beside libcurl (a refused URL, a socket the loop could not
    // watch), answered from the next on_socket()/on_timeout(): start() never calls back.
    std::vector<std::tuple<Id, Done, HttpResult>> refused;
    std::vector<std::pair<CURL*, std::string>> unwatchable;
    // libcurl's own timer, which an early wake-up for the refused calls must not lose.
    std::optional<std::chrono::steady_clock::time_point> curl_deadline;

    Impl(HttpGlobal::Trust& t, Loop& l) : trust(t), loop(l) {}

    static int on_socket(CURL* easy, curl_socket_t fd, int what, void* p, void* socketp) {
        auto* self = static_cast<Impl*>(p);
        auto* socket = static_cast<Socket*>(socketp);
        if (what == CURL_POLL_REMOVE) {
            if (socket) self->drop(socket);
            return 0;
        }
        const bool in = what == CURL_POLL_IN || what == CURL_POLL_INOUT;
        const bool out = what == CURL_POLL_OUT || what == CURL_POLL_INOUT;
        std::string why;
        if (socket) {
            if (!socket->watch->change(in, out, why)) self->unwatchable.emplace_back(easy, why);
            return 0;
        }
        // Returning an error here would fail every transfer of the multi handle: the one
        // transfer on this socket fails instead, once libcurl has returned.
        auto owned = std::make_unique<Socket>(Socket{fd, nullptr});
        owned->watch = self->loop.watch_socket(fd, in, out, owned.get(), why);
        if (!owned->watch) {
            self->unwatchable.emplace_back(easy, "its socket cannot be watched: " + why);
            return 0;
        }
        if (CURLMcode rc = curl_multi_assign(self->multi, fd, owned.get()); rc != CURLM_OK) {
            self->unwatchable.emplace_back(easy, std::string("curl_multi_assign: ") + curl_multi_strerror(rc));
            return 0;
        }
        self->by_fd[fd] = owned.get();
        self->sockets.emplace(owned.get(), std::move(owned));
        return 0;
    }

    static int on_timer(CURLM*, long ms, void* p) {
        auto* self = static_cast<Impl*>(p);
        if (ms < 0)
            self->curl_deadline.reset();
        else
            self->curl_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        self->loop.set_timer(ms);
        return 0;
    }

    // libcurl says REMOVE before it closes a socket it reported; a socket still here is
    // unwatched now, before its number can name another.
    static int on_close(void* p, curl_socket_t fd) {
        auto* self = static_cast<Impl*>(p);
        auto it = self->by_fd.find(fd);
        if (it != self->by_fd.end()) self->drop(it->second);
        return close(fd);
    }

    void drop(Socket* socket) {
        auto it = by_fd.find(socket->fd);
        if (it != by_fd.end() && it->second == socket) by_fd.erase(it);
        sockets.erase(socket);  // its watch goes with it
    }

    std::unique_ptr<Handle> take_idle() {
        if (!idle.empty()) {
            std::unique_ptr<Handle> h = std::move(idle.back());
            idle.pop_back();
            return h;
        }
        auto h = std::make_unique<Handle>(trust);
        if (curl_easy_setopt(h->curl, CURLOPT_CLOSESOCKETFUNCTION, &Impl::on_close) != CURLE_OK ||
            curl_easy_setopt(h->curl, CURLOPT_CLOSESOCKETDATA, this) != CURLE_OK) {
            throw std::runtime_error("curl_easy_setopt(CURLOPT_CLOSESOCKETFUNCTION) failed");
        }
        return h;
    }

    void park(Handle* h) {
        curl_multi_remove_handle(multi, h->curl);
        running.erase(h->id);
        h->done = nullptr;
        size_t i = busy_index.at(h);
        std::unique_ptr<Handle> owned = std::move(busy_owner[i]);
        // Swap-remove from the owners, keeping the index map right.
        if (i + 1 != busy_owner.size()) {
            busy_owner[i] = std::move(busy_owner.back());
            busy_index[busy_owner[i].get()] = i;
        }
        busy_owner.pop_back();
        busy_index.erase(h);
        if (idle.size() < kMaxIdle) idle.push_back(std::move(owned));
    }

    // Ends a running call with `result` and hands it to its callback. The callback may
    // start and cancel calls (a page's next round, another page closed): each finished
    // call is taken one at a time, so a call cancelled by an earlier callback is gone.
    void complete(Handle* h, HttpResult&& result) {
        Done done = std::move(h->done);
        park(h);
        done(std::move(result));
    }

    // After every curl_multi_socket_action: the calls whose socket could not be watched
    // fail, then the finished ones are handed over.
    void settle() {
        while (!unwatchable.empty()) {
            auto [easy, why] = std::move(unwatchable.back());
            unwatchable.pop_back();
            Handle* h = nullptr;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, reinterpret_cast<char**>(&h));
            if (!h || !running.count(h->id)) continue;  // ended meanwhile
            HttpResult r = h->finish(CURLE_FAILED_INIT);
            r.outcome = HttpResult::Outcome::Broken;
            r.error = why;
            complete(h, std::move(r));
        }
        int left = 0;
        while (CURLMsg* m = curl_multi_info_read(multi, &left)) {
            if (m->msg != CURLMSG_DONE) continue;
            Handle* h = nullptr;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&h));
            CURLcode rc = m->data.result;
            complete(h, h->finish(rc));
        }
    }

    void socket_action(curl_socket_t fd, int mask, Socket* socket) {
        int still = 0;
        CURLMcode rc = curl_multi_socket_action(multi, fd, mask, &still);
        if (rc == CURLM_BAD_SOCKET && socket) {
            // libcurl knows the socket no more: it is not watched for it any longer.
            drop(socket);
        } else if (rc != CURLM_OK) {
            loop.log(std::string("curl_multi_socket_action: ") + curl_multi_strerror(rc));
        }
        settle();
    }
};

HttpMulti::HttpMulti(const HttpGlobal& global, Loop& loop, long max_idle)
    : impl_(std::make_unique<Impl>(global.trust(), loop)) {
    impl_->multi = curl_multi_init();
    // libcurl's default keeps four per transfer running, so a lull between bursts would
    // close connections the next burst must open again.
    if (!impl_->multi || curl_multi_setopt(impl_->multi, CURLMOPT_MAXCONNECTS, max_idle) != CURLM_OK ||
        curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETFUNCTION, &Impl::on_socket) != CURLM_OK ||
        curl_multi_setopt(impl_->multi, CURLMOPT_SOCKETDATA, impl_.get()) != CURLM_OK ||
        curl_multi_setopt(impl_->multi, CURLMOPT_TIMERFUNCTION, &Impl::on_timer) != CURLM_OK ||
        curl_multi_setopt(impl_->multi, CURLMOPT_TIMERDATA, impl_.get()) != CURLM_OK) {
        throw std::runtime_error("curl_multi_init failed");
    }
}

HttpMulti::~HttpMulti() {
    while (!impl_->busy_owner.empty()) impl_->park(impl_->busy_owner.back().get());
    impl_->idle.clear();  // closes their connections (on_close)
    curl_multi_cleanup(impl_->multi);
    impl_->sockets.clear();
}

HttpMulti::Id HttpMulti::start(const HttpCall& call, Done done) {
    std::unique_ptr<Handle> owned = impl_->take_idle();
    Handle* h = owned.get();
    Id id = impl_->next_id++;
    if (!h->prepare(call)) {
        impl_->refused.emplace_back(id, std::move(done), std::move(h->result));
        impl_->idle.push_back(std::move(owned));
        impl_->loop.set_timer(0);
        return id;
    }
    if (CURLMcode rc = curl_multi_add_handle(impl_->multi, h->curl); rc != CURLM_OK) {
        HttpResult r = h->finish(CURLE_FAILED_INIT);
        r.error = std::string("curl_multi_add_handle: ") + curl_multi_strerror(rc);
        impl_->refused.emplace_back(id, std::move(done), std::move(r));
        impl_->idle.push_back(std::move(owned));
        impl_->loop.set_timer(0);
        return id;
    }
    h->id = id;
    h->done = std::move(done);
    impl_->busy_index[h] = impl_->busy_owner.size();
    impl_->busy_owner.push_back(std::move(owned));
    impl_->running.emplace(id, h);
    return id;
}

void HttpMulti::cancel(Id id) {
    auto it = impl_->running.find(id);
    if (it != impl_->running.end()) impl_->park(it->second);
    auto& refused = impl_->refused;
    for (auto r = refused.begin(); r != refused.end(); ++r) {
        if (std::get<0>(*r) == id) {
            refused.erase(r);
            break;
        }
    }
}

void HttpMulti::on_socket(Socket* socket, bool in, bool out, bool error) {
    int mask = (in ? CURL_CSELECT_IN : 0) | (out ? CURL_CSELECT_OUT : 0) | (error ? CURL_CSELECT_ERR : 0);
    impl_->socket_action(socket->fd, mask, socket);
}

void HttpMulti::on_timeout() {
    // One at a time, as in settle(): a callback may cancel a refused call still listed.
    while (!impl_->refused.empty()) {
        auto [id, done, result] = std::move(impl_->refused.front());
        impl_->refused.erase(impl_->refused.begin());
        done(std::move(result));
    }
    auto& deadline = impl_->curl_deadline;
    auto now = std::chrono::steady_clock::now();
    if (deadline && *deadline > now) {
        // Woken early for the refused calls: libcurl's timer still stands.
        impl_->loop.set_timer(static_cast<long>(std::chrono::ceil<std::chrono::milliseconds>(*deadline - now).count()));
        return;
    }
    deadline.reset();
    impl_->socket_action(CURL_SOCKET_TIMEOUT, 0, nullptr);
}

size_t HttpMulti::running() const { return impl_->running.size(); }
size_t HttpMulti::sockets() const { return impl_->sockets.size(); }

}  // namespace watch
