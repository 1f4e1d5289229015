// RapidJSON, confined to this file. Two safety nets besides the explicit Is*() checks:
// assertions throw instead of aborting the whole process, and the parse flags below
// are the only ones used.
#include "common/json.h"

#include <stdexcept>

// Must precede every rapidjson include; this is the only file that has one.
#define RAPIDJSON_ASSERT(x)                                                  \
    do {                                                                     \
        if (!(x)) throw std::logic_error("rapidjson assertion: " #x);        \
    } while (0)
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

namespace watch {

namespace {

// Iterative: nesting depth cannot exhaust the stack. ValidateEncoding: a title with
// invalid UTF-8 would make the page invalid. StopWhenDone is not set, so trailing
// garbage after the document is an error.
constexpr unsigned kFlags = rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Destroying a deeply nested value recurses (RapidJSON issues #2217, #2282), so a parse
// that succeeded on something deeper than a video reply could ever be is refused by a
// cheap scan first. api.video's video object nests 4 levels.
constexpr int kMaxDepth = 32;

bool too_deep(std::string_view body) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < body.size(); ++i) {
        char c = body[i];
        if (in_string) {
            if (c == '\\') ++i;
            else if (c == '"') in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxDepth) return true;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return false;
}

std::string parse(std::string_view body, rapidjson::Document& doc) {
    if (body.size() > kMaxJsonBytes) return "reply larger than " + std::to_string(kMaxJsonBytes) + " bytes";
    if (too_deep(body)) return "reply nested deeper than " + std::to_string(kMaxDepth);
    doc.Parse<kFlags>(body.data(), body.size());
    if (doc.HasParseError()) {
        return std::string("malformed JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) +
               " at offset " + std::to_string(doc.GetErrorOffset());
    }
    if (!doc.IsObject()) return "reply is not a JSON object";
    return "";
}

// Reads an optional string member. Missing: true and `out` untouched. Wrong type: false.
bool optional_string(const rapidjson::Value& obj, const char* name, std::string& out) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || it->value.IsNull()) return true;
    if (!it->value.IsString()) return false;
    out.assign(it->value.GetString(), it->value.GetStringLength());
    return true;
}

}  // namespace

std::string parse_video_json(std::string_view body, Video& out) {
    try {
        rapidjson::Document doc;
        if (std::string err = parse(body, doc); !err.empty()) return err;

        Video v;
        auto id = doc.FindMember("videoId");
        if (id == doc.MemberEnd() || !id->value.IsString()) return "videoId missing or not a string";
        v.id.assign(id->value.GetString(), id->value.GetStringLength());
        if (!optional_string(doc, "title", v.title)) return "title is not a string";

        auto pub = doc.FindMember("public");
        if (pub != doc.MemberEnd()) {
            if (!pub->value.IsBool()) return "public is not a boolean";
            v.is_public = pub->value.GetBool();
        }

        auto assets = doc.FindMember("assets");
        if (assets == doc.MemberEnd() || assets->value.IsNull()) return "no assets in the reply";
        if (!assets->value.IsObject()) return "assets is not an object";
        const rapidjson::Value& a = assets->value;
        if (!optional_string(a, "hls", v.assets.hls) || !optional_string(a, "thumbnail", v.assets.thumbnail) ||
            !optional_string(a, "mp4", v.assets.mp4) || !optional_string(a, "player", v.assets.player)) {
            return "an asset URL is not a string";
        }
        out = std::move(v);
        return "";
    } catch (const std::logic_error& e) {
        return e.what();  // a check above was missed: refuse the reply, keep the process
    }
}

std::string parse_session_json(std::string_view body, std::string& session_token) {
    try {
        rapidjson::Document doc;
        if (std::string err = parse(body, doc); !err.empty()) return err;
        auto it = doc.FindMember("session_token");
        if (it == doc.MemberEnd() || !it->value.IsString()) return "session_token missing or not a string";
        session_token.assign(it->value.GetString(), it->value.GetStringLength());
        return "";
    } catch (const std::logic_error& e) {
        return e.what();
    }
}

}  // namespace watch
