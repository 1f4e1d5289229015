// The response the core returns: status, headers and body decided in full before any
// byte is written, plus one line for the server's error log.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace watch {

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    std::string log;      // one line, no newline; empty when there is nothing to report
    std::string outcome;  // for the status's count: the step that answered ("done", "cookie", "turn", "processing") or
                          // the status

    const std::string* header(const std::string& name) const;
};

// A Set-Cookie value as every cookie of the handler has it: HttpOnly (no script reads it;
// it holds a ticket or a session), Secure, SameSite=Lax (sent along when a link from
// another site opens the page), scoped to the page's `path` ("/" when it is unknown),
// kept `max_age` seconds (0: the browser drops it now).
std::string set_cookie(const std::string& name, const std::string& value, long long max_age, const std::string& path);

// The CGI/FastCGI form: "Status: 200 OK", the headers, a blank line, then the body
// (left out for HEAD).
std::string serialize_cgi(const Response& r, bool with_body);

}  // namespace watch
