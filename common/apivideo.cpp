// api.video's calls (see apivideo.h).
#include "common/apivideo.h"

#include <algorithm>

#include "common/json.h"
#include "common/url.h"

namespace watch {

namespace {

// A transport failure (no HTTP status) as a row of the error table.
bool transport_failed(const HttpResult& r, UpstreamError& err) {
    using O = HttpResult::Outcome;
    if (r.outcome == O::Ok) return false;
    err.detail = std::string(outcome_name(r.outcome)) + ": " + r.error;
    switch (r.outcome) {
        case O::Timeout: err.failure = Failure::Timeout; break;
        case O::TooLarge: err.failure = Failure::BadReply; break;
        default: err.failure = Failure::Unreachable; break;
    }
    return true;
}

// The statuses every api.video reply may carry besides its own: a refused key, the
// rate limit. `what` names the call in the log line.
bool common_status_failed(const HttpResult& r, const char* what, UpstreamError& err) {
    if (r.status == 401 || r.status == 403) {
        err.failure = Failure::KeyRefused;
        err.detail = std::string(what) + ": api.video refused the API key (HTTP " + std::to_string(r.status) +
                     "): check APIVIDEO_API_KEY and APIVIDEO_API_URL (sandbox keys need the sandbox URL)";
        return true;
    }
    if (r.status == 429) {
        // Seconds as api.video sends them; absent or odd, a whole window; never more than
        // two, whatever a reply claims.
        long long wait = r.rate.retry_after >= 0 ? r.rate.retry_after : kRateWindowSeconds;
        err.failure = Failure::RateLimited;
        err.retry_after = std::clamp(wait, 1LL, kMaxRateWaitSeconds);
        err.detail =
            std::string(what) + ": api.video rate limit reached, retry after " + std::to_string(err.retry_after) + " s";
        return true;
    }
    return false;
}

// The readers' one way to refuse a reply: `err` says why; false.
bool refuse(UpstreamError& err, Failure failure, std::string detail) {
    err.failure = failure;
    err.detail = std::move(detail);
    return false;
}

// An API read's reply that is no 200, as the error table has it: a transport failure, a
// refused key, the rate limit, or anything else a bad reply. `what` names the read.
bool not_ok(const HttpResult& r, const char* what, UpstreamError& err) {
    if (transport_failed(r, err) || common_status_failed(r, what, err)) return true;
    if (r.status == 200) return false;
    refuse(err, Failure::BadReply, std::string(what) + ": api.video replied HTTP " + std::to_string(r.status));
    return true;
}

}  // namespace

ApiVideo::ApiVideo(const Config& config) : config_(config) {}

HttpCall ApiVideo::call(std::string url, bool with_key) const {
    HttpCall c;
    c.url = std::move(url);
    if (with_key) c.basic_user = config_.api_key;
    c.options.timeout_ms = config_.timeout_ms;
    c.options.connect_timeout_ms = config_.connect_timeout_ms;
    c.options.ca_file = config_.ca_file;
    return c;
}

HttpCall ApiVideo::video(const std::string& id) const { return call(config_.api_url + "/videos/" + id, true); }
HttpCall ApiVideo::live_stream(const std::string& id) const {
    return call(config_.api_url + "/live-streams/" + id, true);
}
HttpCall ApiVideo::session(const std::string& session_url) const { return call(session_url, false); }
HttpCall ApiVideo::key_check() const { return call(config_.api_url + "/videos?pageSize=1", true); }
HttpCall ApiVideo::tracks(const std::string& id, TrackKind kind) const {
    return call(
        config_.api_url + "/videos/" + id + (kind == TrackKind::Captions ? "/captions" : "/chapters") + "?pageSize=100",
        true);
}
HttpCall ApiVideo::status(const std::string& id) const {
    return call(config_.api_url + "/videos/" + id + "/status", true);
}
HttpCall ApiVideo::asset(const std::string& url) const {
    HttpCall c = call(url, false);
    c.accept = "*/*";
    return c;
}

bool ApiVideo::read_video(const std::string& id, MediaKind kind, const HttpResult& r, Video& out,
                          UpstreamError& err) const {
    const bool live = kind == MediaKind::LiveStream;
    const char* what = live ? "live stream" : "video";
    if (r.outcome == HttpResult::Outcome::Ok && r.status == 404) {
        return refuse(err, Failure::UnknownVideo, std::string("api.video has no such ") + what + " for this key");
    }
    if (not_ok(r, what, err)) return false;
    std::string why;
    if (!(live ? parse_live_stream_json(r.body, out, why) : parse_video_json(r.body, out, why)))
        return refuse(err, Failure::BadReply, std::string(what) + " reply: " + why);
    if (out.id != id) {
        return refuse(err, Failure::BadReply,
                      std::string(what) + " reply is for another " + (live ? "liveStreamId" : "videoId"));
    }
    return true;
}

bool ApiVideo::read_session(const HttpResult& r, std::string& token, UpstreamError& err) const {
    if (transport_failed(r, err)) return false;
    // The delivery host takes no key, so a 401 or 403 there says nothing about it.
    if (r.status != 401 && r.status != 403 && common_status_failed(r, "session", err)) return false;
    if (r.status != 200) {
        return refuse(err, Failure::NoSession, "session endpoint replied HTTP " + std::to_string(r.status));
    }
    if (std::string why; !parse_session_json(r.body, token, why)) {
        return refuse(err, Failure::NoSession, "session reply: " + why);
    }
    if (!is_plausible_session_token(token)) {
        return refuse(err, Failure::NoSession, "session reply: session_token has unexpected characters");
    }
    return true;
}

bool ApiVideo::read_tracks(const HttpResult& r, TrackKind kind, std::vector<TextTrack>& out, UpstreamError& err) const {
    const std::string what = kind == TrackKind::Captions ? "captions" : "chapters";
    if (not_ok(r, what.c_str(), err)) return false;
    std::vector<TextTrack> tracks;
    if (std::string why; !parse_tracks_json(r.body, kind, tracks, why)) {
        return refuse(err, Failure::BadReply, what + " reply: " + why);
    }
    // A file the browser is sent to must be one this handler would fetch itself.
    tracks.erase(std::remove_if(tracks.begin(), tracks.end(),
                                [](const TextTrack& t) { return !is_allowed_upstream_url(t.src); }),
                 tracks.end());
    out = std::move(tracks);
    return true;
}

bool ApiVideo::read_status(const HttpResult& r, bool& playable, UpstreamError& err) const {
    if (not_ok(r, "status", err)) return false;
    if (std::string why; !parse_status_json(r.body, playable, why)) {
        return refuse(err, Failure::BadReply, "status reply: " + why);
    }
    return true;
}

std::optional<bool> ApiVideo::read_asset(const HttpResult& r) {
    if (r.outcome != HttpResult::Outcome::Ok) return std::nullopt;
    if (r.status >= 200 && r.status < 300) return true;
    if (r.status == 404) return false;
    return std::nullopt;
}

bool ApiVideo::read_key_check(const HttpResult& r, UpstreamError& err) const { return !not_ok(r, "key check", err); }

}  // namespace watch
