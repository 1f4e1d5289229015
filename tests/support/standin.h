// Test support: the api.video stand-in (tests/standin/apivideo-standin) as a child
// process, with its request log and knobs. See tests/standin/README.md.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace testing {

// Fixture videos the stand-in serves (tests/fixtures/videos/).
extern const char* const kPrivateVideo;
extern const char* const kPublicVideo;
extern const char* const kNoMp4Video;
extern const char* const kMarkupVideo;
extern const char* const kNodeClientVideo;  // says private, carries no token
extern const char* const kDocsVideo;
extern const char* const kUnknownVideo;     // well formed, not in the fixtures

// The API keys the stand-in accepts.
extern const char* const kKey;
extern const char* const kOtherKey;

struct StandinRequest {
    std::string host;  // "api" or "vod"
    std::string method, path, query;
    long status = 0;
    bool has_authorization = false;
    std::string authorization;
    std::string session;  // "valid", "missing", "invalid" or "" (not an asset)
};

class Standin {
   public:
    struct Options {
        int latency_ms = 0;
        std::string tls_cert, tls_key;
    };
    Standin() : Standin(Options{}) {}
    explicit Standin(const Options& o);

    const std::string& api() const { return api_; }  // "http://127.0.0.1:PORT"
    const std::string& vod() const { return vod_; }

    std::vector<StandinRequest> requests() const;
    // Requests to the API host, and to the delivery host.
    size_t api_calls() const;
    void reset() const;
    // Sets knobs (a JSON document, see the stand-in's README); clears them with "".
    void knobs(const std::string& json) const;
    // Mints a private token the way the seed would: GET /videos/{id} with the key; returns
    // the reply's body.
    std::string get_video_as_seed(const std::string& id) const;

   private:
    TempDir dir_;
    std::unique_ptr<Process> proc_;
    std::string api_, vod_;
};

// One stand-in shared by every test of the run, started on first use. Tests reset it
// (and clear their knobs) before they rely on its log.
const Standin& shared_standin();

// A string in a small JSON reply by its dotted path ("assets.mp4"); "" when absent.
std::string json_string_field(const std::string& json, const std::string& path);

}  // namespace testing
