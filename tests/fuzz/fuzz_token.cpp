// libFuzzer target: find_private_token and with_session (common/video.h) on a Video
// whose asset URLs are the input's lines: hls, thumbnail, mp4, player, then optionally a
// video or live stream id (its kind the id's) and a session token (each used only when it passes the handler's own
// check, as in the real flow). Built by `make fuzz` (mk/fuzz.mk) only.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/request.h"
#include "tests/fuzz/token_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> lines;
    while (!in.empty() && lines.size() < 6) {
        size_t nl = in.find('\n');
        lines.emplace_back(in.substr(0, nl));
        in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
    }
    lines.resize(6);

    watch::Video v;
    // The core reads only a reply whose id equals the requested, validated one; a live
    // stream's reply has no MP4.
    const std::optional<watch::MediaKind> kind = watch::media_kind_of(lines[4]);
    v.id = kind ? lines[4] : "vi5fG2hPr1vAtEpr1vAtE001";
    v.kind = kind.value_or(watch::MediaKind::Video);
    if (v.kind == watch::MediaKind::LiveStream) lines[2].clear();
    v.assets.hls = lines[0];
    v.assets.thumbnail = lines[1];
    v.assets.mp4 = lines[2];
    v.assets.player = lines[3];
    // start_session() only returns a plausible session token.
    std::string session = watch::is_plausible_session_token(lines[5]) ? lines[5] : "2d1c2b0e-session.token_1";
    fuzz::check_token_flow(v, session);
    return 0;
}
