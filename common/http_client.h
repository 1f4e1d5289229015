// The one place libcurl is used. The core describes each upstream GET as an HttpCall; the
// calls are made one at a time on a reused handle (HttpClient: CGI, --query, --check) or
// many at once on one multi handle driven by the FastCGI event loop (HttpMulti). Trust
// anchors are looked up only when a TLS handshake needs them.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace watch {

struct HttpOptions {
    long timeout_ms = 5000;          // whole call
    long connect_timeout_ms = 2000;  // TCP + TLS handshake
    std::string ca_file;             // extra CA bundle; empty for the system's only
    size_t max_body = 1 << 20;       // larger bodies end the call (HttpResult::TooLarge)
};

// One GET the core needs made.
struct HttpCall {
    std::string url;
    // HTTP Basic user with an empty password (api.video's scheme): the API key, for the
    // API host only; empty for none.
    std::string basic_user;
    std::string accept = "application/json";
    HttpOptions options;
};

// api.video's rate-limit headers, sent on every API reply; -1 where absent or not a
// whole number of seconds (or reads).
struct RateLimitHeaders {
    long long limit = -1;        // X-RateLimit-Limit: reads per window
    long long remaining = -1;    // X-RateLimit-Remaining
    long long retry_after = -1;  // X-RateLimit-Retry-After (or Retry-After): seconds
};

struct HttpResult {
    enum class Outcome {
        Ok,           // a complete HTTP response (any status)
        Timeout,      // the budget ran out
        Unreachable,  // name did not resolve, or connecting failed
        Tls,          // handshake failed or the certificate was not trusted
        TooLarge,     // body over max_body
        Broken,       // reset, truncated or unreadable reply
        Refused,      // the URL failed the https/loopback rule (never sent)
    };
    Outcome outcome = Outcome::Broken;
    long status = 0;
    std::string body;
    RateLimitHeaders rate;
    std::string error;  // libcurl's message; holds no credentials
    long elapsed_ms = 0;
};

const char* outcome_name(HttpResult::Outcome o);

// Where the trusted CAs come from (APIVIDEO_CA_TRUST). System: the host's, from the first
// place systems keep them (SSL_CERT_DIR or SSL_CERT_FILE when set, then kHostTrust in
// http_client.cpp), else the bundle built into the binary (ca_bundle.h); BuiltIn: that bundle
// alone; Path: a PEM bundle or an OpenSSL hashed folder, instead of the host's.
struct CaTrust {
    enum class From { System, BuiltIn, Path };
    From from = From::System;
    std::string path;  // From::Path
};

// Process-wide libcurl state: one per process, created before any client and kept alive
// until every client is gone. Not for use from several threads.
class HttpGlobal {
   public:
    explicit HttpGlobal(CaTrust trust = {});
    ~HttpGlobal();
    HttpGlobal(const HttpGlobal&) = delete;
    HttpGlobal& operator=(const HttpGlobal&) = delete;
    struct Trust;
    Trust& trust() const { return *trust_; }
    // Where the trusted CAs come from on this host, in words (--check); looks now if no
    // handshake has yet.
    std::string trust_source() const;

   private:
    std::unique_ptr<Trust> trust_;
};

// Blocking calls on one reused handle, which keeps its connections between calls.
class HttpClient {
   public:
    explicit HttpClient(const HttpGlobal& global);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Never follows redirects.
    HttpResult get(const HttpCall& call);
    // Several calls at once, returning when the last ends: the results in the calls' order.
    std::vector<HttpResult> get_all(const std::vector<HttpCall>& calls);

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Many calls at once on one multi handle, for an event loop: it tells the loop which
// sockets to watch and when to call back, and the loop reports what happened. A socket's
// watch is an object libcurl itself points to (curl_multi_assign), so an event always
// reaches the socket it was for, whatever number the kernel has reused since.
class HttpMulti {
   public:
    struct Socket;  // one socket libcurl uses, as this class keeps it

    // What the multi handle needs of its surroundings.
    struct Loop {
        virtual ~Loop() = default;
        // A socket watched for libcurl: destroying it stops the watch.
        struct Watch {
            virtual ~Watch() = default;
            [[nodiscard]] virtual bool change(bool in, bool out, std::string& why) = 0;
        };
        // Watches `fd` for reading and/or writing; its events go to on_socket(socket, …).
        // nullptr with `why` when it cannot: the transfer on that socket then fails alone.
        virtual std::unique_ptr<Watch> watch_socket(int fd, bool in, bool out, Socket* socket, std::string& why) = 0;
        // Call on_timeout() after `ms` (0: at once); -1: no timer.
        virtual void set_timer(long ms) = 0;
        // One line for the log: libcurl said something went wrong that no call carries.
        virtual void log(const std::string& line) = 0;
    };
    using Id = std::uint64_t;
    using Done = std::function<void(HttpResult&&)>;

    // Keeps up to `max_idle` connections open for reuse between calls.
    HttpMulti(const HttpGlobal& global, Loop& loop, long max_idle);
    ~HttpMulti();
    HttpMulti(const HttpMulti&) = delete;
    HttpMulti& operator=(const HttpMulti&) = delete;

    // Starts `call`; `done` runs from a later on_socket()/on_timeout(), never from here,
    // and never for a call cancelled first. A call libcurl refuses fails as a result.
    Id start(const HttpCall& call, Done done);
    // Abandons a call that has not finished: its `done` never runs.
    void cancel(Id id);
    void on_socket(Socket* socket, bool in, bool out, bool error);
    void on_timeout();
    // Calls under way, and sockets watched: for the tests and the soak's leak checks.
    size_t running() const;
    size_t sockets() const;

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace watch
