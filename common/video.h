// The video or live stream as the page needs it, and the pure functions of the private
// flow: finding the private token, the session endpoint, and adding the session to a URL.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace watch {

// What an api.video id names: its first two letters say (apivideo-facts §6, §10.1).
enum class MediaKind { Video, LiveStream };

// api.video's id format: "vi" (a video) or "li" (a live stream), then 21 or 22 of
// [0-9A-Za-z]. nullopt for anything else.
std::optional<MediaKind> media_kind_of(std::string_view id);

struct Assets {  // an empty string is an absent asset
    std::string hls;
    std::string thumbnail;
    std::string mp4;     // absent when the video has mp4Support: false, and for a live stream
    std::string player;  // api.video's embed player
};

// The one list of assets: api.video's name for each, the one-letter key the viewer
// cookie stores it under, and where its private token sits (a path segment after
// "/token/", or the player's token= parameter).
struct AssetField {
    const char* name;
    const char* cookie_key;
    bool token_in_path;
    std::string Assets::*url;
};
inline constexpr AssetField kAssetFields[] = {
    {"hls", "h", true, &Assets::hls},
    {"thumbnail", "n", true, &Assets::thumbnail},
    {"mp4", "m", true, &Assets::mp4},
    {"player", "p", false, &Assets::player},
};

// A video, or a live stream (GET /live-streams/{id}: its name is the title; it has no
// description, language or MP4).
struct Video {
    MediaKind kind = MediaKind::Video;
    std::string id;
    std::string title;
    std::string description;
    std::string language;           // api.video's "language" (a BCP 47 tag), when it gives one
    std::optional<bool> is_public;  // absent in the reply: decided by the tokens
    bool broadcasting = false;      // a live stream's: api.video receives it now
    Assets assets;
};

// A caption or chapter file of a video (GET /videos/{id}/captions, /chapters).
enum class TrackKind { Captions, Chapters };
struct TextTrack {
    TrackKind kind = TrackKind::Captions;
    std::string src;       // the WebVTT file on the delivery host, as api.video lists it (no session)
    std::string language;  // srclang
    std::string label;     // what the player's menu shows
    bool is_default = false;
};

// api.video's session lifetime (apivideo-facts.md 1.2: "The session token TTL is 24 hours").
inline constexpr long long kSessionSeconds = 24 * 3600;

// A video or live stream as it is shown: asset URLs final (the session added). What the
// page, the JSON response and the returning-viewer cookie are made from.
struct WatchView {
    MediaKind kind = MediaKind::Video;
    std::string id;
    std::string title;
    std::string description;
    std::string language;  // empty when api.video gives none (or one that is not a tag)
    Assets assets;
    std::vector<TextTrack> tracks;  // captions, then chapters; the page adds the session to each
    std::string session_token;      // empty when the assets carry no token
    long long expires = 0;          // Unix seconds: when the session ends (kSessionSeconds after it began)
    bool is_public = true;          // api.video's "public" (true when the reply leaves it out)
};

// Where the private token was found, which decides where the session endpoint is.
struct PrivateToken {
    std::string token;
    std::string session_url;  // the /session endpoint for this token
};

// A private token, as api.video writes them (a UUID) or close to it: letters, digits,
// '-' and '_', 8 to 128 of them. Anything else is not put into a URL.
bool is_plausible_token(std::string_view t);

// The token from the asset URLs, without assuming a host.
// A video's: the path segment after "/token/" in hls, thumbnail or mp4, else the token=
// parameter of player. The session URL is the asset URL up to and including
// "/token/{token}/", then "session"; a token found only in the player URL uses the origin
// of a path asset with "/vod/{id}/token/{token}/session".
// A live stream's (facts §10.3): the segment after "/private/" in hls, followed by the
// stream's id, else found as a video's in the thumbnail or the player; the session is made
// at "/private/{token}/{id}/session", beside the playlist as hls gives it, else at its
// origin.
// nullopt: no usable token (or no place to trade it).
std::optional<PrivateToken> find_private_token(const Video& v);

// True when an asset URL has a token in it at all ("/token/", "token=" or "/private/"),
// usable or not.
bool mentions_token(const Assets& a);

// Adds the session token to an asset URL as avh (an empty URL stays empty).
std::string with_session(std::string_view url, std::string_view session_token);

// A language tag as it may go into lang="" and srclang="": BCP 47's shape (letters, then
// subtags of letters and digits joined by '-'), at most 35 characters.
bool is_plausible_language(std::string_view tag);

// A session token as it may go into a URL and a page.
bool is_plausible_session_token(std::string_view t);

}  // namespace watch
