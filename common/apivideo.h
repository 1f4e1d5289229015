// api.video's calls of a page view, as data the driver makes, and the reading of their
// replies: statuses map onto the error table here and nowhere else. The API key goes to
// the API host only.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/config.h"
#include "common/errors.h"
#include "common/http_client.h"
#include "common/video.h"

namespace watch {

// api.video's rate-limit window (apivideo-facts.md: reads per minute). A wait taken
// from a reply's headers is never longer than two of them.
inline constexpr long long kRateWindowSeconds = 60;
inline constexpr long long kMaxRateWaitSeconds = 2 * kRateWindowSeconds;

struct UpstreamError {
    Failure failure = Failure::Internal;
    std::string detail;         // for the log: what happened, never a secret
    long long retry_after = 0;  // with RateLimited: seconds before api.video may be asked again
};

class ApiVideo {
   public:
    explicit ApiVideo(const Config& config);

    // GET {api}/videos/{id}; `id` must already be valid.
    HttpCall video(const std::string& id) const;
    // GET {api}/live-streams/{id}: the same key, a read like the video's (facts §10.1).
    HttpCall live_stream(const std::string& id) const;
    // GET the session endpoint, with no credentials.
    HttpCall session(const std::string& session_url) const;
    // One cheap authenticated read (the first page of the video list): --check --online.
    HttpCall key_check() const;
    // GET {api}/videos/{id}/captions or /chapters: the first 100, more than a player shows.
    HttpCall tracks(const std::string& id, TrackKind kind) const;
    // GET an asset on the delivery host (with its session): is the video encoded yet?
    HttpCall asset(const std::string& url) const;
    // GET {api}/videos/{id}/status: what api.video says of it (a read).
    HttpCall status(const std::string& id) const;

    // The video in a reply to video(id), or the live stream (`kind`) in a reply to
    // live_stream(id); false with `err` set for anything unusable.
    [[nodiscard]] bool read_video(const std::string& id, MediaKind kind, const HttpResult& r, Video& out,
                                  UpstreamError& err) const;
    // A plausible session token in a reply to session().
    [[nodiscard]] bool read_session(const HttpResult& r, std::string& token, UpstreamError& err) const;
    [[nodiscard]] bool read_key_check(const HttpResult& r, UpstreamError& err) const;
    // The list in a reply to tracks(); its src URLs must be URLs this handler would call.
    [[nodiscard]] bool read_tracks(const HttpResult& r, TrackKind kind, std::vector<TextTrack>& out,
                                   UpstreamError& err) const;
    // A reply to asset(): true when it exists, false when the delivery host has it not
    // (404: still encoding), nullopt when the reply says neither.
    static std::optional<bool> read_asset(const HttpResult& r);
    // Whether api.video says the video plays (encoding.playable).
    [[nodiscard]] bool read_status(const HttpResult& r, bool& playable, UpstreamError& err) const;

   private:
    HttpCall call(std::string url, bool with_key) const;
    const Config& config_;
};

}  // namespace watch
