// Test support: the stand-in process and its control API (see standin.h).
#include "tests/support/standin.h"

#include <rapidjson/document.h>

#include <stdexcept>

#include "common/crypto.h"
#include "tests/support/http.h"

namespace testing {

const char* const kPrivateVideo = "vi5fG2hPr1vAtEpr1vAtE001";
const char* const kPublicVideo = "vi7PuBL1cPuBL1cPuBL1c001";
const char* const kNoMp4Video = "vi3N0Mp4Pr1vAtEN0Mp4x001";
const char* const kEncodingVideo = "viSt1LLEnc0d1nGPr1vAt001";
const char* const kMarkupVideo = "vi9MarkUpT1tLeMarkUpT001";
const char* const kNodeClientVideo = "vi4blUQJFrYWbaG44NChkH27";
const char* const kDocsVideo = "viDocsExamp1eAABBCC00000";
const char* const kUnknownVideo = "vi000000000000000000000Z";

const char* const kPrivateLive = "li5fG2hPr1vAtEL1vEStr001";
const char* const kWaitingLive = "liWa1t1nGPr1vAtEL1vE0001";
const char* const kPublicLive = "li7PuBL1cL1vEPuBL1cL1v01";
const char* const kMarkupLive = "li9MarkUpNaMeL1vEStr0001";
const char* const kUnknownLive = "li000000000000000000000Z";

const char* const kKey = "test-key-1-do-not-use-in-production";
const char* const kOtherKey = "test-key-2-do-not-use-in-production";

std::string api_authorization(const std::string& key) {
    // Standard base64 from base64url: swap the two letters back and pad.
    std::string b64 = watch::base64url_encode(key + ":");
    for (char& c : b64) c = c == '-' ? '+' : c == '_' ? '/' : c;
    b64.append((4 - b64.size() % 4) % 4, '=');
    return "Authorization: Basic " + b64;
}

Standin::Standin(const Options& o) {
    std::vector<std::string> argv = {repo_root() + "/tests/standin/apivideo-standin",
                                     "--key",
                                     kKey,
                                     "--key",
                                     kOtherKey,
                                     "--port-file",
                                     dir_.file("ports.json"),
                                     "--rate-limit",
                                     std::to_string(o.rate_limit),
                                     "--rate-window-s",
                                     std::to_string(o.rate_window_s)};
    if (o.latency_ms > 0) {
        argv.push_back("--latency-ms");
        argv.push_back(std::to_string(o.latency_ms));
    }
    if (!o.tls_cert.empty()) {
        argv.insert(argv.end(), {"--tls-cert", o.tls_cert, "--tls-key", o.tls_key});
    }
    Process::Options po;
    po.stderr_path = dir_.file("stderr.log");
    proc_ = std::make_unique<Process>(argv, po);
    if (!wait_for_file(dir_.file("ports.json"), 15000)) {
        throw std::runtime_error("the stand-in did not start: " + read_file(dir_.file("stderr.log")));
    }
    std::string ports = read_file(dir_.file("ports.json"));
    api_ = json_string_field(ports, "api");
    vod_ = json_string_field(ports, "vod");
    live_ = json_string_field(ports, "live");
    collector_ = json_string_field(ports, "collector");
    if (api_.empty() || vod_.empty() || live_.empty() || collector_.empty()) {
        throw std::runtime_error("bad stand-in port file: " + ports);
    }
}

std::vector<StandinRequest> Standin::requests() const {
    HttpReply r = http_get(api_ + "/_standin/requests");
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    if (r.status != 200 || d.HasParseError() || !d.IsArray()) throw std::runtime_error("bad /_standin/requests");
    std::vector<StandinRequest> out;
    for (const auto& e : d.GetArray()) {
        StandinRequest q;
        auto str = [&](const char* name) {
            auto it = e.FindMember(name);
            return it != e.MemberEnd() && it->value.IsString() ? std::string(it->value.GetString()) : std::string();
        };
        q.host = str("host");
        q.method = str("method");
        q.path = str("path");
        q.query = str("query");
        q.session = str("session");
        q.origin = str("origin");
        q.user_agent = str("user_agent");
        auto ping = e.FindMember("ping");
        if (ping != e.MemberEnd() && ping->value.IsObject()) {
            auto id = ping->value.FindMember("video_id");
            if (id != ping->value.MemberEnd() && id->value.IsString()) q.ping_video_id = id->value.GetString();
            auto type = ping->value.FindMember("media_type");
            if (type != ping->value.MemberEnd() && type->value.IsString()) q.ping_type = type->value.GetString();
            auto events = ping->value.FindMember("events");
            if (events != ping->value.MemberEnd() && events->value.IsArray()) {
                for (const auto& ev : events->value.GetArray()) {
                    if (ev.IsString()) q.ping_events.push_back(ev.GetString());
                }
            }
        }
        auto st = e.FindMember("status");
        if (st != e.MemberEnd() && st->value.IsInt()) q.status = st->value.GetInt();
        auto au = e.FindMember("authorization");
        q.has_authorization = au != e.MemberEnd() && au->value.IsString();
        if (q.has_authorization) q.authorization = au->value.GetString();
        out.push_back(q);
    }
    return out;
}

size_t Standin::api_calls() const {
    size_t n = 0;
    for (const auto& r : requests()) n += r.host == "api";
    return n;
}

size_t Standin::video_reads() const {
    size_t n = 0;
    for (const auto& r : requests()) {
        n += r.host == "api" && r.path.rfind("/videos/", 0) == 0 && r.path.find('/', 8) == std::string::npos;
    }
    return n;
}

size_t Standin::live_stream_reads() const {
    size_t n = 0;
    for (const auto& r : requests()) n += r.host == "api" && r.path.rfind("/live-streams/", 0) == 0;
    return n;
}

bool Standin::wait_for_request(const std::string& host, const std::string& path, int timeout_ms) const {
    return wait_until(
        [&] {
            for (const auto& r : requests()) {
                if (r.host == host && r.path == path) return true;
            }
            return false;
        },
        timeout_ms);
}

void Standin::reset() const {
    HttpRequest q;
    q.method = "POST";
    q.url = api_ + "/_standin/reset";
    if (http(q).status != 200) throw std::runtime_error("stand-in reset failed");
}

double Standin::window_end(const std::string& key) const {
    HttpReply r = http_get(api_ + "/_standin/windows");
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    if (r.status != 200 || d.HasParseError() || !d.IsObject()) throw std::runtime_error("bad /_standin/windows");
    auto window = d.FindMember(key.c_str());
    if (window == d.MemberEnd()) return 0;
    auto ends = window->value.FindMember("ends_at");
    if (!window->value.IsObject() || ends == window->value.MemberEnd() || !ends->value.IsNumber()) {
        throw std::runtime_error("bad /_standin/windows: " + r.body);
    }
    return ends->value.GetDouble();
}

void Standin::knobs(const std::string& json) const {
    HttpRequest q;
    q.url = api_ + "/_standin/knobs";
    q.method = json.empty() ? "DELETE" : "POST";
    q.body = json;
    q.headers = {"Content-Type: application/json"};
    HttpReply r = http(q);
    if (r.status != 200) throw std::runtime_error("stand-in knobs refused: " + r.body);
}

void Standin::broadcast(const std::string& live_stream_id, const std::string& json) const {
    HttpRequest q;
    q.method = "POST";
    q.url = api_ + "/_standin/live-streams/" + live_stream_id;
    q.body = json;
    HttpReply r = http(q);
    if (r.status != 200) throw std::runtime_error("stand-in broadcast switch refused: " + r.body);
}

std::string Standin::get_video_as_seed(const std::string& id) const {
    // The seed's request, but with the space after "Basic" it forgot.
    HttpReply r =
        http_get(api_ + "/videos/" + id, {"Authorization: Basic dGVzdC1rZXktMS1kby1ub3QtdXNlLWluLXByb2R1Y3Rpb246"});
    if (r.status != 200) throw std::runtime_error("stand-in GET /videos failed: " + std::to_string(r.status));
    return r.body;
}

const Standin& shared_standin() {
    static Standin s;
    return s;
}

void fresh_standin(const std::string& knobs) {
    shared_standin().reset();
    if (!knobs.empty()) shared_standin().knobs(knobs);
}

HttpReply standin_api_get(const std::string& path, const std::string& key) {
    return http_get(shared_standin().api() + path, {api_authorization(key)});
}

std::string json_string_field(const std::string& json, const std::string& path) {
    rapidjson::Document d;
    d.Parse(json.c_str());
    if (d.HasParseError()) return "";
    const rapidjson::Value* v = &d;
    size_t start = 0;
    for (;;) {
        size_t dot = path.find('.', start);
        std::string name = path.substr(start, dot - start);
        if (!v->IsObject()) return "";
        auto it = v->FindMember(name.c_str());
        if (it == v->MemberEnd()) return "";
        v = &it->value;
        if (dot == std::string::npos) break;
        start = dot + 1;
    }
    return v->IsString() ? v->GetString() : "";
}

}  // namespace testing
