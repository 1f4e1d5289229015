// Unit tests for common/site.cpp: which settings a site's request gets, and that each
// distinct set is read once.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <map>
#include <memory>
#include <string>

#include "common/site.h"
#include "tests/support/process.h"

namespace {

using Settings = std::map<std::string, std::string>;

watch::SettingLookup lookup(const Settings& s) {
    return [&s](const char* name) -> const char* {
        auto it = s.find(name);
        return it == s.end() ? nullptr : it->second.c_str();
    };
}

struct Handler {
    Settings env;
    std::shared_ptr<const watch::Site> base;
    std::unique_ptr<watch::Sites> sites;
    explicit Handler(Settings e) : env(std::move(e)) {
        std::string err;
        if (!watch::load_site(lookup(env), base, err)) throw std::runtime_error(err);
        sites = std::make_unique<watch::Sites>(lookup(env), base);
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(unit)
BOOST_AUTO_TEST_SUITE(site_tests)

BOOST_AUTO_TEST_CASE(a_request_without_site_settings_gets_the_base_site) {
    Handler h(Settings{{"APIVIDEO_API_KEY", "key-of-the-process"}});
    Settings none;
    std::string err;
    BOOST_TEST(h.sites->for_request(lookup(none), err) == h.base);
    BOOST_TEST(err.empty());
}

BOOST_AUTO_TEST_CASE(a_sites_key_file_wins_over_the_processs_key) {
    testing::TempDir dir;
    testing::write_file(dir.file("site-b.key"), "key-of-site-b\n");
    Handler h(Settings{{"APIVIDEO_API_KEY", "key-of-the-process"}});
    Settings site_b = {{"APIVIDEO_API_KEY_FILE", dir.file("site-b.key")}};
    std::string err;
    auto site = h.sites->for_request(lookup(site_b), err);
    BOOST_REQUIRE(site);
    BOOST_TEST(site->config.api_key == "key-of-site-b");
    // Other settings still come from the process.
    Settings site_c = {{"WATCH_PLAYER", "native"}};
    auto c = h.sites->for_request(lookup(site_c), err);
    BOOST_REQUIRE(c);
    BOOST_TEST(c->config.api_key == "key-of-the-process");
    BOOST_TEST((c->config.player == watch::Player::Native));
}

BOOST_AUTO_TEST_CASE(each_set_of_settings_is_read_once_broken_ones_too) {
    Handler h(Settings{{"APIVIDEO_API_KEY", "key-of-the-process"}});
    Settings a = {{"APIVIDEO_API_KEY", "key-of-site-a"}};
    std::string err;
    auto first = h.sites->for_request(lookup(a), err);
    auto again = h.sites->for_request(lookup(a), err);
    BOOST_TEST(first == again);

    Settings broken = {{"APIVIDEO_TIMEOUT_MS", "soon"}};
    BOOST_TEST(!h.sites->for_request(lookup(broken), err));
    BOOST_TEST(err.find("APIVIDEO_TIMEOUT_MS") != std::string::npos, err);
    std::string err2;
    BOOST_TEST(!h.sites->for_request(lookup(broken), err2));
    BOOST_TEST(err2 == err);
}

// api.video's budget is per key: sites on one key spend one budget, sites on another
// key their own, and a reload (SIGHUP) keeps both.
BOOST_AUTO_TEST_CASE(each_account_has_its_own_read_budget) {
    Handler h(Settings{{"APIVIDEO_API_KEY", "key-of-the-process"}});
    std::string err;
    Settings same_key_other_player = {{"WATCH_PLAYER", "native"}};
    Settings other_key = {{"APIVIDEO_API_KEY", "key-of-site-b"}};
    auto same = h.sites->for_request(lookup(same_key_other_player), err);
    auto other = h.sites->for_request(lookup(other_key), err);
    BOOST_REQUIRE(same);
    BOOST_REQUIRE(other);
    BOOST_TEST(same->account == h.sites->base().account);
    BOOST_TEST(other->account != h.sites->base().account);

    std::shared_ptr<const watch::Site> reloaded;
    BOOST_REQUIRE(watch::load_site(lookup(h.env), reloaded, err));
    auto before = h.sites->base().account;
    h.sites->reset(reloaded);
    BOOST_TEST(h.sites->base().account == before);
    BOOST_TEST(h.sites->for_request(lookup(other_key), err)->account == other->account);
}

// Settings sent as FastCGI parameters, a key a request: the accounts kept stay bounded.
BOOST_AUTO_TEST_CASE(a_new_key_on_every_request_keeps_a_bounded_number_of_accounts) {
    Handler h(Settings{{"APIVIDEO_API_KEY", "key-of-the-process"}});
    for (int i = 0; i < 1000; ++i) {
        Settings site = {{"APIVIDEO_API_KEY", "key-" + std::to_string(i)}};
        std::string err;
        BOOST_REQUIRE(h.sites->for_request(lookup(site), err));
    }
    BOOST_TEST(h.sites->accounts() <= 65u);  // the sites kept (64) and the process's own
    BOOST_TEST(h.sites->accounts() >= 1u);
}

BOOST_AUTO_TEST_CASE(a_file_setting_reads_regular_files_only_and_never_blocks) {
    testing::TempDir dir;
    std::string content, why;
    BOOST_TEST(!watch::read_file("/dev/zero", content, why));
    BOOST_TEST(why == "is not a regular file");
    BOOST_TEST_REQUIRE(mkfifo(dir.file("fifo").c_str(), 0600) == 0);
    BOOST_TEST(!watch::read_file(dir.file("fifo"), content, why));  // returns: nobody writes it
    BOOST_TEST(why == "is not a regular file");
    BOOST_TEST(!watch::read_file(dir.path(), content, why));
    BOOST_TEST(why == "names a folder, not a file");
    testing::write_file(dir.file("big"), std::string(watch::kMaxFileBytes + 1, 'k'));
    BOOST_TEST(!watch::read_file(dir.file("big"), content, why));
    BOOST_TEST(why == "is larger than 8 MiB");
    testing::write_file(dir.file("key"), "the-key\n");
    BOOST_TEST(watch::read_file(dir.file("key"), content, why));
    BOOST_TEST(content == "the-key\n");
    // A settings file that names a device makes the site's settings broken, said once.
    Handler h(Settings{{"APIVIDEO_API_KEY", "key-of-the-process"}});
    Settings zero = {{"APIVIDEO_API_KEY_FILE", "/dev/zero"}};
    std::string err;
    BOOST_TEST(!h.sites->for_request(lookup(zero), err));
    BOOST_TEST(err.find("not a regular file") != std::string::npos, err);
}

BOOST_AUTO_TEST_SUITE_END()
BOOST_AUTO_TEST_SUITE_END()
