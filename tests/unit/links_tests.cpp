// Unit tests for common/links.cpp: the signed-link format is a contract with sites'
// own backends, so it is pinned to an independently computed value here.
#include <boost/test/unit_test.hpp>

#include "common/crypto.h"
#include "common/links.h"

namespace {
const std::string kSecret = "0123456789abcdef0123456789abcdef";
const std::string kId = "vi5fG2hPr1vAtEpr1vAtE001";
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
}

BOOST_AUTO_TEST_CASE(check_link_tells_each_case_apart) {
    long long now = 1800000000;
    std::string sig = watch::link_signature(kSecret, kId, now + 60);
    std::string exp = std::to_string(now + 60);
    using C = watch::LinkCheck;
    BOOST_TEST((watch::check_link(kSecret, kId, exp, sig, now) == C::Valid));
    BOOST_TEST((watch::check_link(kSecret, kId, exp, sig, now + 60) == C::Expired));
    BOOST_TEST((watch::check_link(kSecret, kId, "", sig, now) == C::Missing));
    BOOST_TEST((watch::check_link(kSecret, kId, exp, "", now) == C::Missing));
    BOOST_TEST((watch::check_link(kSecret, kId, "0" + exp, sig, now) == C::Malformed));
    BOOST_TEST((watch::check_link(kSecret, kId, "+" + exp, sig, now) == C::Malformed));
    BOOST_TEST((watch::check_link(kSecret, kId, "99999999999999", sig, now) == C::Malformed));
    BOOST_TEST((watch::check_link(kSecret, kId, std::to_string(now + 61), sig, now) == C::BadSignature));
    BOOST_TEST((watch::check_link(kSecret, "vi5fG2hPr1vAtEpr1vAtE002", exp, sig, now) == C::BadSignature));
    BOOST_TEST((watch::check_link(kSecret + "x", kId, exp, sig, now) == C::BadSignature));
    // Every character of the signature counts, the last one too.
    std::string last = sig;
    last.back() = last.back() == 'A' ? 'B' : 'A';
    BOOST_TEST((watch::check_link(kSecret, kId, exp, last, now) == C::BadSignature));
    BOOST_TEST((watch::check_link(kSecret, kId, exp, sig.substr(0, sig.size() - 1), now) == C::BadSignature));
    // A forged signature on an expired link is reported as forged.
    BOOST_TEST((watch::check_link(kSecret, kId, std::to_string(now - 5), sig, now) == C::BadSignature));
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
