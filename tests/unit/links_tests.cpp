// Unit tests for common/links.cpp: the signed-link format is a contract with sites'
// own backends, so it is pinned to independently computed values here.
#include <boost/test/unit_test.hpp>

#include "common/crypto.h"
#include "common/links.h"

namespace {
const std::string kSecret = "0123456789abcdef0123456789abcdef";
const std::string kId = "vi5fG2hPr1vAtEpr1vAtE001";
const long long kNow = 1800000000;

// The link as the handler reads it: the query through parse_watch_params.
watch::WatchParams params_of(const std::string& query) {
    watch::WatchParams p;
    std::string why;
    BOOST_TEST_REQUIRE(watch::parse_watch_params(query, p, why), query << ": " << why);
    return p;
}

watch::LinkCheck check(const std::string& query, const std::string& client = "198.51.100.7", long long now = kNow) {
    return watch::check_link(kSecret, params_of(query), client, now);
}

// `query` with `from` replaced by `to` (once, and it must be there).
std::string edited(std::string query, const std::string& from, const std::string& to) {
    size_t at = query.find(from);
    BOOST_TEST_REQUIRE(at != std::string::npos, from << " not in " << query);
    return query.replace(at, from.size(), to);
}
}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(links_tests)

BOOST_AUTO_TEST_CASE(the_signature_is_base64url_hmac_of_id_dot_exp) {
    // Computed outside the project with:
    //   printf 'vi5fG2hPr1vAtEpr1vAtE001.1900000000' |
    //   openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef -binary | basenc --base64url | tr -d =
    BOOST_TEST(watch::link_signature(kSecret, kId, 1900000000) == "j_XQ906j3EIFN2-Yg8UAos1RLgr5h49orSuzBq4YXFY");
    BOOST_TEST(watch::signed_query(kSecret, kId, 1900000000) ==
               "id=" + kId + "&exp=1900000000&sig=" + watch::link_signature(kSecret, kId, 1900000000));
    // A Link with nothing but exp is the same link.
    BOOST_TEST(watch::link_signature(kSecret, watch::Link{kId, 1900000000}) ==
               "j_XQ906j3EIFN2-Yg8UAos1RLgr5h49orSuzBq4YXFY");
}

BOOST_AUTO_TEST_CASE(a_link_with_more_signs_its_fields_as_name_value_pairs_in_a_fixed_order) {
    watch::Link all{kId, 1900000000};
    all.nbf = 1899990000;
    all.ip = "2001:db8::/32";
    all.play.start = 30;
    all.play.autoplay = true;
    all.play.loop = true;
    all.play.download = false;
    // Computed outside the project with:
    //   printf
    //   'id=vi5fG2hPr1vAtEpr1vAtE001&exp=1900000000&nbf=1899990000&ip=2001:db8::/32&t=30&autoplay=1&loop=1&download=0'
    //   | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef -binary | basenc --base64url | tr -d =
    BOOST_TEST(watch::signed_string(all.id, all.exp, watch::link_fields(all)) ==
               "id=" + kId + "&exp=1900000000&nbf=1899990000&ip=2001:db8::/32&t=30&autoplay=1&loop=1&download=0");
    BOOST_TEST(watch::link_signature(kSecret, all) == "sAIBBzwUrzn6vSmbhqPd1RG5f6OmmhTjvYHFi2yRoUA");
    BOOST_TEST(watch::signed_query(kSecret, all) ==
               "id=" + kId +
                   "&exp=1900000000&nbf=1899990000&ip=2001%3Adb8%3A%3A%2F32&t=30&autoplay=1&loop=1&download=0"
                   "&sig=sAIBBzwUrzn6vSmbhqPd1RG5f6OmmhTjvYHFi2yRoUA");

    // Only the fields a link carries are signed; the others are left out, not left empty.
    //   printf 'id=vi5fG2hPr1vAtEpr1vAtE001&exp=1900000000&ip=203.0.113.0/24' | openssl dgst … (as above)
    watch::Link ip_only{kId, 1900000000};
    ip_only.ip = "203.0.113.0/24";
    BOOST_TEST(watch::link_signature(kSecret, ip_only) == "efKwsvDeN_kaWMvwkJuITJ_RrkAm7oPvRU6hW5EGSNA");
}

