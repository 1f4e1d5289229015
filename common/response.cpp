// Writing a Response in the CGI form (RFC 3875 §6): a Status header, never a status line.
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
