// The two api.video calls of a page view, and the mapping of their failures onto the
// error table. The API key goes to the API host only.
#pragma once
#include <string>

#include "common/config.h"
#include "common/errors.h"
#include "common/http_client.h"
#include "common/video.h"

namespace watch {

struct UpstreamError {
    Failure failure = Failure::Internal;
    std::string detail;       // for the log: what happened, never a secret
    std::string retry_after;  // seconds, with RateLimited
};

class ApiVideo {
   public:
    ApiVideo(const Config& config, HttpClient& http);

    // GET {api}/videos/{id}. `id` must already be valid. `ms` gets the call's duration.
    bool get_video(const std::string& id, Video& out, UpstreamError& err, long& ms);

    // GET the session endpoint (no credentials). Returns a plausible session token.
    bool start_session(const std::string& session_url, std::string& session_token, UpstreamError& err, long& ms);

    // One cheap authenticated read (the first page of the video list) to prove the key
    // and the API URL work: --check --online.
    bool check_key(UpstreamError& err);

   private:
    const Config& config_;
    HttpClient& http_;
    HttpOptions options_;
};

}  // namespace watch
