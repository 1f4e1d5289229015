// Test support: a FastCGI client that talks to the handler's socket as nginx does, record
// by record, so a test can keep one connection for many requests, stop half-way through
// a request, or send what no web server would.
#pragma once
#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace testing {

// One FastCGI record (fcgi-spec.html §3.3), padded to a multiple of 8 bytes, or with
// `padding` as its padding (up to 255 bytes of anything: a peer may put what it likes there).
std::string fcgi_record(int type, int request_id, const std::string& content);
std::string fcgi_record(int type, int request_id, const std::string& content, const std::string& padding);
// FCGI_BEGIN_REQUEST's content: the role (1, responder) and FCGI_KEEP_CONN when `keep`.
std::string fcgi_begin_body(bool keep, int role = 1);
// FCGI_PARAMS content: name-value pairs with their lengths.
std::string fcgi_pairs(const std::map<std::string, std::string>& params);
// A whole GET request: FCGI_BEGIN_REQUEST (with FCGI_KEEP_CONN when `keep`), its
// FCGI_PARAMS, an empty FCGI_PARAMS and an empty FCGI_STDIN.
std::string fcgi_get(int request_id, const std::map<std::string, std::string>& params, bool keep);
// The CGI parameters nginx's fastcgi_params sends for GET /watch?QUERY.
std::map<std::string, std::string> watch_params(const std::string& query);

class FastCgiConnection {
   public:
    explicit FastCgiConnection(const std::string& unix_socket);
    ~FastCgiConnection();
    FastCgiConnection(const FastCgiConnection&) = delete;
    FastCgiConnection& operator=(const FastCgiConnection&) = delete;

    void send(const std::string& bytes);
    struct Answer {
        bool ended = false;   // FCGI_END_REQUEST arrived
        bool closed = false;  // the handler closed the connection
        std::string out;      // FCGI_STDOUT: the CGI response
        std::string err;      // FCGI_STDERR
        int status() const;   // from the "Status:" line, 0 when absent
    };
    // Reads until FCGI_END_REQUEST, the connection's end, or `timeout_ms`.
    Answer read_answer(int timeout_ms = 10000);
    struct Record {
        int type = 0, id = 0;
        std::string content;
    };
    // Reads until `count` records have come, the connection's end, or `timeout_ms`.
    std::vector<Record> read_records(size_t count, int timeout_ms = 10000);
    // fcgi_get then read_answer.
    Answer get(const std::string& query, bool keep = true, int timeout_ms = 10000);
    // True when the handler closes the connection within `timeout_ms`.
    bool closed_within(int timeout_ms);
    void close_now();
    int fd() const { return fd_; }

   private:
    // The next whole record, false at `deadline` or the connection's end (`closed` set).
    bool next_record(Record& r, std::chrono::steady_clock::time_point deadline, bool& closed);
    int fd_ = -1;
    int next_id_ = 1;
    std::string buffered_;
};

}  // namespace testing
