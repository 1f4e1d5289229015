// Test support HTTP client over libcurl (see http.h). The handler's own client is in
// common/http_client.cpp; this one is for the tests' side of the wire.
#include "tests/support/http.h"

#include <curl/curl.h>

#include <cstring>
#include <regex>

namespace testing {

std::string HttpReply::header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
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

HttpReply http(const HttpRequest& q) {
    HttpReply r;
    CURL* c = curl_easy_init();
    char err[CURL_ERROR_SIZE] = {};
    curl_slist* hs = nullptr;
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
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) {
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
    } else {
        r.error = err[0] ? err : curl_easy_strerror(rc);
    }
    curl_slist_free_all(hs);
    curl_easy_cleanup(c);
    return r;
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
