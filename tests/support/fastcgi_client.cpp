// Test support: a FastCGI client (see fastcgi_client.h).
#include "tests/support/fastcgi_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <stdexcept>

namespace testing {

namespace {

constexpr int kBeginRequest = 1, kEndRequest = 3, kParams = 4, kStdin = 5, kStdout = 6, kStderr = 7;

void put_length(std::string& out, size_t n) {
    if (n < 128) {
        out += static_cast<char>(n);
    } else {
        out += static_cast<char>(0x80 | (n >> 24));
        out += static_cast<char>((n >> 16) & 0xFF);
        out += static_cast<char>((n >> 8) & 0xFF);
        out += static_cast<char>(n & 0xFF);
    }
}

}  // namespace

std::string fcgi_record(int type, int request_id, const std::string& content) {
    return fcgi_record(type, request_id, content, std::string((8 - content.size() % 8) % 8, '\0'));
}

std::string fcgi_record(int type, int request_id, const std::string& content, const std::string& padding) {
    if (content.size() > 65535) throw std::logic_error("record content over 65535 bytes");
    if (padding.size() > 255) throw std::logic_error("padding over 255 bytes");
    std::string r;
    r += static_cast<char>(1);
    r += static_cast<char>(type);
    r += static_cast<char>(request_id >> 8);
    r += static_cast<char>(request_id & 0xFF);
    r += static_cast<char>(content.size() >> 8);
    r += static_cast<char>(content.size() & 0xFF);
    r += static_cast<char>(padding.size());
    r += '\0';
    return r + content + padding;
}

std::string fcgi_begin_body(bool keep, int role) {
    return {0, static_cast<char>(role), static_cast<char>(keep ? 1 : 0), 0, 0, 0, 0, 0};
}

std::string fcgi_pairs(const std::map<std::string, std::string>& params) {
    std::string out;
    for (const auto& [name, value] : params) {
        put_length(out, name.size());
        put_length(out, value.size());
        out += name + value;
    }
    return out;
}

std::string fcgi_get(int request_id, const std::map<std::string, std::string>& params, bool keep) {
    return fcgi_record(kBeginRequest, request_id, fcgi_begin_body(keep)) +
           fcgi_record(kParams, request_id, fcgi_pairs(params)) + fcgi_record(kParams, request_id, "") +
           fcgi_record(kStdin, request_id, "");
}

std::map<std::string, std::string> watch_params(const std::string& query) {
    return {{"REQUEST_METHOD", "GET"},    {"QUERY_STRING", query},         {"REQUEST_URI", "/watch?" + query},
            {"SCRIPT_NAME", "/watch"},    {"SERVER_PROTOCOL", "HTTP/1.1"}, {"GATEWAY_INTERFACE", "CGI/1.1"},
            {"REMOTE_ADDR", "127.0.0.1"}, {"HTTP_HOST", "localhost"}};
}

int FastCgiConnection::Answer::status() const {
    if (out.rfind("Status: ", 0) != 0) return 0;
    return std::atoi(out.c_str() + 8);
}

FastCgiConnection::FastCgiConnection(const std::string& unix_socket) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    if (unix_socket.size() >= sizeof a.sun_path) throw std::runtime_error("socket path too long");
    std::strcpy(a.sun_path, unix_socket.c_str());
    if (fd_ < 0 || connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        int e = errno;
        if (fd_ >= 0) close(fd_);
        throw std::runtime_error("cannot connect to " + unix_socket + ": " + std::strerror(e));
    }
}

FastCgiConnection::~FastCgiConnection() { close_now(); }

void FastCgiConnection::close_now() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
}

void FastCgiConnection::send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n <= 0) throw std::runtime_error(std::string("FastCGI send failed: ") + std::strerror(errno));
        done += static_cast<size_t>(n);
    }
}

bool FastCgiConnection::next_record(Record& r, std::chrono::steady_clock::time_point deadline, bool& closed) {
    for (;;) {
        if (buffered_.size() >= 8) {
            auto b = [&](size_t i) { return static_cast<unsigned char>(buffered_[i]); };
            size_t len = (b(4) << 8) | b(5), total = 8 + len + b(6);
            if (buffered_.size() >= total) {
                r.type = b(1);
                r.id = (b(2) << 8) | b(3);
                r.content = buffered_.substr(8, len);
                buffered_.erase(0, total);
                return true;
            }
        }
        long left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
        if (left <= 0) return false;
        pollfd p{fd_, POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left)) <= 0) continue;
        char buf[16384];
        ssize_t n = recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN) continue;
        if (n <= 0) {
            closed = true;
            return false;
        }
        buffered_.append(buf, static_cast<size_t>(n));
    }
}

FastCgiConnection::Answer FastCgiConnection::read_answer(int timeout_ms) {
    Answer a;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    Record r;
    while (next_record(r, deadline, a.closed)) {
        if (r.type == kStdout) a.out += r.content;
        if (r.type == kStderr) a.err += r.content;
        if (r.type == kEndRequest) {
            a.ended = true;
            return a;
        }
    }
    return a;
}

std::vector<FastCgiConnection::Record> FastCgiConnection::read_records(size_t count, int timeout_ms) {
    std::vector<Record> out;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    bool closed = false;
    Record r;
    while (out.size() < count && next_record(r, deadline, closed)) out.push_back(r);
    return out;
}

FastCgiConnection::Answer FastCgiConnection::get(const std::string& query, bool keep, int timeout_ms) {
    send(fcgi_get(next_id_, watch_params(query), keep));
    next_id_ = next_id_ % 65535 + 1;
    return read_answer(timeout_ms);
}

bool FastCgiConnection::closed_within(int timeout_ms) {
    Answer a = read_answer(timeout_ms);
    return a.closed;
}

}  // namespace testing
