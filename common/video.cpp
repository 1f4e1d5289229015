// The private flow's pure parts (see video.h); the network calls are in apivideo.cpp.
#include "common/video.h"

#include "common/url.h"

namespace watch {

static bool token_char(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

std::optional<MediaKind> media_kind_of(std::string_view id) {
    if (id.size() != 23 && id.size() != 24) return std::nullopt;
    for (char c : id.substr(2)) {
        bool alnum = (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
        if (!alnum) return std::nullopt;
    }
    if (id.substr(0, 2) == "vi") return MediaKind::Video;
    if (id.substr(0, 2) == "li") return MediaKind::LiveStream;
    return std::nullopt;
}

bool is_plausible_token(std::string_view t) {
    if (t.size() < 8 || t.size() > 128) return false;
    for (char c : t) {
        if (!token_char(c)) return false;
    }
    return true;
}

bool is_plausible_session_token(std::string_view t) {
    if (t.empty() || t.size() > 256) return false;
    for (char c : t) {
        if (!token_char(c) && c != '.') return false;
    }
    return true;
}

bool is_plausible_language(std::string_view tag) {
    if (tag.empty() || tag.size() > 35) return false;
    bool first = true;
    size_t start = 0;
    while (start <= tag.size()) {
        size_t dash = tag.find('-', start);
        std::string_view sub =
            tag.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
        if (sub.empty() || sub.size() > 8) return false;
        for (char c : sub) {
            bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (!letter && (first || !(c >= '0' && c <= '9'))) return false;
        }
        first = false;
        if (dash == std::string_view::npos) break;
        start = dash + 1;
    }
    return true;
}

// The path segment after `marker` ("/token/", "/private/") in the URL's path, when it is a
// plausible token with more path after it; `end`: the offset in `url` of the '/' after it.
static std::optional<std::string> token_after(std::string_view url, std::string_view marker, size_t* end) {
    auto u = parse_url(url);
    if (!u) return std::nullopt;
    std::string_view path = std::string_view(u->rest).substr(0, u->rest.find_first_of("?#"));
    size_t at = path.find(marker);
    if (at == std::string_view::npos) return std::nullopt;
    size_t start = at + marker.size();
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) return std::nullopt;  // "/token/x" with nothing after
    std::string tok(path.substr(start, slash - start));
    if (!is_plausible_token(tok)) return std::nullopt;
    *end = url.size() - u->rest.size() + slash;  // rest is the tail of url
    return tok;
}

static std::optional<std::string> token_in_path(std::string_view url, size_t* end_of_segment) {
    return token_after(url, "/token/", end_of_segment);
}

static std::optional<std::string> token_in_query(std::string_view url) {
    auto u = parse_url(url);
    if (!u) return std::nullopt;
    std::string_view rest = u->rest;
    size_t q = rest.find('?');
    if (q == std::string_view::npos) return std::nullopt;
    std::string_view query = rest.substr(q + 1, rest.find('#', q) - q - 1);
    size_t pos = 0;
    while (pos <= query.size()) {
        size_t amp = query.find('&', pos);
        if (amp == std::string_view::npos) amp = query.size();
        std::string_view pair = query.substr(pos, amp - pos);
        if (pair.substr(0, 6) == "token=") {
            std::string tok(pair.substr(6));
            if (is_plausible_token(tok)) return tok;
            return std::nullopt;
        }
        pos = amp + 1;
    }
    return std::nullopt;
}

// A private live playlist's token: "/private/{token}/{id}" in the path, then "." or "/".
// `end`: the offset in `url` just after "{id}".
static std::optional<std::string> live_token(std::string_view url, const std::string& id, size_t* end) {
    size_t slash = 0;
    std::optional<std::string> tok = token_after(url, "/private/", &slash);
    if (!tok || url.substr(slash + 1, id.size()) != id) return std::nullopt;
    const size_t after = slash + 1 + id.size();
    if (after >= url.size() || (url[after] != '.' && url[after] != '/')) return std::nullopt;
    *end = after;
    return tok;
}

static std::optional<PrivateToken> find_live_token(const Video& v) {
    const std::string& hls = v.assets.hls;
    size_t end = 0;
    if (auto tok = live_token(hls, v.id, &end)) return PrivateToken{*tok, hls.substr(0, end) + "/session"};
    std::optional<std::string> tok = token_in_path(v.assets.thumbnail, &end);
    if (!tok) tok = token_in_query(v.assets.player);
    auto u = parse_url(hls);
    if (!tok || !u) return std::nullopt;
    return PrivateToken{*tok, origin_of(*u) + "/private/" + *tok + "/" + v.id + "/session"};
}

std::optional<PrivateToken> find_private_token(const Video& v) {
    if (v.kind == MediaKind::LiveStream) return find_live_token(v);
    for (const AssetField& f : kAssetFields) {
        const std::string& asset = v.assets.*f.url;
        size_t end = 0;
        if (!f.token_in_path) continue;
        if (auto tok = token_in_path(asset, &end)) return PrivateToken{*tok, asset.substr(0, end + 1) + "session"};
    }
    auto tok = token_in_query(v.assets.player);
    if (!tok) return std::nullopt;
    for (const AssetField& f : kAssetFields) {
        if (!f.token_in_path) continue;
        if (auto u = parse_url(v.assets.*f.url)) {
            return PrivateToken{*tok, origin_of(*u) + "/vod/" + v.id + "/token/" + *tok + "/session"};
        }
    }
    return std::nullopt;
}

bool mentions_token(const Assets& a) {
    for (const AssetField& f : kAssetFields) {
        const std::string& u = a.*f.url;
        for (const char* mark : {"/token/", "token=", "/private/"}) {
            if (u.find(mark) != std::string::npos) return true;
        }
    }
    return false;
}

std::string with_session(std::string_view url, std::string_view session_token) {
    if (url.empty()) return "";
    return add_query_param(url, "avh", session_token);
}

}  // namespace watch
