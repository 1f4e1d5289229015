// Signed watch links (see links.h).
#include "common/links.h"

#include <arpa/inet.h>

#include <cstring>

#include "common/crypto.h"
#include "common/escape.h"

namespace watch {

namespace {

// exp and nbf are written exactly as link_fields writes them: digits, no sign, no leading
// zero, at most 12 digits (so that stoll cannot overflow).
bool parse_time(const std::string& text, long long& out) {
    if (text.empty() || text.size() > 12 || text.find_first_not_of("0123456789") != std::string::npos ||
        text[0] == '0') {
        return false;
    }
    out = std::stoll(text);
    return true;
}

// One address into the 128-bit space (links.h); `bits` is 32 for IPv4, 128 for IPv6.
bool parse_address(const std::string& text, std::array<unsigned char, 16>& out, int& bits) {
    if (text.empty() || text.size() > INET6_ADDRSTRLEN || text.find('\0') != std::string::npos) return false;
    if (text.find(':') != std::string::npos) {
        in6_addr a;
        if (inet_pton(AF_INET6, text.c_str(), &a) != 1) return false;
        std::memcpy(out.data(), &a, 16);
        bits = 128;
        return true;
    }
    in_addr a;
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) return false;
    out.fill(0);
    out[10] = out[11] = 0xff;
    std::memcpy(out.data() + 12, &a, 4);
    bits = 32;
    return true;
}

// Byte i of a mask of `prefix` leading one bits.
unsigned char mask_byte(int prefix, int i) {
    int ones = prefix - 8 * i;
    return ones >= 8 ? 0xff : ones <= 0 ? 0 : static_cast<unsigned char>(0xff << (8 - ones));
}

// The first `prefix` bits of a and b are equal.
bool same_prefix(const std::array<unsigned char, 16>& a, const std::array<unsigned char, 16>& b, int prefix) {
    for (int i = 0; i < 16; ++i) {
        if ((a[i] & mask_byte(prefix, i)) != (b[i] & mask_byte(prefix, i))) return false;
    }
    return true;
}

const QueryParam* field(const std::vector<QueryParam>& fields, const char* name) {
    for (const QueryParam& f : fields) {
        if (f.name == name) return &f;
    }
    return nullptr;
}

}  // namespace

const char* link_check_name(LinkCheck c) {
    switch (c) {
        case LinkCheck::Valid: return "valid";
        case LinkCheck::Missing: return "no exp or sig";
        case LinkCheck::Malformed: return "malformed exp, nbf, ip or sig";
        case LinkCheck::BadSignature: return "bad signature";
        case LinkCheck::Expired: return "link expired";
        case LinkCheck::NotYetValid: return "link not valid yet (nbf)";
        case LinkCheck::UnknownAddress: return "link bound to an address, and the client's is unknown";
        case LinkCheck::WrongAddress: return "link bound to another address";
    }
    return "?";
}

std::vector<QueryParam> link_fields(const Link& link) {
    std::vector<QueryParam> out;
    if (link.nbf > 0) out.push_back({"nbf", std::to_string(link.nbf)});
    if (!link.ip.empty()) out.push_back({"ip", link.ip});
    if (link.play.start > 0) out.push_back({"t", std::to_string(link.play.start)});
    if (link.play.autoplay) out.push_back({"autoplay", "1"});
    if (link.play.loop) out.push_back({"loop", "1"});
    if (!link.play.download) out.push_back({"download", "0"});
    return out;
}

std::string signed_string(const std::string& id, long long exp, const std::vector<QueryParam>& fields) {
    if (fields.empty()) return id + "." + std::to_string(exp);
    std::string s = "id=" + id + "&exp=" + std::to_string(exp);
    for (const QueryParam& f : fields) s += "&" + f.name + "=" + f.value;
    return s;
}

std::string link_signature(const std::string& secret, const Link& link) {
    return base64url_encode(hmac_sha256(secret, signed_string(link.id, link.exp, link_fields(link))));
}

