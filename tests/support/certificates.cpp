// Test support: certificates made at test time (see certificates.h).
#include "tests/support/certificates.h"

#include <stdexcept>
#include <vector>

namespace testing {

void make_certificates(const TempDir& dir, const std::string& names) {
    std::string out;
    auto ok = [&](std::vector<std::string> argv) {
        if (run(argv, &out) != 0) throw std::runtime_error("openssl failed: " + out);
    };
    ok({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
        "/CN=apivideo-watch test CA", "-keyout", dir.file("ca.key"), "-out", dir.file("ca.pem"), "-addext",
        "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"});
    ok({"/usr/bin/openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout",
        dir.file("server.key"), "-out", dir.file("server.csr")});
    write_file(dir.file("ext.cnf"), "subjectAltName=" + names +
                                        "\nextendedKeyUsage=serverAuth\n"
                                        "basicConstraints=CA:FALSE\n");
    ok({"/usr/bin/openssl", "x509", "-req", "-in", dir.file("server.csr"), "-CA", dir.file("ca.pem"), "-CAkey",
        dir.file("ca.key"), "-CAcreateserial", "-days", "2", "-extfile", dir.file("ext.cnf"), "-out",
        dir.file("server.pem")});
}

}  // namespace testing