BOOST_AUTO_TEST_CASE(check_link_tells_each_case_apart) {
    std::string exp = std::to_string(kNow + 60);
    std::string good = watch::signed_query(kSecret, watch::Link{kId, kNow + 60});
    std::string sig = watch::link_signature(kSecret, kId, kNow + 60);
    using C = watch::LinkCheck;
    BOOST_TEST((check(good) == C::Valid));
    BOOST_TEST((check(good, "", kNow) == C::Valid));  // a link bound to no address needs none
    BOOST_TEST((check(good, "", kNow + 60) == C::Expired));
    BOOST_TEST((check("id=" + kId + "&sig=" + sig) == C::Missing));
    BOOST_TEST((check("id=" + kId + "&exp=" + exp) == C::Missing));
    BOOST_TEST((check("id=" + kId + "&exp=&sig=" + sig) == C::Missing));
    BOOST_TEST((check(edited(good, "exp=", "exp=0")) == C::Malformed));
    BOOST_TEST((check(edited(good, "exp=", "exp=%2B")) == C::Malformed));
    BOOST_TEST((check(edited(good, "exp=" + exp, "exp=99999999999999")) == C::Malformed));
    BOOST_TEST((check(edited(good, "exp=" + exp, "exp=" + std::to_string(kNow + 61))) == C::BadSignature));
    BOOST_TEST((check(edited(good, kId, "vi5fG2hPr1vAtEpr1vAtE002")) == C::BadSignature));
    BOOST_TEST((watch::check_link(kSecret + "x", params_of(good), "", kNow) == C::BadSignature));
    // Every character of the signature counts, the last one too.
    std::string last = good;
    last.back() = last.back() == 'A' ? 'B' : 'A';
    BOOST_TEST((check(last) == C::BadSignature));
    BOOST_TEST((check(good.substr(0, good.size() - 1)) == C::BadSignature));
    // A forged signature on an expired link is reported as forged.
    BOOST_TEST((check(edited(good, "exp=" + exp, "exp=" + std::to_string(kNow - 5))) == C::BadSignature));
}

BOOST_AUTO_TEST_CASE(nbf_opens_the_link_at_its_second) {
    watch::Link l{kId, kNow + 3600};
    l.nbf = kNow + 600;
    std::string q = watch::signed_query(kSecret, l);
    using C = watch::LinkCheck;
    BOOST_TEST((check(q, "", kNow) == C::NotYetValid));
    BOOST_TEST((check(q, "", kNow + 599) == C::NotYetValid));
    BOOST_TEST((check(q, "", kNow + 600) == C::Valid));
    BOOST_TEST((check(q, "", kNow + 3599) == C::Valid));
    BOOST_TEST((check(q, "", kNow + 3600) == C::Expired));
    // Moved earlier, removed, or written another way: no longer the signed link.
    std::string nbf = "nbf=" + std::to_string(kNow + 600);
    BOOST_TEST((check(edited(q, nbf, "nbf=" + std::to_string(kNow - 1))) == C::BadSignature));
    BOOST_TEST((check(edited(q, "&" + nbf, "")) == C::BadSignature));
    BOOST_TEST((check(edited(q, nbf, "nbf=0" + std::to_string(kNow + 600))) == C::Malformed));
    BOOST_TEST((check(edited(q, nbf, "nbf=")) == C::Malformed));
    BOOST_TEST((check(edited(q, nbf, "nbf=soon")) == C::Malformed));
}

BOOST_AUTO_TEST_CASE(ip_binds_the_link_to_an_address_or_a_block_ipv4_and_ipv6) {
    using C = watch::LinkCheck;
    struct Case {
        const char* ip;
        const char* client;
        C expected;
    };
    const Case cases[] = {
        {"203.0.113.7", "203.0.113.7", C::Valid},
        {"203.0.113.7", "203.0.113.8", C::WrongAddress},
        {"203.0.113.0/24", "203.0.113.255", C::Valid},
        {"203.0.113.0/24", "203.0.114.0", C::WrongAddress},
        {"203.0.113.0/25", "203.0.113.127", C::Valid},
        {"203.0.113.0/25", "203.0.113.128", C::WrongAddress},
        {"10.0.0.0/8", "10.255.1.2", C::Valid},
        {"10.0.0.0/8", "11.0.0.0", C::WrongAddress},
        {"0.0.0.0/0", "192.0.2.1", C::Valid},
        {"203.0.113.0/24", "::ffff:203.0.113.9", C::Valid},  // a dual-stack socket's IPv4 client
        {"203.0.113.0/24", "2001:db8::cb00:7109", C::WrongAddress},
        {"2001:db8::1", "2001:db8::1", C::Valid},
        {"2001:db8::1", "2001:DB8:0:0:0:0:0:1", C::Valid},
        {"2001:db8::1", "2001:db8::2", C::WrongAddress},
        {"2001:db8::/32", "2001:db8:ffff::1", C::Valid},
        {"2001:db8::/32", "2001:db9::1", C::WrongAddress},
        {"2001:db8:abcd:12::/63", "2001:db8:abcd:13:1::", C::Valid},
        {"2001:db8:abcd:12::/63", "2001:db8:abcd:14::", C::WrongAddress},
        {"2001:db8::/32", "203.0.113.7", C::WrongAddress},
        {"203.0.113.7", "", C::UnknownAddress},
        {"203.0.113.7", "203.0.113.7:443", C::UnknownAddress},
        {"203.0.113.7", "unknown", C::UnknownAddress},
        {"2001:db8::/32", "fe80::1%eth0", C::UnknownAddress},
    };
    for (const Case& c : cases) {
        watch::Link l{kId, kNow + 60};
        l.ip = c.ip;
        BOOST_TEST((check(watch::signed_query(kSecret, l), c.client) == c.expected), c.ip << " for " << c.client);
    }
    // The block is signed: widened, narrowed, moved or dropped, the link is no longer the one made.
    watch::Link l{kId, kNow + 60};
    l.ip = "203.0.113.0/24";
    std::string q = watch::signed_query(kSecret, l);
    BOOST_TEST((check(edited(q, "203.0.113.0%2F24", "203.0.0.0%2F16"), "203.0.113.7") == C::BadSignature));
    BOOST_TEST((check(edited(q, "%2F24", "%2F25"), "203.0.113.7") == C::BadSignature));
    BOOST_TEST((check(edited(q, "203.0.113.0", "198.51.100.0"), "198.51.100.7") == C::BadSignature));
    BOOST_TEST((check(edited(q, "&ip=203.0.113.0%2F24", ""), "198.51.100.7") == C::BadSignature));
    // Percent-encoded or not, the value is the same: the signature covers it decoded.
    BOOST_TEST((check(edited(q, "%2F", "/"), "203.0.113.7") == C::Valid));
    // A malformed block is a malformed link, before its signature is looked at.
    BOOST_TEST((check(edited(q, "%2F24", "%2F33"), "203.0.113.7") == C::Malformed));
    BOOST_TEST((check(edited(q, "203.0.113.0", "203.0.113.1"), "203.0.113.7") == C::Malformed));
}

