// Request parsing and input validation: the declared rules every input meets before the
// handler makes any upstream call.
#include "common/request.h"

#include <ctime>

#include "common/escape.h"

namespace watch {

Request request_from_params(const std::function<const char*(const char*)>& param) {
    auto get = [&](const char* name) {
        const char* v = param(name);
        return std::string(v ? v : "");
    };
    Request r;
    for (const char* required : {"REQUEST_METHOD", "QUERY_STRING"}) {
        if (!param(required)) r.missing += (r.missing.empty() ? "" : " ") + std::string(required);
    }
    r.method = get("REQUEST_METHOD");
    r.query = get("QUERY_STRING");
    r.accept = get("HTTP_ACCEPT");
    r.cookie = get("HTTP_COOKIE");
    // The browser scopes cookies by the path it requested, which after a rewrite (Apache's
    // .htaccess recipe) is not SCRIPT_NAME. Anything unusual in it falls back to "/".
    std::string uri = get("REQUEST_URI");
    r.path = uri.substr(0, uri.find('?'));
    bool plain = !r.path.empty() && r.path[0] == '/' && r.path.size() <= 256 &&
                 r.path.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._~-") ==
                     std::string::npos;
    if (!plain) r.path = "/";
    r.now = static_cast<long long>(std::time(nullptr));
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
    struct Known {
        const char* name;
        std::string* value;
        bool seen;
    };
    std::string format, player;
    Known known[] = {{"id", &out.video_id, false}, {"exp", &out.exp, false},   {"sig", &out.sig, false},
                     {"player", &player, false},   {"format", &format, false}, {"turn", &out.turn, false}};
    for (const QueryParam& p : params) {
        for (Known& k : known) {
            if (p.name != k.name) continue;
            if (k.seen) {
                why = std::string(k.name) + " given more than once";
                return false;
            }
            k.seen = true;
            *k.value = p.value;
        }
        // Unknown parameters (tracking tags, cache busters) are ignored.
    }
    if (!known[0].seen) {
        why = "id missing";
        return false;
    }
    if (!is_valid_video_id(out.video_id)) {
        why = "id is not an api.video video id (vi + 21 or 22 letters and digits)";
        return false;
    }
    if (!format.empty() && format != "json" && format != "html") {
        why = "format must be json or html";
        return false;
    }
    out.player_given = known[3].seen;
    if (out.player_given && !parse_player(player, out.player)) {
        why = "player must be " + player_names();
        return false;
    }
    return true;
}

std::string query_with(std::string_view query, const std::vector<QueryParam>& set) {
    std::string out;
    size_t pos = 0;
    while (pos < query.size()) {
        size_t amp = query.find('&', pos);
        if (amp == std::string_view::npos) amp = query.size();
        std::string_view pair = query.substr(pos, amp - pos);
        std::string name;
        bool replaced = false;
        if (percent_decode(pair.substr(0, pair.find('=')), name)) {
            for (const QueryParam& p : set) replaced |= p.name == name;
        }
        if (!pair.empty() && !replaced) out += (out.empty() ? "" : "&") + std::string(pair);
        pos = amp + 1;
    }
    for (const QueryParam& p : set) out += (out.empty() ? "" : "&") + percent_encode(p.name) + "=" + percent_encode(p.value);
    return out;
}

std::string cookie_value(std::string_view header, std::string_view name) {
    size_t pos = 0;
    while (pos < header.size()) {
        size_t end = header.find(';', pos);
        if (end == std::string_view::npos) end = header.size();
        size_t start = header.find_first_not_of(' ', pos);
        if (start < end && header.substr(start, name.size()) == name && start + name.size() < end &&
            header[start + name.size()] == '=') {
            return std::string(header.substr(start + name.size() + 1, end - start - name.size() - 1));
        }
        pos = end + 1;
    }
    return "";
}

std::string requested_format(std::string_view query) {
    std::vector<QueryParam> params;
    if (!parse_query(query.substr(0, kMaxQueryLength), params)) return "";
    for (const QueryParam& p : params) {
        if (p.name == "format" && (p.value == "json" || p.value == "html")) return p.value;
    }
    return "";
}

}  // namespace watch
