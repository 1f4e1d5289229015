// libFuzzer target: the query string of /watch, arbitrary bytes through parse_query and
// parse_watch_params (common/request.h). Built by `make fuzz` (mk/fuzz.mk) only.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/escape.h"
#include "common/request.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

// The id rule written out again, independently of video.cpp: "vi" or "li" then 21 or 22
// ASCII letters or digits.
bool id_by_the_rule(std::string_view id) {
    if (id.size() != 23 && id.size() != 24) return false;
    if ((id[0] != 'v' && id[0] != 'l') || id[1] != 'i') return false;
    for (size_t i = 2; i < id.size(); ++i) {
        unsigned char c = static_cast<unsigned char>(id[i]);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view query(reinterpret_cast<const char*>(data), size);

    FUZZ_CHECK(watch::media_kind_of(query).has_value() == id_by_the_rule(query), fuzz::show(query));
    if (id_by_the_rule(query)) {
        FUZZ_CHECK((watch::media_kind_of(query) == watch::MediaKind::LiveStream) == (query[0] == 'l'),
                   fuzz::show(query));
    }

    std::vector<watch::QueryParam> params;
    const bool parsed = watch::parse_query(query, params);
    const watch::QueryParam* id = nullptr;
    int ids = 0;
    if (parsed) {
        FUZZ_CHECK(query.size() <= watch::kMaxQueryLength, fuzz::show(query));
        for (const auto& p : params) {
            FUZZ_CHECK(!p.name.empty(), fuzz::show(query));
            for (const std::string* s : {&p.name, &p.value}) {
                FUZZ_CHECK(s->find('\0') == std::string::npos, fuzz::show(query));
                FUZZ_CHECK(watch::is_valid_utf8(*s), fuzz::show(query) + " gave " + fuzz::show(*s));
            }
            if (p.name == "id") {
                ++ids;
                id = &p;
            }
        }
        // Encoding what was decoded and parsing it again gives the same parameters.
        std::string again;
        for (const auto& p : params) {
            again += (again.empty() ? "" : "&") + watch::percent_encode(p.name) + "=" + watch::percent_encode(p.value);
        }
        std::vector<watch::QueryParam> reparsed;
        if (again.size() <= watch::kMaxQueryLength) {
            FUZZ_CHECK(watch::parse_query(again, reparsed), fuzz::show(again));
            FUZZ_CHECK(reparsed.size() == params.size(), fuzz::show(query));
            for (size_t i = 0; i < params.size(); ++i) {
                FUZZ_CHECK(reparsed[i].name == params[i].name && reparsed[i].value == params[i].value,
                           fuzz::show(query));
            }
        }
    }

    watch::WatchParams wp;
    std::string why;
    const bool ok = watch::parse_watch_params(query, wp, why);
    // Never accepted unless the query parses and names one id that meets the rule; other
    // known parameters (exp, sig, player, format) may refuse it further.
    const bool id_ok = parsed && ids == 1 && id_by_the_rule(id->value);
    FUZZ_CHECK(id_ok || !ok, fuzz::show(query) + " accepted");
    if (ok) {
        FUZZ_CHECK(wp.id == id->value, fuzz::show(query));
        for (const auto& p : params) {
            if (p.name == "exp") FUZZ_CHECK(wp.exp == p.value, fuzz::show(query));
            if (p.name == "sig") FUZZ_CHECK(wp.sig == p.value, fuzz::show(query));
            if (p.name == "player") {
                FUZZ_CHECK(wp.player_given && watch::player_info(wp.player).name == p.value, fuzz::show(query));
            }
        }
    } else {
        FUZZ_CHECK(!why.empty(), fuzz::show(query));
        // The reason is for the log: a short line naming a rule, never bytes of the input.
        FUZZ_CHECK(why.size() < 120 &&
                       std::all_of(why.begin(), why.end(), [](unsigned char c) { return c >= 0x20 && c < 0x7F; }),
                   fuzz::show(why));
    }
    // Unknown parameters are ignored: one more changes nothing.
    const std::string more = std::string(query) + "&utm_source=fuzz";
    if (more.size() <= watch::kMaxQueryLength) {
        watch::WatchParams wp2;
        std::string why2;
        const bool ok2 = watch::parse_watch_params(more, wp2, why2);
        FUZZ_CHECK(ok2 == ok, fuzz::show(query) + (ok ? " accepted" : " refused") + " but not with &utm_source");
        if (ok) FUZZ_CHECK(wp2.id == wp.id && wp2.player == wp.player, fuzz::show(query));
    }
    return 0;
}
