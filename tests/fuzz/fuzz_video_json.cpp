// libFuzzer target: the JSON the handler reads (common/json.h) as arbitrary bytes: the
// GET /videos/{id} and GET /live-streams/{id} replies, the /session reply and the
// returning-viewer cookie's payload.
// A video that parses then goes through find_private_token and with_session as the
// handler would use it, and what the handler writes back (the JSON response, the cookie
// payload) must read back the same. Built by `make fuzz` (mk/fuzz.mk) only.
#include <rapidjson/document.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/escape.h"
#include "common/json.h"
#include "tests/fuzz/token_checks.h"

namespace {

std::string member(const rapidjson::Value& o, const char* name) {
    auto it = o.FindMember(name);
    if (it == o.MemberEnd() || !it->value.IsString()) return "<absent>";
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

// watch_json's output is JSON that says what the view says.
void check_watch_json(const watch::WatchView& v) {
    const std::string out = watch::watch_json(v);
    rapidjson::Document d;
    d.Parse(out.data(), out.size());
    FUZZ_CHECK(!d.HasParseError() && d.IsObject(), fuzz::show(out));
    const char* id = v.kind == watch::MediaKind::LiveStream ? "liveStreamId" : "videoId";
    FUZZ_CHECK(member(d, id) == v.id && member(d, "title") == v.title, fuzz::show(out));
    auto assets = d.FindMember("assets");
    FUZZ_CHECK(assets != d.MemberEnd() && assets->value.IsObject(), fuzz::show(out));
    FUZZ_CHECK(v.assets.hls.empty() || member(assets->value, "hls") == v.assets.hls, fuzz::show(out));
}

bool same(const watch::WatchView& a, const watch::WatchView& b) {
    return a.id == b.id && a.title == b.title && a.session_token == b.session_token && a.expires == b.expires &&
           a.assets.hls == b.assets.hls && a.assets.thumbnail == b.assets.thumbnail && a.assets.mp4 == b.assets.mp4 &&
           a.assets.player == b.assets.player;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view body(reinterpret_cast<const char*>(data), size);

    for (watch::MediaKind kind : {watch::MediaKind::Video, watch::MediaKind::LiveStream}) {
        watch::Video v;
        std::string err;
        const bool parsed = kind == watch::MediaKind::Video ? watch::parse_video_json(body, v, err)
                                                            : watch::parse_live_stream_json(body, v, err);
        if (parsed) {
            FUZZ_CHECK(v.kind == kind, "a reply read as the other kind");
            FUZZ_CHECK(kind == watch::MediaKind::Video || v.assets.mp4.empty(), "a live stream with an MP4");
            FUZZ_CHECK(body.size() <= watch::kMaxJsonBytes, "accepted an oversized body");
            // The reply is UTF-8 validated: nothing that reaches the page is invalid UTF-8.
            for (const std::string* s :
                 {&v.id, &v.title, &v.assets.hls, &v.assets.thumbnail, &v.assets.mp4, &v.assets.player}) {
                FUZZ_CHECK(watch::is_valid_utf8(*s), "accepted " + fuzz::show(*s) + " from " + fuzz::show(body));
            }
            fuzz::check_token_flow(v, "2d1c2b0e-session.token_1");
            watch::WatchView view;
            view.kind = v.kind;
            view.id = v.id;
            view.title = v.title;
            view.assets = v.assets;
            view.session_token = "2d1c2b0e-session.token_1";
            view.expires = 1700000000;
            check_watch_json(view);
        } else {
            // The reason goes to the log: one short line.
            FUZZ_CHECK(!err.empty() && err.size() < 200 && err.find('\n') == std::string::npos, fuzz::show(err));
        }
    }

    std::string session, why;
    if (watch::parse_session_json(body, session, why)) {
        FUZZ_CHECK(body.size() <= watch::kMaxJsonBytes, "accepted an oversized session body");
    }

    // The cookie's payload: what is read is written back the same and reads back the same.
    std::vector<watch::WatchView> views;
    if (watch::views_from_json(body, views)) {
        const std::string again = watch::views_to_json(views);
        std::vector<watch::WatchView> reread;
        FUZZ_CHECK(watch::views_from_json(again, reread), fuzz::show(body) + " wrote " + fuzz::show(again));
        FUZZ_CHECK(reread.size() == views.size(), fuzz::show(body));
        for (size_t i = 0; i < views.size(); ++i) FUZZ_CHECK(same(views[i], reread[i]), fuzz::show(body));
        for (const auto& view : views) check_watch_json(view);
    }
    return 0;
}
