// The players a page can use, one row each with all that differs between them: the name
// a site or a link asks for, the template, the script it loads and what its Content-
// Security-Policy must allow. Adding a player is a row here and a template in html/.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace watch {

enum class Player { VideoJs, HlsJs, Native, Embed };
inline constexpr size_t kPlayerCount = 4;

struct PlayerInfo {
    Player player;
    const char* name;           // in WATCH_PLAYER and ?player=
    const char* template_name;  // in html/
    // The script folder it loads from: none, WATCH_PLAYER_URL (video.js, with its
    // stylesheet and icon font) or WATCH_HLSJS_URL.
    enum class Script { None, VideoJs, HlsJs } script;
    bool mse;    // HLS through Media Source Extensions: blob: media and workers, XHR to the asset hosts
    bool frame;  // api.video's own player in an iframe
};

const PlayerInfo& player_info(Player p);
// The row named `name`; false when there is none.
[[nodiscard]] bool parse_player(std::string_view name, Player& out);
// "videojs, hlsjs, native or embed": for messages.
const std::string& player_names();

}  // namespace watch
