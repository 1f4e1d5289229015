// The FastCGI protocol (see fastcgi_protocol.h): fcgi-spec.html §3 (records, name-value
// pairs), §4 (management records), §5 (the application records).
#include "handler/fastcgi_protocol.h"

#include <fastcgi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace watch {

namespace {

unsigned byte(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }

// A name-value length: one byte below 128, else four with the top bit set (§3.4).
bool read_length(std::string_view s, size_t& pos, uint32_t& len) {
    if (pos >= s.size()) return false;
    if (byte(s, pos) < 0x80) {
        len = byte(s, pos++);
        return true;
    }
    if (s.size() - pos < 4) return false;
    len = ((byte(s, pos) & 0x7F) << 24) | (byte(s, pos + 1) << 16) | (byte(s, pos + 2) << 8) | byte(s, pos + 3);
    pos += 4;
    return true;
}

// Name-value pairs, every length checked against what is there; false when one runs past.
bool read_pairs(std::string_view s, std::vector<std::pair<std::string, std::string>>& out) {
    size_t pos = 0;
    while (pos < s.size()) {
        uint32_t name = 0, value = 0;
        if (!read_length(s, pos, name) || !read_length(s, pos, value)) return false;
        if (name > s.size() - pos || value > s.size() - pos - name) return false;
        out.emplace_back(s.substr(pos, name), s.substr(pos + name, value));
        pos += name + value;
    }
    return true;
}

void append_length(std::string& out, size_t n) {
    if (n < 0x80) {
        out += static_cast<char>(n);
        return;
    }
    out += static_cast<char>(0x80 | (n >> 24));
    out += static_cast<char>(n >> 16);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n);
}

// One record per 65,535 bytes of `content` (one empty record for empty content), each
// padded to a multiple of 8 bytes as the spec recommends.
void append_records(std::string& out, unsigned char type, unsigned id, std::string_view content) {
    do {
        size_t n = std::min<size_t>(content.size(), FCGI_MAX_LENGTH);
        size_t padding = (8 - n % 8) % 8;
        FCGI_Header h{FCGI_VERSION_1,
                      type,
                      static_cast<unsigned char>(id >> 8),
                      static_cast<unsigned char>(id),
                      static_cast<unsigned char>(n >> 8),
                      static_cast<unsigned char>(n),
                      static_cast<unsigned char>(padding),
                      0};
        out.append(reinterpret_cast<const char*>(&h), sizeof h);
        out.append(content.substr(0, n));
        out.append(padding, '\0');
        content.remove_prefix(n);
    } while (!content.empty());
}

void append_end_request(std::string& out, unsigned id, unsigned char protocol_status) {
    FCGI_EndRequestBody body{};
    body.protocolStatus = protocol_status;
    append_records(out, FCGI_END_REQUEST, id, std::string_view(reinterpret_cast<const char*>(&body), sizeof body));
}

// What this process answers to FCGI_GET_VALUES (§4.1): one request at a time on a
// connection, many connections (the loop bounds page views, not connections).
const char* management_value(std::string_view name) {
    if (name == FCGI_MAX_CONNS) return "1000000";
    if (name == FCGI_MAX_REQS) return "1000000";
    if (name == FCGI_MPXS_CONNS) return "0";
    return nullptr;
}

}  // namespace

const char* FastCgiRequest::param(const char* name) const {
    for (const auto& [n, v] : params) {
        if (n == name) return v.c_str();
    }
    return nullptr;
}

FastCgiReader::Event FastCgiReader::invalid(const char* why) {
    why_ = why;
    return Event::Invalid;
}

