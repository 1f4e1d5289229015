// Signed, expiring watch links: with WATCH_LINK_SECRET set, /watch serves only links a
// site's own backend made (or `apivideo-watch sign`). The signature is
// base64url(HMAC-SHA256(secret, "{id}.{exp}")), exp in Unix seconds.
#pragma once
#include <string>

namespace watch {

enum class LinkCheck { Valid, Missing, Malformed, Expired, BadSignature };
const char* link_check_name(LinkCheck c);

std::string link_signature(const std::string& secret, const std::string& video_id, long long exp);

// Checks exp and sig (as they came in the query) for `video_id` at time `now`.
LinkCheck check_link(const std::string& secret, const std::string& video_id, const std::string& exp,
                     const std::string& sig, long long now);

// "id=…&exp=…&sig=…": the query of a link valid until `exp`.
std::string signed_query(const std::string& secret, const std::string& video_id, long long exp);

}  // namespace watch
