// Component tier: who may watch. Signed links and the allow-list, checked before any
// upstream call; what reaches the stand-in in each case.
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <ctime>
#include <map>

#include "common/links.h"
#include "tests/support/core.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-link";

long long now() { return static_cast<long long>(std::time(nullptr)); }

// A GET /watch?query as the web server passes it, with these CGI variables on top
// (REMOTE_ADDR, HTTP_X_FORWARDED_FOR, …).
watch::Response get_with(Core& core, const std::string& query, const std::map<std::string, std::string>& vars) {
    std::map<std::string, std::string> all = {
        {"REQUEST_METHOD", "GET"}, {"QUERY_STRING", query}, {"REQUEST_URI", "/watch?" + query}};
    for (const auto& kv : vars) all[kv.first] = kv.second;
    return core.get_as_sent(all);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(access_tests)

BOOST_AUTO_TEST_CASE(a_valid_signed_link_plays) {
    Core core(Core::Settings{{"WATCH_LINK_SECRET", kSecret}});
    watch::Response r = core.get(watch::signed_query(kSecret, kPrivateVideo, now() + 600));
    BOOST_TEST(r.status == 200, r.log);
    BOOST_TEST(shared_standin().video_reads() == 1u);
}

BOOST_AUTO_TEST_CASE(missing_expired_tampered_and_foreign_links_get_403_without_upstream_calls) {
    Core core(Core::Settings{{"WATCH_LINK_SECRET", kSecret}});
    std::string id = kPrivateVideo;
    std::string good = watch::signed_query(kSecret, id, now() + 600);
    std::string tampered_sig = good.substr(0, good.size() - 2) + (good.back() == 'A' ? "BB" : "AA");
    std::string other_id = watch::signed_query(kSecret, kPublicVideo, now() + 600);
    other_id.replace(3, std::string(kPublicVideo).size(), id);  // the signature of another video
    long long later = now() + 600;
    std::string moved_exp =
        "id=" + id + "&exp=" + std::to_string(later + 1) + "&sig=" + watch::link_signature(kSecret, id, later);
    const std::pair<std::string, std::string> cases[] = {
        {"no exp or sig", "id=" + id},
        {"no sig", "id=" + id + "&exp=" + std::to_string(later)},
        {"expired", watch::signed_query(kSecret, id, now() - 1)},
        {"tampered signature", tampered_sig},
        {"signature of another id", other_id},
        {"expiry moved", moved_exp},
        {"other secret", watch::signed_query(kSecret + "-other", id, later)},
        {"exp not a number", "id=" + id + "&exp=soon&sig=" + watch::link_signature(kSecret, id, later)},
    };
    for (const auto& c : cases) {
        watch::Response r = core.get(c.second);
        BOOST_TEST(r.status == 403, c.first << ": " << r.status);
        BOOST_TEST(r.log.find("step=link") != std::string::npos, c.first << ": " << r.log);
    }
    BOOST_TEST(shared_standin().requests().empty());
}

BOOST_AUTO_TEST_CASE(a_link_with_every_field_plays_where_and_when_it_was_made_for) {
    Core core(Core::Settings{{"WATCH_LINK_SECRET", kSecret}});
    watch::Link l{kPrivateVideo, now() + 600};
    l.nbf = now() - 60;
    l.ip = "203.0.113.0/24";
    l.play.start = 42;
    l.play.autoplay = true;
    l.play.loop = true;
    l.play.download = false;
    watch::Response r = get_with(core, watch::signed_query(kSecret, l), {{"REMOTE_ADDR", "203.0.113.7"}});
    BOOST_TEST(r.status == 200, r.log);
    BOOST_TEST(shared_standin().video_reads() == 1u);
}

BOOST_AUTO_TEST_CASE(a_link_not_yet_valid_or_for_another_address_gets_403_without_upstream_calls) {
    Core core(Core::Settings{{"WATCH_LINK_SECRET", kSecret}});
    watch::Link later{kPrivateVideo, now() + 7200};
    later.nbf = now() + 3600;
    watch::Link v4{kPrivateVideo, now() + 600};
    v4.ip = "203.0.113.0/24";
    watch::Link v6{kPrivateVideo, now() + 600};
    v6.ip = "2001:db8:1::/48";
    watch::Link one{kPrivateVideo, now() + 600};
    one.ip = "2001:db8::7";
    struct Case {
        const char* what;
        watch::Link link;
        const char* client;
        const char* log;
    };
    const Case cases[] = {
        {"not yet valid", later, "203.0.113.7", "link not valid yet"},
        {"IPv4 outside the block", v4, "203.0.114.7", "another address (client 203.0.114.7 from REMOTE_ADDR)"},
        {"IPv6 for an IPv4 block", v4, "2001:db8:1::7", "another address"},
        {"IPv6 outside the block", v6, "2001:db8:2::7", "another address (client 2001:db8:2::7 from REMOTE_ADDR)"},
        {"IPv4 for an IPv6 block", v6, "203.0.113.7", "another address"},
        {"another IPv6 address", one, "2001:db8::8", "another address"},
        {"no REMOTE_ADDR", v4, "", "the client's is unknown (REMOTE_ADDR holds no address)"},
    };
    for (const Case& c : cases) {
        watch::Response r = get_with(core, watch::signed_query(kSecret, c.link), {{"REMOTE_ADDR", c.client}});
        BOOST_TEST(r.status == 403, c.what << ": " << r.status);
        BOOST_TEST(r.log.find("step=link") != std::string::npos, c.what << ": " << r.log);
        BOOST_TEST(r.log.find(c.log) != std::string::npos, c.what << ": " << r.log);
    }
    BOOST_TEST(shared_standin().requests().empty());
    // The same links, where and when they were made for, play.
    BOOST_TEST(get_with(core, watch::signed_query(kSecret, v4), {{"REMOTE_ADDR", "203.0.113.254"}}).status == 200);
    BOOST_TEST(get_with(core, watch::signed_query(kSecret, v6), {{"REMOTE_ADDR", "2001:db8:1:ffff::1"}}).status == 200);
    BOOST_TEST(get_with(core, watch::signed_query(kSecret, one), {{"REMOTE_ADDR", "2001:db8::7"}}).status == 200);
}

// Off (the default), a header is not looked at: anyone can send one. On, only its last
// address counts (the one the trusted proxy appended), and REMOTE_ADDR (the proxy) not.
BOOST_AUTO_TEST_CASE(the_trusted_proxy_header_is_read_only_when_set_and_only_its_last_address) {
    watch::Link l{kPrivateVideo, now() + 600};
    l.ip = "203.0.113.7";
    const std::string q = watch::signed_query(kSecret, l);
    const std::map<std::string, std::string> via_proxy = {{"REMOTE_ADDR", "10.0.0.2"},
                                                          {"HTTP_X_FORWARDED_FOR", "198.51.100.1, 203.0.113.7"}};
    const std::map<std::string, std::string> spoofed = {{"REMOTE_ADDR", "10.0.0.2"},
                                                        {"HTTP_X_FORWARDED_FOR", "203.0.113.7, 198.51.100.9"}};
    {
        Core off(Core::Settings{{"WATCH_LINK_SECRET", kSecret}});
        watch::Response r = get_with(off, q, via_proxy);
        BOOST_TEST(r.status == 403);
        BOOST_TEST(r.log.find("client 10.0.0.2 from REMOTE_ADDR") != std::string::npos, r.log);
        const std::map<std::string, std::string> direct = {{"REMOTE_ADDR", "203.0.113.7"},
                                                           {"HTTP_X_FORWARDED_FOR", "198.51.100.9"}};
        BOOST_TEST(get_with(off, q, direct).status == 200);
    }
    Core on(Core::Settings{{"WATCH_LINK_SECRET", kSecret}, {"WATCH_CLIENT_IP_HEADER", "X-Forwarded-For"}});
    BOOST_TEST(get_with(on, q, via_proxy).status == 200);
    watch::Response r = get_with(on, q, spoofed);
    BOOST_TEST(r.status == 403);
    BOOST_TEST(r.log.find("client 198.51.100.9 from X-Forwarded-For") != std::string::npos, r.log);
    r = get_with(on, q, {{"REMOTE_ADDR", "203.0.113.7"}});  // no header: no address, whatever REMOTE_ADDR says
    BOOST_TEST(r.status == 403);
    BOOST_TEST(r.log.find("(X-Forwarded-For holds no address)") != std::string::npos, r.log);
    // A header that is set but not the one named is not read either.
    BOOST_TEST(get_with(on, q, {{"REMOTE_ADDR", "10.0.0.2"}, {"HTTP_X_REAL_IP", "203.0.113.7"}}).status == 403);
    BOOST_TEST(shared_standin().video_reads() == 1u);
}

// With a secret, an option is part of the signed link: one added to a link is refused
// like any other change.
BOOST_AUTO_TEST_CASE(with_a_secret_the_player_options_count_only_when_signed) {
    Core core(Core::Settings{{"WATCH_LINK_SECRET", kSecret}});
    std::string plain = watch::signed_query(kSecret, kPrivateVideo, now() + 600);
    for (const char* added : {"&t=30", "&autoplay=1", "&loop=1", "&download=0", "&download=1"}) {
        watch::Response r = core.get(plain + added);
        BOOST_TEST(r.status == 403, added);
        BOOST_TEST(r.log.find("step=link") != std::string::npos, r.log);
        BOOST_TEST(r.log.find("bad signature") != std::string::npos, r.log);
    }
    watch::Link l{kPrivateVideo, now() + 600};
    l.play.download = false;
    BOOST_TEST(core.get(watch::signed_query(kSecret, l)).status == 200);
    BOOST_TEST(shared_standin().video_reads() == 1u);
}

BOOST_AUTO_TEST_CASE(without_a_secret_the_player_options_are_free_and_checked) {
    Core core;
    BOOST_TEST(core.get(std::string("id=") + kPrivateVideo + "&t=30&autoplay=1&loop=1&download=0").status == 200);
    for (const char* bad : {"&t=soon", "&autoplay=yes", "&loop=2", "&download=no"}) {
        watch::Response r = core.get(std::string("id=") + kPrivateVideo + bad);
        BOOST_TEST(r.status == 400, bad);
        BOOST_TEST(r.log.find("step=validate") != std::string::npos, r.log);
        BOOST_TEST(r.log.find(" must be ") != std::string::npos, r.log);
    }
    BOOST_TEST(shared_standin().video_reads() == 1u);
}

BOOST_AUTO_TEST_CASE(links_are_not_required_without_a_secret) {
    Core core;
    BOOST_TEST(core.get(std::string("id=") + kPrivateVideo).status == 200);
}

BOOST_AUTO_TEST_CASE(ids_outside_the_allow_list_get_404_without_upstream_calls) {
    Core core(Core::Settings{{"WATCH_ALLOWED_IDS", std::string(kPrivateVideo) + ", " + kNoMp4Video}});
    watch::Response out = core.get(std::string("id=") + kPublicVideo);
    BOOST_TEST(out.status == 404);
    BOOST_TEST(out.log.find("step=allow-list") != std::string::npos, out.log);
    BOOST_TEST(shared_standin().requests().empty());

    BOOST_TEST(core.get(std::string("id=") + kPrivateVideo).status == 200);
    BOOST_TEST(core.get(std::string("id=") + kNoMp4Video).status == 200);
    BOOST_TEST(shared_standin().video_reads() == 2u);
}

// api.video's ids are case-sensitive: one letter's case flipped is another video.
BOOST_AUTO_TEST_CASE(the_allow_list_compares_ids_exactly) {
    Core core(Core::Settings{{"WATCH_ALLOWED_IDS", kPrivateVideo}});
    std::string flipped = kPrivateVideo;
    flipped[4] = static_cast<char>(std::isupper(static_cast<unsigned char>(flipped[4])) ? std::tolower(flipped[4])
                                                                                        : std::toupper(flipped[4]));
    BOOST_REQUIRE(flipped != kPrivateVideo);
    watch::Response r = core.get("id=" + flipped);
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.log.find("step=allow-list") != std::string::npos, r.log);
    BOOST_TEST(shared_standin().requests().empty());
}

BOOST_AUTO_TEST_CASE(the_allow_list_may_be_a_file) {
    TempDir dir;
    write_file(dir.file("ids"), std::string("# the videos of this site\n") + kPublicVideo + "  # the trailer\n");
    Core core(Core::Settings{{"WATCH_ALLOWED_IDS", dir.file("ids")}});
    BOOST_TEST(core.get(std::string("id=") + kPublicVideo).status == 200);
    BOOST_TEST(core.get(std::string("id=") + kPrivateVideo).status == 404);
    BOOST_TEST(shared_standin().video_reads() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
