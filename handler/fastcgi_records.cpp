// FastCGI record framing (fcgi-spec.html §3.3, §5): an 8-byte header (version, type,
// request id, content length, padding length), then content and padding.
#include "handler/fastcgi_records.h"

#include <algorithm>
#include <cstdint>

namespace watch {

namespace {

enum RecordType : unsigned char {
    kBeginRequest = 1,
    kAbortRequest = 2,
    kEndRequest = 3,
    kParams = 4,
    kStdin = 5,
    kStdout = 6,
    kStderr = 7,
    kGetValues = 9,
};
constexpr unsigned kResponder = 1;
constexpr size_t kHeader = 8;

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

// Every pair's lengths fit inside the parameters.
bool pairs_fit(std::string_view params) {
    size_t pos = 0;
    while (pos < params.size()) {
        uint32_t name = 0, value = 0;
        if (!read_length(params, pos, name) || !read_length(params, pos, value)) return false;
        if (name > params.size() - pos || value > params.size() - pos - name) return false;
        pos += name + value;
    }
    return true;
}

// One record per 65,535 bytes of `content` (none for empty content), each padded to a
// multiple of 8 bytes as libfcgi pads its own.
void append_records(std::string& out, unsigned char type, unsigned id, std::string_view content) {
    constexpr size_t kMaxContent = 65535;
    do {
        size_t n = std::min(content.size(), kMaxContent);
        size_t padding = (8 - n % 8) % 8;
        const char header[kHeader] = {1,
                                      static_cast<char>(type),
                                      static_cast<char>(id >> 8),
                                      static_cast<char>(id & 0xFF),
                                      static_cast<char>(n >> 8),
                                      static_cast<char>(n & 0xFF),
                                      static_cast<char>(padding),
                                      0};
        out.append(header, kHeader);
        out.append(content.substr(0, n));
        out.append(padding, '\0');
        content.remove_prefix(n);
    } while (!content.empty());
}

Arrival invalid(std::string& why, const char* reason) {
    why = reason;
    return Arrival::Invalid;
}

}  // namespace

Arrival fastcgi_arrival(std::string_view s, std::string& why) {
    enum class Want { Begin, Params, Stdin } want = Want::Begin;
    unsigned id = 0;
    std::string params;
    size_t pos = 0;
    while (s.size() - pos >= kHeader) {
        unsigned version = byte(s, pos), type = byte(s, pos + 1);
        unsigned rid = (byte(s, pos + 2) << 8) | byte(s, pos + 3);
        size_t content = (byte(s, pos + 4) << 8) | byte(s, pos + 5);
        size_t end = pos + kHeader + content + byte(s, pos + 6);
        if (version != 1) return invalid(why, "not FastCGI version 1");
        if (end > s.size()) break;
        std::string_view body = s.substr(pos + kHeader, content);
        pos = end;
        if (rid == 0) {
            // A management record (FCGI_GET_VALUES): libfcgi answers it while reading.
            if (type != kGetValues) return invalid(why, "unknown management record");
            if (!pairs_fit(body)) return invalid(why, "FCGI_GET_VALUES with lengths past its end");
            continue;
        }
        switch (want) {
            case Want::Begin:
                if (type != kBeginRequest || content != 8)
                    return invalid(why, "a request must start with FCGI_BEGIN_REQUEST");
                if (((byte(body, 0) << 8) | byte(body, 1)) != kResponder)
                    return invalid(why, "not a responder request");
                id = rid;
                want = Want::Params;
                break;
            case Want::Params:
                if (type != kParams || rid != id) return invalid(why, "FCGI_PARAMS expected");
                if (content == 0) {
                    if (!pairs_fit(params)) return invalid(why, "FCGI_PARAMS with lengths past their end");
                    want = Want::Stdin;
                } else {
                    params.append(body);
                }
                break;
            case Want::Stdin:
                if (type == kAbortRequest && rid == id) return invalid(why, "the web server aborted the request");
                if (type != kStdin || rid != id) return invalid(why, "FCGI_STDIN expected");
                if (content == 0) return Arrival::Whole;
                break;
        }
    }
    if (want == Want::Stdin) return Arrival::HeadersIn;
    if (s.size() >= kMaxRequestHead) return invalid(why, "request parameters larger than 64 KiB");
    return Arrival::Partial;
}

std::string fastcgi_answer(unsigned id, std::string_view body, std::string_view log) {
    std::string out;
    out.reserve(body.size() + log.size() + 64);
    if (!log.empty()) {
        append_records(out, kStderr, id, log);
        append_records(out, kStderr, id, "");
    }
    if (!body.empty()) append_records(out, kStdout, id, body);
    append_records(out, kStdout, id, "");
    const char end[8] = {0, 0, 0, 0, 0 /* FCGI_REQUEST_COMPLETE */, 0, 0, 0};
    append_records(out, kEndRequest, id, std::string_view(end, sizeof end));
    return out;
}

}  // namespace watch
