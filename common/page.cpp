// Rendering and the response headers. Each player's Content-Security-Policy allows exactly
// what that player needs (players.h) and the hosts this video's assets come from.
#include "common/page.h"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <set>
#include <string_view>
#include <utility>

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
// Lists (captions, chapters) are named like values; each of their fields follows as
// "list.field", and a row's cells come in that order.
// clang-format off: the two tables are read side by side.
enum WatchValue : size_t {
    kTitle,
    kId,
    kThumbnail,
    kHls,
    kMp4,
    kEmbed,
    kAvh,
    kPlayUrl,
    kNonce,
    kVideojsJs,
    kVideojsCss,
    kVideojsSri,
    kVideojsCssSri,
    kHlsjsJs,
    kHlsjsSri,
    kWaitSeconds,
    kTurnUrl,
    kRefreshUrl,
    kLang,
    kDescription,
    kRobots,
    kOgImage,
    kProcessing,
    kStart,
    kAutoplay,
    kLoop,
    kNoDownload,
    kEmbedFlags,
    kAnalyticsJs,
    kAnalyticsSri,
    kAnalyticsPingUrl,
    kCaptions,
    kCaptionSrc,
    kCaptionLang,
    kCaptionLabel,
    kCaptionDefault,
    kChapters,
    kChapterSrc,
    kChapterLang,
    kChapterLabel,
    kLive,
    kAnalyticsType,
    kWatchValueCount
};
const char* const kWatchNames[] = {"title",
                                   "id",
                                   "thumbnail",
                                   "hls",
                                   "mp4",
                                   "embed",
                                   "avh",
                                   "play_url",
                                   "nonce",
                                   "videojs_js",
                                   "videojs_css",
                                   "videojs_sri",
                                   "videojs_css_sri",
                                   "hlsjs_js",
                                   "hlsjs_sri",
                                   "wait_seconds",
                                   "turn_url",
                                   "refresh_url",
                                   "lang",
                                   "description",
                                   "robots",
                                   "og_image",
                                   "processing",
                                   "start",
                                   "autoplay",
                                   "loop",
                                   "no_download",
                                   "embed_flags",
                                   "analytics_js",
                                   "analytics_sri",
                                   "analytics_ping_url",
                                   "captions",
                                   "captions.src",
                                   "captions.srclang",
                                   "captions.label",
                                   "captions.default",
                                   "chapters",
                                   "chapters.src",
                                   "chapters.srclang",
                                   "chapters.label",
                                   "live",
                                   "analytics_type"};
// clang-format on
constexpr size_t kCaptionFields = 4, kChapterFields = 3;
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
// respond 200 with nothing a browser can show.
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

// The headers every response sends. no-store: pages and JSON hold single-use tokens, so
// neither the browser nor a proxy may keep them. The referrer policy is the browsers'
// default, said explicitly: api.video's domain restriction reads the Referer's origin.
void common_headers(Response& r, const char* content_type, const std::string& csp) {
    r.headers.emplace_back("Content-Type", content_type);
    r.headers.emplace_back("Cache-Control", "no-store, private");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "strict-origin-when-cross-origin");
    r.headers.emplace_back("Content-Security-Policy", csp);
}

// Not for search engines: a private video's page (unless the site says otherwise), and
// the pages that stand in for one (waiting, processing, errors), which show nothing to
// index. Said in the header and, for a page saved or cached without it, in the page.
constexpr const char* kNoIndex = "noindex, nofollow";
void no_index(Response& r) { r.headers.emplace_back("X-Robots-Tag", kNoIndex); }

// What a page calls a video or live stream whose reply gave it no title or name.
std::string_view title_of(const WatchView& v) {
    if (!v.title.empty()) return v.title;
    return v.kind == MediaKind::LiveStream ? "Untitled live stream" : "Untitled video";
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
    if (p.mse)
        csp += "; media-src blob:" + origins + "; worker-src blob:";
    else if (!p.frame)
        csp += "; media-src" + origins;
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

Pages Pages::load(const Template::Loader& source, Compile when) {
    Pages p;
    p.pages_ = std::make_shared<Compiled>();
    p.pages_->source = source;
    if (when == Compile::AtLoad) {
        for (size_t i = 0; i <= kErrorPage; ++i) p.page(i);
    }
    return p;
}

// A compile that throws leaves the page uncompiled: the next answer that needs it tries
// again and throws the same.
const Template& Pages::page(size_t i) const {
    std::optional<Template>& compiled = pages_->pages[i];
    if (!compiled) {
        const bool error = i == kErrorPage;
        const std::string name = error ? "error.html" : player_info(static_cast<Player>(i)).template_name;
        const std::string text = pages_->source(name);
        Template t = error ? Template::compile(name, text, names(kErrorNames), pages_->source)
                           : Template::compile(name, text, names(kWatchNames), pages_->source);
        require_whole_page(name, text);
        compiled = std::move(t);
    }
    return *compiled;
}

namespace {

// The values every player page has: the player scripts of the site, and api.video's
// analytics module where this page reports plays (empty otherwise: no script, no ping).
// A live stream's plays go to the collector's /live, a video's to /vod, each named by
// its type (facts §10.5): the module would read both from a private live URL wrongly.
struct PlayerScripts {
    const char* analytics_type;
    std::string videojs_js, videojs_css, hlsjs_js, analytics_js, analytics_ping_url;
    PlayerScripts(const Config& c, MediaKind kind)
        : analytics_type(kind == MediaKind::LiveStream ? "live" : "vod"),
          videojs_js(c.videojs_url + "/video.min.js"),
          videojs_css(c.videojs_url + "/video-js.min.css"),
          hlsjs_js(c.hlsjs_url + "/hls.min.js"),
          analytics_js(c.analytics == Analytics::Off ? "" : c.analytics_script_url + "/index.js"),
          analytics_ping_url(c.analytics == Analytics::Off ? "" : c.collector_url + "/" + analytics_type) {}
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
            v[kAnalyticsType] = analytics_type;
        }
    }
};

}  // namespace

