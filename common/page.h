// The responses a visitor gets: the watch page (one template per player), the page that
// waits for a turn of api.video's read budget and the page of a video still encoding
// (the same template, waiting), the JSON response for custom players, and the error page
// or problem+json; each with the headers every response carries (no caching, no sniffing,
// a Content-Security-Policy made for it, and noindex where search engines have no
// business).
#pragma once
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
    std::string video_id;
    std::string ticket;
    long long seconds = 0;
    std::string page_url;                 // this page with the ticket: what a page without script reloads
    std::string json_url;                 // the JSON response with the ticket: what the page's script fetches
    std::set<std::string> asset_origins;  // the hosts this account's videos came from so far
};

// A video still encoding: the page that shows it and asks again.
struct Processing {
    WatchView view;                       // what the read gave (no tracks yet)
    long long seconds = 0;                // when to ask again
    std::string page_url;                 // this page: what a page without script reloads
    std::string json_url;                 // its JSON response: what the page's script fetches
    std::set<std::string> asset_origins;  // the hosts this account's videos came from so far
};

class Pages {
   public:
    // Compiles the page templates, each from `source` (which also resolves includes).
    // Throws TemplateError naming the broken one, and a page template that is not a whole
    // page (no <html> or no <body>).
    static Pages load(const Template::Loader& source);

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
    std::vector<Template> players_;  // indexed by Player
    std::vector<Template> error_;    // one
};

}  // namespace watch
