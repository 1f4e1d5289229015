// libcurl, used as curl's own examples do: one easy handle reused per thread, every
// option's result checked, NOSIGNAL, timeouts and an error buffer always set, bodies
// capped in the write callback (CURLOPT_MAXFILESIZE cannot cap a body of unknown size).
#include "common/http_client.h"

#include <curl/curl.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cctype>
#include <chrono>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>

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

// DNS answers and TLS sessions are shared between the threads' handles, each kind under
// its own lock. Connections are not shared: libcurl 7.88's shared connection cache is
// not thread-safe (CURLSHOPT_SHARE(3), KNOWN_BUGS 11.11).
struct HttpGlobal::Share {
    CURLSH* handle = nullptr;
    std::mutex locks[CURL_LOCK_DATA_LAST];

    // The trusted CAs, parsed once per process rather than once per thread: libcurl 7.88
    // keeps a parsed copy of its CA bundle per handle, 1.5 MB each (42 MiB at 16 threads,
    // 422 MiB at 256, measured against a TLS stand-in). One store per extra CA file (a
    // site's APIVIDEO_CA_FILE), each the system's trust (OpenSSL's default file and
    // folder: on Debian /etc/ssl/certs, what libcurl itself uses) plus that file.
    std::mutex stores_mutex;
    std::map<std::string, X509_STORE*> stores;

    X509_STORE* store_for(const std::string& extra) {
        std::lock_guard<std::mutex> lock(stores_mutex);
        X509_STORE*& store = stores[extra];
        if (!store) {
            store = X509_STORE_new();
            if (!store || X509_STORE_set_default_paths(store) != 1 ||
                (!extra.empty() && X509_STORE_load_file(store, extra.c_str()) != 1)) {
                X509_STORE_free(store);
                stores.erase(extra);
                throw std::runtime_error("cannot load the CA certificates" + (extra.empty() ? "" : " of " + extra));
            }
            // What libcurl sets on the stores it builds itself, so verification is the same:
            // prefer a trusted certificate to one the server sent, and accept an
            // intermediate in the store as an anchor.
            X509_STORE_set_flags(store, X509_V_FLAG_TRUSTED_FIRST | X509_V_FLAG_PARTIAL_CHAIN);
        }
        return store;
    }
};

static void share_lock(CURL*, curl_lock_data data, curl_lock_access, void* p) {
    static_cast<HttpGlobal::Share*>(p)->locks[data].lock();
}
static void share_unlock(CURL*, curl_lock_data data, void* p) {
    static_cast<HttpGlobal::Share*>(p)->locks[data].unlock();
}

HttpGlobal::HttpGlobal() : share_(std::make_unique<Share>()) {
    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) throw std::runtime_error("curl_global_init failed");
    share_->handle = curl_share_init();
    if (!share_->handle ||
        curl_share_setopt(share_->handle, CURLSHOPT_LOCKFUNC, share_lock) != CURLSHE_OK ||
        curl_share_setopt(share_->handle, CURLSHOPT_UNLOCKFUNC, share_unlock) != CURLSHE_OK ||
        curl_share_setopt(share_->handle, CURLSHOPT_USERDATA, share_.get()) != CURLSHE_OK ||
        curl_share_setopt(share_->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
        curl_share_setopt(share_->handle, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
        throw std::runtime_error("curl_share_setopt failed");
    }
}

HttpGlobal::~HttpGlobal() {
    for (auto& kv : share_->stores) X509_STORE_free(kv.second);
    curl_share_cleanup(share_->handle);
    curl_global_cleanup();
}

struct HttpClient::Impl {
    CURL* curl = nullptr;
    curl_slist* headers = nullptr;
    char error[CURL_ERROR_SIZE] = {};
    HttpGlobal::Share* share = nullptr;
    HttpOptions options;        // of the transfer under way
    std::string ca_file;        // the extra bundle the handle was last given
    X509_STORE* store = nullptr;  // the trust of the transfer under way (shared, not owned)
    // Per transfer:
    HttpResult* result = nullptr;
    bool too_large = false;

    static size_t on_body(char* data, size_t size, size_t n, void* p) {
        auto* self = static_cast<Impl*>(p);
        size_t len = size * n;
        if (self->result->body.size() + len > self->options.max_body) {
            self->too_large = true;
            return 0;  // a short count makes libcurl abort with CURLE_WRITE_ERROR
        }
        self->result->body.append(data, len);
        return len;
    }

    // Called for every header line of every reply; only Retry-After matters, so the
    // line is looked at in place, not copied (copying cost 2.7 % of a page view).
    static size_t on_header(char* data, size_t size, size_t n, void* p) {
        auto* self = static_cast<Impl*>(p);
        size_t len = size * n;
        std::string_view line(data, len);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
            std::string_view name = line.substr(0, colon);
            // The standard header wins over api.video's own when both are present.
            if (equals_lower(name, "retry-after") ||
                (equals_lower(name, "x-ratelimit-retry-after") && self->result->retry_after.empty())) {
                std::string_view value = line.substr(colon + 1);
                size_t first = value.find_first_not_of(" \t");
                size_t last = value.find_last_not_of(" \t\r\n");
                self->result->retry_after.assign(first == std::string_view::npos
                                                     ? std::string_view()
                                                     : value.substr(first, last - first + 1));
            }
        }
        return len;
    }

    // libcurl calls this for every new TLS connection: it gets the process's shared
    // store (OpenSSL counts the reference; the store outlives every connection).
    static CURLcode on_ssl_ctx(CURL*, void* ssl_ctx, void* p) {
        SSL_CTX_set1_cert_store(static_cast<SSL_CTX*>(ssl_ctx), static_cast<Impl*>(p)->store);
        return CURLE_OK;
    }

    // `name` equals `lower`, which is in lower case, ignoring ASCII case.
    static bool equals_lower(std::string_view name, std::string_view lower) {
        if (name.size() != lower.size()) return false;
        for (size_t i = 0; i < name.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>(name[i])) != lower[i]) return false;
        }
        return true;
    }
};

