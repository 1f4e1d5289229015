// Rendering and the page headers. The Content-Security-Policy names exactly the hosts
// this page's assets and player come from.
#include "common/page.h"

#include <sys/random.h>

#include <set>
#include <stdexcept>

#include "common/url.h"

namespace watch {

namespace {

const std::set<std::string> kWatchNames = {"title",  "video_id", "thumbnail", "hls",        "mp4",
                                           "avh",    "play_url", "nonce",     "player_js",  "player_css",
                                           "player_js_sri", "player_css_sri"};
const std::set<std::string> kErrorNames = {"title", "message", "status", "nonce"};

const char* find_builtin(const char* name) {
    for (const BuiltinTemplate& t : builtin_templates()) {
        if (std::string(t.name) == name) return t.source;
    }
    throw TemplateError(std::string(name) + ": not built in");
}

// The headers every page sends. no-store: the page holds single-use tokens, so neither
// the browser nor a proxy may keep it. The referrer policy is the browsers' default,
// said explicitly: api.video's domain restriction reads the origin from the Referer.
void common_headers(Response& r, const std::string& csp) {
    r.headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    r.headers.emplace_back("Cache-Control", "no-store, private");
    r.headers.emplace_back("X-Content-Type-Options", "nosniff");
    r.headers.emplace_back("Referrer-Policy", "strict-origin-when-cross-origin");
    r.headers.emplace_back("Content-Security-Policy", csp);
}

std::string join(const std::set<std::string>& s) {
    std::string out;
    for (const auto& x : s) out += " " + x;
    return out;
}

}  // namespace

std::string make_nonce() {
    unsigned char bytes[16];
    if (getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
        throw std::runtime_error("getrandom failed");
    }
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 0xF];
    }
    return out;
}

Pages Pages::builtin() {
    return Pages(Template::compile("watch.html", find_builtin("watch.html"), kWatchNames),
                 Template::compile("error.html", find_builtin("error.html"), kErrorNames));
}

Response Pages::watch(const WatchView& view, const Config& config) const {
    const Assets& a = view.assets;
    std::string nonce = make_nonce();

    std::set<std::string> asset_origins;
    for (const std::string* url : {&a.hls, &a.thumbnail, &a.mp4}) {
        if (auto u = parse_url(*url)) asset_origins.insert(origin_of(*u));
    }
    std::string player_origin = "'self'";
    if (auto u = parse_url(config.player_url)) player_origin = origin_of(*u);
    std::string assets = join(asset_origins);

    // video.js: its script and stylesheet, the icon font (a data: URL in its CSS), MSE
    // media and workers from blob: URLs, and XHR for HLS playlists and segments.
    std::string csp = "default-src 'none'; script-src 'nonce-" + nonce + "' " + player_origin +
                      "; style-src 'nonce-" + nonce + "' " + player_origin + "; font-src data: " + player_origin +
                      "; img-src" + assets + "; media-src blob:" + assets + "; connect-src" + assets +
                      "; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'";

    TemplateValues v = {
        {"title", view.title.empty() ? "Untitled video" : view.title},
        {"video_id", view.video_id},
        {"thumbnail", a.thumbnail},
        {"hls", a.hls},
        {"mp4", a.mp4},
        {"play_url", a.mp4.empty() ? a.hls : a.mp4},
        {"avh", view.session_token},
        {"nonce", nonce},
        {"player_js", config.player_url + "/video.min.js"},
        {"player_css", config.player_url + "/video-js.min.css"},
        {"player_js_sri", config.player_js_sri},
        {"player_css_sri", config.player_css_sri},
    };
    Response r;
    r.status = 200;
    common_headers(r, csp);
    r.body = watch_.render(v);
    return r;
}

Response Pages::error(Failure failure, const std::string& retry_after) const {
    const ErrorInfo& e = error_info(failure);
    std::string nonce = make_nonce();
    Response r;
    r.status = e.status;
    common_headers(r, "default-src 'none'; style-src 'nonce-" + nonce +
                          "'; base-uri 'none'; form-action 'none'; frame-ancestors 'self'");
    if (failure == Failure::MethodNotAllowed) r.headers.emplace_back("Allow", "GET, HEAD");
    if (failure == Failure::RateLimited) r.headers.emplace_back("Retry-After", retry_after.empty() ? "60" : retry_after);
    r.body = error_.render({{"title", e.title},
                            {"message", e.message},
                            {"status", std::to_string(e.status)},
                            {"nonce", nonce}});
    return r;
}

}  // namespace watch