namespace {

// A page's values that come from the link's player options.
struct OptionValues {
    std::string start, embed_flags;
    OptionValues(const PlayOptions& play, const std::vector<TextTrack>& tracks, const Config& c) {
        if (play.start > 0) start = std::to_string(play.start);
        // api.video's player takes its options as URL fragment flags ("#t=30;loop").
        if (play.start > 0) embed_flags += ";t=" + start;
        if (play.loop) embed_flags += ";loop";
        if (c.captions && std::any_of(tracks.begin(), tracks.end(), [](const TextTrack& t) {
                return t.kind == TrackKind::Captions && t.is_default;
            })) {
            embed_flags += ";show-subtitles";
        }
    }
    void fill(std::string_view* v, const PlayOptions& play) const {
        v[kStart] = start;
        v[kAutoplay] = play.autoplay ? "1" : "";
        v[kLoop] = play.loop ? "1" : "";
        v[kNoDownload] = play.download ? "" : "1";
        v[kEmbedFlags] = embed_flags;
    }
};

// The caption and chapter rows of a page, as the template's lists read them.
struct TrackRows {
    std::vector<std::string> srcs;  // each file with the view's session
    std::vector<std::string_view> captions, chapters;
    TrackRows(const std::vector<TextTrack>& tracks, const std::string& session) {
        srcs.reserve(tracks.size());  // the views below point into it
        for (const TextTrack& t : tracks) {
            srcs.push_back(session.empty() ? t.src : with_session(t.src, session));
            if (t.kind == TrackKind::Captions) {
                captions.insert(captions.end(), {srcs.back(), t.language, t.label, t.is_default ? "1" : ""});
            } else {
                chapters.insert(chapters.end(), {srcs.back(), t.language, t.label});
            }
        }
    }
    void fill(Template::Rows* lists) const {
        lists[kCaptions] = {captions.data(), captions.size() / kCaptionFields};
        lists[kChapters] = {chapters.data(), chapters.size() / kChapterFields};
    }
};

}  // namespace

Response Pages::watch(const WatchView& view, Player player, const Config& config, const PlayOptions& play) const {
    const Assets& a = view.assets;
    std::string nonce = random_hex(16);
    const PlayerScripts scripts(config, view.kind);
    const OptionValues options(play, view.tracks, config);
    const TrackRows rows(view.tracks, view.session_token);
    std::string_view v[kWatchValueCount];
    Template::Rows lists[kWatchValueCount];
    scripts.fill(v, config, player);
    options.fill(v, play);
    rows.fill(lists);
    v[kTitle] = title_of(view);
    v[kId] = view.id;
    if (view.kind == MediaKind::LiveStream) v[kLive] = "1";
    v[kDescription] = view.description;
    v[kLang] = view.language.empty() ? std::string_view("en") : std::string_view(view.language);
    v[kThumbnail] = a.thumbnail;
    v[kHls] = a.hls;
    // download=0: HLS only, and the thumbnail starts the player instead of linking a file.
    v[kMp4] = play.download ? std::string_view(a.mp4) : std::string_view();
    v[kEmbed] = a.player;
    v[kPlayUrl] = !play.download ? std::string_view("#player") : a.mp4.empty() ? a.hls : a.mp4;
    v[kAvh] = view.session_token;
    v[kNonce] = nonce;
    // A private video's thumbnail URL holds its session: no link preview gets it.
    if (view.is_public && is_allowed_upstream_url(a.thumbnail)) v[kOgImage] = a.thumbnail;
    const bool noindex = !view.is_public && config.noindex_private;
    if (noindex) v[kRobots] = kNoIndex;
    std::set<std::string> media;
    for (const std::string* url : {&a.hls, &a.thumbnail, &a.mp4}) {
        if (auto u = parse_url(*url)) media.insert(origin_of(*u));
    }
    for (const TextTrack& t : view.tracks) {
        if (auto u = parse_url(t.src)) media.insert(origin_of(*u));
    }
    Response r;
    common_headers(r, "text/html; charset=utf-8",
                   csp_for(player, joined(media), origin_or_self(a.player), config, nonce, false));
    if (noindex) no_index(r);
    r.body = page(static_cast<size_t>(player)).render(v, kWatchValueCount, lists);
    return r;
}

