// Test support: the api.video stand-in (tests/standin/apivideo-standin) as a child
// process, with its request log and knobs. See tests/standin/README.md.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tests/support/http.h"
#include "tests/support/process.h"

namespace testing {

// Fixture videos the stand-in serves (tests/fixtures/videos/).
extern const char* const kPrivateVideo;   // captions en (default) and fr, chapters en
extern const char* const kPublicVideo;    // captions en (default)
extern const char* const kNoMp4Video;     // language "fr"
extern const char* const kEncodingVideo;  // private, not playable: HLS and MP4 404 (knob "playable")
extern const char* const kMarkupVideo;
extern const char* const kNodeClientVideo;  // says private, carries no token
extern const char* const kDocsVideo;
extern const char* const kUnknownVideo;  // well formed, not in the fixtures

// Fixture live streams (tests/fixtures/live/), each on or off air as its fixture says until
// switched through the control API (Standin::broadcast); reset() puts them back.
extern const char* const kPrivateLive;  // private, on air
extern const char* const kWaitingLive;  // private, off air: not started yet
extern const char* const kPublicLive;   // public, on air
extern const char* const kMarkupLive;   // private, on air, markup in its name
extern const char* const kUnknownLive;  // well formed, not in the fixtures

// The API keys the stand-in accepts.
extern const char* const kKey;
extern const char* const kOtherKey;

// "Authorization: Basic base64(key + ":")", the header api.video wants.
std::string api_authorization(const std::string& key);

struct StandinRequest {
    std::string host;  // "api", "vod", "live" or "collector"
    std::string method, path, query;
    long status = 0;
    bool has_authorization = false;
    std::string authorization;
    std::string session;  // "valid", "missing", "invalid" or "" (not an asset)
    std::string origin;   // the Origin header, "" when absent
    std::string user_agent;
    // An accepted analytics ping (host "collector"): the video or live stream it names, the
    // type it says that is ("vod" or "live": the collector's path, whose id field the ping
    // filled, video_id or live_stream_id), and its event types.
    std::string ping_video_id;
    std::string ping_type;
    std::vector<std::string> ping_events;
};

class Standin {
   public:
    struct Options {
        int latency_ms = 0;
        std::string tls_cert, tls_key;
        // api.video's budget is 500 reads a minute; the suite makes thousands of calls through
        // one stand-in, so it gets room for all of them. Rate tests set theirs by knob.
        long rate_limit = 1000000;
        double rate_window_s = 60;
    };
    Standin() : Standin(Options{}) {}
    explicit Standin(const Options& o);

    const std::string& api() const { return api_; }  // "http://127.0.0.1:PORT"
    const std::string& vod() const { return vod_; }
    const std::string& live() const { return live_; }            // live.api.video's stand-in
    const std::string& collector() const { return collector_; }  // the analytics collector

    std::vector<StandinRequest> requests() const;
    // Switches a fixture live stream on or off air (JSON as the control API's POST
    // /_standin/live-streams/{id} takes it, e.g. {"broadcasting":false,"endlist_s":0}).
    void broadcast(const std::string& live_stream_id, const std::string& json) const;
    // Requests to the API host, and to the delivery host.
    size_t api_calls() const;
    // GET /videos/{id} on the API host: the video reads, lists (captions, chapters) not counted.
    size_t video_reads() const;
    // GET /live-streams/{id} on the API host: the live stream reads.
    size_t live_stream_reads() const;
    // Waits up to `timeout_ms` until a request to `host` ("api", "vod") for `path` has
    // arrived (replied to or not: the stand-in records a request as it comes).
    bool wait_for_request(const std::string& host, const std::string& path, int timeout_ms) const;
    void reset() const;
    // When `key`'s rate-limit window ends, in Unix seconds on this machine's clock; 0 when
    // it has none open (GET /_standin/windows). What a test waits on for a window to end.
    double window_end(const std::string& key) const;
    // Sets knobs (a JSON document, see the stand-in's README); clears them with "".
    void knobs(const std::string& json) const;
    // Mints a private token the way the seed would: GET /videos/{id} with the key; returns
    // the reply's body.
    std::string get_video_as_seed(const std::string& id) const;

   private:
    TempDir dir_;
    std::unique_ptr<Process> proc_;
    std::string api_, vod_, live_, collector_;
};

// One stand-in shared by every test of the run, started on first use. Tests reset it
// (and clear their knobs) before they rely on its log.
const Standin& shared_standin();
// The shared stand-in reset, then given these knobs (JSON) if any: how a test starts afresh.
void fresh_standin(const std::string& knobs = "");
// GET on the shared stand-in's API host with the key's Basic header.
HttpReply standin_api_get(const std::string& path, const std::string& key = kKey);

// A string in a small JSON reply by its dotted path ("assets.mp4"); "" when absent.
std::string json_string_field(const std::string& json, const std::string& path);

}  // namespace testing