#define SETOPT(opt, val)                                                             \
    do {                                                                             \
        if (curl_easy_setopt(impl_->curl, opt, val) != CURLE_OK)                     \
            throw std::runtime_error("curl_easy_setopt(" #opt ") failed");           \
    } while (0)

HttpClient::HttpClient(const HttpGlobal& global) : impl_(std::make_unique<Impl>()) {
    impl_->curl = curl_easy_init();
    if (!impl_->curl) throw std::runtime_error("curl_easy_init failed");
    impl_->share = global.share();
    impl_->store = impl_->share->store_for("");
    SETOPT(CURLOPT_SHARE, global.share()->handle);
    SETOPT(CURLOPT_ERRORBUFFER, impl_->error);
    // Signals and threads do not mix: libcurl must not touch SIGPIPE or use alarm().
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    // http is allowed by protocol here and restricted to loopback by is_allowed_upstream_url.
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    // A redirect could carry the API key to another host; api.video does not redirect.
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    // Keep idle connections to both hosts between page views.
    SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
    SETOPT(CURLOPT_MAXCONNECTS, 4L);
    // The receive buffer lives as long as the handle, so one per worker thread. 4 KB
    // still takes a whole api.video reply (headers and a 1.5 KB video) in one read;
    // libcurl's default 16 KB cost 12 KB of resident memory per thread: peak RSS with
    // 256 threads under bench/bench's 256 connections went from 37.5 to 34.3 MiB.
    SETOPT(CURLOPT_BUFFERSIZE, 4096L);
    SETOPT(CURLOPT_WRITEFUNCTION, &Impl::on_body);
    SETOPT(CURLOPT_WRITEDATA, impl_.get());
    SETOPT(CURLOPT_HEADERFUNCTION, &Impl::on_header);
    SETOPT(CURLOPT_HEADERDATA, impl_.get());
    SETOPT(CURLOPT_USERAGENT, "apivideo-watch/1");
    // Trust comes from the shared store (see Share::store_for), so libcurl loads no CA
    // bundle of its own; certificate and host name checks stay on (libcurl's defaults).
    SETOPT(CURLOPT_CAINFO, static_cast<const char*>(nullptr));
    SETOPT(CURLOPT_CAPATH, static_cast<const char*>(nullptr));
    SETOPT(CURLOPT_SSL_CTX_FUNCTION, &Impl::on_ssl_ctx);
    SETOPT(CURLOPT_SSL_CTX_DATA, impl_.get());
    SETOPT(CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
}

HttpClient::~HttpClient() {
    curl_easy_cleanup(impl_->curl);
    curl_slist_free_all(impl_->headers);
}

HttpResult HttpClient::get(const std::string& url, const std::string& basic_user, const char* accept,
                           const HttpOptions& options) {
    HttpResult r;
    if (!is_allowed_upstream_url(url)) {
        r.outcome = HttpResult::Outcome::Refused;
        r.error = "not an https URL (or http to loopback)";
        return r;
    }
    impl_->result = &r;
    impl_->too_large = false;
    impl_->options = options;
    // Settings are per site, so per call; setting a timeout costs nothing.
    SETOPT(CURLOPT_TIMEOUT_MS, options.timeout_ms);
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS, options.connect_timeout_ms);
    if (options.ca_file != impl_->ca_file) {
        // Another site's trust. The extra file is also named to libcurl, which then never
        // reuses a connection verified under one trust for a site with another.
        impl_->store = impl_->share->store_for(options.ca_file);
        SETOPT(CURLOPT_CAINFO, options.ca_file.empty() ? nullptr : options.ca_file.c_str());
        impl_->ca_file = options.ca_file;
    }

    curl_slist_free_all(impl_->headers);
    impl_->headers = nullptr;
    if (accept) {
        std::string h = std::string("Accept: ") + accept;
        impl_->headers = curl_slist_append(nullptr, h.c_str());
        if (!impl_->headers) throw std::bad_alloc();
    }
    SETOPT(CURLOPT_HTTPHEADER, impl_->headers);
    SETOPT(CURLOPT_URL, url.c_str());
    // Credentials are set per call and cleared for calls without them, so the key cannot
    // ride along to the delivery host on this reused handle.
    SETOPT(CURLOPT_USERNAME, basic_user.empty() ? nullptr : basic_user.c_str());
    SETOPT(CURLOPT_PASSWORD, basic_user.empty() ? nullptr : "");

    auto start = std::chrono::steady_clock::now();
    CURLcode rc = curl_easy_perform(impl_->curl);
    r.elapsed_ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                         std::chrono::steady_clock::now() - start).count());
    impl_->result = nullptr;

    // Credentials never outlive the call.
    SETOPT(CURLOPT_USERNAME, static_cast<const char*>(nullptr));
    SETOPT(CURLOPT_PASSWORD, static_cast<const char*>(nullptr));

    if (rc == CURLE_OK) {
        curl_easy_getinfo(impl_->curl, CURLINFO_RESPONSE_CODE, &r.status);
        r.outcome = HttpResult::Outcome::Ok;
        return r;
    }
    r.error = impl_->error[0] ? impl_->error : curl_easy_strerror(rc);
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
            r.outcome = impl_->too_large ? HttpResult::Outcome::TooLarge : HttpResult::Outcome::Broken;
            break;
        default: r.outcome = HttpResult::Outcome::Broken;
    }
    return r;
}

}  // namespace watch
