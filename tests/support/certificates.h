// Test support: a throwaway CA and a server certificate signed by it, made with openssl for
// the TLS stand-in (tests/standin --tls-cert/--tls-key).
#pragma once
#include <string>

#include "tests/support/process.h"

namespace testing {

// Writes dir/ca.pem (the CA, to trust), dir/server.pem and dir/server.key (for the
// stand-in), valid two days for the subjectAltName `names`. Throws when openssl fails.
void make_certificates(const TempDir& dir, const std::string& names = "IP:127.0.0.1,DNS:localhost");

}  // namespace testing
