// URL helpers for asset and API URLs: see url.h.
#include "common/url.h"

#include <algorithm>
#include <cctype>

#include "common/escape.h"

namespace watch {

static std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::optional<Url> parse_url(std::string_view s) {
    size_t colon = s.find("://");
    if (colon == std::string_view::npos) return std::nullopt;
    Url u;
    u.scheme = lower(s.substr(0, colon));
    if (u.scheme != "http" && u.scheme != "https") return std::nullopt;
    std::string_view after = s.substr(colon + 3);
    size_t end = after.find_first_of("/?#");
    std::string_view authority = after.substr(0, end);
    u.rest = end == std::string_view::npos ? "" : std::string(after.substr(end));
    if (authority.empty() || authority.find('@') != std::string_view::npos) return std::nullopt;
    for (char c : authority) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == '\\' || c == '%') return std::nullopt;
    }
    std::string_view hostport = authority;
    if (hostport.front() == '[') {
        size_t close = hostport.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        u.host = lower(hostport.substr(1, close - 1));
        std::string_view tail = hostport.substr(close + 1);
        if (!tail.empty()) {
            if (tail.front() != ':') return std::nullopt;
            u.port = std::string(tail.substr(1));
        }
    } else {
        size_t pc = hostport.rfind(':');
        if (pc != std::string_view::npos) {
            u.port = std::string(hostport.substr(pc + 1));
            hostport = hostport.substr(0, pc);
        }
        u.host = lower(hostport);
    }
    if (u.host.empty()) return std::nullopt;
    // A host name or an address, nothing else: the host goes into a CSP and into pages.
    bool ipv6 = authority.front() == '[';
    for (char c : u.host) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || (ipv6 && c == ':');
        if (!ok) return std::nullopt;
    }
    if (u.port.size() > 5 ||
        !std::all_of(u.port.begin(), u.port.end(), [](unsigned char c) { return std::isdigit(c); })) {
        return std::nullopt;
    }
    for (unsigned char c : u.rest) {
        if (c <= 0x20 || c >= 0x7F || c == '"' || c == '<' || c == '>' || c == '\\') return std::nullopt;
    }
    return u;
}

std::string origin_of(const Url& u) {
    std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
    std::string out = u.scheme + "://" + host;
    if (!u.port.empty()) out += ":" + u.port;
    return out;
}

bool is_loopback_host(std::string_view host) {
    if (host == "localhost" || host == "::1") return true;
    // 127.0.0.0/8 written as a dotted quad of decimal octets.
    if (host.substr(0, 4) != "127.") return false;
    int octets = 0;
    size_t pos = 0;
    while (pos <= host.size()) {
        size_t dot = host.find('.', pos);
        std::string_view part = host.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
        if (part.empty() || part.size() > 3 || part.find_first_not_of("0123456789") != std::string_view::npos) {
            return false;
        }
        if (std::stoi(std::string(part)) > 255) return false;
        ++octets;
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    return octets == 4;
}

bool is_allowed_upstream_url(std::string_view s) {
    auto u = parse_url(s);
    if (!u) return false;
    return u->scheme == "https" || is_loopback_host(u->host);
}

std::string add_query_param(std::string_view url, std::string_view name, std::string_view value) {
    size_t hash = url.find('#');
    std::string_view base = url.substr(0, hash);
    std::string out(base);
    if (base.find('?') == std::string_view::npos) {
        out += '?';
    } else if (base.back() != '?' && base.back() != '&') {
        out += '&';
    }
    out += percent_encode(name);
    out += '=';
    out += percent_encode(value);
    if (hash != std::string_view::npos) out += url.substr(hash);
    return out;
}

}  // namespace watch
