// apivideo-watch: the entry point. Reads the settings once, compiles the templates, then
// picks how requests arrive: --query (a shell command), FastCGI (a listening socket on
// fd 0, or fd 3 from systemd), or CGI (one request in the environment). Also --check
// (are the settings right?) and sign (make a signed watch link).
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <string>

#include "common/apivideo.h"
#include "common/ca_bundle.h"
#include "common/crypto.h"
#include "common/links.h"
#include "common/request.h"
#include "common/site.h"
#include "handler/adapter.h"
#include "handler/log.h"

// GnuTLS is in this process only because Debian's libcurl links librtmp and libldap,
// which link it; libcurl itself uses OpenSSL, and this handler allows only http and https
// (so neither RTMP nor LDAP ever runs). Still, GnuTLS initialises itself when it is loaded,
// which costs memory in every process (bench/results.md). This is the opt-out gnutls.h documents for
// programs that do not use it (GNUTLS_SKIP_GLOBAL_INIT); a library that does use GnuTLS
// calls gnutls_global_init() itself, as librtmp and libldap do.
extern "C" int _gnutls_global_init_skip(void) { return 1; }

namespace {

// The version's one home is debian/changelog; the Makefile passes it in.
#ifndef APIVIDEO_WATCH_VERSION
#error "APIVIDEO_WATCH_VERSION is not set: build with make, which reads it from debian/changelog"
#endif
constexpr const char* kVersion = APIVIDEO_WATCH_VERSION;

void usage(FILE* to) {
    std::fprintf(to,
                 "usage: apivideo-watch                  serve FastCGI (socket on fd 0, or systemd's fd 3) or CGI\n"
                 "       apivideo-watch --query QUERY    serve GET /watch?QUERY once and print the response\n"
                 "       apivideo-watch --check [--online]  check the settings and templates (--online: and the key)\n"
                 "       apivideo-watch --status [--json | --openmetrics]  the site's budget, queue and page counts\n"
                 "       apivideo-watch sign --id ID [--ttl DURATION] [OPTIONS]  print a signed watch link\n"
                 "       apivideo-watch --help | --version | sign --help\n"
                 "\nSettings (environment, or per site as FastCGI parameters):\n%s",
                 watch::settings_help().c_str());
}

void sign_usage(FILE* to) {
    std::fprintf(
        to,
        "usage: apivideo-watch sign --id ID [--ttl DURATION] [--nbf TIME] [--ip ADDRESS[/BITS]] [--t SECONDS]\n"
        "                           [--autoplay] [--loop] [--no-download] [--base URL]\n"
        "Prints a watch link for the video ID, signed with WATCH_LINK_SECRET (from the environment).\n"
        "  --id ID             the video id (vi...)\n"
        "  --ttl DURATION      how long the link works: seconds (3600), or 90s, 15m, 1h, 7d;\n"
        "                      1 second to 3650 days (default 1h), from --nbf when that is later than now\n"
        "  --nbf TIME          not before TIME: Unix seconds (1798797600), UTC (2027-01-01T10:00:00Z),\n"
        "                      or +DURATION from now (+15m); at most 3650 days ahead\n"
        "  --ip ADDRESS[/BITS] only for a client at this IPv4 or IPv6 address, or in this block\n"
        "                      (203.0.113.7, 203.0.113.0/24, 2001:db8::/32)\n"
        "  --t SECONDS         the player starts SECONDS into the video\n"
        "  --autoplay          the player starts by itself, muted (as browsers require)\n"
        "  --loop              the player starts again at the end\n"
        "  --no-download       no MP4 in the page: HLS only, no download control\n"
        "  --base URL          the watch page's path or URL (default /watch)\n");
}

const char* env(const char* name) { return std::getenv(name); }

int check(const std::shared_ptr<const watch::Site>& site, const std::string& site_error, bool online,
          const watch::HttpGlobal& http) {
    if (!site_error.empty()) {
        watch::log_lines(site_error, "");
        return 1;
    }
    const watch::Config& c = site->config;
    for (int fd : {0, 3}) {
        std::string addr = watch::exposed_tcp_address(fd);
        if (!addr.empty()) watch::log_lines(watch::exposure_warning(addr), "warning: ");
    }
    if (env("WATCH_THREADS")) {
        watch::log_lines(
            "WATCH_THREADS is no longer read: one event loop serves every request; "
            "WATCH_MAX_IN_FLIGHT bounds how many wait on api.video at once",
            "warning: ");
    }
    if (c.link_secret.empty() && c.allowed_ids.empty()) {
        watch::log_lines(
            "any video id the API key can read is served to anyone who asks; set WATCH_LINK_SECRET "
            "(signed links) or WATCH_ALLOWED_IDS to choose who watches what",
            "warning: ");
    }
    if (online) {
        watch::HttpClient client(http);
        watch::ApiVideo api(c);
        watch::UpstreamError e;
        if (!api.read_key_check(client.get(api.key_check()), e)) {
            watch::log_lines(e.detail, "");
            return 1;
        }
        std::printf("apivideo-watch: api.video accepted the API key at %s\n", c.api_url.c_str());
    }
    std::printf("apivideo-watch: trusted CA certificates: %s\n", http.trust_source().c_str());
    std::printf("apivideo-watch: settings and templates are fine\n");
    return 0;
}

// The longest --ttl: ten years, far beyond any link's use and well inside what
// check_link reads back (an exp of at most 12 digits).
constexpr long long kMaxTtlSeconds = 3650LL * 24 * 3600;

// "3600", "90s", "15m", "1h", "7d" -> seconds, 1 to kMaxTtlSeconds. Returns "" or why not.
std::string parse_ttl(const std::string& text, long long& seconds) {
    size_t digits = text.find_first_not_of("0123456789");
    if (digits == std::string::npos) digits = text.size();
    std::string unit = text.substr(digits);
    long long scale = unit.empty() || unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : unit == "d" ? 86400 : 0;
    if (digits == 0 || scale == 0) {
        return "not a duration: give seconds (3600) or a number with s, m, h or d (90s, 15m, 1h, 7d)";
    }
    long long value = 0;
    for (size_t i = 0; i < digits; ++i) {
        value = value * 10 + (text[i] - '0');
        if (value > kMaxTtlSeconds) break;  // before it can overflow
    }
    if (value == 0 || value > kMaxTtlSeconds / scale) {
        return "out of range: from 1 second to 3650 days";
    }
    seconds = value * scale;
    return "";
}

// A UTC time written "2026-01-01T10:00:00Z" or "2026-01-01T10:00Z" -> Unix seconds.
bool parse_utc(const std::string& text, long long& out) {
    const char* form = text.size() == 20 ? "dddd-dd-ddTdd:dd:ddZ" : text.size() == 17 ? "dddd-dd-ddTdd:ddZ" : nullptr;
    if (!form) return false;
    for (size_t i = 0; i < text.size(); ++i) {
        if (form[i] == 'd' ? !std::isdigit(static_cast<unsigned char>(text[i])) : text[i] != form[i]) return false;
    }
    std::tm tm{};
    tm.tm_year = std::stoi(text.substr(0, 4)) - 1900;
    tm.tm_mon = std::stoi(text.substr(5, 2)) - 1;
    tm.tm_mday = std::stoi(text.substr(8, 2));
    tm.tm_hour = std::stoi(text.substr(11, 2));
    tm.tm_min = std::stoi(text.substr(14, 2));
    tm.tm_sec = text.size() == 20 ? std::stoi(text.substr(17, 2)) : 0;
    const std::tm asked = tm;
    time_t t = timegm(&tm);
    // timegm carries 2026-02-30 into March: a date that moved did not exist.
    if (tm.tm_year != asked.tm_year || tm.tm_mon != asked.tm_mon || tm.tm_mday != asked.tm_mday ||
        tm.tm_hour != asked.tm_hour || tm.tm_min != asked.tm_min || tm.tm_sec != asked.tm_sec) {
        return false;
    }
    out = static_cast<long long>(t);
    return true;
}

// --nbf: Unix seconds, a UTC time, or +DURATION from `now`; up to kMaxTtlSeconds ahead.
// Returns "" or why not.
std::string parse_nbf(const std::string& text, long long now, long long& nbf) {
    long long t = 0;
    if (!text.empty() && text[0] == '+') {
        if (std::string why = parse_ttl(text.substr(1), t); !why.empty()) return "after +: " + why;
        t += now;
    } else if (!text.empty() && text.size() <= 12 && text.find_first_not_of("0123456789") == std::string::npos) {
        t = std::stoll(text);
        // A small number is a duration written without its +, not a time in 1970.
        if (t < 1000000000) return "not a Unix time (10 digits): for a time from now write +" + text;
    } else if (!parse_utc(text, t)) {
        return "not a time: give Unix seconds (1798797600), UTC (2027-01-01T10:00:00Z) or +DURATION (+15m)";
    }
    if (t > now + kMaxTtlSeconds) return "out of range: at most 3650 days from now";
    nbf = t;
    return "";
}

int sign(int argc, char** argv) {
    std::string base = "/watch";
    watch::Link link;
    long long ttl = 3600;
    const long long now = static_cast<long long>(std::time(nullptr));
    for (int i = 2; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            sign_usage(stdout);
            return 0;
        }
    }
    auto refuse = [](const std::string& option, const std::string& value, const std::string& why) {
        std::fprintf(stderr, "apivideo-watch: sign: %s \"%s\": %s\n", option.c_str(), value.c_str(), why.c_str());
        return 2;
    };
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--autoplay") {
            link.play.autoplay = true;
            continue;
        } else if (a == "--loop") {
            link.play.loop = true;
            continue;
        } else if (a == "--no-download") {
            link.play.download = false;
            continue;
        }
        if (a != "--id" && a != "--base" && a != "--ttl" && a != "--nbf" && a != "--ip" && a != "--t") {
            std::fprintf(stderr, "apivideo-watch: sign: unknown option %s\n", a.c_str());
            sign_usage(stderr);
            return 2;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "apivideo-watch: sign: %s needs a value\n", a.c_str());
            return 2;
        }
        std::string v = argv[++i];
        if (a == "--id") {
            link.id = v;
        } else if (a == "--base") {
            base = v;
        } else if (a == "--ttl") {
            if (std::string why = parse_ttl(v, ttl); !why.empty()) return refuse(a, v, why);
        } else if (a == "--nbf") {
            if (std::string why = parse_nbf(v, now, link.nbf); !why.empty()) return refuse(a, v, why);
        } else if (a == "--ip") {
            watch::AddressBlock block;
            if (std::string why; !watch::parse_address_block(v, block, why)) return refuse(a, v, why);
            link.ip = v;
        } else if (!watch::parse_start_seconds(v, link.play.start)) {
            return refuse(a, v, "not a number of seconds (digits only, at most 9)");
        }
    }
    const char* secret = env("WATCH_LINK_SECRET");
    if (!secret || std::strlen(secret) < 32) {
        std::fprintf(stderr, "apivideo-watch: sign: set WATCH_LINK_SECRET (at least 32 characters) first\n");
        return 2;
    }
    if (!watch::media_kind_of(link.id)) {
        std::fprintf(stderr, "apivideo-watch: sign: needs --id vi… or li… (a video or live stream id)\n");
        return 2;
    }
    // The link works for --ttl from the moment it may be used.
    link.exp = std::max(now, link.nbf) + ttl;
    std::printf("%s%c%s\n", base.c_str(), base.find('?') == std::string::npos ? '?' : '&',
                watch::signed_query(secret, link).c_str());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string query;
    bool shell = false, want_check = false, online = false, want_status = false;
    watch::StatusFormat status_format = watch::StatusFormat::Text;
    if (argc > 1 && std::strcmp(argv[1], "sign") == 0) return sign(argc, argv);
    // --help wins wherever it stands, even where a value was due (--query --help).
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        }
    }
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--version") {
            std::printf("apivideo-watch %s\n", kVersion);
            if (const watch::CaBundle* ca = watch::builtin_ca_bundle()) {
                std::printf("CA certificates built in: %zu, from %s (%s)\n", ca->count, ca->source, ca->date);
            }
            return 0;
        } else if (a == "--check") {
            want_check = true;
        } else if (a == "--status") {
            want_status = true;
        } else if (a == "--json" && want_status) {
            status_format = watch::StatusFormat::Json;
        } else if (a == "--openmetrics" && want_status) {
            status_format = watch::StatusFormat::OpenMetrics;
        } else if (a == "--online") {
            online = true;
        } else if (a == "--query" && i + 1 < argc) {
            shell = true;
            query = argv[++i];
        } else if (a.rfind("--query=", 0) == 0) {
            shell = true;
            query = a.substr(8);
        } else {
            std::fprintf(stderr, "apivideo-watch: unknown argument %s\n", a.c_str());
            usage(stderr);
            return 2;
        }
    }

    try {
        const bool fastcgi = !shell && !want_check && !want_status && watch::started_with_socket();
        const bool cgi = !shell && !want_check && !want_status && !fastcgi && env("GATEWAY_INTERFACE");
        std::shared_ptr<const watch::Site> site;
        std::string site_error;
        if (!watch::load_site(env, site, site_error,
                              cgi ? watch::Pages::Compile::OnUse : watch::Pages::Compile::AtLoad) &&
            site_error.empty()) {
            site_error = "the settings are broken";
        }
        if (cgi) watch::leave_crypto_cleanup_to_exit();
        // Broken settings make no upstream call: the default trust then serves nothing.
        watch::HttpGlobal http(site ? site->config.ca_trust : watch::CaTrust{});
        if (want_check) return check(site, site_error, online, http);
        if (want_status) {
            if (!site_error.empty()) {
                watch::log_lines(site_error, "");
                return 1;
            }
            return watch::print_status(status_format, site, http);
        }

        if (fastcgi || shell) {
            // A long-running server with broken settings would fail every visitor: refuse.
            if (!site_error.empty()) {
                watch::log_lines(site_error, "");
                return 1;
            }
            if (shell) return watch::serve_shell(query, site, http);
            std::string why;
            watch::Listener listener = watch::Listener::find(site->config.socket_path, why);
            if (listener.fd < 0) {
                watch::log_lines(why, "");
                return 1;
            }
            std::string exposed = watch::exposed_tcp_address(listener.fd);
            if (!exposed.empty()) watch::log_lines(watch::exposure_warning(exposed), "warning: ");
            watch::Sites sites(env, site);
            return watch::serve_fastcgi(listener, sites, env, http);
        }
        if (cgi) return watch::serve_cgi(site, site_error, http);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "apivideo-watch: %s\n", e.what());
        return 1;
    }

    std::fprintf(stderr,
                 "apivideo-watch: not started by a web server (no FastCGI socket on fd 0, no CGI environment)\n");
    usage(stderr);
    return 2;
}
