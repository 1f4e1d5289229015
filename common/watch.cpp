// The /watch flow, step by step as README.md tells it: validate the request, check the
// link and the allow-list, reuse a remembered session, respect api.video's rate limit,
// read the video, trade its private token for a session, answer. Each failure maps onto
// the error table and leaves one log line: which step, the video, how long the calls took.
#include "common/watch.h"

#include <chrono>
#include <ctime>
#include <exception>

#include "common/apivideo.h"
#include "common/links.h"
#include "common/url.h"
#include "common/viewer_cookie.h"

namespace watch {

namespace {

// api.video's documented session lifetime.
constexpr long long kSessionSeconds = 24 * 3600;

std::string iso_time(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

struct Trace {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    long long now = 0;
    std::string id = "-";
    long video_ms = -1;
    long session_ms = -1;

    // "2026-11-27T20:40:00Z 502 id=vi… step=session ms=41 video_ms=12 session_ms=29: why"
    std::string line(int status, const char* step, const std::string& detail) const {
        long ms = static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - start).count());
        std::string s = iso_time(static_cast<std::time_t>(now)) + " " + std::to_string(status) + " id=" + id +
                        " step=" + step + " ms=" + std::to_string(ms);
        if (video_ms >= 0) s += " video_ms=" + std::to_string(video_ms);
        if (session_ms >= 0) s += " session_ms=" + std::to_string(session_ms);
        if (!detail.empty()) s += ": " + detail;
        return s;
    }
};

class Flow {
   public:
    Flow(const Request& req, const Site& site, HttpClient& http) : req_(req), site_(site), http_(http) {
        trace_.now = req.now;
    }

    Response run() {
        // Decided first, so a custom player gets even a 400 or 405 as problem+json;
        // format= wins over Accept.
        std::string format = requested_format(req_.query);
        json_ = format == "json" || (format.empty() && wants_json(req_.accept));
        if (!req_.missing.empty()) {
            return fail(Failure::Internal, "validate",
                        "the web server sent no " + req_.missing + ": a location without `include fastcgi_params;`?");
        }
        if (req_.method != "GET" && req_.method != "HEAD") {
            return fail(Failure::MethodNotAllowed, "validate", "method " + req_.method.substr(0, 16));
        }
        std::string why;
        if (!parse_watch_params(req_.query, params_, why)) return fail(Failure::BadRequest, "validate", why);
        trace_.id = params_.video_id;
        Player player = config().player;
        if (!params_.player.empty() && !parse_player(params_.player, player)) {
            return fail(Failure::BadRequest, "validate", "player must be videojs, hlsjs, native or embed");
        }

        // Who may watch: a signed link, the allow-list. Neither costs an upstream call.
        if (!config().link_secret.empty()) {
            LinkCheck c = check_link(config().link_secret, params_.video_id, params_.exp, params_.sig, req_.now);
            if (c != LinkCheck::Valid) return fail(Failure::Forbidden, "link", link_check_name(c));
        }
        if (config().allow_list_set && !config().allowed_ids.count(params_.video_id)) {
            return fail(Failure::UnknownVideo, "allow-list", "id not in WATCH_ALLOWED_IDS");
        }

        // A returning viewer: the session given before is still good, api.video is spared.
        std::vector<WatchView> remembered;
        if (!config().cookie_secret.empty()) {
            remembered = read_viewer_cookie(req_.cookie, cookie_signer(), req_.now);
            for (const WatchView& v : remembered) {
                if (v.video_id == params_.video_id) return answer(v, player, "cookie");
            }
        }

        if (long long wait = site_.gate.seconds_left(req_.now)) {
            return fail(Failure::RateLimited, "rate-limit", "waiting for api.video's Retry-After",
                        std::to_string(wait));
        }

        WatchView view;
        if (Response r; !fetch(view, r)) return r;
        Response r = answer(view, player, "done");
        if (!config().cookie_secret.empty()) {
            std::string cookie = viewer_cookie_header(view, remembered, cookie_signer(), req_.path, req_.now);
            if (!cookie.empty()) r.headers.emplace_back("Set-Cookie", cookie);
        }
        return r;
    }

   private:
    const Config& config() const { return site_.config; }

    CookieSigner cookie_signer() const {
        return CookieSigner{config().cookie_secret, config().api_url + "\n" + config().api_key};
    }

