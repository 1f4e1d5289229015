// Request parsing and input validation: the declared rules every input meets before the
// handler makes any upstream call.
#include "common/request.h"

#include <algorithm>
#include <ctime>

#include "common/escape.h"
#include "common/links.h"
#include "common/text.h"

namespace watch {

namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// A path as a browser sends it, safe to write back into a header and a page: '/' first,
// at most 256 bytes, nothing but unreserved characters, '/' and %XX escapes.
bool is_plain_path(std::string_view p) {
    if (p.empty() || p[0] != '/' || p.size() > 256) return false;
    for (size_t i = 0; i < p.size(); ++i) {
        if (p[i] == '%') {
            if (i + 2 >= p.size() || !is_hex(p[i + 1]) || !is_hex(p[i + 2])) return false;
            i += 2;
        } else if (std::string_view("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._~-").find(p[i]) ==
                   std::string_view::npos) {
            return false;
        }
    }
    return true;
}

// A path the server gives decoded (SCRIPT_NAME, PATH_INFO), as the browser sent it:
// each segment percent-encoded again.
std::string encoded_path(std::string_view decoded) {
    std::string out;
    for (size_t pos = 0; pos <= decoded.size();) {
        size_t slash = std::min(decoded.find('/', pos), decoded.size());
        out += percent_encode(decoded.substr(pos, slash - pos));
        if (slash < decoded.size()) out += '/';
        pos = slash + 1;
    }
    return out;
}

}  // namespace

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
    // The path the browser requested, which after a rewrite (Apache's .htaccess recipe) is
    // not SCRIPT_NAME: REQUEST_URI's. Some CGI servers send no REQUEST_URI; SCRIPT_NAME
    // and PATH_INFO then say it. Anything unusual in it leaves it unknown.
    std::string path;
    if (const char* uri = param("REQUEST_URI")) {
        path = std::string(uri).substr(0, std::string_view(uri).find('?'));
    } else {
        path = encoded_path(get("SCRIPT_NAME") + get("PATH_INFO"));
    }
    if (is_plain_path(path)) r.path = path;
    r.remote_addr = get("REMOTE_ADDR");
    for (const ClientIpHeader& h : kClientIpHeaders) {
        if (const char* v = param(h.variable)) r.proxy_headers[h.name] = v;
    }
    r.now = static_cast<long long>(std::time(nullptr));
    return r;
}

std::string client_address(const Request& request, const std::string& header) {
    if (header.empty()) return request.remote_addr;
    auto it = request.proxy_headers.find(header);
    if (it == request.proxy_headers.end()) return "";
    // Everything left of the last comma came from the client or from proxies before ours.
    const std::string& v = it->second;
    size_t comma = v.rfind(',');
    return std::string(trim(comma == std::string::npos ? std::string_view(v) : std::string_view(v).substr(comma + 1)));
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

bool parse_start_seconds(std::string_view text, long long& seconds) {
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string_view::npos) return false;
    if (text.size() > 1 && text[0] == '0') return false;
    seconds = std::stoll(std::string(text));
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
    std::string signed_values[std::size(kSignedFields)];
    std::vector<Known> known = {{"id", &out.id, false},     {"exp", &out.exp, false},   {"sig", &out.sig, false},
                                {"player", &player, false}, {"format", &format, false}, {"turn", &out.turn, false}};
    const size_t first_signed = known.size();
    for (size_t i = 0; i < std::size(kSignedFields); ++i) known.push_back({kSignedFields[i], &signed_values[i], false});
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
    std::optional<MediaKind> kind = media_kind_of(out.id);
    if (!kind) {
        why = "id is not an api.video video or live stream id (vi or li + 21 or 22 letters and digits)";
        return false;
    }
    out.kind = *kind;
    if (!format.empty() && format != "json" && format != "html") {
        why = "format must be json or html";
        return false;
    }
    out.player_given = known[3].seen;
    if (out.player_given && !parse_player(player, out.player)) {
        why = "player must be " + player_names();
        return false;
    }
    out.link_fields.clear();
    out.play = PlayOptions{};
    for (size_t i = 0; i < std::size(kSignedFields); ++i) {
        if (known[first_signed + i].seen) out.link_fields.push_back({kSignedFields[i], signed_values[i]});
    }
    // The player options; nbf and ip are the link check's (links.h), as exp is.
    auto flag = [&](const QueryParam& f, const char* name, bool& to) {
        if (f.name != name) return true;
        if (f.value != "0" && f.value != "1") {
            why = std::string(name) + " must be 1 or 0";
            return false;
        }
        to = f.value == "1";
        return true;
    };
    for (const QueryParam& f : out.link_fields) {
        if (f.name == "t" && !parse_start_seconds(f.value, out.play.start)) {
            why = "t must be a whole number of seconds (digits only, at most 9)";
            return false;
        }
        if (!flag(f, "autoplay", out.play.autoplay) || !flag(f, "loop", out.play.loop) ||
            !flag(f, "download", out.play.download)) {
            return false;
        }
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
    for (const QueryParam& p : set)
        out += (out.empty() ? "" : "&") + percent_encode(p.name) + "=" + percent_encode(p.value);
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
