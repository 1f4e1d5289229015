// The FastCGI protocol (fcgi-spec.html), both directions, as plain functions of bytes: the
// web server's records in, requests and the replies the protocol owes out; a response's
// records. No socket here: the connection (fastcgi_connection.h) moves the bytes, so every
// read and write is the loop's and none ever blocks. The record layouts and names are
// libfcgi's (fastcgi.h), the reference definitions of the spec's structures.
//
// Everything that arrives is framed record by record (padding is padding, never a
// record), bounded (64 KiB of parameters, one record at a time), and either answered
// or refused: a management record gets its reply, a second request while one is still
// arriving gets FCGI_CANT_MPX_CONN, another role FCGI_UNKNOWN_ROLE, an abort its
// FCGI_END_REQUEST, and anything that
// breaks the framing is Invalid (the connection closes).
#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace watch {

// The most a request's parameters may take; nginx sends a few kilobytes.
inline constexpr size_t kMaxFastCgiParams = 64 * 1024;
// The longest record: an 8-byte header, 65,535 bytes of content, 255 of padding.
inline constexpr size_t kMaxFastCgiRecord = 8 + 65535 + 255;

struct FastCgiRequest {
    unsigned id = 0;
    bool keep_connection = false;  // FCGI_KEEP_CONN: the web server keeps the connection
    std::vector<std::pair<std::string, std::string>> params;

    // The value of parameter `name`, or nullptr when it was not sent.
    const char* param(const char* name) const;
};

class FastCgiReader {
   public:
    enum class Event {
        NeedMore,  // nothing more in these bytes (or a request waits behind the one served)
        Request,   // a request's parameters are complete: take_request()
        InputEnd,  // the request's FCGI_STDIN ended (its body, which /watch ignores, is read)
        Abort,     // the web server aborted the request given (FCGI_ABORT_REQUEST; answered)
        Invalid,   // not FastCGI, or past a bound: why(); the connection must close
    };

    // Reads the next records from `bytes`, the connection's input not yet used; `used`
    // says how many bytes were. Replies the protocol owes (FCGI_GET_VALUES_RESULT,
    // FCGI_UNKNOWN_TYPE, FCGI_END_REQUEST for a request refused) are appended to `out`.
    // Call again while it returns anything but NeedMore or Invalid.
    Event next(std::string_view bytes, size_t& used, std::string& out);

    FastCgiRequest take_request() { return std::move(request_); }

    // The current request's response is written: the next request may be read.
    void responded();

    // True between requests: nothing begun, nothing owed.
    bool idle() const { return state_ == State::Idle; }
    // The web server owes the rest of a request begun: its parameters or its FCGI_STDIN.
    bool awaiting_input() const { return state_ != State::Idle && state_ != State::Serving; }
    const std::string& why() const { return why_; }

   private:
    enum class State {
        Idle,     // waiting for FCGI_BEGIN_REQUEST
        Params,   // reading FCGI_PARAMS
        Input,    // the request is served; its FCGI_STDIN still arrives
        Serving,  // all of it arrived; its response is not written yet
        Closing,  // its response is written; its FCGI_STDIN still arrives (read and dropped)
    };
    Event invalid(const char* why);
    Event on_management(unsigned type, std::string_view content, std::string& out);
    Event on_begin(unsigned id, std::string_view content, std::string& out);

    State state_ = State::Idle;
    FastCgiRequest request_;
    std::string params_;  // FCGI_PARAMS content so far
    std::string why_;
};

// The records of request `id`'s response: `log` (when not empty) on FCGI_STDERR, `body`
// on FCGI_STDOUT, each stream closed by an empty record, then FCGI_END_REQUEST (status 0,
// FCGI_REQUEST_COMPLETE).
std::string fastcgi_response(unsigned id, std::string_view body, std::string_view log);

}  // namespace watch
