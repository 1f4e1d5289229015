// A web server's connection (see fastcgi_connection.h).
#include "handler/fastcgi_connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "handler/log.h"

namespace watch {

namespace {

// Input held at most: one whole record and the start of the next. Past it (a request
// waiting behind the one served) the connection is not read until there is room.
constexpr size_t kMaxInput = kMaxFastCgiRecord + 4096;
constexpr size_t kReadChunk = 16 * 1024;
// Output not yet taken past which input is not read: a peer that asks and never reads
// (management records, say) is held to what it has been sent, not fed more.
constexpr size_t kMaxBacklog = 64 * 1024;

}  // namespace

FastCgiConnection::FastCgiConnection(EventLoop& loop, Owner& owner, int fd) : loop_(loop), owner_(owner), fd_(fd) {}

FastCgiConnection::~FastCgiConnection() {
    if (!closed_) {
        watch_.reset();
        ::close(fd_);
    }
}

void FastCgiConnection::start() {
    std::string why;
    watch_ = loop_.watch(
        fd_, EPOLLIN | EPOLLRDHUP, [this](uint32_t ev) { on_events(ev); }, why);
    if (!watch_) return close("cannot watch a new connection: " + why);
    update();
}

bool FastCgiConnection::idle() const {
    return !closed_ && reader_.idle() && in_used_ == in_.size() && sent_ == out_.size() && !page_;
}

void FastCgiConnection::on_events(uint32_t events) {
    if (events & EPOLLOUT) flush();
    if (closed_) return;
    bool peer_done = false;
    if (events & EPOLLIN) peer_done = !read_input();
    if (closed_) return;
    // The web server hung up: its visitor left (or it let a kept connection go). A page
    // under way ends here; nobody would read its response.
    if (peer_done || (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return close("");
    process();
    update();
}

// Reads what has arrived, up to kMaxInput held; false when the peer closed its side.
bool FastCgiConnection::read_input() {
    if (in_used_ == in_.size()) {
        in_.clear();
        in_used_ = 0;
    } else if (in_used_ > 0 && in_used_ >= in_.size() / 2) {
        in_.erase(0, in_used_);
        in_used_ = 0;
    }
    while (in_.size() - in_used_ < kMaxInput) {
        const size_t held = in_.size();
        const size_t room = std::min(kReadChunk, kMaxInput - (held - in_used_));
        in_.resize(held + room);
        ssize_t n = recv(fd_, &in_[held], room, MSG_DONTWAIT);
        in_.resize(held + (n > 0 ? static_cast<size_t>(n) : 0));
        if (n > 0) {
            progress_ = true;
            if (static_cast<size_t>(n) < room) return true;  // all there was, most likely
            continue;
        }
        if (n == 0) return false;
        if (errno == EINTR) continue;
        if (errno == EAGAIN) return true;
        if (errno != ECONNRESET) close(std::string("reading from the web server: ") + std::strerror(errno));
        return false;
    }
    return true;
}

// Frames what has been read, and acts on each request's events.
void FastCgiConnection::process() {
    processing_ = true;
    while (!closed_) {
        size_t used = 0;
        FastCgiReader::Event e = reader_.next(std::string_view(in_).substr(in_used_), used, out_);
        in_used_ += used;
        if (e == FastCgiReader::Event::NeedMore) break;
        if (e == FastCgiReader::Event::Invalid) {
            processing_ = false;
            return close("closing a FastCGI connection: " + reader_.why());
        }
        if (e == FastCgiReader::Event::Request) {
            FastCgiRequest request = reader_.take_request();
            request_id_ = request.id;
            keep_ = request.keep_connection;
            owner_.on_request(*this, std::move(request));
        } else if (e == FastCgiReader::Event::InputEnd) {
            if (reader_.idle()) request_over();  // responded to before its body ended
        } else if (e == FastCgiReader::Event::Abort) {
            drop_page();  // its FCGI_END_REQUEST is queued already
            request_over();
        }
    }
    processing_ = false;
    if (!closed_) flush();
}

void FastCgiConnection::serve(std::unique_ptr<PageDriver> page) { page_ = std::move(page); }

void FastCgiConnection::respond(const std::string& cgi, const std::string& log) {
    if (closed_) return;
    out_ += fastcgi_response(request_id_, cgi, log);
    drop_page();
    reader_.responded();
    if (reader_.idle()) request_over();
    if (processing_) return;  // process() goes on with what is read, then writes
    process();
    update();
}

// A request is over: its response queued, its input read to the end.
void FastCgiConnection::request_over() {
    if (!keep_ || owner_.stopping()) close_when_written_ = true;
}

void FastCgiConnection::flush() {
    while (sent_ < out_.size()) {
        ssize_t n = send(fd_, out_.data() + sent_, out_.size() - sent_, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            sent_ += static_cast<size_t>(n);
            progress_ = true;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return;
        // EPIPE, ECONNRESET: the web server went away before it took the response.
        return close(std::string("writing to the web server: ") + std::strerror(errno));
    }
    std::string().swap(out_);
    sent_ = 0;
    if (close_when_written_) close("");
}

// The events to watch and the deadline, as the connection now stands.
void FastCgiConnection::update() {
    if (closed_) return;
    const bool writing = sent_ < out_.size();
    const bool can_read = in_.size() - in_used_ < kMaxInput && out_.size() - sent_ < kMaxBacklog;
    std::string why;
    if (!watch_.change(EPOLLRDHUP | (can_read ? uint32_t{EPOLLIN} : 0u) | (writing ? uint32_t{EPOLLOUT} : 0u), why)) {
        return close("cannot watch a connection: " + why);
    }
    // What the web server owes: reading what it was sent, the rest of what it began.
    const bool owed = writing || reader_.awaiting_input() || (reader_.idle() && in_used_ < in_.size());
    if (!owed) {
        deadline_.reset();
    } else if (progress_ || !deadline_.pending()) {
        deadline_ = loop_.after(kStalledMs, [this] {
            close("closing a FastCGI connection: the web server did not move on for " +
                  std::to_string(kStalledMs / 1000) + " s");
        });
    }
    progress_ = false;
    const bool now_idle = idle();
    if (now_idle && owner_.stopping()) return close("");
    if (now_idle != was_idle_) {
        was_idle_ = now_idle;
        owner_.on_idle(*this, now_idle);
    }
}

// The page ends with its request. Its own callback may be what is running: it is freed
// after this turn, its calls cancelled now.
void FastCgiConnection::drop_page() {
    if (!page_) return;
    page_->abandon();
    loop_.defer([page = std::shared_ptr<PageDriver>(std::move(page_))] {});
}

void FastCgiConnection::let_go() {
    if (!idle()) return;  // it closes once its request is over (Owner::stopping)
    char b;
    if (recv(fd_, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0) return on_events(EPOLLIN);
    close("");
}

void FastCgiConnection::close(const std::string& why) {
    if (closed_) return;
    closed_ = true;
    if (!why.empty()) log_lines(why);
    drop_page();
    watch_.reset();
    deadline_.reset();
    ::close(fd_);
    if (was_idle_) owner_.on_idle(*this, false);
    owner_.on_closed(*this);
}

}  // namespace watch
