// End-to-end tier: the crafted requests of tests/data/crafted-requests.tsv, sent raw over
// TCP to a real nginx (from nginx.conf.example) in front of the handler under spawn-fcgi.
// Each gets its expected status, and the stand-in's log shows that nothing reached
// api.video unless the request named a well-formed id. One nginx serves every line.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/support/fastcgi_site.h"
#include "tests/support/servers.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

// One line of the data file.
struct Crafted {
    int line = 0;
    std::string method, target, description;
    int status = 0;
    bool by_nginx = false;      // "N@nginx": nginx responds, the handler never sees it
    bool upstream_any = false;  // "any": calls allowed (each for a well-formed id); "0": none
};

// A video's (`prefix` "vi") or a live stream's ("li") id, written out again here.
bool well_formed_id(const std::string& id, const char* prefix) {
    if ((id.size() != 23 && id.size() != 24) || id.compare(0, 2, prefix) != 0) return false;
    for (size_t i = 2; i < id.size(); ++i) {
        if (!std::isalnum(static_cast<unsigned char>(id[i]))) return false;
    }
    return true;
}

// The target as sent: \xNN, \\, @@repeat N TEXT@@ and the fixture ids expanded.
std::string expand(const std::string& t, int line) {
    static const std::map<std::string, const char*> ids = {
        {"private", kPrivateVideo},       {"public", kPublicVideo}, {"nomp4", kNoMp4Video},    {"markup", kMarkupVideo},
        {"nodeclient", kNodeClientVideo}, {"docs", kDocsVideo},     {"unknown", kUnknownVideo}};
    auto bad = [&](const std::string& why) {
        return std::runtime_error("crafted-requests.tsv:" + std::to_string(line) + ": " + why);
    };
    std::string out;
    for (size_t i = 0; i < t.size();) {
        if (t.compare(i, 2, "@@") == 0) {
            size_t end = t.find("@@", i + 2);
            if (end == std::string::npos) throw bad("unclosed @@");
            std::string m = t.substr(i + 2, end - i - 2);
            i = end + 2;
            if (m.rfind("repeat ", 0) == 0) {
                std::istringstream in(m.substr(7));
                size_t n = 0;
                std::string text;
                if (!(in >> n) || !(in >> text)) throw bad("bad @@repeat N TEXT@@");
                for (size_t k = 0; k < n; ++k) out += text;
            } else if (ids.count(m)) {
                out += ids.at(m);
            } else {
                throw bad("unknown marker @@" + m + "@@");
            }
        } else if (t[i] == '\\') {
            if (t.compare(i, 2, "\\\\") == 0) {
                out += '\\';
                i += 2;
            } else if (i + 3 < t.size() && t[i + 1] == 'x' && std::isxdigit(static_cast<unsigned char>(t[i + 2])) &&
                       std::isxdigit(static_cast<unsigned char>(t[i + 3]))) {
                out += static_cast<char>(std::stoi(t.substr(i + 2, 2), nullptr, 16));
                i += 4;
            } else {
                throw bad("a backslash must start \\xNN or \\\\");
            }
        } else {
            out += t[i++];
        }
    }
    return out;
}

std::vector<Crafted> load_crafted() {
    std::string path = repo_root() + "/tests/data/crafted-requests.tsv";
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::vector<Crafted> out;
    std::string text;
    for (int n = 1; std::getline(in, text); ++n) {
        if (text.empty() || text[0] == '#') continue;
        std::vector<std::string> f;
        std::istringstream cols(text);
        for (std::string c; std::getline(cols, c, '\t');) f.push_back(c);
        if (f.size() != 5) throw std::runtime_error(path + ":" + std::to_string(n) + ": not 5 tab-separated fields");
        Crafted c;
        c.line = n;
        c.method = f[0];
        c.target = expand(f[1], n);
        c.by_nginx = f[2].size() > 6 && f[2].compare(f[2].size() - 6, 6, "@nginx") == 0;
        c.status = std::stoi(f[2]);
        if (f[3] != "0" && f[3] != "any")
            throw std::runtime_error(path + ":" + std::to_string(n) + ": upstream is 0 or any");
        c.upstream_any = f[3] == "any";
        c.description = f[4];
        out.push_back(c);
    }
    return out;
}

struct RawReply {
    int status = 0;                              // 0: no status line (see error)
    std::map<std::string, std::string> headers;  // names lower case
    std::string body, error;
    std::string header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? "" : it->second;
    }
};

