// Test support: an HTTP client for the tests' own requests (to nginx, Apache, the
// stand-in's control API), which sees everything: status, headers, body.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace testing {

struct HttpReply {
    long status = 0;                                  // 0: nothing came back (see error)
    std::multimap<std::string, std::string> headers;  // names lower case
    std::string body;
    std::string error;
    std::string header(const std::string& lower_name) const;
    // A header's value as a non-negative integer; -1 when absent or not one.
    long header_number(const std::string& lower_name) const;
};

struct HttpRequest {
    std::string method = "GET";
    std::string url;
    std::vector<std::string> headers;  // "Name: value"
    std::string body;
    long timeout_ms = 20000;
    std::string unix_socket;  // connect here instead of the URL's host
    std::string ca_file;
};

HttpReply http(const HttpRequest& request);
HttpReply http_get(const std::string& url, const std::vector<std::string>& headers = {});
// All at once, each on its own connection; the replies in the order of the requests.
std::vector<HttpReply> http_all(const std::vector<HttpRequest>& requests);

// The values of src=, href= and poster= attributes in a page, HTML entities decoded.
std::vector<std::string> page_urls(const std::string& html);

// Removes the avh query parameter from a URL (the seed's usage: a bare private asset URL).
std::string without_avh(const std::string& url);

}  // namespace testing
