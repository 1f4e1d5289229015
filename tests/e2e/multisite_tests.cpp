// End-to-end tier, several sites and several hosts: one handler serving two nginx sites,
// each passing its own settings as fastcgi_param; and examples/nginx-upstream.conf
// spreading /watch over two handlers, one of which stops.
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <future>
#include <map>
#include <set>

#include "tests/support/http.h"
#include "tests/support/servers.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const Standin& standin() { return shared_standin(); }

std::string id_query(const char* id) { return std::string("id=") + id; }

std::string base64(const std::string& in) {
    static const char* const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8 | (unsigned char)in[i + 2];
        out += {abc[v >> 18], abc[(v >> 12) & 63], abc[(v >> 6) & 63], abc[v & 63]};
    }
    if (i + 1 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16;
        out += {abc[v >> 18], abc[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        unsigned v = (unsigned char)in[i] << 16 | (unsigned char)in[i + 1] << 8;
        out += {abc[v >> 18], abc[(v >> 12) & 63], abc[(v >> 6) & 63], '='};
    }
    return out;
}

std::string joined(const std::multiset<std::string>& items) {
    std::string out;
    for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
    return "{" + out + "}";
}

// What api.video (and the stand-in) expects for a key: Basic base64(key + ":").
std::string authorization(const std::string& key) { return "Basic " + base64(key + ":"); }

// The Authorization headers of the video reads the stand-in has seen since its reset
// (the caption and chapter lists beside them carry the same key; the "lists" test says so).
std::multiset<std::string> api_authorizations() {
    std::multiset<std::string> out;
    for (const auto& q : standin().requests()) {
        if (q.host == "api" && q.path.find('/', 8) == std::string::npos) out.insert(q.authorization);
    }
    return out;
}

// Every API call, the lists included, carried this one key.
bool every_api_call_carried(const std::string& key) {
    for (const auto& q : standin().requests()) {
        if (q.host == "api" && q.authorization != "Basic " + base64(key + ":")) return false;
    }
    return true;
}

// One server block on `port` passing `params` (name, value) to the handler on `sock`.
std::string site_block(int port, const std::string& sock,
                       const std::vector<std::pair<std::string, std::string>>& params) {
    std::string s =
        "server {\n"
        "    listen 127.0.0.1:" +
        std::to_string(port) +
        ";\n"
        "    location = /watch {\n"
        "        include fastcgi_params;\n";
    for (const auto& p : params) s += "        fastcgi_param " + p.first + " " + p.second + ";\n";
    return s + "        fastcgi_pass unix:" + sock + ";\n    }\n}\n";
}

// A copy of html/ whose every template says which site it belongs to.
std::string marked_templates(const TempDir& dir, const std::string& marker) {
    std::string out = dir.file("templates-" + marker);
    mkdir(out.c_str(), 0755);
    for (const auto& entry : std::filesystem::directory_iterator(repo_root() + "/html")) {
        std::string name = entry.path().filename();
        // Pages only: the _parts they include have no <body> of their own.
        if (name[0] == '_' || entry.path().extension() != ".html") continue;
        std::string text = read_file(entry.path());
        write_file(out + "/" + name,
                   must_replace(text, "<body>", "<body>\n<p class=\"" + marker + "\">" + marker + "</p>"));
    }
    return out;
}

// Two sites on two ports, one handler. The handler's own environment holds a key the
// stand-in refuses: a page can only work with the key its site passes.
struct TwoSites {
    TempDir dir;
    SpawnFcgiHandler handler{dir.file("watch.sock"),
                             {{"APIVIDEO_API_KEY", "env-key-the-stand-in-refuses"},
                              {"APIVIDEO_API_URL", standin().api()},
                              {"APIVIDEO_TIMEOUT_MS", "1500"}},
                             dir.file("handler-stderr.log")};
    int port_a = free_port();
    int port_b = free_port();
    std::string templates_b = marked_templates(dir, "site-b-template");
    NginxWithConf nginx{dir,
                        site_block(port_a, handler.socket(), {{"APIVIDEO_API_KEY", kKey}}) +
                            site_block(port_b, handler.socket(),
                                       {{"APIVIDEO_API_KEY", kOtherKey}, {"WATCH_TEMPLATE_DIR", templates_b}}),
                        {port_a, port_b}};
    TwoSites() {
        standin().reset();
        standin().knobs("");
    }
    std::string watch(int port, const std::string& query) const {
        return "http://127.0.0.1:" + std::to_string(port) + "/watch?" + query;
    }
};

// examples/nginx-upstream.conf with its two handler sockets, port and root replaced.
std::string render_upstream_example(const std::string& sock1, const std::string& sock2, int port,
                                    const std::string& root) {
    std::string conf = read_file(repo_root() + "/examples/nginx-upstream.conf");
    conf = must_replace(conf, "server unix:/run/apivideo-watch/apivideo-watch-1.sock ", "server unix:" + sock1 + " ");
    conf = must_replace(conf, "server unix:/run/apivideo-watch/apivideo-watch-2.sock ", "server unix:" + sock2 + " ");
    conf = must_replace(conf, "listen 80;", "listen 127.0.0.1:" + std::to_string(port) + ";");
    conf = must_replace(conf, "root /var/www/html;", "root " + root + ";");
    // The test sends its requests from one address; the rate limit is nginx's own.
    return must_replace(conf, "rate=5r/s", "rate=10000r/s");
}

std::map<std::string, std::string> handler_settings(const std::string& player_url) {
    // WATCH_PLAYER_URL differs only to tell in a page which handler made it.
    return {{"APIVIDEO_API_KEY", kKey},
            {"APIVIDEO_API_URL", standin().api()},
            {"APIVIDEO_TIMEOUT_MS", "1500"},
            {"WATCH_PLAYER_URL", player_url}};
}

struct TwoHandlersOneUpstream {
    TempDir dir;
    SpawnFcgiHandler one{dir.file("watch-1.sock"), handler_settings("/player-one"), dir.file("handler-1.log")};
    SpawnFcgiHandler two{dir.file("watch-2.sock"), handler_settings("/player-two"), dir.file("handler-2.log")};
    int port = free_port();
    NginxWithConf nginx{dir, render_upstream_example(one.socket(), two.socket(), port, dir.file("www")), {port}};
    TwoHandlersOneUpstream() {
        standin().reset();
        standin().knobs("");
    }
    // Which handler made the page ("one", "two"), with the status.
    std::pair<long, std::string> watch() const {
        HttpReply r = http_get("http://127.0.0.1:" + std::to_string(port) + "/watch?" + id_query(kPrivateVideo));
        std::string who = r.body.find("/player-one/") != std::string::npos   ? "one"
                          : r.body.find("/player-two/") != std::string::npos ? "two"
                                                                             : "?";
        return {r.status, who};
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(multisite_tests)

BOOST_FIXTURE_TEST_CASE(each_sites_api_calls_carry_its_own_key, TwoSites) {
    BOOST_TEST(http_get(watch(port_a, id_query(kPrivateVideo))).status == 200);
    BOOST_TEST((api_authorizations() == std::multiset<std::string>{authorization(kKey)}), joined(api_authorizations()));
    BOOST_TEST(every_api_call_carried(kKey));

    standin().reset();
    BOOST_TEST(http_get(watch(port_b, id_query(kPrivateVideo))).status == 200);
    BOOST_TEST((api_authorizations() == std::multiset<std::string>{authorization(kOtherKey)}),
               joined(api_authorizations()));
    BOOST_TEST(every_api_call_carried(kOtherKey));

    // Interleaved and concurrent, on the same worker threads: no site borrows the other's.
    standin().reset();
    std::vector<std::future<long>> pages;
    for (int i = 0; i < 8; ++i) {
        int port = i % 2 ? port_b : port_a;
        pages.push_back(
            std::async(std::launch::async, [=] { return http_get(watch(port, id_query(kPrivateVideo))).status; }));
    }
    for (auto& p : pages) BOOST_TEST(p.get() == 200);
    auto seen = api_authorizations();
    BOOST_TEST(seen.count(authorization(kKey)) == 4u);
    BOOST_TEST(seen.count(authorization(kOtherKey)) == 4u);
    BOOST_TEST(seen.size() == 8u);
    // The delivery host never sees a key.
    for (const auto& q : standin().requests()) {
        if (q.host == "vod") BOOST_TEST(!q.has_authorization, q.path);
    }
}

BOOST_FIXTURE_TEST_CASE(each_site_gets_its_own_templates, TwoSites) {
    HttpReply a = http_get(watch(port_a, id_query(kPrivateVideo)));
    HttpReply b = http_get(watch(port_b, id_query(kPrivateVideo)));
    BOOST_TEST(a.status == 200);
    BOOST_TEST(b.status == 200, b.body);
    BOOST_TEST(a.body.find("site-b-template") == std::string::npos);
    BOOST_TEST(b.body.find("<p class=\"site-b-template\">site-b-template</p>") != std::string::npos, b.body);
    // Its error page too.
    HttpReply b400 = http_get(watch(port_b, "id=nope"));
    BOOST_TEST(b400.status == 400);
    BOOST_TEST(b400.body.find("site-b-template") != std::string::npos, b400.body);
}

BOOST_FIXTURE_TEST_CASE(upstream_serves_every_request_when_one_handler_stops, TwoHandlersOneUpstream) {
    // Round robin (one nginx worker, equal weights): each handler serves every other request.
    std::multiset<std::string> served_by;
    for (int i = 0; i < 4; ++i) {
        auto r = watch();
        BOOST_TEST(r.first == 200);
        served_by.insert(r.second);
    }
    BOOST_TEST(served_by.count("one") == 2u, joined(served_by));
    BOOST_TEST(served_by.count("two") == 2u, joined(served_by));

    int status = one.process().stop(SIGTERM, 5000);
    BOOST_REQUIRE(status != -1);
    BOOST_TEST(WIFEXITED(status));

    for (int i = 0; i < 20; ++i) {
        auto r = watch();
        BOOST_TEST(r.first == 200, "request " << i);
        BOOST_TEST(r.second == "two", "request " << i);
    }
    // nginx did try the stopped one and moved on (fastcgi_next_upstream error).
    std::string log = nginx.error_log();
    BOOST_TEST(log.find("connect() to unix:" + one.socket() + " failed") != std::string::npos, log);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
