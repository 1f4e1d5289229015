// HMAC, base64url and randomness (see crypto.h). OpenSSL is already linked through
// libcurl; hand-written HMAC would be more code to trust, not less.
#include "common/crypto.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace watch {

namespace {

struct MacCtxFree {
    void operator()(EVP_MAC_CTX* c) const { EVP_MAC_CTX_free(c); }
};

// The MAC fetched once and one context with SHA-256 set, kept: OpenSSL's one-shot HMAC()
// looks both up again on every call (bench/results.md, Notes).
EVP_MAC_CTX* thread_hmac_sha256() {
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);  // kept until exit
    thread_local std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx;
    if (!ctx) {
        if (!mac) throw std::runtime_error("HMAC is not available in OpenSSL");
        std::unique_ptr<EVP_MAC_CTX, MacCtxFree> c(EVP_MAC_CTX_new(mac));
        char digest[] = "SHA256";
        const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                                     OSSL_PARAM_construct_end()};
        if (!c || !EVP_MAC_CTX_set_params(c.get(), params)) throw std::runtime_error("HMAC-SHA256 setup failed");
        ctx = std::move(c);
    }
    return ctx.get();
}

}  // namespace

std::string hmac_sha256(std::string_view key, std::string_view message) {
    EVP_MAC_CTX* ctx = thread_hmac_sha256();
    // Setting a key hashes two blocks and is most of OpenSSL's work for a short message
    // (bench/results.md, the fleet's store cost: a ticket is signed inside a store change).
    // A site signs with one secret, so the context keeps the key it was last given: a null
    // key tells EVP_MAC_init to use that one again. An empty key must then still point
    // somewhere, not to be taken for "the same".
    thread_local std::string keyed;
    thread_local bool has_key = false;
    static const unsigned char kEmpty = 0;
    const bool same = has_key && key == keyed;
    const auto* k = same ? nullptr : key.empty() ? &kEmpty : reinterpret_cast<const unsigned char*>(key.data());
    if (!same) {
        has_key = false;  // until the context holds it
        keyed.assign(key);
    }
    unsigned char out[EVP_MAX_MD_SIZE];
    size_t len = 0;
    if (!EVP_MAC_init(ctx, k, same ? 0 : key.size(), nullptr) ||
        !EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(message.data()), message.size()) ||
        !EVP_MAC_final(ctx, out, &len, sizeof out)) {
        throw std::runtime_error("HMAC-SHA256 failed");
    }
    has_key = true;
    return std::string(reinterpret_cast<char*>(out), len);
}

static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// Both directions write into a string sized up front, not a character at a time: the
// cookie is encoded on every page (bench/results.md has the profile).
std::string base64url_encode(std::string_view bytes) {
    const size_t whole = bytes.size() / 3, rest = bytes.size() % 3;
    std::string out(whole * 4 + (rest ? rest + 1 : 0), '\0');
    const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
    char* o = out.data();
    for (size_t i = 0; i < whole; ++i, in += 3) {
        unsigned v = (in[0] << 16) | (in[1] << 8) | in[2];
        *o++ = kAlphabet[(v >> 18) & 63];
        *o++ = kAlphabet[(v >> 12) & 63];
        *o++ = kAlphabet[(v >> 6) & 63];
        *o++ = kAlphabet[v & 63];
    }
    if (rest) {
        unsigned v = in[0] << 16;
        if (rest == 2) v |= in[1] << 8;
        *o++ = kAlphabet[(v >> 18) & 63];
        *o++ = kAlphabet[(v >> 12) & 63];
        if (rest == 2) *o++ = kAlphabet[(v >> 6) & 63];
    }
    return out;
}

bool base64url_decode(std::string_view text, std::string& out) {
    out.clear();
    if (text.size() % 4 == 1) return false;
    out.resize(text.size() / 4 * 3 + (text.size() % 4 ? text.size() % 4 - 1 : 0));
    char* o = out.data();
    unsigned acc = 0;
    int bits = 0;
    for (char c : text) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '-')
            v = 62;
        else if (c == '_')
            v = 63;
        else {
            out.resize(static_cast<size_t>(o - out.data()));  // what was decoded, as before
            return false;
        }
        acc = (acc << 6) | static_cast<unsigned>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            *o++ = static_cast<char>((acc >> bits) & 0xFF);
        }
    }
    // Leftover bits must be zero, so every byte string has exactly one encoding.
    return (acc & ((1u << bits) - 1)) == 0;
}

void leave_crypto_cleanup_to_exit() {
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, nullptr) != 1) throw std::runtime_error("OpenSSL failed to start");
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

namespace {

// The kernel's random bytes (getrandom), drawn a pool at a time: a page's nonce costs a
// system call once in 64 pages, and no cryptography at all (the first use of any OpenSSL
// algorithm in a process costs more than a CGI page's own work: bench/results.md). A
// forked child draws a pool of its own before its first use: the fork handler only counts,
// so it is safe whenever a fork comes, even after a thread's pool is gone (a fork from an
// exit handler).
std::atomic<unsigned> forks{0};

struct Generator {
    unsigned char pool[1024];
    size_t used = sizeof pool;
    unsigned drawn_at_fork = 0;
    static Generator& instance() {
        static const int counting = pthread_atfork(nullptr, nullptr, [] { forks.fetch_add(1); });
        if (counting != 0) throw std::runtime_error("pthread_atfork failed");
        thread_local Generator g;
        return g;
    }
    void take(unsigned char* out, size_t n) {
        while (n > 0) {
            if (used == sizeof pool || drawn_at_fork != forks.load()) {
                drawn_at_fork = forks.load();
                // One call, unless a signal cuts it short (getrandom(2): only past 256 bytes).
                for (size_t at = 0; at < sizeof pool;) {
                    ssize_t got = getrandom(pool + at, sizeof pool - at, 0);
                    if (got < 0 && errno != EINTR) throw std::runtime_error("getrandom failed");
                    at += got > 0 ? static_cast<size_t>(got) : 0;
                }
                used = 0;
            }
            size_t k = std::min(n, sizeof pool - used);
            std::memcpy(out, pool + used, k);
            std::memset(pool + used, 0, k);  // a byte given out is not kept
            used += k;
            out += k;
            n -= k;
        }
    }
};

}  // namespace

std::string random_hex(size_t n) {
    std::string bytes(n, '\0');
    Generator::instance().take(reinterpret_cast<unsigned char*>(bytes.data()), n);
    static const char hex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 0xF];
    }
    return out;
}

namespace {

std::string digest_hex(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!md || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
        throw std::runtime_error("EVP_Digest failed");
    }
    static const char hex[] = "0123456789abcdef";
    std::string s;
    for (unsigned int i = 0; i < len; ++i) {
        s += hex[out[i] >> 4];
        s += hex[out[i] & 15];
    }
    return s;
}

}  // namespace

std::string sha1_hex(std::string_view data) { return digest_hex(EVP_sha1(), data); }
std::string sha256_hex(std::string_view data) { return digest_hex(EVP_sha256(), data); }

}  // namespace watch
