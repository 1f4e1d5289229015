// The dynamic build's answer: no CA certificates built in. The static build links its
// generated bundle (build/static/gen/ca_bundle.cpp) ahead of libwatch.a, so the linker
// never takes this file's object from the archive there.
#include "common/ca_bundle.h"

namespace watch {

const CaBundle* builtin_ca_bundle() { return nullptr; }

}  // namespace watch
