// libFuzzer targets: how a target reports a broken invariant. It aborts, so libFuzzer
// records the input as a crash (crash-<sha1>) exactly as it does for a sanitizer report.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace fuzz {

[[noreturn]] inline void fail(const char* cond, const char* file, int line, const std::string& what) {
    std::fprintf(stderr, "\nfuzz invariant broken at %s:%d: %s\n  %s\n", file, line, cond, what.c_str());
    std::abort();
}

// Shows bytes so a report is readable whatever they hold: printable ASCII as is, the
// rest as \xNN, cut at 300 characters.
inline std::string show(std::string_view s) {
    static const char hex[] = "0123456789abcdef";
    std::string out = "\"";
    for (unsigned char c : s.substr(0, 300)) {
        if (c >= 0x20 && c < 0x7F && c != '\\' && c != '"') {
            out += static_cast<char>(c);
        } else {
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
    }
    return out + (s.size() > 300 ? "\"..." : "\"");
}

}  // namespace fuzz

#define FUZZ_CHECK(cond, what)                                        \
    do {                                                              \
        if (!(cond)) ::fuzz::fail(#cond, __FILE__, __LINE__, (what)); \
    } while (0)
