// End-to-end tier: the binary as a shell command. Refusing to start without a key,
// --check (settings, templates, exposure, the key online), sign, --query.
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <ctime>
#include <sstream>
#include <tuple>
#include <utility>

#include "tests/support/process.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

struct Run {
    int status;
    std::string out;  // stdout and stderr together
};

// Runs the handler with exactly `env` (plus PATH), nothing inherited.
Run handler(const std::vector<std::string>& args, std::map<std::string, std::string> env) {
    std::vector<std::string> argv = {"/usr/bin/env", "-i", "PATH=/usr/bin:/bin"};
    for (const auto& kv : env) argv.push_back(kv.first + "=" + kv.second);
    argv.push_back(handler_binary());
    argv.insert(argv.end(), args.begin(), args.end());
    Run r;
    r.status = run(argv, &r.out);
    return r;
}

std::map<std::string, std::string> good_env() {
    return {{"APIVIDEO_API_KEY", kKey}, {"APIVIDEO_API_URL", shared_standin().api()}};
}

size_t lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// The query of the link `sign` printed (its one line, after '?').
std::string query_of(const Run& r) {
    std::string q = r.out.substr(r.out.find('?') + 1);
    return q.substr(0, q.find('\n'));
}

// The handler as CGI for GET /watch?query from `remote_addr` (the shell's --query has no client).
Run cgi(const std::string& query, const std::string& remote_addr, std::map<std::string, std::string> env) {
    env["GATEWAY_INTERFACE"] = "CGI/1.1";
    env["REQUEST_METHOD"] = "GET";
    env["QUERY_STRING"] = query;
    env["REQUEST_URI"] = "/watch?" + query;
    env["REMOTE_ADDR"] = remote_addr;
    return handler({}, env);
}

