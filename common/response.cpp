// Writing a Response in the CGI form (RFC 3875 §6): a Status header, never a status line;
// and the one form of the handler's cookies.
#include "common/response.h"

#include <strings.h>

#include "common/errors.h"

namespace watch {

const std::string* Response::header(const std::string& name) const {
    for (const auto& h : headers) {
        if (strcasecmp(h.first.c_str(), name.c_str()) == 0) return &h.second;
    }
    return nullptr;
}

std::string set_cookie(const std::string& name, const std::string& value, long long max_age, const std::string& path) {
    return name + "=" + value + "; Max-Age=" + std::to_string(max_age) + "; Path=" + (path.empty() ? "/" : path) +
           "; HttpOnly; Secure; SameSite=Lax";
}

std::string serialize_cgi(const Response& r, bool with_body) {
    std::string out;
    out.reserve(512 + (with_body ? r.body.size() : 0));
    out += "Status: " + status_line(r.status) + "\r\n";
    for (const auto& h : r.headers) out += h.first + ": " + h.second + "\r\n";
    out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n\r\n";
    if (with_body) out += r.body;
    return out;
}

}  // namespace watch
