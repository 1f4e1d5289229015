// CA certificates built into the binary: the static build carries Debian's ca-certificates
// (tools/embed-ca-bundle, mk/static.mk), for a host that keeps no bundle where
// HttpGlobal::Trust looks; the dynamic build carries none and trusts its host's.
#pragma once
#include <cstddef>

namespace watch {

struct CaCertificate {
    const unsigned char* der;
    std::size_t size;
};

struct CaBundle {
    const char* source;  // "Debian's ca-certificates 20230311+deb12u1"
    const char* date;    // that release's date, "2023-03-11"
    const CaCertificate* certificates;
    std::size_t count;
};

// The bundle built in, or nullptr when there is none.
const CaBundle* builtin_ca_bundle();

}  // namespace watch
