// Component tier: who may watch. Signed links and the allow-list, checked before any
// upstream call; what reaches the stand-in in each case.
#include <boost/test/unit_test.hpp>

#include <cctype>
#include <ctime>

#include "common/links.h"
#include "tests/support/core.h"
#include "tests/support/standin.h"

using namespace testing;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-link";

long long now() { return static_cast<long long>(std::time(nullptr)); }

}  // namespace

BOOST_AUTO_TEST_SUITE(component)
BOOST_AUTO_TEST_SUITE(access_tests)

BOOST_AUTO_TEST_CASE(a_valid_signed_link_plays) {
    Core core(Core::Settings{{"WATCH_LINK_SECRET", kSecret}});
    watch::Response r = core.get(watch::signed_query(kSecret, kPrivateVideo, now() + 600));
    BOOST_TEST(r.status == 200, r.log);
    BOOST_TEST(shared_standin().api_calls() == 1u);
}

BOOST_AUTO_TEST_CASE(missing_expired_tampered_and_foreign_links_answer_403_without_upstream_calls) {
    Core core(Core::Settings{{"WATCH_LINK_SECRET", kSecret}});
    std::string id = kPrivateVideo;
    std::string good = watch::signed_query(kSecret, id, now() + 600);
    std::string tampered_sig = good.substr(0, good.size() - 2) + (good.back() == 'A' ? "BB" : "AA");
    std::string other_id = watch::signed_query(kSecret, kPublicVideo, now() + 600);
    other_id.replace(3, std::string(kPublicVideo).size(), id);  // the signature of another video
    long long later = now() + 600;
    std::string moved_exp = "id=" + id + "&exp=" + std::to_string(later + 1) + "&sig=" +
                            watch::link_signature(kSecret, id, later);
    const std::pair<std::string, std::string> cases[] = {
        {"no exp or sig", "id=" + id},
        {"no sig", "id=" + id + "&exp=" + std::to_string(later)},
        {"expired", watch::signed_query(kSecret, id, now() - 1)},
        {"tampered signature", tampered_sig},
        {"signature of another id", other_id},
        {"expiry moved", moved_exp},
        {"other secret", watch::signed_query(kSecret + "-other", id, later)},
        {"exp not a number", "id=" + id + "&exp=soon&sig=" + watch::link_signature(kSecret, id, later)},
    };
    for (const auto& c : cases) {
        watch::Response r = core.get(c.second);
        BOOST_TEST(r.status == 403, c.first << ": " << r.status);
        BOOST_TEST(r.log.find("step=link") != std::string::npos, c.first << ": " << r.log);
    }
    BOOST_TEST(shared_standin().requests().empty());
}

BOOST_AUTO_TEST_CASE(links_are_not_required_without_a_secret) {
    Core core;
    BOOST_TEST(core.get(std::string("id=") + kPrivateVideo).status == 200);
}

BOOST_AUTO_TEST_CASE(ids_outside_the_allow_list_answer_404_without_upstream_calls) {
    Core core(Core::Settings{{"WATCH_ALLOWED_IDS", std::string(kPrivateVideo) + ", " + kNoMp4Video}});
    watch::Response out = core.get(std::string("id=") + kPublicVideo);
    BOOST_TEST(out.status == 404);
    BOOST_TEST(out.log.find("step=allow-list") != std::string::npos, out.log);
    BOOST_TEST(shared_standin().requests().empty());

    BOOST_TEST(core.get(std::string("id=") + kPrivateVideo).status == 200);
    BOOST_TEST(core.get(std::string("id=") + kNoMp4Video).status == 200);
    BOOST_TEST(shared_standin().api_calls() == 2u);
}

// api.video's ids are case-sensitive: one letter's case flipped is another video.
BOOST_AUTO_TEST_CASE(the_allow_list_compares_ids_exactly) {
    Core core(Core::Settings{{"WATCH_ALLOWED_IDS", kPrivateVideo}});
    std::string flipped = kPrivateVideo;
    flipped[4] = static_cast<char>(std::isupper(static_cast<unsigned char>(flipped[4])) ? std::tolower(flipped[4])
                                                                                        : std::toupper(flipped[4]));
    BOOST_REQUIRE(flipped != kPrivateVideo);
    watch::Response r = core.get("id=" + flipped);
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.log.find("step=allow-list") != std::string::npos, r.log);
    BOOST_TEST(shared_standin().requests().empty());
}

BOOST_AUTO_TEST_CASE(the_allow_list_may_be_a_file) {
    TempDir dir;
    write_file(dir.file("ids"), std::string("# the videos of this site\n") + kPublicVideo + "  # the trailer\n");
    Core core(Core::Settings{{"WATCH_ALLOWED_IDS", dir.file("ids")}});
    BOOST_TEST(core.get(std::string("id=") + kPublicVideo).status == 200);
    BOOST_TEST(core.get(std::string("id=") + kPrivateVideo).status == 404);
    BOOST_TEST(shared_standin().api_calls() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
