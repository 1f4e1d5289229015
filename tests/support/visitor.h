// Test support: what a visitor's browser fetches, fetched for real, with the checks every
// server recipe must pass (the same for nginx, Apache and systemd).
#pragma once
#include <string>

namespace testing {

// GETs the watch page at `watch_url` (for the private fixture) after resetting nothing:
// checks status, headers and document, then loads every asset of the page from the
// stand-in (each with avh, each 200), and reads the stand-in's log: one API call, and no
// Authorization header on the delivery host. `context` goes into failure messages.
void expect_page_plays(const std::string& watch_url, const std::string& context = "");

}  // namespace testing
