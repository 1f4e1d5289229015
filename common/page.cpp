// Rendering and the answer headers. Each player's Content-Security-Policy allows exactly
// what that player needs (players.h) and the hosts this video's assets come from.
#include "common/page.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <string_view>

#include "common/crypto.h"
#include "common/json.h"
#include "common/text.h"
#include "common/url.h"

namespace watch {

namespace {

// What every player template may use; each escaped for where it stands. The templates
// are compiled against these names and a page passes its values by position, in one
// array (no map of strings per page): the value of kWatchNames[i] goes at index i, named
// by the enum in the same order.
enum WatchValue : size_t {
    kTitle, kVideoId, kThumbnail, kHls, kMp4, kEmbed, kAvh, kPlayUrl, kNonce,
    kVideojsJs, kVideojsCss, kVideojsSri, kVideojsCssSri, kHlsjsJs, kHlsjsSri,
    kWaitSeconds, kTurnUrl, kRefreshUrl, kAnalyticsJs, kAnalyticsSri, kAnalyticsPingUrl, kWatchValueCount
};
const char* const kWatchNames[] = {
    "title", "video_id", "thumbnail", "hls", "mp4", "embed", "avh", "play_url", "nonce",
    "videojs_js", "videojs_css", "videojs_sri", "videojs_css_sri", "hlsjs_js", "hlsjs_sri",
    "wait_seconds", "turn_url", "refresh_url", "analytics_js", "analytics_sri", "analytics_ping_url"};
static_assert(std::size(kWatchNames) == kWatchValueCount);

enum ErrorValue : size_t { kErrorTitle, kErrorMessage, kErrorStatus, kErrorNonce, kErrorValueCount };
const char* const kErrorNames[] = {"title", "message", "status", "nonce"};
static_assert(std::size(kErrorNames) == kErrorValueCount);

template <size_t N>
std::vector<std::string> names(const char* const (&list)[N]) {
    return std::vector<std::string>(std::begin(list), std::end(list));
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
                same = ascii_lower(source[at + 1 + i]) == tag[i];
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

// The pages that report plays to api.video when the site asks: those that run a player
// script of their own. The embed is api.video's player, which reports by itself; the
// native page runs no script but its own.
bool reports_views(Player player, const Config& c) {
    return c.analytics == Analytics::ApiVideo && player_info(player).script != PlayerInfo::Script::None;
}

// Appends `source` to a CSP source list unless it is there already.
void add_source(std::string& list, const std::string& source) {
    if ((" " + list + " ").find(" " + source + " ") == std::string::npos) list += " " + source;
}

// The CSP of a player page whose media come from `origins` (" https://a https://b").
std::string csp_for(Player player, const std::string& origins, const std::string& embed_origin, const Config& c,
                    const std::string& nonce, bool fetches_turn) {
    const PlayerInfo& p = player_info(player);
    const std::string n = "'nonce-" + nonce + "'";
    std::string script = n, style = n, csp;
    // The player's own folder: its script, for video.js its stylesheet and icon font too.
    if (p.script == PlayerInfo::Script::VideoJs) {
        std::string vjs = origin_or_self(c.videojs_url);
        script += " " + vjs;
        style += " " + vjs;
        csp += "; font-src data: " + vjs;
    } else if (p.script == PlayerInfo::Script::HlsJs) {
        script += " " + origin_or_self(c.hlsjs_url);
    }
    // A waiting page asks this site for its turn.
    std::string connect = (fetches_turn ? " 'self'" : "") + std::string(p.mse ? origins : "");
    // api.video's analytics: its module from its folder, its pings to the collector alone.
    if (reports_views(player, c)) {
        add_source(script, origin_or_self(c.analytics_script_url));
        add_source(connect, origin_or_self(c.collector_url));
    }
    if (p.mse) csp += "; media-src blob:" + origins + "; worker-src blob:";
    else if (!p.frame) csp += "; media-src" + origins;
    if (p.frame) csp += "; frame-src " + embed_origin;
    if (!connect.empty()) csp += "; connect-src" + connect;
    return "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; img-src" + origins +
           "; script-src " + script + "; style-src " + style + csp;
}

std::string joined(const std::set<std::string>& origins) {
    std::string s;
    for (const auto& o : origins) s += " " + o;
    return s;
}

}  // namespace

Pages Pages::load(const Template::Loader& source) {
    Pages p;
    for (size_t i = 0; i < kPlayerCount; ++i) {
        std::string name = player_info(static_cast<Player>(i)).template_name;
        std::string text = source(name);
        p.players_.push_back(Template::compile(name, text, names(kWatchNames), source));
        require_whole_page(name, text);
    }
    std::string error_source = source("error.html");
    p.error_.push_back(Template::compile("error.html", error_source, names(kErrorNames), source));
    require_whole_page("error.html", error_source);
    return p;
}

namespace {

// The values every player page has: the player scripts of the site, and api.video's
// analytics module where this page reports plays (empty otherwise: no script, no ping).
struct PlayerScripts {
    std::string videojs_js, videojs_css, hlsjs_js, analytics_js, analytics_ping_url;
    explicit PlayerScripts(const Config& c)
        : videojs_js(c.videojs_url + "/video.min.js"),
          videojs_css(c.videojs_url + "/video-js.min.css"),
          hlsjs_js(c.hlsjs_url + "/hls.min.js"),
          analytics_js(c.analytics == Analytics::Off ? "" : c.analytics_script_url + "/index.js"),
          analytics_ping_url(c.analytics == Analytics::Off ? "" : c.collector_url + "/vod") {}
    void fill(std::string_view* v, const Config& c, Player player) const {
        v[kVideojsJs] = videojs_js;
        v[kVideojsCss] = videojs_css;
        v[kVideojsSri] = c.videojs_sri;
        v[kVideojsCssSri] = c.videojs_css_sri;
        v[kHlsjsJs] = hlsjs_js;
        v[kHlsjsSri] = c.hlsjs_sri;
        if (reports_views(player, c)) {
            v[kAnalyticsJs] = analytics_js;
            v[kAnalyticsSri] = c.analytics_script_sri;
            v[kAnalyticsPingUrl] = analytics_ping_url;
        }
    }
};

}  // namespace

Response Pages::watch(const WatchView& view, Player player, const Config& config) const {
    const Assets& a = view.assets;
    std::string nonce = random_hex(16);
    const PlayerScripts scripts(config);
    std::string_view v[kWatchValueCount];
    scripts.fill(v, config, player);
    v[kTitle] = view.title.empty() ? std::string_view("Untitled video") : std::string_view(view.title);
    v[kVideoId] = view.video_id;
    v[kThumbnail] = a.thumbnail;
    v[kHls] = a.hls;
    v[kMp4] = a.mp4;
    v[kEmbed] = a.player;
    v[kPlayUrl] = a.mp4.empty() ? a.hls : a.mp4;
    v[kAvh] = view.session_token;
    v[kNonce] = nonce;
    std::set<std::string> media;
    for (const std::string* url : {&a.hls, &a.thumbnail, &a.mp4}) {
        if (auto u = parse_url(*url)) media.insert(origin_of(*u));
    }
    Response r;
    common_headers(r, "text/html; charset=utf-8",
                   csp_for(player, joined(media), origin_or_self(a.player), config, nonce, false));
    r.body = players_[static_cast<size_t>(player)].render(v, kWatchValueCount);
    return r;
}

Response Pages::waiting(const Waiting& w, Player player, const Config& config) const {
    std::string nonce = random_hex(16);
    const PlayerScripts scripts(config);
    const std::string seconds = std::to_string(w.seconds);
    std::string_view v[kWatchValueCount];
    scripts.fill(v, config, player);
    v[kTitle] = "Your video is about to start";
    v[kVideoId] = w.video_id;
    v[kNonce] = nonce;
    v[kWaitSeconds] = seconds;
    v[kTurnUrl] = w.json_url;
    v[kRefreshUrl] = w.page_url;
    // The video's hosts are known from this account's earlier answers; before any, https.
    std::string origins = w.asset_origins.empty() ? " https:" : joined(w.asset_origins);
    Response r;
    common_headers(r, "text/html; charset=utf-8",
                   csp_for(player, origins, w.asset_origins.empty() ? "https:" : origins, config, nonce, true));
    r.body = players_[static_cast<size_t>(player)].render(v, kWatchValueCount);
    return r;
}

Response Pages::waiting_json(const Waiting& w) const {
    Response r;
    r.status = 503;
    common_headers(r, "application/problem+json; charset=utf-8", "default-src 'none'; frame-ancestors 'none'");
    r.headers.emplace_back("Retry-After", std::to_string(w.seconds));
    r.body = watch::waiting_json(w.seconds, w.ticket);
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