// A fenced block of README.md's "Private means private" section, as a program: the
// fence's indentation (a list item's) taken off every line.
std::string readme_snippet(const std::string& fence) {
    std::string readme = read_file(repo_root() + "/README.md");
    size_t section = readme.find("\n## Private means private\n");
    BOOST_REQUIRE(section != std::string::npos);
    size_t open = readme.find("  ```" + fence + "\n", section);
    BOOST_REQUIRE_MESSAGE(open != std::string::npos && open < readme.find("\n## ", section + 1),
                          "no ```" << fence << " block in the section");
    size_t close = readme.find("\n  ```\n", open);
    BOOST_REQUIRE(close != std::string::npos);
    std::istringstream block(readme.substr(open, close - open));
    std::string code, line;
    std::getline(block, line);  // the fence
    while (std::getline(block, line)) code += (line.rfind("  ", 0) == 0 ? line.substr(2) : line) + "\n";
    return code;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(e2e)
BOOST_AUTO_TEST_SUITE(cli_tests)

BOOST_AUTO_TEST_CASE(without_a_key_it_refuses_to_start_in_one_line_naming_both_settings) {
    Run r = handler({"--query", std::string("id=") + kPrivateVideo}, {});
    BOOST_TEST(r.status == 1);
    BOOST_TEST(lines(r.out) == 1u, r.out);
    BOOST_TEST(r.out.find("APIVIDEO_API_KEY") != std::string::npos);
    BOOST_TEST(r.out.find("APIVIDEO_API_KEY_FILE") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(check_passes_good_settings_and_warns_that_every_id_is_served) {
    Run r = handler({"--check"}, good_env());
    BOOST_TEST(r.status == 0, r.out);
    BOOST_TEST(r.out.find("settings and templates are fine") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("warning: any video id the API key can read is served") != std::string::npos, r.out);

    auto env = good_env();
    env["WATCH_ALLOWED_IDS"] = kPrivateVideo;
    r = handler({"--check"}, env);
    BOOST_TEST(r.out.find("warning") == std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(check_names_every_broken_setting_on_its_own_line_without_secrets) {
    auto env = good_env();
    env["APIVIDEO_API_URL"] = "http://api.example.com";
    env["APIVIDEO_TIMEOUT_MS"] = "soon";
    env["WATCH_PLAYER"] = "flash";
    env["WATCH_LINK_SECRET"] = "short-secret-value";
    Run r = handler({"--check"}, env);
    BOOST_TEST(r.status == 1);
    BOOST_TEST(lines(r.out) == 4u, r.out);
    for (const char* name : {"APIVIDEO_API_URL", "APIVIDEO_TIMEOUT_MS", "WATCH_PLAYER", "WATCH_LINK_SECRET"}) {
        BOOST_TEST(r.out.find(name) != std::string::npos, name);
    }
    BOOST_TEST(r.out.find("short-secret-value") == std::string::npos);
    BOOST_TEST(r.out.find(kKey) == std::string::npos);
}

BOOST_AUTO_TEST_CASE(check_names_the_broken_template_and_line) {
    TempDir dir;
    write_file(dir.file("error.html"), "<!DOCTYPE html>\n<p>{{message}}</p>\n<p onclick=\"{{title}}\">x</p>\n");
    auto env = good_env();
    env["WATCH_TEMPLATE_DIR"] = dir.path();
    Run r = handler({"--check"}, env);
    BOOST_TEST(r.status == 1);
    BOOST_TEST(r.out.find("error.html:3:") != std::string::npos, r.out);
    // A correct customised template is taken, the others stay built in.
    write_file(dir.file("error.html"),
               "<!DOCTYPE html>\n<html><title>{{title}}</title><body><p>{{message}} ({{status}})</p></body></html>\n");
    BOOST_TEST(handler({"--check"}, env).status == 0);
    r = handler({"--query", "id=nope"}, env);
    BOOST_TEST(r.out.find("<title>Bad request</title>") != std::string::npos, r.out);
}

// An empty page template (a file created and never filled, an upload cut short) is
// refused by --check and at start-up, instead of serving 200 with an empty body.
BOOST_AUTO_TEST_CASE(an_empty_page_template_is_refused_by_check_and_at_start_up) {
    TempDir dir;
    write_file(dir.file("player-hlsjs.html"), "");
    auto env = good_env();
    env["WATCH_TEMPLATE_DIR"] = dir.path();
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"--check"}, {"--query", std::string("id=") + kPublicVideo}}) {
        Run r = handler(args, env);
        BOOST_TEST(r.status == 1, r.out);
        BOOST_TEST(r.out.find("player-hlsjs.html: not a whole page") != std::string::npos, r.out);
        BOOST_TEST(r.out.find("fine") == std::string::npos, r.out);
    }
}

// A CGI process serves one page: it compiles that page's template alone (Pages::Compile::OnUse).
// A broken one of another player leaves the page served; the page that needs it is the 500
// page, its reason in the log, before any api.video call, never 200 with nothing to show.
BOOST_AUTO_TEST_CASE(as_cgi_only_the_page_served_compiles_and_a_broken_one_answers_500) {
    TempDir dir;
    write_file(dir.file("player-hlsjs.html"), "");
    auto env = good_env();
    env["WATCH_TEMPLATE_DIR"] = dir.path();
    Run r = cgi(std::string("id=") + kPublicVideo, "203.0.113.7", env);
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.rfind("Status: 200 OK\r\n", 0) == 0u, r.out.substr(0, 300));
    shared_standin().reset();
    r = cgi(std::string("id=") + kPublicVideo + "&player=hlsjs", "203.0.113.7", env);
    BOOST_TEST(r.out.find("Status: 500 ") != std::string::npos, r.out.substr(0, 300));
    BOOST_TEST(shared_standin().requests().empty());  // refused before any api.video call
    BOOST_TEST(r.out.find("step=internal") != std::string::npos, r.out);
    BOOST_TEST(r.out.find("player-hlsjs.html: not a whole page") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(check_online_proves_the_key_or_says_it_was_refused) {
    Run ok = handler({"--check", "--online"}, good_env());
    BOOST_TEST(ok.status == 0, ok.out);
    BOOST_TEST(ok.out.find("api.video accepted the API key") != std::string::npos, ok.out);

    auto env = good_env();
    env["APIVIDEO_API_KEY"] = "a-key-api-video-does-not-know";
    Run refused = handler({"--check", "--online"}, env);
    BOOST_TEST(refused.status == 1);
    BOOST_TEST(refused.out.find("refused the API key") != std::string::npos, refused.out);
    BOOST_TEST(refused.out.find("a-key-api-video-does-not-know") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(check_warns_about_a_socket_other_hosts_can_reach) {
    // --check gets the socket on fd 0, as a server would hand it over. The socket is bound
    // but never listens: nothing can connect to it, on any interface.
    auto with_socket_on_fd0 = [&](const std::string& address) {
        std::vector<std::string> argv = {"/usr/bin/python3", "-c",
                                         "import os, socket, sys\n"
                                         "s = socket.socket()\n"
                                         "s.bind((sys.argv[1], 0))\n"
                                         "os.dup2(s.fileno(), 0)\n"
                                         "os.execv(sys.argv[2], [sys.argv[2], '--check'])\n",
                                         address, handler_binary()};
        Run r;
        r.status = run(argv, &r.out, good_env());
        return r;
    };
    Run exposed = with_socket_on_fd0("0.0.0.0");
    BOOST_TEST(exposed.out.find("reachable from other hosts") != std::string::npos, exposed.out);
    Run loopback = with_socket_on_fd0("127.0.0.1");
    BOOST_TEST(loopback.status == 0, loopback.out);
    BOOST_TEST(loopback.out.find("reachable from other hosts") == std::string::npos, loopback.out);
}

BOOST_AUTO_TEST_CASE(sign_prints_a_link_the_handler_accepts_and_nothing_else_does) {
    const std::string secret = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    auto env = good_env();
    env["WATCH_LINK_SECRET"] = secret;
    Run signed_link =
        handler({"sign", "--id", kPrivateVideo, "--ttl", "600", "--base", "https://example.org/watch"}, env);
    BOOST_TEST(signed_link.status == 0, signed_link.out);
    const std::string prefix = std::string("https://example.org/watch?id=") + kPrivateVideo + "&exp=";
    BOOST_REQUIRE(signed_link.out.rfind(prefix, 0) == 0);
    std::string query = signed_link.out.substr(signed_link.out.find('?') + 1);
    query.erase(query.find_last_not_of("\n") + 1);

    Run page = handler({"--query", query}, env);
    BOOST_TEST(page.status == 0, page.out);
    BOOST_TEST(page.out.rfind("Status: 200 OK\r\n", 0) == 0);

    std::string tampered = query;
    tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
    Run refused = handler({"--query", tampered}, env);
    BOOST_TEST(refused.status == 1);
    BOOST_TEST(refused.out.find("Status: 403 Forbidden") != std::string::npos, refused.out);

    env.erase("WATCH_LINK_SECRET");
    BOOST_TEST(handler({"sign", "--id", kPrivateVideo}, env).status == 2);
}

BOOST_AUTO_TEST_CASE(every_subcommand_takes_help) {
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"sign", "--help"}, {"sign", "-h"}, {"sign", "--id", "--help"}, {"sign", "--ttl", "1h", "--help"}}) {
        Run r = handler(args, {});  // no secret needed to read the help
        BOOST_TEST(r.status == 0, r.out);
        BOOST_TEST(r.out.rfind("usage: apivideo-watch sign --id ID [--ttl DURATION]", 0) == 0u, r.out);
    }
    for (const std::vector<std::string>& args :
         std::vector<std::vector<std::string>>{{"--help"}, {"--check", "--help"}, {"--query", "--help"}}) {
        Run r = handler(args, {});
        BOOST_TEST(r.status == 0, r.out);
        BOOST_TEST(r.out.find("WATCH_MAX_IN_FLIGHT") != std::string::npos, r.out);
    }
    Run wrong = handler({"sign", "--idd", kPrivateVideo}, {});
    BOOST_TEST(wrong.status == 2);
    BOOST_TEST(wrong.out.find("unknown option --idd") != std::string::npos, wrong.out);
}

// --ttl is seconds or a number with a unit; anything else, or out of range, is refused
// with the reason, never turned into a link that expires at the wrong time.
BOOST_AUTO_TEST_CASE(sign_reads_ttl_strictly) {
    auto env = good_env();
    env["WATCH_LINK_SECRET"] = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    const std::pair<const char*, long long> good[] = {
        {"3600", 3600},           {"1h", 3600}, {"90s", 90}, {"15m", 900}, {"7d", 7 * 86400}, {"1", 1},
        {"3650d", 3650LL * 86400}};
    for (const auto& [ttl, seconds] : good) {
        long long before = static_cast<long long>(std::time(nullptr));
        Run r = handler({"sign", "--id", kPrivateVideo, "--ttl", ttl}, env);
        long long after = static_cast<long long>(std::time(nullptr));
        BOOST_TEST_REQUIRE(r.status == 0, ttl << ": " << r.out);
        size_t at = r.out.find("&exp=");
        BOOST_REQUIRE(at != std::string::npos);
        long long exp = std::stoll(r.out.substr(at + 5));
        BOOST_TEST(exp >= before + seconds, ttl);
        BOOST_TEST(exp <= after + seconds, ttl);
    }
    const std::pair<const char*, const char*> bad[] = {{"99999999999999999999", "out of range"},
                                                       {"0", "out of range"},
                                                       {"0h", "out of range"},
                                                       {"3651d", "out of range"},
                                                       {"315360001", "out of range"},
                                                       {"1H", "not a duration"},
                                                       {"1.5h", "not a duration"},
                                                       {"-5", "not a duration"},
                                                       {"+5", "not a duration"},
                                                       {"1 h", "not a duration"},
                                                       {"", "not a duration"},
                                                       {"1hh", "not a duration"},
                                                       {"h", "not a duration"},
                                                       {"0x10", "not a duration"}};
    for (const auto& [ttl, why] : bad) {
        Run r = handler({"sign", "--id", kPrivateVideo, "--ttl", ttl}, env);
        BOOST_TEST(r.status == 2, ttl << ": " << r.out);
        BOOST_TEST(r.out.find(std::string("--ttl \"") + ttl + "\": " + why) != std::string::npos, r.out);
        BOOST_TEST(r.out.find("exp=") == std::string::npos, r.out);
    }
}

// Every field of a signed link, from sign's flags to the page: the handler run as CGI
// plays it for a client inside the block and refuses one outside.
BOOST_AUTO_TEST_CASE(sign_flags_make_a_link_the_handler_accepts_only_where_and_when_it_is_for) {
    auto env = good_env();
    env["WATCH_LINK_SECRET"] = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    long long now = static_cast<long long>(std::time(nullptr));
    Run made = handler({"sign", "--id", kPrivateVideo, "--nbf", std::to_string(now - 60), "--ttl", "10m", "--ip",
                        "203.0.113.0/24", "--t", "90", "--autoplay", "--loop", "--no-download"},
                       env);
    BOOST_TEST_REQUIRE(made.status == 0, made.out);
    std::string q = query_of(made);
    BOOST_TEST(q.find("&nbf=" + std::to_string(now - 60) +
                      "&ip=203.0.113.0%2F24&t=90&autoplay=1&loop=1&download=0&sig=") != std::string::npos,
               q);
    Run inside = cgi(q, "203.0.113.9", env);
    BOOST_TEST(inside.out.find("Status: 200 OK") != std::string::npos, inside.out);
    Run outside = cgi(q, "198.51.100.9", env);
    BOOST_TEST(outside.out.find("Status: 403 Forbidden") != std::string::npos, outside.out);
    BOOST_TEST(outside.out.find("step=link") != std::string::npos, outside.out);
    BOOST_TEST(outside.out.find("another address (client 198.51.100.9 from REMOTE_ADDR)") != std::string::npos,
               outside.out);
    // Behind a trusted proxy, the header's last address is the client's.
    env["WATCH_CLIENT_IP_HEADER"] = "X-Forwarded-For";
    env["HTTP_X_FORWARDED_FOR"] = "198.51.100.9, 203.0.113.9";
    BOOST_TEST(cgi(q, "10.0.0.2", env).out.find("Status: 200 OK") != std::string::npos);
    env.erase("WATCH_CLIENT_IP_HEADER");
    env.erase("HTTP_X_FORWARDED_FOR");

    // Not valid yet: --nbf from now, and --ttl counted from it.
    Run later = handler({"sign", "--id", kPrivateVideo, "--nbf", "+1h", "--ttl", "2h"}, env);
    long long after = static_cast<long long>(std::time(nullptr));
    BOOST_TEST_REQUIRE(later.status == 0, later.out);
    std::string lq = query_of(later);
    size_t at = lq.find("&nbf=");
    BOOST_REQUIRE(at != std::string::npos);
    long long nbf = std::stoll(lq.substr(at + 5));
    BOOST_TEST(nbf >= now + 3600);
    BOOST_TEST(nbf <= after + 3600);
    BOOST_TEST(lq.find("&exp=" + std::to_string(nbf + 7200) + "&") != std::string::npos, lq);
    Run early = cgi(lq, "203.0.113.9", env);
    BOOST_TEST(early.out.find("Status: 403 Forbidden") != std::string::npos, early.out);
    BOOST_TEST(early.out.find("link not valid yet") != std::string::npos, early.out);
}

// Like --ttl, every value is checked, and a refusal prints no link.
BOOST_AUTO_TEST_CASE(sign_reads_its_flags_strictly) {
    auto env = good_env();
    env["WATCH_LINK_SECRET"] = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    long long now = static_cast<long long>(std::time(nullptr));
    const std::pair<const char*, const char*> good[] = {{"--nbf", "2027-01-01T10:00:00Z"},
                                                        {"--nbf", "2027-01-01T10:00Z"},
                                                        {"--nbf", "1798797600"},
                                                        {"--nbf", "+15m"},
                                                        {"--nbf", "+3600"},
                                                        {"--ip", "203.0.113.7"},
                                                        {"--ip", "0.0.0.0/0"},
                                                        {"--ip", "2001:db8::/32"},
                                                        {"--ip", "::ffff:203.0.113.0/120"},
                                                        {"--t", "0"},
                                                        {"--t", "999999999"}};
    for (const auto& [flag, value] : good) {
        Run r = handler({"sign", "--id", kPrivateVideo, flag, value}, env);
        BOOST_TEST(r.status == 0, flag << " " << value << ": " << r.out);
    }
    // UTC, exactly: 2027-01-01T10:00:00Z is 1798797600.
    BOOST_TEST(
        handler({"sign", "--id", kPrivateVideo, "--nbf", "2027-01-01T10:00:00Z"}, env).out.find("&nbf=1798797600&") !=
        std::string::npos);
    // A default is left out of the link.
    BOOST_TEST(handler({"sign", "--id", kPrivateVideo, "--t", "0"}, env).out.find("&t=") == std::string::npos);

    std::string too_late = std::to_string(now + 3651LL * 86400);
    const std::tuple<const char*, std::string, const char*> bad[] = {
        {"--nbf", "3600", "not a Unix time (10 digits): for a time from now write +3600"},
        {"--nbf", "1h", "not a time"},
        {"--nbf", "+1H", "after +: not a duration"},
        {"--nbf", "+0", "after +: out of range"},
        {"--nbf", "-60", "not a time"},
        {"--nbf", "", "not a time"},
        {"--nbf", too_late, "out of range: at most 3650 days from now"},
        {"--nbf", "+3651d", "after +: out of range"},
        {"--nbf", "2027-02-30T10:00:00Z", "not a time"},
        {"--nbf", "2027-01-01T24:00:00Z", "not a time"},
        {"--nbf", "2027-01-01T10:00:00", "not a time"},
        {"--nbf", "2027-01-01T10:00:00+01:00", "not a time"},
        {"--nbf", "2027-01-01 10:00:00Z", "not a time"},
        {"--nbf", "99999999999999999999", "not a time"},
        {"--ip", "203.0.113", "not an IPv4 or IPv6 address"},
        {"--ip", "203.0.113.07", "not an IPv4 or IPv6 address"},
        {"--ip", "example.org", "not an IPv4 or IPv6 address"},
        {"--ip", "[2001:db8::1]", "not an IPv4 or IPv6 address"},
        {"--ip", "203.0.113.0/33", "the prefix after / must be a number from 0 to 32"},
        {"--ip", "2001:db8::/129", "the prefix after / must be a number from 0 to 128"},
        {"--ip", "203.0.113.9/24", "has bits set past its prefix: the block starts at 203.0.113.0/24"},
        {"--t", "-1", "not a number of seconds"},
        {"--t", "1.5", "not a number of seconds"},
        {"--t", "1m", "not a number of seconds"},
        {"--t", "007", "not a number of seconds"},
        {"--t", "1000000000", "not a number of seconds"}};
    for (const auto& [flag, value, why] : bad) {
        Run r = handler({"sign", "--id", kPrivateVideo, flag, value}, env);
        BOOST_TEST(r.status == 2, flag << " " << value << ": " << r.out);
        BOOST_TEST(r.out.find(std::string(flag) + " \"" + value + "\": " + why) != std::string::npos, r.out);
        BOOST_TEST(r.out.find("exp=") == std::string::npos, r.out);
    }
    for (const char* flag : {"--nbf", "--ip", "--t"}) {
        Run r = handler({"sign", "--id", kPrivateVideo, flag}, env);
        BOOST_TEST(r.status == 2);
        BOOST_TEST(r.out.find(std::string(flag) + " needs a value") != std::string::npos, r.out);
    }
    Run help = handler({"sign", "--help"}, {});
    for (const char* flag :
         {"--nbf TIME", "--ip ADDRESS[/BITS]", "--t SECONDS", "--autoplay", "--loop", "--no-download"}) {
        BOOST_TEST(help.out.find(flag) != std::string::npos, flag);
    }
}

// The README's PHP, Python and Node.js snippets make the very links `sign` makes: the
// contract a site's backend relies on, checked with the real interpreters.
BOOST_AUTO_TEST_CASE(the_readme_snippets_make_the_links_sign_makes) {
    const std::string secret = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
    auto env = good_env();
    env["WATCH_LINK_SECRET"] = secret;
    std::string id = kPrivateVideo;
    // With --nbf in the future, exp is --nbf plus --ttl, known here.
    const std::string nbf = std::to_string(static_cast<long long>(std::time(nullptr)) + 86400);
    const std::string exp_all = std::to_string(std::stoll(nbf) + 7200), exp_some = std::to_string(std::stoll(nbf) + 60);
    Run plain = handler({"sign", "--id", id, "--ttl", "1h"}, env);
    Run all = handler({"sign", "--id", id, "--nbf", nbf, "--ttl", "2h", "--ip", "2001:db8::/32", "--t", "90",
                       "--autoplay", "--loop", "--no-download"},
                      env);
    Run some = handler({"sign", "--id", id, "--nbf", nbf, "--ttl", "60", "--ip", "203.0.113.0/24", "--t", "30"}, env);
    for (const Run* r : {&plain, &all, &some}) BOOST_TEST_REQUIRE(r->status == 0, r->out);
    std::string q = query_of(plain);
    std::string exp = q.substr(q.find("&exp=") + 5, q.find("&sig=") - q.find("&exp=") - 5);
    const std::string expected = plain.out + all.out + some.out;

    struct Language {
        const char* fence;
        const char* interpreter;
        const char* file;
        std::string program;
    };
    const Language languages[] = {
        {"php", "php", "snippet.php",
         "<?php\n" + readme_snippet("php") + "echo watch_link('" + secret + "', '" + id + "', " + exp +
             "), \"\\n\";\n"
             "echo watch_link('" +
             secret + "', '" + id + "', " + exp_all +
             ", ['download' => 0, 'loop' => 1, "
             "'autoplay' => 1, 't' => 90, 'ip' => '2001:db8::/32', 'nbf' => " +
             nbf +
             "]), \"\\n\";\n"
             "echo watch_link('" +
             secret + "', '" + id + "', " + exp_some + ", ['t' => 30, 'nbf' => " + nbf +
             ", "
             "'ip' => '203.0.113.0/24']), \"\\n\";\n"},
        {"python", "python3", "snippet.py",
         readme_snippet("python") + "print(watch_link('" + secret + "', '" + id + "', " + exp +
             "))\n"
             "print(watch_link('" +
             secret + "', '" + id + "', " + exp_all +
             ", download=0, loop=1, autoplay=1, t=90, "
             "ip='2001:db8::/32', nbf=" +
             nbf +
             "))\n"
             "print(watch_link('" +
             secret + "', '" + id + "', " + exp_some + ", t=30, nbf=" + nbf + ", ip='203.0.113.0/24'))\n"},
        {"js", "node", "snippet.js",
         readme_snippet("js") + "console.log(watchLink('" + secret + "', '" + id + "', " + exp +
             "));\n"
             "console.log(watchLink('" +
             secret + "', '" + id + "', " + exp_all +
             ", { download: 0, loop: 1, autoplay: 1, "
             "t: 90, ip: '2001:db8::/32', nbf: " +
             nbf +
             " }));\n"
             "console.log(watchLink('" +
             secret + "', '" + id + "', " + exp_some + ", { t: 30, nbf: " + nbf +
             ", "
             "ip: '203.0.113.0/24' }));\n"},
    };
    TempDir dir;
    for (const Language& l : languages) {
        std::string where;
        BOOST_TEST_REQUIRE(run({"/bin/sh", "-c", std::string("command -v ") + l.interpreter}, &where) == 0,
                           l.interpreter << " is not installed: it is needed to check the README's snippet");
        write_file(dir.file(l.file), l.program);
        std::string out;
        BOOST_TEST(run({"/usr/bin/env", l.interpreter, dir.file(l.file)}, &out) == 0, l.fence << ": " << out);
        BOOST_TEST(out == expected, l.fence << " printed\n" << out << "sign printed\n" << expected);
    }
}

// The version has one home, debian/changelog's first line: the package takes it from
// there and so does --version.
BOOST_AUTO_TEST_CASE(version_is_the_one_of_debian_changelog) {
    std::string first = read_file(repo_root() + "/debian/changelog");
    first = first.substr(0, first.find('\n'));  // "apivideo-watch (0.1.0) unstable; urgency=medium"
    size_t open = first.find(" ("), close = first.find(')');
    BOOST_REQUIRE(open != std::string::npos && close != std::string::npos);
    Run v = handler({"--version"}, {});
    BOOST_TEST(v.status == 0);
    BOOST_TEST(v.out == "apivideo-watch " + first.substr(open + 2, close - open - 2) + "\n");
}

BOOST_AUTO_TEST_CASE(query_prints_status_headers_and_page) {
    Run r = handler({"--query", std::string("id=") + kPublicVideo}, good_env());
    BOOST_TEST(r.status == 0);
    BOOST_TEST(r.out.rfind("Status: 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n", 0) == 0,
               r.out.substr(0, 200));
    BOOST_TEST(r.out.find("\r\n\r\n<!DOCTYPE html>") != std::string::npos);
    Run v = handler({"--version"}, {});
    BOOST_TEST(v.status == 0);
    BOOST_TEST(v.out.rfind("apivideo-watch ", 0) == 0);
    Run h = handler({"--help"}, {});
    BOOST_TEST(h.out.find("WATCH_MAX_IN_FLIGHT") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
