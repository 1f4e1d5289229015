// Rendering and the answer headers. Each player's Content-Security-Policy allows exactly
// what that player needs and the hosts this video's assets come from.
#include "common/page.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string_view>

#include "common/crypto.h"
#include "common/json.h"
#include "common/url.h"

namespace watch {

namespace {

const Player kPlayers[] = {Player::VideoJs, Player::HlsJs, Player::Native, Player::Embed};

// What every player template may use; each escaped for where it stands. The templates
// are compiled against these names, so a page passes its values by position, in one
// array (building a map of strings for every page cost 5 % of a page view): the value of
// kWatchNames[i] goes at index i, named by the enum in the same order.
enum WatchValue : size_t {
    kTitle, kVideoId, kThumbnail, kHls, kMp4, kEmbed, kAvh, kPlayUrl, kNonce,
    kVideojsJs, kVideojsCss, kVideojsSri, kVideojsCssSri, kHlsjsJs, kHlsjsSri, kWatchValueCount
};
const char* const kWatchNames[] = {
    "title", "video_id", "thumbnail", "hls", "mp4", "embed", "avh", "play_url", "nonce",
    "videojs_js", "videojs_css", "videojs_sri", "videojs_css_sri", "hlsjs_js", "hlsjs_sri"};
static_assert(std::size(kWatchNames) == kWatchValueCount);

enum ErrorValue : size_t { kErrorTitle, kErrorMessage, kErrorStatus, kErrorNonce, kErrorValueCount };
const char* const kErrorNames[] = {"title", "message", "status", "nonce"};
static_assert(std::size(kErrorNames) == kErrorValueCount);

template <size_t N>
std::vector<std::string> names(const char* const (&list)[N]) {
    return std::vector<std::string>(std::begin(list), std::end(list));
}

std::string template_source(const std::string& dir, const std::string& name) {
    if (!dir.empty()) {
        std::ifstream in(dir + "/" + name);
        if (in) {
            std::stringstream ss;
            ss << in.rdbuf();
            return ss.str();
        }
    }
    for (const BuiltinTemplate& t : builtin_templates()) {
        if (name == t.name) return t.source;
    }
    throw TemplateError(name + ": not built in");
}

// A page template must be a whole page, with its own <html> and <body> tags (an include
// cannot lend them): an empty or cut-short file in WATCH_TEMPLATE_DIR would otherwise
// answer 200 with nothing a browser can show.
void require_whole_page(const std::string& name, const std::string& source) {
    auto has_tag = [&](std::string_view tag) {
        for (size_t at = 0; (at = source.find('<', at)) != std::string::npos; ++at) {
            size_t end = at + 1 + tag.size();
            if (end > source.size()) return false;
            bool same = true;
            for (size_t i = 0; i < tag.size() && same; ++i) {
                same = std::tolower(static_cast<unsigned char>(source[at + 1 + i])) == tag[i];
            }
            if (same && (end == source.size() || std::strchr(" \t\r\n\f/>", source[end]))) return true;
        }
        return false;
    };
    if (!has_tag("html") || !has_tag("body")) {
        throw TemplateError(name + ": not a whole page (it needs <html> and <body>): an empty or cut-short file?");
    }
}

// The headers every answer sends. no-store: pages and JSON hold single-use tokens, so
// neither the browser nor a proxy may keep them. The referrer policy is the browsers'
// default, said explicitly: api.video's domain restriction reads the Referer's origin.
void common_headers(Response& r, const char* content_type, const std::string& csp) {
    r.headers.emplace_back("Content-Type", content_type);
    r.headers.emplace_back("Cache-Control", "no-store, private");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "strict-origin-when-cross-origin");
    r.headers.emplace_back("Content-Security-Policy", csp);
}

std::string origin_or_self(const std::string& url) {
    auto u = parse_url(url);
    return u ? origin_of(*u) : "'self'";
}

std::string csp_for(Player player, const WatchView& v, const Config& c, const std::string& nonce) {
    std::set<std::string> media;
    for (const std::string* url : {&v.assets.hls, &v.assets.thumbnail, &v.assets.mp4}) {
        if (auto u = parse_url(*url)) media.insert(origin_of(*u));
    }
    std::string assets;
    for (const auto& o : media) assets += " " + o;
    std::string n = "'nonce-" + nonce + "'";
    std::string csp = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; img-src" +
                      assets + "; ";
    switch (player) {
        case Player::VideoJs: {
            // Its script and stylesheet, the icon font (a data: URL in its CSS), MSE media
            // and workers from blob: URLs, XHR for playlists and segments.
            std::string vjs = origin_or_self(c.videojs_url);
            csp += "script-src " + n + " " + vjs + "; style-src " + n + " " + vjs + "; font-src data: " + vjs +
                   "; media-src blob:" + assets + "; connect-src" + assets + "; worker-src blob:";
            break;
        }
        case Player::HlsJs:
            csp += "script-src " + n + " " + origin_or_self(c.hlsjs_url) + "; style-src " + n +
                   "; media-src blob:" + assets + "; connect-src" + assets + "; worker-src blob:";
            break;
        case Player::Native:
            csp += "script-src " + n + "; style-src " + n + "; media-src" + assets;
            break;
        case Player::Embed:
            csp += "script-src " + n + "; style-src " + n + "; frame-src " + origin_or_self(v.assets.player);
            break;
    }
    return csp;
}

}  // namespace