std::string link_signature(const std::string& secret, const std::string& id, long long exp) {
    return link_signature(secret, Link{id, exp});
}

std::string signed_query(const std::string& secret, const Link& link) {
    std::string q = "id=" + link.id + "&exp=" + std::to_string(link.exp);
    for (const QueryParam& f : link_fields(link)) q += "&" + f.name + "=" + percent_encode(f.value);
    return q + "&sig=" + link_signature(secret, link);
}

std::string signed_query(const std::string& secret, const std::string& id, long long exp) {
    return signed_query(secret, Link{id, exp});
}

LinkCheck check_link(const std::string& secret, const WatchParams& params, const std::string& client, long long now) {
    if (params.exp.empty() || params.sig.empty()) return LinkCheck::Missing;
    long long exp = 0, nbf = 0;
    if (!parse_time(params.exp, exp)) return LinkCheck::Malformed;
    const QueryParam* nbf_field = field(params.link_fields, "nbf");
    if (nbf_field && !parse_time(nbf_field->value, nbf)) return LinkCheck::Malformed;
    const QueryParam* ip_field = field(params.link_fields, "ip");
    AddressBlock block;
    if (std::string why; ip_field && !parse_address_block(ip_field->value, block, why)) return LinkCheck::Malformed;

    std::string signed_text = signed_string(params.id, exp, params.link_fields);
    if (!constant_time_equal(params.sig, base64url_encode(hmac_sha256(secret, signed_text)))) {
        return LinkCheck::BadSignature;
    }
    if (exp <= now) return LinkCheck::Expired;
    if (nbf_field && now < nbf) return LinkCheck::NotYetValid;
    if (ip_field) {
        std::array<unsigned char, 16> a;
        int bits = 0;
        if (!parse_address(client, a, bits)) return LinkCheck::UnknownAddress;
        if (!same_prefix(a, block.bytes, block.prefix)) return LinkCheck::WrongAddress;
    }
    return LinkCheck::Valid;
}

bool parse_address_block(const std::string& text, AddressBlock& out, std::string& why) {
    size_t slash = text.find('/');
    int bits = 0;
    AddressBlock b;
    if (!parse_address(text.substr(0, slash), b.bytes, bits)) {
        why = "not an IPv4 or IPv6 address";
        return false;
    }
    b.prefix = 128;
    if (slash != std::string::npos) {
        std::string p = text.substr(slash + 1);
        bool digits = !p.empty() && p.size() <= 3 && p.find_first_not_of("0123456789") == std::string::npos &&
                      (p.size() == 1 || p[0] != '0');
        if (!digits || std::stoi(p) > bits) {
            why = bits == 32 ? "the prefix after / must be a number from 0 to 32"
                             : "the prefix after / must be a number from 0 to 128";
            return false;
        }
        b.prefix = 128 - bits + std::stoi(p);
        // A host's bits in a block are most often a slip (…7/24 for …7/32, or for …0/24).
        std::array<unsigned char, 16> zeroed{};
        for (int i = 0; i < 16; ++i) zeroed[i] = b.bytes[i] & mask_byte(b.prefix, i);
        if (zeroed != b.bytes) {
            // Shown from the parsed bytes, so nothing of the input but digits is echoed.
            char first[INET6_ADDRSTRLEN] = "";
            if (bits == 32)
                inet_ntop(AF_INET, zeroed.data() + 12, first, sizeof first);
            else
                inet_ntop(AF_INET6, zeroed.data(), first, sizeof first);
            why = "has bits set past its prefix: the block starts at " + std::string(first) + "/" + p;
            return false;
        }
    }
    out = b;
    return true;
}

bool address_in_block(const std::string& address, const AddressBlock& block) {
    std::array<unsigned char, 16> a;
    int bits = 0;
    return parse_address(address, a, bits) && same_prefix(a, block.bytes, block.prefix);
}

}  // namespace watch