    // JSON when the client asks for it and not for HTML (a custom player's fetch).
    static bool wants_json(const std::string& accept) {
        return accept.find("application/json") != std::string::npos && accept.find("text/html") == std::string::npos;
    }

    // The video and, for a private one, its session: false with the error answer in `r`.
    bool fetch(WatchView& view, Response& r) {
        ApiVideo api(config(), http_);
        UpstreamError err;
        Video video;
        if (!api.get_video(params_.video_id, video, err, trace_.video_ms)) {
            if (err.failure == Failure::RateLimited) site_.gate.shut_for(std::stoll(err.retry_after), req_.now);
            r = fail(err.failure, "video", err.detail, err.retry_after);
            return false;
        }
        std::string why;
        if (!assets_usable(video.assets, why)) {
            r = fail(Failure::BadReply, "video", why);
            return false;
        }
        view = WatchView{video.id, video.title, video.assets, "", req_.now + kRememberSeconds,
                         video.is_public.value_or(true)};

        // A public video plays from its asset URLs as they are. So does one marked private
        // whose assets carry no token at all: there is nothing to trade.
        std::optional<PrivateToken> token;
        if (video.is_public != true) token = find_private_token(video);
        if (!token) {
            if (video.is_public != true && mentions_token(video.assets)) {
                r = fail(Failure::NoSession, "token", "the assets carry a token this handler cannot use");
                return false;
            }
            return true;
        }
        if (!api.start_session(token->session_url, view.session_token, err, trace_.session_ms)) {
            if (err.failure == Failure::RateLimited) site_.gate.shut_for(std::stoll(err.retry_after), req_.now);
            r = fail(err.failure, "session", err.detail, err.retry_after);
            return false;
        }
        Assets& a = view.assets;
        for (std::string* url : {&a.hls, &a.thumbnail, &a.mp4, &a.player}) *url = with_session(*url, view.session_token);
        return true;
    }

    // Every asset the page will use must be a URL we would call ourselves: https, or http
    // on loopback (an http asset on an https page would be blocked as mixed content).
    static bool assets_usable(const Assets& a, std::string& why) {
        for (const std::string* url : {&a.hls, &a.thumbnail, &a.mp4, &a.player}) {
            if (!url->empty() && !is_allowed_upstream_url(*url)) {
                why = "an asset URL is not https";
                return false;
            }
        }
        if (a.hls.empty() && a.mp4.empty()) {
            why = "the video has neither an hls nor an mp4 asset";
            return false;
        }
        return true;
    }

    Response answer(const WatchView& view, Player player, const char* step) {
        // The session's own clock, for the JSON answer: 24 h from when it was made.
        WatchView shown = view;
        shown.expires = view.expires - kRememberSeconds + kSessionSeconds;
        if (player == Player::Embed && view.assets.player.empty()) player = Player::VideoJs;
        Response r = json_ ? site_.pages.watch_json(shown) : site_.pages.watch(view, player, config());
        if (config().log == LogLevel::Requests) r.log = trace_.line(r.status, step, "");
        return r;
    }

    Response fail(Failure f, const char* step, const std::string& detail, const std::string& retry_after = "") {
        Response r = site_.pages.error(f, json_, retry_after);
        r.log = trace_.line(r.status, step, detail);
        return r;
    }

    const Request& req_;
    const Site& site_;
    HttpClient& http_;
    Trace trace_;
    WatchParams params_;
    bool json_ = false;
};

}  // namespace

std::string log_line_now(int status, const std::string& step, const std::string& detail) {
    Trace t;
    t.now = static_cast<long long>(std::time(nullptr));
    return t.line(status, step.c_str(), detail);
}

Response handle_watch(const Request& req, const Site& site, HttpClient& http) {
    try {
        return Flow(req, site, http).run();
    } catch (const std::exception& e) {
        // e.what() comes from this program or the standard library, never from a setting.
        try {
            Response r = site.pages.error(Failure::Internal, false);
            r.log = log_line_now(500, "internal", e.what());
            return r;
        } catch (...) {
        }
    } catch (...) {
    }
    // Even the error page failed (out of memory): the smallest answer that is still true.
    Response r;
    r.status = 500;
    r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
    r.headers.emplace_back("Cache-Control", "no-store");
    r.body = "Internal Server Error\n";
    r.log = "500 step=internal: could not render the error page";
    return r;
}

}  // namespace watch
