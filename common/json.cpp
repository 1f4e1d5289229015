// RapidJSON, confined to this file. Two safety nets besides the explicit Is*() checks:
// assertions throw instead of aborting the whole process, and the parse flags below
// are the only ones used.
#include "common/json.h"

#include "common/escape.h"
#include "common/text.h"

#include <stdexcept>

// Must precede every rapidjson include; this is the only file that has one.
#define RAPIDJSON_ASSERT(x)                                           \
    do {                                                              \
        if (!(x)) throw std::logic_error("rapidjson assertion: " #x); \
    } while (0)
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace watch {

namespace {

// Iterative: nesting depth cannot exhaust the stack. StopWhenDone is not set, so trailing
// garbage after the document is an error. Not kParseValidateEncodingFlag: a title with
// invalid UTF-8 would make the page invalid, so every body is checked with is_valid_utf8
// as a whole before it is parsed instead. As JSON allows nothing but ASCII outside
// strings, that refuses every body the flag refused, and one more kind: a body starting
// with a broken byte-order mark, whose stray bytes RapidJSON skips without a check.
// RapidJSON's check goes byte by byte through a table; is_valid_utf8 passes ASCII at a
// few instructions a byte (bench/results.md has the profile).
constexpr unsigned kFlags = rapidjson::kParseIterativeFlag;

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
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
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
    // RapidJSON stops at a NUL byte as at the end of input; JSON text never holds one.
    if (body.find('\0') != std::string_view::npos) return "reply holds a NUL byte";
    if (too_deep(body)) return "reply nested deeper than " + std::to_string(kMaxDepth);
    if (!is_valid_utf8(body)) return "reply is not valid UTF-8";
    doc.Parse<kFlags>(body.data(), body.size());
    if (doc.HasParseError()) {
        return std::string("malformed JSON: ") + rapidjson::GetParseError_En(doc.GetParseError()) + " at offset " +
               std::to_string(doc.GetErrorOffset());
    }
    if (!doc.IsObject()) return "reply is not a JSON object";
    return "";
}

// Reads an optional string member. Missing or null: true and `out` untouched. Wrong
// type: false. The UTF-8 is checked again after decoding: RapidJSON 1.1 turns an escaped
// lone low surrogate ("\udc00") into bytes that are not UTF-8.
bool optional_string(const rapidjson::Value& obj, const char* name, std::string& out) {
    auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || it->value.IsNull()) return true;
    if (!it->value.IsString()) return false;
    std::string v(it->value.GetString(), it->value.GetStringLength());
    if (!is_valid_utf8(v)) return false;
    out = std::move(v);
    return true;
}

}  // namespace

