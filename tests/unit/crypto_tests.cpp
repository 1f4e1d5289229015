// Unit tests for common/crypto.cpp: HMAC-SHA256 against RFC 4231's vectors, base64url
// against RFC 4648's, constant-time comparison, randomness (a forked child's too).
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>

#include "common/crypto.h"

namespace {
std::string hex(const std::string& bytes) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0xF];
    }
    return out;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(crypto_tests)

BOOST_AUTO_TEST_CASE(hmac_sha256_matches_rfc_4231) {
    BOOST_TEST(hex(watch::hmac_sha256("Jefe", "what do ya want for nothing?")) ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    BOOST_TEST(hex(watch::hmac_sha256(std::string(20, '\x0b'), "Hi There")) ==
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

// The context keeps the last key: the same key again, another after it, and an empty one
// (which must not pass for "the same") each give their own MAC.
BOOST_AUTO_TEST_CASE(hmac_sha256_is_right_as_keys_repeat_and_change) {
    const std::string jefe = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    for (int i = 0; i < 2; ++i) {
        BOOST_TEST(hex(watch::hmac_sha256("Jefe", "what do ya want for nothing?")) == jefe);
        BOOST_TEST(hex(watch::hmac_sha256("Jefe", "what do ya want for nothing?")) == jefe);
        BOOST_TEST(hex(watch::hmac_sha256("Jefe", "Hi There")) ==
                   "6bfb115ca30df3be0dfdffe79a51cbee88186db55acc287af148d7ff6220f92e");
        BOOST_TEST(hex(watch::hmac_sha256("", "")) ==
                   "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
        BOOST_TEST(hex(watch::hmac_sha256("", "")) ==
                   "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    }
}

BOOST_AUTO_TEST_CASE(base64url_matches_rfc_4648_without_padding) {
    const std::pair<const char*, const char*> vectors[] = {
        {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},         {"foo", "Zm9v"},
        {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}};
    for (const auto& v : vectors) {
        BOOST_TEST(watch::base64url_encode(v.first) == v.second);
        std::string back;
        BOOST_TEST(watch::base64url_decode(v.second, back));
        BOOST_TEST(back == v.first);
    }
    // The two characters that differ from plain base64.
    BOOST_TEST(watch::base64url_encode("\xfb\xff") == "-_8");
}

BOOST_AUTO_TEST_CASE(base64url_refuses_what_it_would_never_write) {
    std::string out;
    for (const char* bad : {"Zg==", "Z", "Zm9v+", "Zm/v", "Zh", "Zm9 v"}) {
        BOOST_TEST(!watch::base64url_decode(bad, out), bad);
    }
}

BOOST_AUTO_TEST_CASE(constant_time_equal_compares_contents_and_lengths) {
    BOOST_TEST(watch::constant_time_equal("abc", "abc"));
    BOOST_TEST(!watch::constant_time_equal("abc", "abd"));
    BOOST_TEST(!watch::constant_time_equal("abc", "abcd"));
    BOOST_TEST(watch::constant_time_equal("", ""));
}

BOOST_AUTO_TEST_CASE(random_hex_has_the_length_and_does_not_repeat) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        std::string r = watch::random_hex(16);
        BOOST_TEST(r.size() == 32u);
        BOOST_TEST(r.find_first_not_of("0123456789abcdef") == std::string::npos);
        seen.insert(r);
    }
    BOOST_TEST(seen.size() == 100u);
}

// A forked child (spawn-fcgi's workers, a CGI helper) must not repeat its parent's
// nonces: it draws random bytes of its own.
BOOST_AUTO_TEST_CASE(a_forked_child_does_not_repeat_its_parent_s_randomness) {
    watch::random_hex(16);  // the parent's generator has drawn its pool
    int fds[2];
    BOOST_REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {  // the child never returns into the test runner
        try {
            const std::string r = watch::random_hex(16);
            _exit(write(fds[1], r.data(), r.size()) == static_cast<ssize_t>(r.size()) ? 0 : 1);
        } catch (...) {
            _exit(2);
        }
    }
    close(fds[1]);
    const std::string parent = watch::random_hex(16);
    std::string child(32, '\0');
    BOOST_TEST(read(fds[0], child.data(), child.size()) == 32);
    close(fds[0]);
    int status = 0;
    BOOST_REQUIRE(waitpid(pid, &status, 0) == pid);
    BOOST_TEST(WIFEXITED(status));
    BOOST_TEST(child != parent);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
