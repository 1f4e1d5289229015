// The pages: the watch page and the error page, rendered from the compiled templates,
// with the headers every page carries (no caching, no sniffing, a tight CSP).
#pragma once
#include <string>

#include "common/config.h"
#include "common/errors.h"
#include "common/response.h"
#include "common/templates.h"
#include "common/video.h"

namespace watch {

// What the watch page shows: the video with its asset URLs final (session added).
struct WatchView {
    std::string video_id;
    std::string title;
    Assets assets;
    std::string session_token;  // empty for a public video
};

class Pages {
   public:
    // Compiles the built-in templates. Throws TemplateError when one is broken.
    static Pages builtin();

    Response watch(const WatchView& view, const Config& config) const;
    Response error(Failure failure, const std::string& retry_after = "") const;

   private:
    Pages(Template watch, Template error) : watch_(std::move(watch)), error_(std::move(error)) {}
    Template watch_;
    Template error_;
};

// A fresh CSP nonce: 128 random bits, hex.
std::string make_nonce();

}  // namespace watch
