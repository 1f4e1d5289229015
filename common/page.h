// The responses a visitor gets: the watch page (one template per player), the page that
// waits for a turn of api.video's read budget and the page of a video still encoding or
// a live stream off air (the same template, waiting), the JSON response for custom players, and the error page
// or problem+json; each with the headers every response carries (no caching, no sniffing,
// a Content-Security-Policy made for it, and noindex where search engines have no
// business).
#pragma once
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/config.h"
#include "common/errors.h"
#include "common/request.h"
#include "common/response.h"
#include "common/templates.h"
#include "common/video.h"

namespace watch {

// A visitor waiting for a turn: where the page asks again, and about when.
struct Waiting {
    std::string id;
    MediaKind kind = MediaKind::Video;
    std::string ticket;
    long long seconds = 0;
    std::string page_url;                 // this page with the ticket: what a page without script reloads
    std::string json_url;                 // the JSON response with the ticket: what the page's script fetches
    std::set<std::string> asset_origins;  // the hosts this account's videos came from so far
};

// A video still encoding, or a live stream off air (`view.kind`): the page that shows it
// and asks again.
struct Processing {
    WatchView view;                       // what the read gave (no tracks yet)
    long long seconds = 0;                // when to ask again
    std::string page_url;                 // this page: what a page without script reloads
    std::string json_url;                 // its JSON response: what the page's script fetches
    std::set<std::string> asset_origins;  // the hosts this account's videos came from so far
};

class Pages {
   public:
    // When the page templates compile: all in load(), so that a process serving many pages
    // finds a broken one at start-up; or each at its first use, for a CGI process, which
    // serves one page from one thread and would spend more on compiling the others than on
    // that page (bench/results.md).
    enum class Compile { AtLoad, OnUse };

    // Compiles the page templates, each from `source` (which also resolves includes, and
    // is kept for OnUse). Throws TemplateError naming the broken one, and a page template
    // that is not a whole page (no <html> or no <body>); with OnUse, from the answer that
    // first needs it.
    static Pages load(const Template::Loader& source, Compile when = Compile::AtLoad);
    // Compiles the player's page if it is not yet (OnUse); throws as load() does.
    void prepare(Player player) const { page(static_cast<size_t>(player)); }

    // `play`: the link's player options. Its download=0 leaves the MP4 out of the page and
    // of the JSON (a view handed in still has it: the viewer cookie remembers it whole).
    Response watch(const WatchView& view, Player player, const Config& config, const PlayOptions& play = {}) const;
    Response waiting(const Waiting& wait, Player player, const Config& config, const PlayOptions& play = {}) const;
    Response processing(const Processing& p, Player player, const Config& config, const PlayOptions& play = {}) const;
    Response watch_json(const WatchView& view, const PlayOptions& play = {}) const;
    Response waiting_json(const Waiting& wait) const;
    Response processing_json(const Processing& p) const;
    // `retry_after`: seconds, for a Retry-After header (none when 0).
    Response error(Failure failure, bool json, long long retry_after = 0) const;

   private:
    Pages() = default;
    // A player's page, or error.html (kErrorPage), compiled now if it is not yet.
    static constexpr size_t kErrorPage = kPlayerCount;
    const Template& page(size_t index) const;

    // Shared by the copies of a Pages (a site's settings with another account share them).
    // Filled by load() before any sharing, or (OnUse) by the one thread of a CGI process.
    struct Compiled {
        Template::Loader source;
        std::optional<Template> pages[kPlayerCount + 1];  // indexed by Player, then kErrorPage
    };
    std::shared_ptr<Compiled> pages_;
};

}  // namespace watch