namespace {

// What a video's and a live stream's replies share: `public` and `assets`.
std::string read_public_and_assets(const rapidjson::Value& doc, Video& v) {
    auto pub = doc.FindMember("public");
    if (pub != doc.MemberEnd() && !pub->value.IsNull()) {
        if (!pub->value.IsBool()) return "public is not a boolean";
        v.is_public = pub->value.GetBool();
    }
    auto assets = doc.FindMember("assets");
    if (assets == doc.MemberEnd() || assets->value.IsNull()) return "no assets in the reply";
    if (!assets->value.IsObject()) return "assets is not an object";
    const rapidjson::Value& a = assets->value;
    for (const AssetField& f : kAssetFields) {
        if (!optional_string(a, f.name, v.assets.*f.url)) return "an asset URL is not a string of UTF-8";
    }
    return "";
}

std::string read_video(std::string_view body, Video& out) {
    rapidjson::Document doc;
    if (std::string err = parse(body, doc); !err.empty()) return err;

    Video v;
    if (!optional_string(doc, "videoId", v.id) || v.id.empty()) return "videoId missing or not a string";
    if (!optional_string(doc, "title", v.title)) return "title is not a string of UTF-8";
    if (!optional_string(doc, "description", v.description)) return "description is not a string of UTF-8";
    if (!optional_string(doc, "language", v.language)) return "language is not a string of UTF-8";
    if (std::string err = read_public_and_assets(doc, v); !err.empty()) return err;
    out = std::move(v);
    return "";
}

// A live stream has no MP4 (OAS live-stream-assets): one in the reply is left out, so the
// page offers nothing that stops when the stream does.
std::string read_live_stream(std::string_view body, Video& out) {
    rapidjson::Document doc;
    if (std::string err = parse(body, doc); !err.empty()) return err;

    Video v;
    v.kind = MediaKind::LiveStream;
    if (!optional_string(doc, "liveStreamId", v.id) || v.id.empty()) return "liveStreamId missing or not a string";
    if (!optional_string(doc, "name", v.title)) return "name is not a string of UTF-8";
    auto on = doc.FindMember("broadcasting");
    if (on == doc.MemberEnd() || !on->value.IsBool()) return "broadcasting missing or not a boolean";
    v.broadcasting = on->value.GetBool();
    if (std::string err = read_public_and_assets(doc, v); !err.empty()) return err;
    v.assets.mp4.clear();
    out = std::move(v);
    return "";
}

// A page of GET /videos/{id}/captions or /chapters: {"data": [...], "pagination": …}.
// An item without a usable src or language is left out, not the list: one odd caption
// must not cost the others.
std::string read_tracks(std::string_view body, TrackKind kind, std::vector<TextTrack>& out) {
    rapidjson::Document doc;
    if (std::string err = parse(body, doc); !err.empty()) return err;
    auto data = doc.FindMember("data");
    if (data == doc.MemberEnd() || !data->value.IsArray()) return "data missing or not an array";
    std::vector<TextTrack> tracks;
    for (const auto& item : data->value.GetArray()) {
        if (!item.IsObject()) return "an item of data is not an object";
        TextTrack t;
        t.kind = kind;
        const char* language_key = kind == TrackKind::Captions ? "srclang" : "language";
        if (!optional_string(item, "src", t.src) || !optional_string(item, language_key, t.language) ||
            !optional_string(item, "languageName", t.label)) {
            return "an item's src, language or languageName is not a string of UTF-8";
        }
        auto def = item.FindMember("default");
        if (def != item.MemberEnd() && !def->value.IsNull()) {
            if (!def->value.IsBool()) return "an item's default is not a boolean";
            t.is_default = def->value.GetBool();
        }
        if (t.src.empty() || !is_plausible_language(t.language)) continue;
        // A chapter list has no languageName; its menu entry says what it is.
        if (t.label.empty()) t.label = kind == TrackKind::Chapters ? "Chapters" : t.language;
        tracks.push_back(std::move(t));
    }
    out = std::move(tracks);
    return "";
}

std::string read_status(std::string_view body, bool& playable) {
    rapidjson::Document doc;
    if (std::string err = parse(body, doc); !err.empty()) return err;
    auto encoding = doc.FindMember("encoding");
    if (encoding == doc.MemberEnd() || !encoding->value.IsObject()) return "encoding missing or not an object";
    auto p = encoding->value.FindMember("playable");
    if (p == encoding->value.MemberEnd() || !p->value.IsBool()) return "encoding.playable missing or not a boolean";
    playable = p->value.GetBool();
    return "";
}

std::string read_session(std::string_view body, std::string& session_token) {
    rapidjson::Document doc;
    if (std::string err = parse(body, doc); !err.empty()) return err;
    auto it = doc.FindMember("session_token");
    std::string token;
    if (it == doc.MemberEnd() || !it->value.IsString() || !optional_string(doc, "session_token", token)) {
        return "session_token missing or not a string";
    }
    session_token = std::move(token);
    return "";
}

// A reader's reason as the parser dialect: false with `why`. A RapidJSON assertion means
// a check above was missed: the reply is refused, the process kept.
template <typename Read>
bool guarded(Read read, std::string& why) {
    try {
        why = read();
    } catch (const std::logic_error& e) {
        why = e.what();
    }
    return why.empty();
}

}  // namespace

bool parse_video_json(std::string_view body, Video& out, std::string& why) {
    return guarded([&] { return read_video(body, out); }, why);
}

