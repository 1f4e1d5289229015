// The invariants of the private-token flow (common/video.h), shared by the token and the
// video JSON targets: what find_private_token and with_session promise for any Video.
#pragma once
#include <optional>
#include <string>

#include "common/escape.h"
#include "common/request.h"
#include "common/url.h"
#include "common/video.h"
#include "tests/fuzz/fuzz_check.h"

namespace fuzz {

inline std::string describe(const watch::Video& v) {
    return "id=" + show(v.id) + " hls=" + show(v.assets.hls) + " thumbnail=" + show(v.assets.thumbnail) +
           " mp4=" + show(v.assets.mp4) + " player=" + show(v.assets.player);
}

// What watch.cpp checks before it looks for a token: every asset present is a URL the
// handler would call (https, or http on loopback).
inline bool assets_allowed(const watch::Assets& a) {
    for (const std::string* u : {&a.hls, &a.thumbnail, &a.mp4, &a.player}) {
        if (!u->empty() && !watch::is_allowed_upstream_url(*u)) return false;
    }
    return true;
}

inline bool ends_with(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

inline void check_token_flow(const watch::Video& v, const std::string& session_token) {
    const std::optional<watch::PrivateToken> tok = watch::find_private_token(v);
    if (tok) {
        // Where the session is made: a video's beside its token, a live stream's at the
        // SDKs' shape (apivideo-facts §10.3).
        const std::string tail = v.kind == watch::MediaKind::LiveStream
                                     ? "/private/" + tok->token + "/" + v.id + "/session"
                                     : "/token/" + tok->token + "/session";
        FUZZ_CHECK(watch::is_plausible_token(tok->token), show(tok->token) + " from " + describe(v));
        FUZZ_CHECK(watch::mentions_token(v.assets), describe(v));
        FUZZ_CHECK(ends_with(tok->session_url, tail), show(tok->session_url) + " from " + describe(v));
        // What the handler guarantees before it looks for a token: every asset is a URL it
        // may call (watch.cpp), and videoId is the requested, validated id (apivideo.cpp).
        if (assets_allowed(v.assets) && watch::media_kind_of(v.id) == v.kind) {
            // The session call goes where the handler may call, on an asset's own origin,
            // and its path (not a query or fragment) is the token's /session.
            FUZZ_CHECK(watch::is_allowed_upstream_url(tok->session_url),
                       show(tok->session_url) + " from " + describe(v));
            auto s = watch::parse_url(tok->session_url);
            FUZZ_CHECK(s.has_value(), show(tok->session_url));
            std::string path = s->rest.substr(0, s->rest.find_first_of("?#"));
            FUZZ_CHECK(ends_with(path, tail), show(tok->session_url) + " from " + describe(v));
            bool same_origin = false;
            for (const std::string* u : {&v.assets.hls, &v.assets.thumbnail, &v.assets.mp4}) {
                auto a = watch::parse_url(*u);
                same_origin = same_origin || (a && watch::origin_of(*a) == watch::origin_of(*s));
            }
            FUZZ_CHECK(same_origin, show(tok->session_url) + " from " + describe(v));
        }
    }

    // The session goes on every asset as avh, and an allowed URL stays allowed.
    for (const std::string* u : {&v.assets.hls, &v.assets.thumbnail, &v.assets.mp4, &v.assets.player}) {
        std::string with = watch::with_session(*u, session_token);
        FUZZ_CHECK(with.empty() == u->empty(), show(*u));
        if (u->empty()) continue;
        FUZZ_CHECK(with.find("avh=" + watch::percent_encode(session_token)) != std::string::npos, show(with));
        if (watch::is_allowed_upstream_url(*u)) {
            FUZZ_CHECK(watch::is_allowed_upstream_url(with), show(*u) + " became " + show(with));
            auto before = watch::parse_url(*u);
            auto after = watch::parse_url(with);
            FUZZ_CHECK(after && watch::origin_of(*before) == watch::origin_of(*after), show(with));
        }
    }
}

}  // namespace fuzz
