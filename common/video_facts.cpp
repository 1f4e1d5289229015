// One video's facts (see video_facts.h).
#include "common/video_facts.h"

#include <algorithm>

namespace watch {

namespace {

// A failed list read is tried again this soon (or sooner, with a shorter list time).
constexpr long long kRetryFailedSeconds = 60;

size_t index_of(TrackKind k) { return k == TrackKind::Captions ? 0 : 1; }

}  // namespace

std::optional<TrackKind> VideoFact::list_due(bool captions, bool chapters, long long now) const {
    std::optional<TrackKind> due;
    long long oldest = 0;
    for (TrackKind k : {TrackKind::Captions, TrackKind::Chapters}) {
        if (!(k == TrackKind::Captions ? captions : chapters)) continue;
        const List& l = lists[index_of(k)];
        if (l.due_at > now) continue;
        if (l.read_at == 0) return k;
        if (!due || l.read_at < oldest) {
            due = k;
            oldest = l.read_at;
        }
    }
    return due;
}

void VideoFact::store_list(TrackKind kind, std::vector<TextTrack> tracks, long long list_seconds, long long now) {
    List& l = lists[index_of(kind)];
    l.tracks = std::move(tracks);
    l.read_at = now;
    l.due_at = now + list_seconds;
}

void VideoFact::reading(TrackKind kind, long long now) { lists[index_of(kind)].due_at = now + kRetryFailedSeconds; }

void VideoFact::list_failed(TrackKind kind, long long list_seconds, long long now) {
    lists[index_of(kind)].due_at = now + std::min(list_seconds, kRetryFailedSeconds);
}

std::vector<TextTrack> VideoFact::tracks(bool captions, bool chapters) const {
    std::vector<TextTrack> out;
    if (captions) out = lists[index_of(TrackKind::Captions)].tracks;
    if (chapters) {
        const auto& c = lists[index_of(TrackKind::Chapters)].tracks;
        out.insert(out.end(), c.begin(), c.end());
    }
    return out;
}

bool VideoFact::knows_tracks(bool captions, bool chapters) const {
    return (!captions || lists[index_of(TrackKind::Captions)].read_at != 0) &&
           (!chapters || lists[index_of(TrackKind::Chapters)].read_at != 0);
}

std::optional<bool> VideoFact::playable(long long now) const {
    if (!is_playable) return std::nullopt;
    if (!*is_playable && recheck_at <= now) return std::nullopt;
    return is_playable;
}

bool VideoFact::claim_recheck(long long now) {
    if (is_playable != false || recheck_at > now) return false;
    recheck_at = now + kRecheckSeconds;
    return true;
}

const WatchView* VideoFact::still_encoding(long long now) const {
    if (is_playable != false || recheck_at <= now) return nullptr;
    return &seen;
}

long long VideoFact::recheck_in(long long now) const { return std::max(1LL, (recheck_at ? recheck_at : now) - now); }

namespace {

// Only what a page that waits shows: no session, no asset URLs.
WatchView waiting_view(const WatchView& v) {
    WatchView seen = v;
    seen.session_token.clear();
    seen.assets = Assets{};
    seen.tracks.clear();
    return seen;
}

}  // namespace

void VideoFact::set_playable(bool playable, long long now, const WatchView& s) {
    is_playable = playable;
    recheck_at = playable ? 0 : now + kRecheckSeconds;
    seen = playable ? WatchView{} : waiting_view(s);
}

const WatchView* VideoFact::off_air(long long now) const {
    if (on_air != false || live_check_at <= now) return nullptr;
    return &seen;
}

bool VideoFact::claim_live_check(long long now) {
    if (on_air != false || live_check_at > now) return false;
    live_check_at = now + kOffAirSeconds;
    return true;
}

bool VideoFact::on_air_lately(long long now) const { return on_air == true && now - on_air_at <= kOnAirSeconds; }

long long VideoFact::live_check_in(long long now) const {
    return std::max(1LL, (live_check_at ? live_check_at : now) - now);
}

void VideoFact::set_on_air(bool on, long long now, const WatchView& s) {
    on_air = on;
    on_air_at = now;
    live_check_at = on ? 0 : now + kOffAirSeconds;
    seen = on ? WatchView{} : waiting_view(s);
}

}  // namespace watch
