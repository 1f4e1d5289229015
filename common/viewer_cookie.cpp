// The returning-viewer cookie (see viewer_cookie.h). Value: base64url(payload) "."
// base64url(HMAC-SHA256(secret, context + payload)); the context keeps a cookie's
// signature from ever passing for a link signature made with the same secret.
#include "common/viewer_cookie.h"

#include "common/crypto.h"
#include "common/json.h"
#include "common/request.h"
#include "common/response.h"

namespace watch {

namespace {

constexpr const char* kContext = "apivideo-watch viewer cookie v1\n";
// Browsers keep cookies up to 4096 bytes, name and attributes included.
constexpr size_t kMaxValue = 3600;

std::string sign(const CookieSigner& signer, const std::string& payload_b64) {
    return base64url_encode(hmac_sha256(signer.secret, kContext + signer.site + "\n" + payload_b64));
}

// A session with enough time left, and none claimed beyond what api.video gives.
bool reusable(const WatchView& v, long long now) {
    return v.expires - kSessionMarginSeconds > now && v.expires <= now + kSessionSeconds;
}

}  // namespace

std::vector<WatchView> read_viewer_cookie(const std::string& cookie_header, const CookieSigner& signer, long long now) {
    std::string value = cookie_value(cookie_header, kCookieName);
    size_t dot = value.find('.');
    if (value.empty() || value.size() > kMaxValue || dot == std::string::npos) return {};
    std::string payload_b64 = value.substr(0, dot);
    if (!constant_time_equal(value.substr(dot + 1), sign(signer, payload_b64))) return {};
    std::string payload;
    std::vector<WatchView> views;
    if (!base64url_decode(payload_b64, payload) || !views_from_json(payload, views)) return {};
    std::vector<WatchView> live;
    for (WatchView& v : views) {
        if (reusable(v, now)) live.push_back(std::move(v));
    }
    return live;
}

std::string viewer_cookie_header(const WatchView& view, const std::vector<WatchView>& others,
                                 const CookieSigner& signer, const std::string& path, long long now) {
    std::vector<WatchView> keep = {view};
    for (const WatchView& v : others) {
        if (keep.size() >= kRememberMaxVideos) break;
        if (v.id != view.id && reusable(v, now)) keep.push_back(v);
    }
    std::string value;
    // Drop the oldest until the cookie fits; a video alone too large is not remembered.
    while (!keep.empty()) {
        std::string payload_b64 = base64url_encode(views_to_json(keep));
        value = payload_b64 + "." + sign(signer, payload_b64);
        if (value.size() <= kMaxValue) break;
        keep.pop_back();
        value.clear();
    }
    if (value.empty()) return "";
    long long max_age = 0;
    for (const WatchView& v : keep) max_age = std::max(max_age, v.expires - kSessionMarginSeconds - now);
    return set_cookie(kCookieName, value, max_age, path);
}

}  // namespace watch
