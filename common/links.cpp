// Signed watch links (see links.h).
#include "common/links.h"

#include "common/crypto.h"

namespace watch {

const char* link_check_name(LinkCheck c) {
    switch (c) {
        case LinkCheck::Valid: return "valid";
        case LinkCheck::Missing: return "no exp or sig";
        case LinkCheck::Malformed: return "malformed exp or sig";
        case LinkCheck::Expired: return "link expired";
        case LinkCheck::BadSignature: return "bad signature";
    }
    return "?";
}

std::string link_signature(const std::string& secret, const std::string& video_id, long long exp) {
    return base64url_encode(hmac_sha256(secret, video_id + "." + std::to_string(exp)));
}

LinkCheck check_link(const std::string& secret, const std::string& video_id, const std::string& exp,
                     const std::string& sig, long long now) {
    if (exp.empty() || sig.empty()) return LinkCheck::Missing;
    // exp is written exactly as link_signature writes it: digits, no sign, no leading zero.
    if (exp.size() > 12 || exp.find_first_not_of("0123456789") != std::string::npos || exp[0] == '0') {
        return LinkCheck::Malformed;
    }
    long long e = std::stoll(exp);
    // Compare the signature before the expiry, so an expired link with a forged signature
    // is reported as forged.
    if (!constant_time_equal(sig, link_signature(secret, video_id, e))) return LinkCheck::BadSignature;
    if (e <= now) return LinkCheck::Expired;
    return LinkCheck::Valid;
}

std::string signed_query(const std::string& secret, const std::string& video_id, long long exp) {
    return "id=" + video_id + "&exp=" + std::to_string(exp) + "&sig=" + link_signature(secret, video_id, exp);
}

}  // namespace watch
