// Test support: a visitor's page view (see visitor.h).
#include "tests/support/visitor.h"

#include <boost/test/unit_test.hpp>

#include "tests/support/http.h"
#include "tests/support/standin.h"

namespace testing {

void expect_page_plays(const std::string& watch_url, const std::string& context) {
    const Standin& standin = shared_standin();
    HttpReply page = http_get(watch_url);
    BOOST_TEST(page.status == 200, page.body << context);
    BOOST_TEST(page.header("content-type") == "text/html; charset=utf-8");
    BOOST_TEST(page.header("cache-control").find("no-store") != std::string::npos);
    BOOST_TEST(page.header("x-content-type-options") == "nosniff");
    BOOST_TEST(page.header("content-security-policy").find(standin.vod()) != std::string::npos);
    BOOST_TEST(page.body.find("<!DOCTYPE html>") == 0u);
    size_t assets = 0;
    for (const auto& u : page_urls(page.body)) {
        if (u.rfind(standin.vod(), 0) != 0) continue;
        ++assets;
        BOOST_TEST(u.find("avh=") != std::string::npos, u);
        BOOST_TEST(http_get(u).status == 200, u);
    }
    BOOST_TEST(assets >= 4u);  // the link, the thumbnail, the poster, HLS, MP4
    // One read of the video, and beside it at most one of its caption or chapter lists.
    size_t lists = 0;
    for (const auto& q : standin.requests()) {
        if (q.host == "vod") BOOST_TEST(!q.has_authorization, q.path);
        lists += q.host == "api" &&
                 (q.path.find("/captions") != std::string::npos || q.path.find("/chapters") != std::string::npos);
    }
    BOOST_TEST(standin.video_reads() == 1u);
    BOOST_TEST(lists <= 1u);
}

}  // namespace testing