// The request exactly as given: "METHOD TARGET HTTP/1.1", Host, Connection: close. Reads
// until nginx closes the connection.
RawReply send_raw(int port, const std::string& method, const std::string& target) {
    RawReply r;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) {
        r.error = "socket failed";
        return r;
    }
    timeval tv{10, 0};  // a hung request fails its line instead of the whole run
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        close(fd);
        r.error = "connect failed";
        return r;
    }
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    for (size_t sent = 0; sent < req.size();) {
        ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;  // nginx may respond (414) and close before reading it all
        sent += static_cast<size_t>(n);
    }
    std::string data;
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n < 0 && data.empty()) r.error = "no response (timeout or reset)";
        if (n <= 0) break;
        data.append(buf, static_cast<size_t>(n));
    }
    close(fd);

    size_t end = data.find("\r\n\r\n");
    if (data.compare(0, 5, "HTTP/") != 0 || end == std::string::npos) {
        if (r.error.empty()) r.error = "not an HTTP response: " + data.substr(0, 80);
        return r;
    }
    r.body = data.substr(end + 4);
    std::istringstream head(data.substr(0, end));
    std::string line;
    std::getline(head, line);
    r.status = std::atoi(line.substr(line.find(' ') + 1).c_str());
    while (std::getline(head, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        size_t colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        r.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    return r;
}

std::string shown(const std::string& s) {  // for failure messages: bytes visible, cut
    std::string out;
    for (unsigned char c : s.substr(0, 120)) {
        if (c >= 0x20 && c < 0x7F) {
            out += static_cast<char>(c);
        } else {
            char hex[8];
            std::snprintf(hex, sizeof hex, "\\x%02x", c);
            out += hex;
        }
    }
    return s.size() > 120 ? out + "... (" + std::to_string(s.size()) + " bytes)" : out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(crafted_requests_tests)

BOOST_FIXTURE_TEST_CASE(every_crafted_request_gets_its_status_and_no_bad_id_reaches_api_video, FastCgiSite) {
    const std::vector<Crafted> cases = load_crafted();
    BOOST_TEST(cases.size() >= 200u, "the data file holds " << cases.size() << " requests");
    const int p = port();
    for (const Crafted& c : cases) {
        const std::string where = "crafted-requests.tsv:" + std::to_string(c.line) + " (" + c.description + ") " +
                                  c.method + " " + shown(c.target);
        standin().reset();
        RawReply r = send_raw(p, c.method, c.target);
        BOOST_TEST(r.error.empty(), where << ": " << r.error);
        BOOST_TEST(r.status == c.status, where << ": status " << r.status);

        // The handler's responses carry its headers; nginx's own do not.
        bool from_handler = !r.header("content-security-policy").empty();
        if (c.by_nginx) {
            BOOST_TEST(!from_handler, where << ": expected nginx to respond, the handler did");
        } else {
            BOOST_TEST(from_handler, where << ": expected the handler to respond, nginx did");
            BOOST_TEST(r.header("x-content-type-options") == "nosniff", where);
        }
        if (c.status == 405 && !c.by_nginx) BOOST_TEST(r.header("allow") == "GET, HEAD", where);
        if (c.method == "HEAD") BOOST_TEST(r.body.empty(), where << ": HEAD got " << r.body.size() << " bytes");
        BOOST_TEST(r.body.find(kKey) == std::string::npos, where << ": the API key is in the response");

        // What reached the stand-in: nothing for a request without a well-formed id, and
        // never a call for anything but one.
        std::vector<StandinRequest> upstream = standin().requests();
        if (!c.upstream_any) {
            BOOST_TEST(upstream.empty(), where << ": " << upstream.size() << " upstream requests, first "
                                               << (upstream.empty() ? "" : upstream[0].path));
        }
        for (const StandinRequest& q : upstream) {
            if (q.host != "api") continue;
            // The video, or its caption or chapter list, or its status; or a live stream.
            if (q.path.rfind("/live-streams/", 0) == 0) {
                BOOST_TEST(well_formed_id(q.path.substr(14), "li"),
                           where << ": api.video was asked for " << shown(q.path));
                continue;
            }
            std::string rest = q.path.rfind("/videos/", 0) == 0 ? q.path.substr(8) : "";
            std::string id = rest.substr(0, rest.find('/'));
            std::string part = rest.size() > id.size() ? rest.substr(id.size()) : "";
            bool ok = well_formed_id(id, "vi") &&
                      (part.empty() || part == "/captions" || part == "/chapters" || part == "/status");
            BOOST_TEST(ok, where << ": api.video was asked for " << shown(q.path));
        }
    }
    // The handler survived all of it.
    BOOST_TEST(handler.process().running());
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
