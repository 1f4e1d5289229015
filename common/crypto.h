// HMAC-SHA256 for signed links and the returning-viewer cookie, base64url, constant-time
// comparison: OpenSSL's libcrypto here, as libcurl's TLS uses it in http_client.cpp (its
// trust store) and nowhere else; random bytes from the kernel.
#pragma once
#include <string>
#include <string_view>

namespace watch {

// HMAC-SHA256 of `message` under `key`: 32 raw bytes.
std::string hmac_sha256(std::string_view key, std::string_view message);

// RFC 4648 §5 base64url without padding, and its inverse (false on a bad character).
std::string base64url_encode(std::string_view bytes);
bool base64url_decode(std::string_view text, std::string& out);

// Equal contents, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

// Digests as lower-case hex: SHA-1 names a Lua script to Redis (EVALSHA, its only use),
// SHA-256 names an account in the shared state without spelling its key.
std::string sha1_hex(std::string_view data);
std::string sha256_hex(std::string_view data);

// `n` random bytes from the kernel's CSPRNG (getrandom), as lower-case hex.
std::string random_hex(size_t n);

// For a process that serves one page and exits (CGI): OpenSSL then leaves its tables for
// the kernel to free at exit instead of freeing them one by one (a tenth of such a process's
// work, bench/results.md). Before any other use of OpenSSL, libcurl's included.
void leave_crypto_cleanup_to_exit();

}  // namespace watch
