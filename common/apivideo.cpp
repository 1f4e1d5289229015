// api.video's two calls: see apivideo.h. Statuses map onto the error table here and
// nowhere else.
#include "common/apivideo.h"

#include "common/json.h"

namespace watch {

ApiVideo::ApiVideo(const Config& config, HttpClient& http) : config_(config), http_(http) {
    options_.timeout_ms = config.timeout_ms;
    options_.connect_timeout_ms = config.connect_timeout_ms;
    options_.ca_file = config.ca_file;
}

// A transport failure (no HTTP status) as a Failure.
static bool transport_failed(const HttpResult& r, UpstreamError& err) {
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

static std::string retry_after_or_default(const std::string& v) {
    // A number of seconds, as api.video sends; anything else (or an HTTP date) becomes a
    // minute, the length of api.video's rate-limit window.
    if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos) return "60";
    return v;
}

bool ApiVideo::get_video(const std::string& id, Video& out, UpstreamError& err, long& ms) {
    HttpResult r = http_.get(config_.api_url + "/videos/" + id, config_.api_key, "application/json", options_);
    ms = r.elapsed_ms;
    if (transport_failed(r, err)) return false;
    switch (r.status) {
        case 200: break;
        case 404:
            err.failure = Failure::UnknownVideo;
            err.detail = "api.video has no such video for this key";
            return false;
        case 401:
        case 403:
            err.failure = Failure::KeyRefused;
            err.detail = "api.video refused the API key (HTTP " + std::to_string(r.status) +
                         "): check APIVIDEO_API_KEY and APIVIDEO_API_URL (sandbox keys need the sandbox URL)";
            return false;
        case 429:
            err.failure = Failure::RateLimited;
            err.retry_after = retry_after_or_default(r.retry_after);
            err.detail = "api.video rate limit reached, retry after " + err.retry_after + " s";
            return false;
        default:
            err.failure = Failure::BadReply;
            err.detail = "api.video answered HTTP " + std::to_string(r.status);
            return false;
    }
    if (std::string why = parse_video_json(r.body, out); !why.empty()) {
        err.failure = Failure::BadReply;
        err.detail = "video reply: " + why;
        return false;
    }
    if (out.id != id) {
        err.failure = Failure::BadReply;
        err.detail = "video reply is for another videoId";
        return false;
    }
    return true;
}

bool ApiVideo::check_key(UpstreamError& err) {
    HttpResult r = http_.get(config_.api_url + "/videos?pageSize=1", config_.api_key, "application/json", options_);
    if (transport_failed(r, err)) return false;
    if (r.status == 200) return true;
    err.failure = r.status == 401 || r.status == 403 ? Failure::KeyRefused : Failure::BadReply;
    err.detail = r.status == 401 || r.status == 403
                     ? "api.video refused the API key (HTTP " + std::to_string(r.status) +
                           "): check APIVIDEO_API_KEY and APIVIDEO_API_URL (sandbox keys need the sandbox URL)"
                     : "api.video answered HTTP " + std::to_string(r.status);
    return false;
}

bool ApiVideo::start_session(const std::string& session_url, std::string& session_token, UpstreamError& err,
                             long& ms) {
    HttpResult r = http_.get(session_url, "", "application/json", options_);
    ms = r.elapsed_ms;
    if (transport_failed(r, err)) return false;
    if (r.status == 429) {
        err.failure = Failure::RateLimited;
        err.retry_after = retry_after_or_default(r.retry_after);
        err.detail = "session endpoint rate limit, retry after " + err.retry_after + " s";
        return false;
    }
    if (r.status != 200) {
        err.failure = Failure::NoSession;
        err.detail = "session endpoint answered HTTP " + std::to_string(r.status);
        return false;
    }
    if (std::string why = parse_session_json(r.body, session_token); !why.empty()) {
        err.failure = Failure::NoSession;
        err.detail = "session reply: " + why;
        return false;
    }
    if (!is_plausible_session_token(session_token)) {
        err.failure = Failure::NoSession;
        err.detail = "session reply: session_token has unexpected characters";
        return false;
    }
    return true;
}

}  // namespace watch
