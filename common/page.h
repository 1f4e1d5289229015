// The answers a visitor gets: the watch page (one template per player), the JSON answer
// for custom players, and the error page or problem+json; each with the headers every
// answer carries (no caching, no sniffing, a Content-Security-Policy made for it).
#pragma once
#include <string>

#include "common/config.h"
#include "common/errors.h"
#include "common/response.h"
#include "common/templates.h"
#include "common/video.h"

namespace watch {

class Pages {
   public:
    // Compiles the templates: those in `template_dir` where it has them, the built-in
    // ones otherwise ("" for all built in). Throws TemplateError naming the broken one,
    // and a page template that is not a whole page (no <html> or no <body>).
    static Pages load(const std::string& template_dir);

    Response watch(const WatchView& view, Player player, const Config& config) const;
    Response watch_json(const WatchView& view) const;
    // `retry_after`: seconds, for a Retry-After header (none when 0).
    Response error(Failure failure, bool json, long long retry_after = 0) const;

   private:
    Pages() = default;
    std::vector<Template> players_;  // indexed by Player
    std::vector<Template> error_;    // one
};

// The template file of each player, e.g. "player-videojs.html".
std::string player_template_name(Player p);

}  // namespace watch