FastCgiReader::Event FastCgiReader::next(std::string_view s, size_t& used, std::string& out) {
    used = 0;
    while (s.size() - used >= FCGI_HEADER_LEN) {
        std::string_view h = s.substr(used, FCGI_HEADER_LEN);
        if (byte(h, 0) != FCGI_VERSION_1) return invalid("not FastCGI version 1");
        const unsigned type = byte(h, 1);
        const unsigned id = (byte(h, 2) << 8) | byte(h, 3);
        const size_t length = (byte(h, 4) << 8) | byte(h, 5);
        const size_t end = used + FCGI_HEADER_LEN + length + byte(h, 6);
        if (end > s.size()) break;  // the rest of the record is still on its way
        // A new request waits, unread, until the one before it is answered.
        if (type == FCGI_BEGIN_REQUEST && id != FCGI_NULL_REQUEST_ID && state_ == State::Serving) break;
        std::string_view content = s.substr(used + FCGI_HEADER_LEN, length);
        used = end;

        if (id == FCGI_NULL_REQUEST_ID) {
            if (Event e = on_management(type, content, out); e != Event::NeedMore) return e;
            continue;
        }
        if (type == FCGI_BEGIN_REQUEST) {
            if (Event e = on_begin(id, content, out); e != Event::NeedMore) return e;
            continue;
        }
        // Records of a request refused, or of none, are read and dropped (§3.3).
        if (state_ == State::Idle || id != request_.id) continue;
        switch (type) {
            case FCGI_PARAMS:
                if (state_ != State::Params) continue;  // after their end: nothing more to learn
                if (!content.empty()) {
                    if (params_.size() + content.size() > kMaxFastCgiParams)
                        return invalid("request parameters larger than 64 KiB");
                    params_.append(content);
                    continue;
                }
                if (!read_pairs(params_, request_.params)) return invalid("FCGI_PARAMS with lengths past their end");
                std::string().swap(params_);
                state_ = State::Input;
                return Event::Request;
            case FCGI_STDIN:
                if (state_ == State::Params) return invalid("FCGI_STDIN before the parameters ended");
                if (!content.empty() || state_ == State::Serving) continue;
                if (state_ == State::Closing) {
                    state_ = State::Idle;
                } else {
                    state_ = State::Serving;
                }
                return Event::InputEnd;
            case FCGI_ABORT_REQUEST: {
                // Answered at once (§5.4); a request already given to the connection is
                // its to stop (Abort), one whose parameters were still coming just ends.
                const bool given = state_ == State::Input || state_ == State::Serving;
                if (state_ != State::Closing) append_end_request(out, id, FCGI_REQUEST_COMPLETE);
                state_ = State::Idle;
                if (given) return Event::Abort;
                continue;
            }
            default: continue;  // FCGI_DATA (the filter role's) and types of no meaning here
        }
    }
    return Event::NeedMore;
}

FastCgiReader::Event FastCgiReader::on_management(unsigned type, std::string_view content, std::string& out) {
    if (type != FCGI_GET_VALUES) {
        FCGI_UnknownTypeBody body{};
        body.type = static_cast<unsigned char>(type);
        append_records(out, FCGI_UNKNOWN_TYPE, FCGI_NULL_REQUEST_ID,
                       std::string_view(reinterpret_cast<const char*>(&body), sizeof body));
        return Event::NeedMore;
    }
    std::vector<std::pair<std::string, std::string>> asked;
    if (!read_pairs(content, asked)) return invalid("FCGI_GET_VALUES with lengths past its end");
    // Each variable this process knows, once, however often it was asked for: the reply
    // is bounded whatever the record holds.
    std::string pairs;
    for (const char* name : {FCGI_MAX_CONNS, FCGI_MAX_REQS, FCGI_MPXS_CONNS}) {
        bool wanted = std::any_of(asked.begin(), asked.end(), [&](const auto& p) { return p.first == name; });
        if (!wanted) continue;
        const char* value = management_value(name);
        append_length(pairs, std::strlen(name));
        append_length(pairs, std::strlen(value));
        pairs += name;
        pairs += value;
    }
    append_records(out, FCGI_GET_VALUES_RESULT, FCGI_NULL_REQUEST_ID, pairs);
    return Event::NeedMore;
}

FastCgiReader::Event FastCgiReader::on_begin(unsigned id, std::string_view content, std::string& out) {
    if (content.size() < sizeof(FCGI_BeginRequestBody)) return invalid("FCGI_BEGIN_REQUEST too short");
    if (state_ != State::Idle) {
        if (id == request_.id) return invalid("FCGI_BEGIN_REQUEST for the request under way");
        // One request at a time on a connection (FCGI_MPXS_CONNS is 0): the web server
        // should not have sent it, and learns so (§5.5).
        append_end_request(out, id, FCGI_CANT_MPX_CONN);
        return Event::NeedMore;
    }
    const unsigned role = (byte(content, 0) << 8) | byte(content, 1);
    if (role != FCGI_RESPONDER) {
        append_end_request(out, id, FCGI_UNKNOWN_ROLE);
        return Event::NeedMore;
    }
    request_ = FastCgiRequest{};
    request_.id = id;
    request_.keep_connection = byte(content, 2) & FCGI_KEEP_CONN;
    params_.clear();
    state_ = State::Params;
    return Event::NeedMore;
}

void FastCgiReader::responded() {
    // Its FCGI_STDIN may still be arriving (a body /watch never reads): read to its end.
    state_ = state_ == State::Serving ? State::Idle : State::Closing;
}

std::string fastcgi_response(unsigned id, std::string_view body, std::string_view log) {
    std::string out;
    out.reserve(body.size() + log.size() + 64);
    if (!log.empty()) {
        append_records(out, FCGI_STDERR, id, log);
        append_records(out, FCGI_STDERR, id, "");
    }
    if (!body.empty()) append_records(out, FCGI_STDOUT, id, body);
    append_records(out, FCGI_STDOUT, id, "");
    append_end_request(out, id, FCGI_REQUEST_COMPLETE);
    return out;
}

}  // namespace watch
