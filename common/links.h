// Signed watch links: with WATCH_LINK_SECRET set, /watch serves only links a site's own
// backend made (or `apivideo-watch sign`). A link is id, exp (Unix seconds) and sig, and
// may carry more, all of it signed: nbf (Unix seconds: not before), ip (an IPv4 or IPv6
// address or CIDR block the client must be in), and the player options t, autoplay, loop
// and download (request.h). sig = base64url(HMAC-SHA256(secret, S)) without padding, S:
//   "{id}.{exp}"         for a link that carries nothing but exp (the first form, so the
//                        links made before stay valid);
//   "id={id}&exp={exp}"  followed by "&{name}={value}" for each of kSignedFields the link
//                        carries, in that order, each value exactly as in the link once
//                        percent-decoded: "id=vi…&exp=1900000000&ip=203.0.113.0/24&t=30".
#pragma once
#include <array>
#include <string>
#include <utility>
#include <vector>

#include "common/request.h"

namespace watch {

// The fields a signature covers beyond id and exp, in the order S lists them.
inline constexpr const char* kSignedFields[] = {"nbf", "ip", "t", "autoplay", "loop", "download"};

enum class LinkCheck {
    Valid,
    Missing,    // no exp or no sig
    Malformed,  // exp, nbf or ip not written as the rules say
    BadSignature,
    Expired,         // exp is past
    NotYetValid,     // nbf is still to come
    UnknownAddress,  // bound to an address, and the client's is unknown or unreadable
    WrongAddress,    // bound to an address the client's is not in
};
const char* link_check_name(LinkCheck c);

// A link to make (`sign`, tests): what differs from the defaults, and only that, is written.
struct Link {
    Link() = default;
    // A link with nothing more than its id and expiry.
    Link(std::string of, long long expires) : id(std::move(of)), exp(expires) {}
    std::string id;
    long long exp = 0;
    long long nbf = 0;  // 0: none
    std::string ip;     // "": bound to no address
    PlayOptions play;
};

// `link`'s fields beyond id and exp, in kSignedFields order, as the link writes them.
std::vector<QueryParam> link_fields(const Link& link);

// S, the string the signature covers (above).
std::string signed_string(const std::string& id, long long exp, const std::vector<QueryParam>& fields);

std::string link_signature(const std::string& secret, const Link& link);
std::string link_signature(const std::string& secret, const std::string& id, long long exp);

// "id=…&exp=…[&nbf=…][&ip=…]…&sig=…", values percent-encoded: the query of the link.
std::string signed_query(const std::string& secret, const Link& link);
std::string signed_query(const std::string& secret, const std::string& id, long long exp);

// Checks the link `params` carries at time `now` for a client at `client` (request.h's
// client_address(), read only when the link names an ip). The signature is checked
// before the times and the address, so a forged link is reported as forged.
LinkCheck check_link(const std::string& secret, const WatchParams& params, const std::string& client, long long now);

// An IPv4 or IPv6 address block, in one 128-bit space: IPv4 as IPv4-mapped IPv6
// (::ffff:a.b.c.d, its prefix plus 96), so "203.0.113.0/24" also holds the client
// "::ffff:203.0.113.7" a dual-stack socket reports.
struct AddressBlock {
    std::array<unsigned char, 16> bytes{};
    int prefix = 128;
};

// "203.0.113.7", "203.0.113.0/24", "2001:db8::1", "2001:db8::/32", strictly: an address
// as inet_pton reads it, a prefix in range without sign or leading zero, no bit set past
// the prefix. False with why (a phrase naming the rule, not the input).
[[nodiscard]] bool parse_address_block(const std::string& text, AddressBlock& out, std::string& why);

// Whether `address` (one IPv4 or IPv6 address) is in `block`; false when it is no address.
bool address_in_block(const std::string& address, const AddressBlock& block);

}  // namespace watch
