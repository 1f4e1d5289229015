// The /watch flow, step by step as the README tells it: validate, read the video, find
// the private token, trade it for a session, render. Each failure maps onto the error
// table and leaves one log line saying which step failed and how long the calls took.
#include "common/watch.h"

#include <chrono>
#include <exception>

#include "common/apivideo.h"
#include "common/url.h"

namespace watch {

namespace {

struct Trace {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    std::string id = "-";
    long video_ms = -1;
    long session_ms = -1;

    long elapsed_ms() const {
        return static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now() - start).count());
    }
};

// "502 id=vi… step=session ms=41 video_ms=12 session_ms=29: session endpoint answered HTTP 404"
std::string log_line(int status, const Trace& t, const char* step, const std::string& detail) {
    std::string s = std::to_string(status) + " id=" + t.id + " step=" + step + " ms=" + std::to_string(t.elapsed_ms());
    if (t.video_ms >= 0) s += " video_ms=" + std::to_string(t.video_ms);
    if (t.session_ms >= 0) s += " session_ms=" + std::to_string(t.session_ms);
    if (!detail.empty()) s += ": " + detail;
    return s;
}

Response fail(const Services& s, Failure f, const Trace& t, const char* step, const std::string& detail,
              const std::string& retry_after = "") {
    Response r = s.pages.error(f, retry_after);
    r.log = log_line(r.status, t, step, detail);
    return r;
}

// Every asset the page will use must be a URL we would call ourselves: https, or http on
// loopback. An http asset on an https page would be blocked as mixed content anyway.
bool assets_usable(const Assets& a, std::string& why) {
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

Response serve(const Request& req, const Services& s, Trace& t) {
    if (req.method != "GET" && req.method != "HEAD") {
        return fail(s, Failure::MethodNotAllowed, t, "validate", "method " + req.method.substr(0, 16));
    }
    WatchParams params;
    std::string why;
    if (!parse_watch_params(req.query, params, why)) return fail(s, Failure::BadRequest, t, "validate", why);
    t.id = params.video_id;

    ApiVideo api(s.config, s.http);
    UpstreamError err;
    Video video;
    if (!api.get_video(params.video_id, video, err, t.video_ms)) {
        return fail(s, err.failure, t, "video", err.detail, err.retry_after);
    }
    if (!assets_usable(video.assets, why)) return fail(s, Failure::BadReply, t, "video", why);

    WatchView view{video.id, video.title, video.assets, ""};
    // A public video plays from its asset URLs as they are. So does one that says it is
    // private but whose assets carry no token: there is nothing to trade.
    std::optional<PrivateToken> token;
    if (video.is_public != true) token = find_private_token(video);
    if (video.is_public != true && !token && mentions_token(video.assets)) {
        return fail(s, Failure::NoSession, t, "token", "the assets carry a token this handler cannot use");
    }
    if (token) {
        if (!api.start_session(token->session_url, view.session_token, err, t.session_ms)) {
            return fail(s, err.failure, t, "session", err.detail, err.retry_after);
        }
        Assets& a = view.assets;
        for (std::string* url : {&a.hls, &a.thumbnail, &a.mp4, &a.player}) {
            *url = with_session(*url, view.session_token);
        }
    }
    Response r = s.pages.watch(view, s.config);
    return r;
}

}  // namespace

Response handle_watch(const Request& req, const Services& s) {
    Trace t;
    try {
        return serve(req, s, t);
    } catch (const std::exception& e) {
        // e.what() comes from our own code or the standard library, never from a setting.
        try {
            return fail(s, Failure::Internal, t, "internal", e.what());
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
