// The one place RapidJSON is used. api.video's replies are untrusted input: size-capped,
// parsed iteratively (no recursion to overflow), UTF-8 validated, and every field checked
// for its type before it is read.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "common/shared_state.h"
#include "common/status.h"
#include "common/video.h"

namespace watch {

// Bodies longer than this are refused before parsing.
inline constexpr size_t kMaxJsonBytes = 1 << 20;

// Reads a GET /videos/{id} reply; false with a short reason for the log in `why`.
// Unknown fields are ignored; a known field of the wrong type is an error.
[[nodiscard]] bool parse_video_json(std::string_view body, Video& out, std::string& why);
// Reads a GET /live-streams/{id} reply as a Video of kind LiveStream (its name as the
// title, `broadcasting` required): the same rules.
[[nodiscard]] bool parse_live_stream_json(std::string_view body, Video& out, std::string& why);

// Reads a page of GET /videos/{id}/captions or /chapters into `out` (items without a src
// or a plausible language left out); false with a reason for a reply of another shape.
[[nodiscard]] bool parse_tracks_json(std::string_view body, TrackKind kind, std::vector<TextTrack>& out,
                                     std::string& why);

// Reads a GET /videos/{id}/status reply: whether the video plays yet (encoding.playable).
[[nodiscard]] bool parse_status_json(std::string_view body, bool& playable, std::string& why);

// Reads a /session reply: {"session_token": "..."}.
[[nodiscard]] bool parse_session_json(std::string_view body, std::string& session_token, std::string& why);

// The JSON response of /watch?format=json: the video or live stream with its session and
// final asset URLs.
std::string watch_json(const WatchView& view);

// An application/problem+json body (RFC 9457) for a row of the error table.
std::string problem_json(int status, const char* title, const char* detail, const char* code);

// The 503 problem+json of a visitor waiting for a turn: when to ask again, and the
// ticket to ask with (extension members "retryAfter" and "turn").
std::string waiting_json(long long seconds, const std::string& ticket);

// The 503 problem+json of a video still encoding, or of a live stream not on air: when to
// ask again ("retryAfter").
std::string processing_json(long long seconds);
std::string off_air_json(long long seconds);

// The returning-viewer cookie's payload: the videos a viewer was given, with their
// sessions. The reader is as strict as for api.video's replies; false on anything odd.
std::string views_to_json(const std::vector<WatchView>& views);
bool views_from_json(std::string_view body, std::vector<WatchView>& out);

// The shared state's values (shared_state.h): read back as strictly as a reply, since a
// store is shared; false on anything odd (the value then counts as none).
std::string account_state_json(const AccountState& state);
[[nodiscard]] bool parse_account_state(std::string_view body, AccountState& out);
std::string video_fact_json(const VideoFact& fact);

// The operator's status (status.h) as JSON.
std::string status_json(const StoreCondition& store, const std::vector<AccountStatus>& accounts, long long now);
[[nodiscard]] bool parse_video_fact(std::string_view body, VideoFact& out);

}  // namespace watch
