// Request parsing and input validation: the declared rules every input meets before the
// handler makes any upstream call.
#include "common/request.h"

#include "common/escape.h"

namespace watch {

Request request_from_params(const std::function<const char*(const char*)>& param) {
    auto get = [&](const char* name) {
        const char* v = param(name);
        return std::string(v ? v : "");
    };
    Request r;
    r.method = get("REQUEST_METHOD");
    r.query = get("QUERY_STRING");
    r.accept = get("HTTP_ACCEPT");
    return r;
}

bool parse_query(std::string_view query, std::vector<QueryParam>& out) {
    out.clear();
    if (query.size() > kMaxQueryLength) return false;
    size_t pos = 0;
    while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        if (amp == std::string_view::npos) amp = query.size();
        std::string_view pair = query.substr(pos, amp - pos);
        pos = amp + 1;
        if (pair.empty()) continue;  // "a=1&&b=2" and a trailing '&' are harmless
        size_t eq = pair.find('=');
        QueryParam p;
        if (!percent_decode(pair.substr(0, eq), p.name)) return false;
        if (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), p.value)) return false;
        if (p.name.empty()) return false;
        for (const std::string* s : {&p.name, &p.value}) {
            if (s->find('\0') != std::string::npos || !is_valid_utf8(*s)) return false;
        }
        out.push_back(std::move(p));
    }
    return true;
}

bool is_valid_video_id(std::string_view id) {
    if (id.size() != 23 && id.size() != 24) return false;
    if (id.substr(0, 2) != "vi") return false;
    for (char c : id.substr(2)) {
        bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!alnum) return false;
    }
    return true;
}

bool parse_watch_params(std::string_view query, WatchParams& out, std::string& why) {
    std::vector<QueryParam> params;
    if (!parse_query(query, params)) {
        why = "malformed query string";
        return false;
    }
    const std::string* id = nullptr;
    for (const QueryParam& p : params) {
        if (p.name != "id") continue;  // unknown parameters (tracking tags, …) are ignored
        if (id) {
            why = "id given more than once";
            return false;
        }
        id = &p.value;
    }
    if (!id) {
        why = "id missing";
        return false;
    }
    if (!is_valid_video_id(*id)) {
        why = "id is not an api.video video id (vi + 21 or 22 letters and digits)";
        return false;
    }
    out.video_id = *id;
    return true;
}

}  // namespace watch
