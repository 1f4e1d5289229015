// bench/latency_probe: what apivideo-watch adds to a page view over the two api.video
// round trips it cannot avoid, measured at one connection. It alternates, for --seconds:
//   (a) GET the page through nginx (one kept-alive connection), and
//   (b) the two upstream calls made directly against the stand-in, the way the handler
//       makes them: GET {api}/videos/{id} with the key, then GET .../token/{tok}/session
//       on the delivery host, one libcurl handle kept alive to both hosts.
// Alternating puts both series under the same machine noise. It prints one JSON object:
// the count and the p50/p90/p99 of (a) and of (b), in milliseconds. Samples taken during
// --warmup seconds (every handler thread opening its own connections) are dropped.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

size_t keep_body(char* data, size_t size, size_t n, void* p) {
    static_cast<std::string*>(p)->append(data, size * n);
    return size * n;
}

struct Handle {
    CURL* curl = curl_easy_init();
    std::string body;
    char error[CURL_ERROR_SIZE] = {};

    Handle() {
        if (!curl) die("curl_easy_init failed");
        curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");  // loopback only, whatever the environment says
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 10000L);
        curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
        curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep_body);
        curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    }
    ~Handle() { curl_easy_cleanup(curl); }

    // GET url; exits the program unless the answer is 200 (a failed sample is no sample).
    void get(const std::string& url) {
        body.clear();
        curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
        CURLcode rc = curl_easy_perform(curl);
        long status = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
        if (rc != CURLE_OK || status != 200) {
            std::fprintf(stderr, "latency_probe: %s: %s (HTTP %ld)\n", url.c_str(),
                         rc != CURLE_OK ? error : "unexpected status", status);
            std::exit(1);
        }
    }

    [[noreturn]] static void die(const char* why) {
        std::fprintf(stderr, "latency_probe: %s\n", why);
        std::exit(1);
    }
};

// The session URL of a private video's JSON: an asset URL up to and including
// "/token/{tok}/", then "session" (the stand-in writes compact JSON, slashes unescaped).
std::string session_url(const std::string& json) {
    size_t at = json.find("/token/");
    if (at == std::string::npos) Handle::die("the video has no private token");
    size_t start = json.rfind('"', at);
    size_t end = json.find('/', at + 7);
    if (start == std::string::npos || end == std::string::npos) Handle::die("cannot read the asset URL");
    return json.substr(start + 1, end - start) + "session";
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

double percentile(std::vector<double> v, double p) {
    std::sort(v.begin(), v.end());
    size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(i, v.size() - 1)];
}

const char* arg(int argc, char** argv, const char* name, const char* fallback) {
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
    }
    if (!fallback) {
        std::fprintf(stderr,
                     "usage: latency_probe --page URL --api URL --key KEY --id ID "
                     "[--seconds 10] [--warmup 2]\n");
        std::exit(2);
    }
    return fallback;
}

}  // namespace

int main(int argc, char** argv) {
    const std::string page = arg(argc, argv, "--page", nullptr);
    const std::string api = arg(argc, argv, "--api", nullptr);
    const std::string key = arg(argc, argv, "--key", nullptr);
    const std::string id = arg(argc, argv, "--id", nullptr);
    const double seconds = std::atof(arg(argc, argv, "--seconds", "10"));
    const double warmup = std::atof(arg(argc, argv, "--warmup", "2"));

    if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK) Handle::die("curl_global_init failed");
    std::vector<double> pages, direct;
    {
        Handle browser, upstream;
        curl_easy_setopt(upstream.curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
        const std::string video_url = api + "/videos/" + id;
        auto start = Clock::now();
        double elapsed = 0;
        while ((elapsed = ms_since(start) / 1000.0) < warmup + seconds) {
            auto t = Clock::now();
            browser.get(page);
            double a = ms_since(t);

            t = Clock::now();
            curl_easy_setopt(upstream.curl, CURLOPT_USERNAME, key.c_str());
            curl_easy_setopt(upstream.curl, CURLOPT_PASSWORD, "");
            upstream.get(video_url);
            // As the handler does: no credentials towards the delivery host.
            curl_easy_setopt(upstream.curl, CURLOPT_USERNAME, static_cast<const char*>(nullptr));
            curl_easy_setopt(upstream.curl, CURLOPT_PASSWORD, static_cast<const char*>(nullptr));
            upstream.get(session_url(upstream.body));
            double b = ms_since(t);

            if (elapsed >= warmup) {
                pages.push_back(a);
                direct.push_back(b);
            }
        }
    }
    curl_global_cleanup();
    if (pages.empty()) Handle::die("no sample after the warm-up");

    // Also the median of each pair's difference: neighbours in time share the machine's state.
    std::vector<double> diff(pages.size());
    for (size_t i = 0; i < pages.size(); ++i) diff[i] = pages[i] - direct[i];
    std::printf(
        "{\"samples\": %zu, "
        "\"page_ms\": {\"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f}, "
        "\"direct_ms\": {\"p50\": %.4f, \"p90\": %.4f, \"p99\": %.4f}, "
        "\"paired_diff_ms\": {\"p50\": %.4f}}\n",
        pages.size(), percentile(pages, 50), percentile(pages, 90), percentile(pages, 99), percentile(direct, 50),
        percentile(direct, 90), percentile(direct, 99), percentile(diff, 50));
    return 0;
}