bool parse_live_stream_json(std::string_view body, Video& out, std::string& why) {
    return guarded([&] { return read_live_stream(body, out); }, why);
}

bool parse_tracks_json(std::string_view body, TrackKind kind, std::vector<TextTrack>& out, std::string& why) {
    return guarded([&] { return read_tracks(body, kind, out); }, why);
}

bool parse_status_json(std::string_view body, bool& playable, std::string& why) {
    return guarded([&] { return read_status(body, playable); }, why);
}

bool parse_session_json(std::string_view body, std::string& session_token, std::string& why) {
    return guarded([&] { return read_session(body, session_token); }, why);
}

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_string(Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

// An absent asset is null, so a custom player can test for it.
void write_url(Writer& w, const char* key, const std::string& value) {
    w.Key(key);
    if (value.empty())
        w.Null();
    else
        w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_assets(Writer& w, const Assets& a) {
    w.StartObject();
    for (const AssetField& f : kAssetFields) write_url(w, f.name, a.*f.url);
    w.EndObject();
}

// The tracks of one kind, as a custom player's <track> elements need them.
void write_tracks(Writer& w, const char* key, const WatchView& v, TrackKind kind) {
    w.Key(key);
    w.StartArray();
    for (const TextTrack& t : v.tracks) {
        if (t.kind != kind) continue;
        w.StartObject();
        write_string(w, "src", v.session_token.empty() ? t.src : with_session(t.src, v.session_token));
        write_string(w, "srclang", t.language);
        write_string(w, "label", t.label);
        w.Key("default");
        w.Bool(t.is_default);
        w.EndObject();
    }
    w.EndArray();
}

}  // namespace

std::string watch_json(const WatchView& v) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    const bool live = v.kind == MediaKind::LiveStream;
    write_string(w, live ? "liveStreamId" : "videoId", v.id);
    w.Key("live");
    w.Bool(live);
    write_string(w, "title", v.title);
    write_string(w, "description", v.description);
    write_url(w, "language", v.language);
    w.Key("public");
    w.Bool(v.is_public);
    w.Key("session");
    if (v.session_token.empty()) {
        w.Null();
    } else {
        w.StartObject();
        write_string(w, "token", v.session_token);
        write_string(w, "expiresAt", iso_time(v.expires));
        w.EndObject();
    }
    w.Key("assets");
    write_assets(w, v.assets);
    write_tracks(w, "captions", v, TrackKind::Captions);
    write_tracks(w, "chapters", v, TrackKind::Chapters);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

namespace {

// RFC 9457's members, as every problem response here writes them.
void write_problem(Writer& w, int status, const char* title, const char* detail, const char* code) {
    write_string(w, "type", "about:blank");
    write_string(w, "title", title);
    w.Key("status");
    w.Int(status);
    write_string(w, "detail", detail);
    write_string(w, "code", code);
}

// A 503 a page that waits asks again after: when ("retryAfter"), and, waiting for a turn,
// with which ticket ("turn").
std::string retry_json(const char* title, const char* detail, const char* code, long long seconds,
                       const std::string* ticket) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    write_problem(w, 503, title, detail, code);
    w.Key("retryAfter");
    w.Int64(seconds);
    if (ticket) write_string(w, "turn", *ticket);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace

std::string problem_json(int status, const char* title, const char* detail, const char* code) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    write_problem(w, status, title, detail, code);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

std::string waiting_json(long long seconds, const std::string& ticket) {
    return retry_json("Waiting for a turn",
                      "The video service's budget for this minute is spent; this visitor's turn comes next.", "waiting",
                      seconds, &ticket);
}

std::string processing_json(long long seconds) {
    return retry_json("Still processing", "The video is still being encoded; it can be watched once that is done.",
                      "processing", seconds, nullptr);
}

std::string off_air_json(long long seconds) {
    return retry_json("Not on air", "The live stream is not on air; it can be watched once it starts.", "off-air",
                      seconds, nullptr);
}

namespace {

// Each track as [chapters?, src, language, label, default].
void write_tracks(Writer& w, const std::vector<TextTrack>& tracks) {
    w.StartArray();
    for (const TextTrack& t : tracks) {
        w.StartArray();
        w.Bool(t.kind == TrackKind::Chapters);
        w.String(t.src.c_str(), static_cast<rapidjson::SizeType>(t.src.size()));
        w.String(t.language.c_str(), static_cast<rapidjson::SizeType>(t.language.size()));
        w.String(t.label.c_str(), static_cast<rapidjson::SizeType>(t.label.size()));
        w.Bool(t.is_default);
        w.EndArray();
    }
    w.EndArray();
}

bool read_tracks(const rapidjson::Value& a, std::vector<TextTrack>& out) {
    if (!a.IsArray()) return false;
    for (const auto& t : a.GetArray()) {
        if (!t.IsArray() || t.Size() != 5 || !t[0].IsBool() || !t[1].IsString() || !t[2].IsString() ||
            !t[3].IsString() || !t[4].IsBool()) {
            return false;
        }
        out.push_back(TextTrack{t[0].GetBool() ? TrackKind::Chapters : TrackKind::Captions,
                                std::string(t[1].GetString(), t[1].GetStringLength()),
                                std::string(t[2].GetString(), t[2].GetStringLength()),
                                std::string(t[3].GetString(), t[3].GetStringLength()), t[4].GetBool()});
    }
    return true;
}

// Short keys: the cookie carries this, and browsers cap a cookie at about 4 KB.
void write_view(Writer& w, const WatchView& v, size_t max_description) {
    w.StartObject();
    write_string(w, "i", v.id);
    write_string(w, "t", v.title);
    write_string(w, "s", v.session_token);
    w.Key("x");
    w.Int64(v.expires);
    w.Key("u");
    w.Bool(v.is_public);
    for (const AssetField& f : kAssetFields) write_string(w, f.cookie_key, v.assets.*f.url);
    // A long description would crowd the videos out of the cookie's 4 KB: a returning
    // viewer's page then goes without it.
    write_string(w, "d", v.description.size() <= max_description ? v.description : std::string());
    write_string(w, "l", v.language);
    w.Key("k");
    write_tracks(w, v.tracks);
    w.EndObject();
}

bool read_view(const rapidjson::Value& e, WatchView& v) {
    if (!e.IsObject()) return false;
    auto x = e.FindMember("x");
    if (x == e.MemberEnd() || !x->value.IsInt64()) return false;
    v.expires = x->value.GetInt64();
    auto u = e.FindMember("u");
    if (u == e.MemberEnd() || !u->value.IsBool()) return false;
    v.is_public = u->value.GetBool();
    auto read = [&](const char* key, std::string& field) {
        auto it = e.FindMember(key);
        if (it == e.MemberEnd() || !it->value.IsString()) return false;
        field.assign(it->value.GetString(), it->value.GetStringLength());
        return true;
    };
    if (!read("i", v.id) || !read("t", v.title) || !read("s", v.session_token)) return false;
    // The kind is the id's (its first letters), so a view carries it without a field. (A
    // fact's view of nothing seen has no id.)
    std::optional<MediaKind> kind = media_kind_of(v.id);
    if (!kind && !v.id.empty()) return false;
    v.kind = kind.value_or(MediaKind::Video);
    for (const AssetField& f : kAssetFields) {
        if (!read(f.cookie_key, v.assets.*f.url)) return false;
    }
    if (!read("d", v.description) || !read("l", v.language)) return false;
    auto k = e.FindMember("k");
    return k != e.MemberEnd() && read_tracks(k->value, v.tracks);
}

// A document the handler wrote itself, read back as strictly as api.video's replies.
bool parse_own(std::string_view body, size_t max, rapidjson::Document& doc) {
    if (body.size() > max || too_deep(body) || !is_valid_utf8(body)) return false;
    doc.Parse<kFlags>(body.data(), body.size());
    return !doc.HasParseError();
}

bool int64_member(const rapidjson::Value& o, const char* name, long long& out) {
    auto it = o.FindMember(name);
    if (it == o.MemberEnd() || !it->value.IsInt64()) return false;
    out = it->value.GetInt64();
    return true;
}

bool uint64_member(const rapidjson::Value& o, const char* name, std::uint64_t& out) {
    auto it = o.FindMember(name);
    if (it == o.MemberEnd() || !it->value.IsUint64()) return false;
    out = it->value.GetUint64();
    return true;
}

}  // namespace

// The longest description the returning-viewer cookie keeps.
constexpr size_t kCookieDescriptionBytes = 512;

std::string views_to_json(const std::vector<WatchView>& views) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartArray();
    for (const WatchView& v : views) write_view(w, v, kCookieDescriptionBytes);
    w.EndArray();
    return std::string(buf.GetString(), buf.GetSize());
}

bool views_from_json(std::string_view body, std::vector<WatchView>& out) {
    try {
        rapidjson::Document doc;
        if (!parse_own(body, 8192, doc) || !doc.IsArray()) return false;
        std::vector<WatchView> views;
        for (const auto& e : doc.GetArray()) {
            WatchView v;
            if (!read_view(e, v)) return false;
            views.push_back(std::move(v));
        }
        out = std::move(views);
        return true;
    } catch (const std::logic_error&) {
        return false;
    }
}

// ---- the shared state's values (shared_state.h) ------------------------------------------
// Short keys, as in the cookie: every change of a site's state carries its value to the
// store and back.

std::string account_state_json(const AccountState& s) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    const BudgetState& b = s.budget;
    w.Key("b");
    w.StartArray();
    for (long long n : {b.limit, b.window, b.server_remaining, b.window_end, b.in_flight, b.spent, b.unseen})
        w.Int64(n);
    w.Bool(b.heard);
    w.EndArray();
    const QueueState& q = s.queue;
    w.Key("q");
    w.StartObject();
    write_string(w, "e", q.epoch);
    w.Key("i");
    w.Uint64(q.issued);
    w.Key("a");
    w.Uint64(q.admitted);
    w.Key("f");
    w.Uint64(q.floor);
    std::string bits;
    for (bool r : q.redeemed) bits += r ? '1' : '0';
    write_string(w, "r", bits);
    w.Key("t");
    w.StartArray();
    for (long long t : q.admitted_at) w.Int64(t);
    w.EndArray();
    w.Key("w");
    w.StartArray();
    for (const auto& [at, n] : q.waiting) {
        w.StartArray();
        w.Int64(at);
        w.Uint64(n);
        w.EndArray();
    }
    w.EndArray();
    w.Key("l");
    w.Bool(q.local);
    w.Key("x");
    w.StartArray();
    for (const EarlyTicket& e : q.early) {
        w.StartArray();
        w.String(e.id.c_str(), static_cast<rapidjson::SizeType>(e.id.size()));
        w.Int64(e.arrival);
        w.Int64(e.expires);
        w.Int64(e.admitted_at);
        w.Bool(e.redeemed);
        w.EndArray();
    }
    w.EndArray();
    w.EndObject();
    w.Key("o");
    w.StartArray();
    for (const std::string& o : s.origins) w.String(o.c_str(), static_cast<rapidjson::SizeType>(o.size()));
    w.EndArray();
    write_string(w, "s", s.secret);
    w.Key("p");
    w.StartObject();
    for (const auto& [outcome, n] : s.pages) {
        w.Key(outcome.c_str(), static_cast<rapidjson::SizeType>(outcome.size()));
        w.Int64(n);
    }
    w.EndObject();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

bool parse_account_state(std::string_view body, AccountState& out) {
    try {
        rapidjson::Document doc;
        if (!parse_own(body, kMaxJsonBytes, doc) || !doc.IsObject()) return false;
        AccountState s;
        auto b = doc.FindMember("b");
        if (b == doc.MemberEnd() || !b->value.IsArray() || b->value.Size() != 8 || !b->value[7].IsBool()) return false;
        long long* fields[] = {&s.budget.limit,      &s.budget.window,    &s.budget.server_remaining,
                               &s.budget.window_end, &s.budget.in_flight, &s.budget.spent,
                               &s.budget.unseen};
        for (size_t i = 0; i < 7; ++i) {
            if (!b->value[static_cast<rapidjson::SizeType>(i)].IsInt64()) return false;
            *fields[i] = b->value[static_cast<rapidjson::SizeType>(i)].GetInt64();
        }
        s.budget.heard = b->value[7].GetBool();
        auto q = doc.FindMember("q");
        if (q == doc.MemberEnd() || !q->value.IsObject()) return false;
        const rapidjson::Value& qv = q->value;
        std::string bits;
        if (!optional_string(qv, "e", s.queue.epoch) || !uint64_member(qv, "i", s.queue.issued) ||
            !uint64_member(qv, "a", s.queue.admitted) || !uint64_member(qv, "f", s.queue.floor) ||
            !optional_string(qv, "r", bits)) {
            return false;
        }
        for (char c : bits) s.queue.redeemed.push_back(c == '1');
        auto t = qv.FindMember("t");
        auto wt = qv.FindMember("w");
        if (t == qv.MemberEnd() || !t->value.IsArray() || wt == qv.MemberEnd() || !wt->value.IsArray()) return false;
        for (const auto& x : t->value.GetArray()) {
            if (!x.IsInt64()) return false;
            s.queue.admitted_at.push_back(x.GetInt64());
        }
        for (const auto& x : wt->value.GetArray()) {
            if (!x.IsArray() || x.Size() != 2 || !x[0].IsInt64() || !x[1].IsUint64()) return false;
            s.queue.waiting.emplace_back(x[0].GetInt64(), x[1].GetUint64());
        }
        auto local = qv.FindMember("l");
        auto early = qv.FindMember("x");
        if (local == qv.MemberEnd() || !local->value.IsBool() || early == qv.MemberEnd() || !early->value.IsArray()) {
            return false;
        }
        s.queue.local = local->value.GetBool();
        for (const auto& x : early->value.GetArray()) {
            if (!x.IsArray() || x.Size() != 5 || !x[0].IsString() || !x[1].IsInt64() || !x[2].IsInt64() ||
                !x[3].IsInt64() || !x[4].IsBool()) {
                return false;
            }
            s.queue.early.push_back(EarlyTicket{std::string(x[0].GetString(), x[0].GetStringLength()), x[1].GetInt64(),
                                                x[2].GetInt64(), x[3].GetInt64(), x[4].GetBool()});
        }
        // The queue's invariants, which its logic relies on.
        if (s.queue.floor > s.queue.admitted || s.queue.admitted > s.queue.issued ||
            s.queue.redeemed.size() != s.queue.admitted - s.queue.floor ||
            s.queue.admitted_at.size() != s.queue.redeemed.size()) {
            return false;
        }
        auto o = doc.FindMember("o");
        if (o == doc.MemberEnd() || !o->value.IsArray()) return false;
        for (const auto& x : o->value.GetArray()) {
            if (!x.IsString()) return false;
            s.origins.emplace_back(x.GetString(), x.GetStringLength());
        }
        if (!optional_string(doc, "s", s.secret)) return false;
        auto p = doc.FindMember("p");
        if (p == doc.MemberEnd() || !p->value.IsObject()) return false;
        for (const auto& m : p->value.GetObject()) {
            if (!m.value.IsInt64()) return false;
            s.pages[std::string(m.name.GetString(), m.name.GetStringLength())] = m.value.GetInt64();
        }
        out = std::move(s);
        return true;
    } catch (const std::logic_error&) {
        return false;
    }
}

std::string video_fact_json(const VideoFact& f) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    w.Key("l");
    w.StartArray();
    for (const VideoFact::List& l : f.lists) {
        w.StartArray();
        w.Int64(l.read_at);
        w.Int64(l.due_at);
        write_tracks(w, l.tracks);
        w.EndArray();
    }
    w.EndArray();
    w.Key("p");
    if (f.is_playable)
        w.Bool(*f.is_playable);
    else
        w.Null();
    w.Key("r");
    w.Int64(f.recheck_at);
    w.Key("a");
    w.StartArray();
    if (f.on_air)
        w.Bool(*f.on_air);
    else
        w.Null();
    w.Int64(f.on_air_at);
    w.Int64(f.live_check_at);
    w.EndArray();
    w.Key("s");
    write_view(w, f.seen, kMaxJsonBytes);
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize());
}

