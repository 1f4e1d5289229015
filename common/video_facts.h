// What the handler keeps of a video between page views, besides nothing of its viewers:
// its caption and chapter lists (each an api.video read of its own, so read again only
// after a while) and whether it plays yet (a video still encoding is checked again soon;
// one that plays, never); of a live stream, whether it is on air (one that is not is read
// again every few seconds, by one page view for all who wait). One video's or stream's
// facts, as the shared state keeps them: a site's processes learn each once.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "common/video.h"

namespace watch {

class VideoFact {
   public:
    // The list to read beside this page view's video read, if one is due: never more
    // than one a page view, the one never read first, else the one read longest ago;
    // captions before chapters.
    std::optional<TrackKind> list_due(bool captions, bool chapters, long long now) const;
    // A list read has gone out: not due for others meanwhile (page views at once would
    // each read it).
    void reading(TrackKind kind, long long now);
    // A list read: its tracks (src as api.video gives them), or none when it failed, which
    // keeps the last good list and tries again within a minute. `list_seconds`: how long
    // a list read stays fresh.
    void store_list(TrackKind kind, std::vector<TextTrack> tracks, long long list_seconds, long long now);
    void list_failed(TrackKind kind, long long list_seconds, long long now);
    // The tracks last read, stale ones included (a list past its time is still the best
    // there is until the next read): captions, then chapters.
    std::vector<TextTrack> tracks(bool captions, bool chapters) const;
    // Whether the lists enabled for the video have been read at least once.
    bool knows_tracks(bool captions, bool chapters) const;

    // Playability: a video that played once plays; one still encoding is checked again
    // after `kRecheckSeconds`, and until then its page is made from what the check saw
    // (`seen`: title, description, language), without a call. Unknown (nullopt) until
    // checked.
    static constexpr long long kRecheckSeconds = 20;
    std::optional<bool> playable(long long now) const;
    // A video still encoding whose time to be checked again has come: true for the first
    // page view that asks, which checks it; the others keep the page that waits until it
    // has (or until another `kRecheckSeconds`).
    bool claim_recheck(long long now);
    // The video still encoding, not to be checked again yet: nullptr otherwise.
    const WatchView* still_encoding(long long now) const;
    // Seconds until a video still encoding is checked again (at least 1).
    long long recheck_in(long long now) const;
    void set_playable(bool playable, long long now, const WatchView& seen = {});

    // A live stream's broadcasting, as the last read of it said. One off air is read again
    // after `kOffAirSeconds` by the first page view that asks (claim_live_check); the others
    // keep the page that waits, made from what that read saw (`seen`), until it has. Page
    // views of a stream on air each read it anyway (each needs a token of its own); only a
    // returning viewer's cookie trusts the fact, for `kOnAirSeconds`.
    static constexpr long long kOffAirSeconds = 3;
    static constexpr long long kOnAirSeconds = 30;
    // The stream off air, not to be read again yet: nullptr otherwise.
    const WatchView* off_air(long long now) const;
    // Off air and due to be read: true for the first page view that asks.
    bool claim_live_check(long long now);
    // On air as a read said at most kOnAirSeconds ago.
    bool on_air_lately(long long now) const;
    // Seconds until a stream off air is read again (at least 1).
    long long live_check_in(long long now) const;
    void set_on_air(bool on, long long now, const WatchView& seen = {});

    // The whole of it, for the shared state's encoding (json.h).
    struct List {
        std::vector<TextTrack> tracks;
        long long read_at = 0;  // 0: never read
        long long due_at = 0;
    };
    List lists[2];  // by TrackKind
    std::optional<bool> is_playable;
    long long recheck_at = 0;
    std::optional<bool> on_air;   // a live stream's, as last read
    long long on_air_at = 0;      // when that read was
    long long live_check_at = 0;  // off air: when it is read again
    WatchView seen;               // of a video still encoding or a stream off air: what its page shows
};

}  // namespace watch
