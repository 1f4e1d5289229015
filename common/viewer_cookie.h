// The returning-viewer cookie: the videos (asset URLs and session tokens) a viewer was
// given, signed with HMAC-SHA256 under WATCH_COOKIE_SECRET, so a reload within the
// session costs no api.video call and nothing is kept on the server.
#pragma once
#include <string>
#include <vector>

#include "common/video.h"

namespace watch {

inline constexpr const char* kCookieName = "apivideo_watch";
// A remembered session is reused only while this much of it is left, so it never runs
// out while a page plays.
inline constexpr long long kSessionMarginSeconds = 3600;
inline constexpr size_t kRememberMaxVideos = 4;

// Who a cookie is for: the secret that signs it and the site it was given by (its
// api.video account: API URL and key), so sites sharing a secret never honour each
// other's cookies (a video one account may show, another may not).
struct CookieSigner {
    std::string secret;
    std::string site;  // never written out: only signed over
};

// The remembered videos in the request's Cookie header: those whose signature checks
// and whose time is not up. Anything forged, foreign or garbled: empty.
std::vector<WatchView> read_viewer_cookie(const std::string& cookie_header, const CookieSigner& signer, long long now);

// The Set-Cookie value that remembers `view` (first) with the still-valid `others`,
// within the count and size bounds, scoped to `path`.
std::string viewer_cookie_header(const WatchView& view, const std::vector<WatchView>& others,
                                 const CookieSigner& signer, const std::string& path, long long now);

}  // namespace watch
