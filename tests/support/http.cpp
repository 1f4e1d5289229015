// Test support HTTP client over libcurl (see http.h). The handler's own client is in
// common/http_client.cpp; this one is for the tests' side of the wire.
#include "tests/support/http.h"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <regex>
#include <stdexcept>

namespace testing {

std::string HttpReply::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
}

long HttpReply::header_number(const std::string& name) const {
    std::string v = header(name);
    return v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos ? -1 : std::stol(v);
}

static size_t on_body(char* d, size_t s, size_t n, void* p) {
    static_cast<std::string*>(p)->append(d, s * n);
    return s * n;
}

static size_t on_header(char* d, size_t s, size_t n, void* p) {
    auto* r = static_cast<HttpReply*>(p);
    std::string line(d, s * n);
    if (line.rfind("HTTP/", 0) == 0) r->headers.clear();  // a new response (after 100-continue)
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        value.erase(value.find_last_not_of(" \t\r\n") + 1);
        r->headers.emplace(name, value);
    }
    return s * n;
}

namespace {

// One transfer's handle and what it fills.
struct Transfer {
    explicit Transfer(const HttpRequest& q);
    ~Transfer() {
        curl_slist_free_all(hs);
        curl_easy_cleanup(c);
    }
    Transfer(const Transfer&) = delete;
    Transfer& operator=(const Transfer&) = delete;
    void done(CURLcode rc) {
        if (rc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
        else
            r.error = err[0] ? err : curl_easy_strerror(rc);
    }
    CURL* c = nullptr;
    curl_slist* hs = nullptr;
    char err[CURL_ERROR_SIZE] = {};
    HttpReply r;
};

Transfer::Transfer(const HttpRequest& q) {
    c = curl_easy_init();
    if (!c) throw std::runtime_error("curl_easy_init failed");
    for (const auto& h : q.headers) hs = curl_slist_append(hs, h.c_str());
    curl_easy_setopt(c, CURLOPT_URL, q.url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, q.timeout_ms);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
    if (!q.unix_socket.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, q.unix_socket.c_str());
    if (!q.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, q.ca_file.c_str());
    if (q.method == "HEAD") {
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    } else if (q.method != "GET") {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, q.method.c_str());
        if (!q.body.empty() || q.method == "POST") {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, q.body.c_str());
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(q.body.size()));
        }
    }
}

}  // namespace

HttpReply http(const HttpRequest& q) {
    Transfer t(q);
    t.done(curl_easy_perform(t.c));
    return std::move(t.r);
}

std::vector<HttpReply> http_all(const std::vector<HttpRequest>& requests) {
    CURLM* m = curl_multi_init();
    // Every request on a connection of its own, all at once: visitors, not a browser.
    curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
    std::vector<std::unique_ptr<Transfer>> ts;
    for (const HttpRequest& q : requests) {
        ts.push_back(std::make_unique<Transfer>(q));
        curl_easy_setopt(ts.back()->c, CURLOPT_FORBID_REUSE, 1L);
        curl_easy_setopt(ts.back()->c, CURLOPT_PRIVATE, ts.back().get());
        curl_multi_add_handle(m, ts.back()->c);
    }
    int running = 1;
    while (running) {
        curl_multi_perform(m, &running);
        int left = 0;
        while (CURLMsg* msg = curl_multi_info_read(m, &left)) {
            if (msg->msg != CURLMSG_DONE) continue;
            Transfer* t = nullptr;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, reinterpret_cast<char**>(&t));
            t->done(msg->data.result);
        }
        if (running) curl_multi_poll(m, nullptr, 0, 1000, nullptr);
    }
    std::vector<HttpReply> out;
    for (auto& t : ts) {
        curl_multi_remove_handle(m, t->c);
        out.push_back(std::move(t->r));
    }
    ts.clear();
    curl_multi_cleanup(m);
    return out;
}

HttpReply http_get(const std::string& url, const std::vector<std::string>& headers) {
    HttpRequest q;
    q.url = url;
    q.headers = headers;
    return http(q);
}

static std::string decode_entities(std::string s) {
    static const std::pair<const char*, const char*> entities[] = {
        {"&quot;", "\""}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&amp;", "&"}};
    for (const auto& e : entities) {
        for (size_t at; (at = s.find(e.first)) != std::string::npos;) s.replace(at, std::strlen(e.first), e.second);
    }
    return s;
}

std::vector<std::string> page_urls(const std::string& html) {
    static const std::regex attr(R"re(\s(?:src|href|poster)="([^"]*)")re");
    std::vector<std::string> out;
    for (std::sregex_iterator it(html.begin(), html.end(), attr), end; it != end; ++it) {
        out.push_back(decode_entities((*it)[1]));
    }
    return out;
}

std::string without_avh(const std::string& url) {
    static const std::regex avh(R"re([?&]avh=[^&#]*)re");
    std::string s = std::regex_replace(url, avh, "");
    size_t amp = s.find('&');
    if (amp != std::string::npos && s.find('?') == std::string::npos) s[amp] = '?';
    return s;
}

}  // namespace testing
