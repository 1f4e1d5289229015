// The one place RapidJSON is used. api.video's replies are untrusted input: size-capped,
// parsed iteratively (no recursion to overflow), UTF-8 validated, and every field checked
// for its type before it is read.
#pragma once
#include <string>
#include <string_view>

#include "common/video.h"

namespace watch {

// Bodies longer than this are refused before parsing.
inline constexpr size_t kMaxJsonBytes = 1 << 20;

// Reads a GET /videos/{id} reply. Returns "" on success, else a short reason for the log.
// Unknown fields are ignored; a known field of the wrong type is an error.
std::string parse_video_json(std::string_view body, Video& out);

// Reads a /session reply: {"session_token": "..."}. Returns "" or a reason.
std::string parse_session_json(std::string_view body, std::string& session_token);

}  // namespace watch