bool parse_video_fact(std::string_view body, VideoFact& out) {
    try {
        rapidjson::Document doc;
        if (!parse_own(body, kMaxJsonBytes, doc) || !doc.IsObject()) return false;
        VideoFact f;
        auto l = doc.FindMember("l");
        if (l == doc.MemberEnd() || !l->value.IsArray() || l->value.Size() != 2) return false;
        for (rapidjson::SizeType i = 0; i < 2; ++i) {
            const rapidjson::Value& x = l->value[i];
            if (!x.IsArray() || x.Size() != 3 || !x[0].IsInt64() || !x[1].IsInt64() ||
                !read_tracks(x[2], f.lists[i].tracks)) {
                return false;
            }
            f.lists[i].read_at = x[0].GetInt64();
            f.lists[i].due_at = x[1].GetInt64();
        }
        auto p = doc.FindMember("p");
        if (p == doc.MemberEnd() || !(p->value.IsBool() || p->value.IsNull())) return false;
        if (p->value.IsBool()) f.is_playable = p->value.GetBool();
        auto s = doc.FindMember("s");
        if (!int64_member(doc, "r", f.recheck_at) || s == doc.MemberEnd() || !read_view(s->value, f.seen)) return false;
        auto a = doc.FindMember("a");
        if (a == doc.MemberEnd() || !a->value.IsArray() || a->value.Size() != 3 ||
            !(a->value[0].IsBool() || a->value[0].IsNull()) || !a->value[1].IsInt64() || !a->value[2].IsInt64()) {
            return false;
        }
        if (a->value[0].IsBool()) f.on_air = a->value[0].GetBool();
        f.on_air_at = a->value[1].GetInt64();
        f.live_check_at = a->value[2].GetInt64();
        out = std::move(f);
        return true;
    } catch (const std::logic_error&) {
        return false;
    }
}