BOOST_AUTO_TEST_CASE(the_player_options_are_signed_and_cannot_be_added_or_changed) {
    watch::Link l{kId, kNow + 60};
    l.play.start = 30;
    l.play.autoplay = true;
    std::string q = watch::signed_query(kSecret, l);
    using C = watch::LinkCheck;
    BOOST_TEST((check(q) == C::Valid));
    BOOST_TEST((check(edited(q, "t=30", "t=31")) == C::BadSignature));
    BOOST_TEST((check(edited(q, "&autoplay=1", "")) == C::BadSignature));
    BOOST_TEST((check(edited(q, "&autoplay=1", "&autoplay=0")) == C::BadSignature));
    BOOST_TEST((check(q + "&loop=1") == C::BadSignature));
    BOOST_TEST((check(q + "&download=0") == C::BadSignature));
    BOOST_TEST((check(q + "&download=1") == C::BadSignature));  // even a default, once written, is signed
    // A plain link gains no option either.
    std::string plain = watch::signed_query(kSecret, watch::Link{kId, kNow + 60});
    BOOST_TEST((check(plain + "&t=5") == C::BadSignature));
    BOOST_TEST((check(plain + "&nbf=" + std::to_string(kNow - 60)) == C::BadSignature));
    // Where the fields stand in the query does not matter: they are signed in one order.
    BOOST_TEST((check(edited(edited(q, "&t=30", ""), "id=", "t=30&id=")) == C::Valid));
    // Unknown parameters are no field: a tracking tag leaves the link valid.
    BOOST_TEST((check(q + "&utm_source=mail") == C::Valid));
}

BOOST_AUTO_TEST_CASE(parse_address_block_is_strict) {
    watch::AddressBlock b;
    std::string why;
    for (const char* good : {"203.0.113.7", "203.0.113.0/24", "0.0.0.0/0", "203.0.113.7/32", "2001:db8::1",
                             "2001:db8::/32", "::/0", "::1/128", "::ffff:203.0.113.0/120", "2001:DB8::/32"}) {
        BOOST_TEST(watch::parse_address_block(good, b, why), good << ": " << why);
    }
    BOOST_TEST_REQUIRE(watch::parse_address_block("203.0.113.0/24", b, why));
    BOOST_TEST(b.prefix == 96 + 24);
    BOOST_TEST(watch::address_in_block("203.0.113.200", b));
    BOOST_TEST(!watch::address_in_block("203.0.112.200", b));
    BOOST_TEST(!watch::address_in_block("not an address", b));

    for (const char* bad : {"",
                            "203.0.113",
                            "203.0.113.07",
                            "203.0.113.256",
                            "0x7f.0.0.1",
                            " 203.0.113.7",
                            "203.0.113.7 ",
                            "203.0.113.0/",
                            "203.0.113.0/33",
                            "203.0.113.0/024",
                            "203.0.113.0/+24",
                            "203.0.113.0/24/8",
                            "203.0.113.1/24",
                            "2001:db8::1/32",
                            "2001:db8::/129",
                            "2001:db8:::1",
                            "[2001:db8::1]",
                            "fe80::1%eth0",
                            "localhost",
                            "203.0.113.0/-1"}) {
        why.clear();
        BOOST_TEST(!watch::parse_address_block(bad, b, why), bad);
        BOOST_TEST(!why.empty(), bad);
    }
    BOOST_TEST(!watch::parse_address_block(std::string("203.0.113.7\0/8", 14), b, why));
    // The block's own start is offered, not the input echoed.
    BOOST_TEST_REQUIRE(!watch::parse_address_block("10.1.2.3/8", b, why));
    BOOST_TEST(why == "has bits set past its prefix: the block starts at 10.0.0.0/8");
    BOOST_TEST_REQUIRE(!watch::parse_address_block("2001:db8::1/32", b, why));
    BOOST_TEST(why == "has bits set past its prefix: the block starts at 2001:db8::/32");
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
