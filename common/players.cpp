// The player table (see players.h).
#include "common/players.h"

namespace watch {

namespace {

using Script = PlayerInfo::Script;

// Sized by the enum, in its order (as kcgi sizes its tables).
constexpr PlayerInfo kPlayers[kPlayerCount] = {
    {Player::VideoJs, "videojs", "player-videojs.html", Script::VideoJs, true, false},
    {Player::HlsJs, "hlsjs", "player-hlsjs.html", Script::HlsJs, true, false},
    {Player::Native, "native", "player-native.html", Script::None, false, false},
    {Player::Embed, "embed", "player-embed.html", Script::None, false, true},
};

constexpr bool in_enum_order() {
    for (size_t i = 0; i < kPlayerCount; ++i) {
        if (static_cast<size_t>(kPlayers[i].player) != i) return false;
    }
    return true;
}
static_assert(in_enum_order(), "one row per Player, in the enum's order");

}  // namespace

const PlayerInfo& player_info(Player p) { return kPlayers[static_cast<size_t>(p)]; }

bool parse_player(std::string_view name, Player& out) {
    for (const PlayerInfo& p : kPlayers) {
        if (name == p.name) {
            out = p.player;
            return true;
        }
    }
    return false;
}

const std::string& player_names() {
    static const std::string names = [] {
        std::string s;
        for (size_t i = 0; i < kPlayerCount; ++i) {
            s += (i == 0 ? "" : i + 1 == kPlayerCount ? " or " : ", ") + std::string(kPlayers[i].name);
        }
        return s;
    }();
    return names;
}

}  // namespace watch