namespace {

// A page that waits (for a turn, or for the video's encoding): the player's page with the
// countdown in the player's place; it asks `json_url` again by itself after `seconds`,
// or, without script, reloads `page_url`. `v` holds what the caller knows of the video.
// What a waiting page's player will load when its turn comes: the hosts this account's
// videos came from (the video's own are not known yet); before any, https.
std::string origins_for_waiting(const std::set<std::string>& asset_origins) {
    return asset_origins.empty() ? " https:" : joined(asset_origins);
}

Response waiting_page(const Template& page, std::string_view* v, MediaKind kind, Player player, const Config& config,
                      const PlayOptions& play, long long seconds, const std::string& json_url,
                      const std::string& page_url, const std::string& origins, const std::string& embed_origin) {
    const std::string nonce = random_hex(16), wait = std::to_string(seconds);
    const PlayerScripts scripts(config, kind);
    const OptionValues options(play, {}, config);
    Template::Rows lists[kWatchValueCount];
    scripts.fill(v, config, player);
    options.fill(v, play);
    v[kWaitSeconds] = wait;
    v[kTurnUrl] = json_url;
    v[kRefreshUrl] = page_url;
    v[kRobots] = kNoIndex;
    if (v[kLang].empty()) v[kLang] = "en";
    v[kNonce] = nonce;
    Response r;
    common_headers(r, "text/html; charset=utf-8", csp_for(player, origins, embed_origin, config, nonce, true));
    no_index(r);
    r.body = page.render(v, kWatchValueCount, lists);
    return r;
}

}  // namespace

Response Pages::waiting(const Waiting& w, Player player, const Config& config, const PlayOptions& play) const {
    std::string_view v[kWatchValueCount];
    const bool live = w.kind == MediaKind::LiveStream;
    v[kTitle] = live ? "Your live stream is about to start" : "Your video is about to start";
    v[kId] = w.id;
    if (live) v[kLive] = "1";
    const std::string origins = origins_for_waiting(w.asset_origins);
    return waiting_page(page(static_cast<size_t>(player)), v, w.kind, player, config, play, w.seconds, w.json_url,
                        w.page_url, origins, origins);
}

Response Pages::processing(const Processing& p, Player player, const Config& config, const PlayOptions& play) const {
    std::string_view v[kWatchValueCount];
    v[kProcessing] = "1";
    v[kTitle] = title_of(p.view);
    if (p.view.kind == MediaKind::LiveStream) v[kLive] = "1";
    v[kDescription] = p.view.description;
    v[kLang] = p.view.language;
    v[kId] = p.view.id;
    const std::string origins = origins_for_waiting(p.asset_origins);
    return waiting_page(page(static_cast<size_t>(player)), v, p.view.kind, player, config, play, p.seconds, p.json_url,
                        p.page_url, origins, origins);
}

namespace {

// A JSON response that asks again later: the waiting page's turn, a video still encoding.
Response ask_again_json(long long seconds, std::string body) {
    Response r;
    r.status = 503;
    common_headers(r, "application/problem+json; charset=utf-8", "default-src 'none'; frame-ancestors 'none'");
    r.headers.emplace_back("Retry-After", std::to_string(seconds));
    no_index(r);
    r.body = std::move(body);
    return r;
}

}  // namespace

Response Pages::waiting_json(const Waiting& w) const {
    return ask_again_json(w.seconds, watch::waiting_json(w.seconds, w.ticket));
}

Response Pages::processing_json(const Processing& p) const {
    return ask_again_json(p.seconds, p.view.kind == MediaKind::LiveStream ? watch::off_air_json(p.seconds)
                                                                          : watch::processing_json(p.seconds));
}

Response Pages::watch_json(const WatchView& view, const PlayOptions& play) const {
    Response r;
    common_headers(r, "application/json; charset=utf-8", "default-src 'none'; frame-ancestors 'none'");
    if (!view.is_public) no_index(r);
    if (play.download) {
        r.body = watch::watch_json(view);
    } else {
        WatchView without_mp4 = view;
        without_mp4.assets.mp4.clear();
        r.body = watch::watch_json(without_mp4);
    }
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
        r.body = page(kErrorPage).render(v, kErrorValueCount);
    }
    no_index(r);
    if (failure == Failure::MethodNotAllowed) r.headers.emplace_back("Allow", "GET, HEAD");
    if (retry_after > 0) r.headers.emplace_back("Retry-After", std::to_string(retry_after));
    return r;
}

}  // namespace watch