std::string status_json(const StoreCondition& store, const std::vector<AccountStatus>& accounts, long long now) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    write_string(w, "time", iso_time(now));
    w.Key("store");
    w.StartObject();
    write_string(w, "name", store.name);
    w.Key("shared");
    w.Bool(store.shared);
    write_string(w, "outage", store.outage);
    w.Key("thisProcess");
    w.StartObject();
    for (auto [name, value] : {std::pair{"applies", store.cost.applies}, std::pair{"changes", store.cost.changes},
                               std::pair{"microseconds", store.cost.microseconds}}) {
        w.Key(name);
        w.Uint64(value);
    }
    w.EndObject();
    w.EndObject();
    w.Key("accounts");
    w.StartArray();
    for (const AccountStatus& a : accounts) {
        w.StartObject();
        write_string(w, "id", a.id);
        write_string(w, "apiUrl", a.api_url);
        w.Key("reads");
        w.StartObject();
        for (auto [name, value] : {std::pair{"left", a.left}, std::pair{"perWindow", a.limit},
                                   std::pair{"inFlight", a.in_flight}, std::pair{"windowEndsIn", a.window_ends_in}}) {
            w.Key(name);
            w.Int64(value);
        }
        w.EndObject();
        w.Key("queue");
        w.StartObject();
        w.Key("waiting");
        w.Uint64(a.waiting);
        w.Key("oldestWait");
        w.Int64(a.oldest_wait);
        w.EndObject();
        w.Key("pages");
        w.StartObject();
        for (const auto& [outcome, n] : a.pages) {
            w.Key(outcome.c_str(), static_cast<rapidjson::SizeType>(outcome.size()));
            w.Int64(n);
        }
        w.EndObject();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

}  // namespace watch
