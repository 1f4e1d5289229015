// The one place libcurl is used: a blocking HTTP GET on a reusable handle, one client per
// thread, with DNS and TLS sessions shared between threads.
#pragma once
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
    std::string retry_after;  // Retry-After, or api.video's X-RateLimit-Retry-After
    std::string error;        // libcurl's message; holds no credentials
    long elapsed_ms = 0;
};

const char* outcome_name(HttpResult::Outcome o);

// Process-wide libcurl state: call once in main() before any thread starts, and keep the
// object alive until every client is gone.
class HttpGlobal {
   public:
    HttpGlobal();
    ~HttpGlobal();
    HttpGlobal(const HttpGlobal&) = delete;
    HttpGlobal& operator=(const HttpGlobal&) = delete;
    struct Share;
    Share* share() const { return share_.get(); }

   private:
    std::unique_ptr<Share> share_;
};

// One per thread: keeps its connections alive across requests (both hosts).
class HttpClient {
   public:
    explicit HttpClient(const HttpGlobal& global);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // GET `url`. With a non-empty `basic_user`, sends HTTP Basic auth as that user with an
    // empty password (api.video's scheme); pass it only for the API host. `accept` goes
    // out as the Accept header. Never follows redirects.
    HttpResult get(const std::string& url, const std::string& basic_user, const char* accept,
                   const HttpOptions& options);

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace watch
