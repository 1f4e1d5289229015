// libFuzzer target: the FastCGI reader (handler/fastcgi_protocol.h) fed a whole connection,
// as the connection feeds it: the input's first byte sets how the rest arrives (in chunks
// of 1 to 256 bytes) and when each request is responded to (at once, or only after its
// FCGI_STDIN ended), so records cut anywhere, padding, management records, aborts and
// requests written behind one another all come through. Built by `make fuzz` (mk/fuzz.mk).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "handler/fastcgi_protocol.h"

namespace {

using watch::FastCgiReader;
using Event = FastCgiReader::Event;

void check(bool ok) {
    if (!ok) std::abort();
}

unsigned byte(std::string_view s, size_t i) { return static_cast<unsigned char>(s[i]); }

// What the reader wrote must be whole records of the kinds it may send, each small.
void check_replies(std::string_view out, size_t records_read) {
    size_t pos = 0, n = 0;
    while (pos < out.size()) {
        check(out.size() - pos >= 8);
        check(byte(out, pos) == 1);
        const unsigned type = byte(out, pos + 1);
        check(type == 3 || type == 10 || type == 11);  // END_REQUEST, GET_VALUES_RESULT, UNKNOWN_TYPE
        const size_t len = (byte(out, pos + 4) << 8) | byte(out, pos + 5);
        check(len <= 64);
        pos += 8 + len + byte(out, pos + 6);
        check(pos <= out.size());
        ++n;
    }
    check(n <= records_read);  // at most one reply a record
}

// The records wholly inside `s`, counted as the reader frames them.
size_t whole_records(std::string_view s) {
    size_t pos = 0, n = 0;
    while (s.size() - pos >= 8) {
        size_t end = pos + 8 + ((byte(s, pos + 4) << 8) | byte(s, pos + 5)) + byte(s, pos + 6);
        if (end > s.size()) break;
        pos = end;
        ++n;
    }
    return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    const size_t chunk = 1 + data[0] % 256;
    const bool respond_at_once = data[0] & 1;
    std::string_view wire(reinterpret_cast<const char*>(data) + 1, size - 1);

    FastCgiReader reader;
    std::string in, out;
    size_t fed = 0, consumed_records = 0;
    bool served = false;  // a request was given and not responded to yet
    while (fed < wire.size()) {
        std::string_view piece = wire.substr(fed, chunk);
        fed += piece.size();
        in.append(piece);
        for (;;) {
            size_t used = 0;
            Event e = reader.next(in, used, out);
            check(used <= in.size());
            consumed_records += whole_records(std::string_view(in).substr(0, used));
            in.erase(0, used);
            if (e == Event::Invalid) {
                check(!reader.why().empty());
                check_replies(out, consumed_records);
                return 0;
            }
            if (e == Event::NeedMore) {
                // Nothing whole is left unread, unless a request waits behind the one served.
                check(whole_records(in) == 0 || (served && !reader.awaiting_input()));
                break;
            }
            if (e == Event::Request) {
                check(!served);  // one request at a time on a connection
                served = true;
                watch::FastCgiRequest r = reader.take_request();
                size_t bytes = 0;
                for (const auto& [name, value] : r.params) bytes += name.size() + value.size();
                check(bytes <= watch::kMaxFastCgiParams);
                check(r.id != 0);
            } else if (e == Event::Abort) {
                check(served);
                served = false;
            }
            if (served && (respond_at_once || !reader.awaiting_input())) {
                reader.responded();
                served = false;
            }
        }
    }
    check_replies(out, consumed_records);
    return 0;
}