std::string player_template_name(Player p) { return std::string("player-") + player_name(p) + ".html"; }

Pages Pages::load(const std::string& template_dir) {
    Pages p;
    auto load = [&](const std::string& name) { return template_source(template_dir, name); };
    for (Player player : kPlayers) {
        std::string name = player_template_name(player);
        std::string source = load(name);
        p.players_.push_back(Template::compile(name, source, names(kWatchNames), load));
        require_whole_page(name, source);
    }
    std::string error_source = load("error.html");
    p.error_.push_back(Template::compile("error.html", error_source, names(kErrorNames), load));
    require_whole_page("error.html", error_source);
    return p;
}

Response Pages::watch(const WatchView& view, Player player, const Config& config) const {
    const Assets& a = view.assets;
    std::string nonce = random_hex(16);
    const std::string videojs_js = config.videojs_url + "/video.min.js";
    const std::string videojs_css = config.videojs_url + "/video-js.min.css";
    const std::string hlsjs_js = config.hlsjs_url + "/hls.min.js";
    std::string_view v[kWatchValueCount];
    v[kTitle] = view.title.empty() ? std::string_view("Untitled video") : std::string_view(view.title);
    v[kVideoId] = view.video_id;
    v[kThumbnail] = a.thumbnail;
    v[kHls] = a.hls;
    v[kMp4] = a.mp4;
    v[kEmbed] = a.player;
    v[kPlayUrl] = a.mp4.empty() ? a.hls : a.mp4;
    v[kAvh] = view.session_token;
    v[kNonce] = nonce;
    v[kVideojsJs] = videojs_js;
    v[kVideojsCss] = videojs_css;
    v[kVideojsSri] = config.videojs_sri;
    v[kVideojsCssSri] = config.videojs_css_sri;
    v[kHlsjsJs] = hlsjs_js;
    v[kHlsjsSri] = config.hlsjs_sri;
    Response r;
    common_headers(r, "text/html; charset=utf-8", csp_for(player, view, config, nonce));
    r.body = players_[static_cast<size_t>(player)].render(v, kWatchValueCount);
    return r;
}

Response Pages::watch_json(const WatchView& view) const {
    Response r;
    common_headers(r, "application/json; charset=utf-8", "default-src 'none'; frame-ancestors 'none'");
    r.body = watch::watch_json(view);
    return r;
}

Response Pages::error(Failure failure, bool json, long long retry_after) const {
    const ErrorInfo& e = error_info(failure);
    Response r;
    r.status = e.status;
    if (json) {
        common_headers(r, "application/problem+json; charset=utf-8", "default-src 'none'; frame-ancestors 'none'");
        r.body = problem_json(e.status, e.title, e.message, e.code);
    } else {
        std::string nonce = random_hex(16);
        common_headers(r, "text/html; charset=utf-8",
                       "default-src 'none'; style-src 'nonce-" + nonce +
                           "'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'");
        const std::string status = std::to_string(e.status);
        std::string_view v[kErrorValueCount];
        v[kErrorTitle] = e.title;
        v[kErrorMessage] = e.message;
        v[kErrorStatus] = status;
        v[kErrorNonce] = nonce;
        r.body = error_[0].render(v, kErrorValueCount);
    }
    if (failure == Failure::MethodNotAllowed) r.headers.emplace_back("Allow", "GET, HEAD");
    if (retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return r;
}

}  // namespace watch
