// What the handler keeps of a video between page views, besides nothing of its viewers:
// its caption and chapter lists (each an api.video read of its own, so read again only
// after a while) and whether it plays yet (a video still encoding is checked again soon;
// one that plays, never).
#pragma once
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/video.h"

namespace watch {

class VideoFacts {
   public:
    // `list_seconds`: how long a list read stays fresh.
    explicit VideoFacts(long long list_seconds);

    // The list to read beside this page view's video read, if one is due: never more
    // than one a page view, the one never read first, else the one read longest ago;
    // captions before chapters.
    std::optional<TrackKind> list_due(const std::string& id, bool captions, bool chapters, long long now) const;
    // A list read has gone out: not due for others meanwhile (page views at once would
    // each read it).
    void reading(const std::string& id, TrackKind kind, long long now);
    // A list read: its tracks (src as api.video gives them), or none when it failed, which
    // keeps the last good list and tries again within a minute.
    void store_list(const std::string& id, TrackKind kind, std::vector<TextTrack> tracks, long long now);
    void list_failed(const std::string& id, TrackKind kind, long long now);
    // The tracks last read, stale ones included (a list past its time is still the best
    // there is until the next read): captions, then chapters.
    std::vector<TextTrack> tracks(const std::string& id, bool captions, bool chapters) const;
    // Whether this process has read the lists enabled for the video at least once.
    bool knows_tracks(const std::string& id, bool captions, bool chapters) const;

    // Playability: a video that played once plays; one still encoding is checked again
    // after `kRecheckSeconds`, and until then its page is made from what the check saw
    // (`seen`: title, description, language), without a call. Unknown (nullopt) until
    // checked.
    static constexpr long long kRecheckSeconds = 20;
    std::optional<bool> playable(const std::string& id, long long now) const;
    // A video still encoding whose time to be checked again has come: true for the first
    // page view that asks, which checks it; the others keep the page that waits until it
    // has (or until another `kRecheckSeconds`).
    bool claim_recheck(const std::string& id, long long now);
    // The video still encoding, not to be checked again yet: nullptr otherwise.
    const WatchView* still_encoding(const std::string& id, long long now) const;
    // Seconds until a video still encoding is checked again (at least 1).
    long long recheck_in(const std::string& id, long long now) const;
    void set_playable(const std::string& id, bool playable, long long now, const WatchView& seen = {});

   private:
    struct List {
        std::vector<TextTrack> tracks;
        long long read_at = 0;  // 0: never read
        long long due_at = 0;
    };
    struct Entry {
        List lists[2];  // by TrackKind
        std::optional<bool> playable;
        long long recheck_at = 0;
        WatchView seen;  // of a video still encoding: what its page shows
    };
    Entry& entry(const std::string& id);

    // Videos kept; past it, one is forgotten for each new one (a site with more videos does
    // a few more reads rather than grow without bound).
    static constexpr size_t kMaxVideos = 10000;
    const long long list_seconds_;
    std::unordered_map<std::string, Entry> entries_;
};

}  // namespace watch
