// Small helpers shared by the unit tests: reading the api.video fixtures, and a strict
// RFC 8259 string-literal decoder that checks escape_js_string's output independently.
#pragma once
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/json.h"
#include "tests/support/process.h"

namespace unit_support {

// A payload of tests/fixtures/apivideo/ (see its README), byte for byte. Throws (failing
// the test with the path in the message) when it cannot be read.
inline std::string read_apivideo_fixture(const std::string& name) {
    std::string path = testing::repo_root() + "/tests/fixtures/apivideo/" + name;
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read fixture " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The JSON readers' reason as one string: "" when they accepted the body.
inline std::string video_json_error(std::string_view body, watch::Video& out) {
    std::string why;
    return watch::parse_video_json(body, out, why) ? "" : why.empty() ? "refused without a reason" : why;
}
inline std::string session_json_error(std::string_view body, std::string& token) {
    std::string why;
    return watch::parse_session_json(body, token, why) ? "" : why.empty() ? "refused without a reason" : why;
}

inline void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// Decodes `lit` when it is exactly one JSON string literal (RFC 8259 §7: quotes around,
// no raw '"', '\\' or control character inside, only the standard escapes); nullopt else.
inline std::optional<std::string> decode_json_string(std::string_view lit) {
    if (lit.size() < 2 || lit.front() != '"' || lit.back() != '"') return std::nullopt;
    std::string out;
    auto hex4 = [&](size_t at, unsigned& v) {
        if (at + 4 > lit.size() - 1) return false;
        v = 0;
        for (size_t k = 0; k < 4; ++k) {
            char c = lit[at + k];
            v <<= 4;
            if (c >= '0' && c <= '9')
                v |= static_cast<unsigned>(c - '0');
            else if (c >= 'a' && c <= 'f')
                v |= static_cast<unsigned>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                v |= static_cast<unsigned>(c - 'A' + 10);
            else
                return false;
        }
        return true;
    };
    for (size_t i = 1; i + 1 < lit.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(lit[i]);
        if (c < 0x20 || c == '"') return std::nullopt;
        if (c != '\\') {
            out += static_cast<char>(c);
            continue;
        }
        if (i + 2 >= lit.size()) return std::nullopt;  // a backslash escaping the closing quote
        char e = lit[++i];
        switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                unsigned cp;
                if (!hex4(i + 1, cp)) return std::nullopt;
                i += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF) {
                    unsigned lo;
                    if (i + 2 >= lit.size() || lit[i + 1] != '\\' || lit[i + 2] != 'u' || !hex4(i + 3, lo) ||
                        lo < 0xDC00 || lo > 0xDFFF) {
                        return std::nullopt;
                    }
                    i += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                    return std::nullopt;
                }
                append_utf8(out, cp);
                break;
            }
            default: return std::nullopt;
        }
    }
    return out;
}

inline bool contains(std::string_view hay, std::string_view needle) {
    return hay.find(needle) != std::string_view::npos;
}

inline std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

}  // namespace unit_support
