// One web server's connection to the handler: its bytes moved by the event loop, never
// blocking, through the protocol (fastcgi_protocol.h); the request of the moment and the
// page making its response; whether it is kept between requests (FCGI_KEEP_CONN); and how
// long the web server may take to move on before it is let go.
#pragma once
#include <list>
#include <memory>
#include <string>

#include "handler/event_loop.h"
#include "handler/fastcgi_protocol.h"
#include "handler/page_driver.h"

namespace watch {

class FastCgiConnection {
   public:
    // What a connection needs of the server that accepted it.
    struct Owner {
        virtual ~Owner() = default;
        // A request's parameters arrived: the owner responds now, or gives the connection
        // the page that will (serve()).
        virtual void on_request(FastCgiConnection& c, FastCgiRequest&& request) = 0;
        // The connection is kept, between requests, owing nothing (or no longer is).
        virtual void on_idle(FastCgiConnection& c, bool idle) = 0;
        // The connection is closed: the owner frees it once this turn of the loop is over.
        virtual void on_closed(FastCgiConnection& c) = 0;
        // The process is stopping: a connection closes rather than wait for another request.
        virtual bool stopping() const = 0;
    };

    // How long the web server may take to send the rest of a request it has begun, to
    // take a response (nginx and Apache read one as it comes), or to end a body after
    // the response: then the connection is closed.
    static constexpr long kStalledMs = 10'000;

    // Takes `fd` (non-blocking, accepted), which it closes.
    FastCgiConnection(EventLoop& loop, Owner& owner, int fd);
    ~FastCgiConnection();
    FastCgiConnection(const FastCgiConnection&) = delete;
    FastCgiConnection& operator=(const FastCgiConnection&) = delete;

    // Starts reading. A connection the loop cannot watch closes at once, with a log line.
    void start();
    // The page that will make the current request's response; it ends with the request.
    void serve(std::unique_ptr<PageDriver> page);
    // The current request's response, in the CGI form, and the line the web server's
    // error log gets on FCGI_STDERR ("" for none).
    void respond(const std::string& cgi, const std::string& log);
    // Closes now (its page abandoned); `why` becomes a log line unless empty.
    void close(const std::string& why);
    // The process takes no more connections: an idle one closes now, unless a request is
    // already on its way (then it is read and answered first).
    void let_go();

    bool closed() const { return closed_; }
    // Kept, between requests, owing nothing and owed nothing.
    bool idle() const;

    // The owner's place for it in its list of idle connections.
    std::list<FastCgiConnection*>::iterator idle_entry;

   private:
    void on_events(uint32_t events);
    bool read_input();
    void process();
    void request_over();
    void flush();
    void update();
    void drop_page();

    EventLoop& loop_;
    Owner& owner_;
    int fd_;
    EventLoop::Watch watch_;
    EventLoop::Timer deadline_;
    FastCgiReader reader_;
    std::string in_;  // read, from in_used_ on not yet framed
    size_t in_used_ = 0;
    std::string out_;  // to write, from sent_ on
    size_t sent_ = 0;
    unsigned request_id_ = 0;
    bool keep_ = false;
    std::unique_ptr<PageDriver> page_;
    bool closed_ = false;
    bool close_when_written_ = false;
    bool processing_ = false;  // inside process(): a response given there waits for it
    bool progress_ = false;    // bytes moved since the deadline was last set
    bool was_idle_ = false;
};

}  // namespace watch
