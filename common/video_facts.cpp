// The per-video facts of a process (see video_facts.h).
#include "common/video_facts.h"

#include <algorithm>

namespace watch {

namespace {

// A failed list read is tried again this soon (or sooner, with a shorter list time).
constexpr long long kRetryFailedSeconds = 60;

size_t index_of(TrackKind k) { return k == TrackKind::Captions ? 0 : 1; }

}  // namespace

VideoFacts::VideoFacts(long long list_seconds) : list_seconds_(list_seconds) {}

VideoFacts::Entry& VideoFacts::entry(const std::string& id) {
    if (entries_.size() >= kMaxVideos && !entries_.count(id)) entries_.erase(entries_.begin());
    return entries_[id];
}

std::optional<TrackKind> VideoFacts::list_due(const std::string& id, bool captions, bool chapters,
                                              long long now) const {
    auto it = entries_.find(id);
    std::optional<TrackKind> due;
    long long oldest = 0;
    for (TrackKind k : {TrackKind::Captions, TrackKind::Chapters}) {
        if (!(k == TrackKind::Captions ? captions : chapters)) continue;
        if (it == entries_.end()) return k;
        const List& l = it->second.lists[index_of(k)];
        if (l.due_at > now) continue;
        if (l.read_at == 0) return k;
        if (!due || l.read_at < oldest) {
            due = k;
            oldest = l.read_at;
        }
    }
    return due;
}

void VideoFacts::store_list(const std::string& id, TrackKind kind, std::vector<TextTrack> tracks, long long now) {
    List& l = entry(id).lists[index_of(kind)];
    l.tracks = std::move(tracks);
    l.read_at = now;
    l.due_at = now + list_seconds_;
}

void VideoFacts::reading(const std::string& id, TrackKind kind, long long now) {
    entry(id).lists[index_of(kind)].due_at = now + kRetryFailedSeconds;
}

void VideoFacts::list_failed(const std::string& id, TrackKind kind, long long now) {
    List& l = entry(id).lists[index_of(kind)];
    l.due_at = now + std::min(list_seconds_, kRetryFailedSeconds);
}

std::vector<TextTrack> VideoFacts::tracks(const std::string& id, bool captions, bool chapters) const {
    std::vector<TextTrack> out;
    auto it = entries_.find(id);
    if (it == entries_.end()) return out;
    if (captions) out = it->second.lists[index_of(TrackKind::Captions)].tracks;
    if (chapters) {
        const auto& c = it->second.lists[index_of(TrackKind::Chapters)].tracks;
        out.insert(out.end(), c.begin(), c.end());
    }
    return out;
}

bool VideoFacts::knows_tracks(const std::string& id, bool captions, bool chapters) const {
    auto it = entries_.find(id);
    if (it == entries_.end()) return !captions && !chapters;
    return (!captions || it->second.lists[index_of(TrackKind::Captions)].read_at != 0) &&
           (!chapters || it->second.lists[index_of(TrackKind::Chapters)].read_at != 0);
}

std::optional<bool> VideoFacts::playable(const std::string& id, long long now) const {
    auto it = entries_.find(id);
    if (it == entries_.end() || !it->second.playable) return std::nullopt;
    if (!*it->second.playable && it->second.recheck_at <= now) return std::nullopt;
    return it->second.playable;
}

bool VideoFacts::claim_recheck(const std::string& id, long long now) {
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.playable != false || it->second.recheck_at > now) return false;
    it->second.recheck_at = now + kRecheckSeconds;
    return true;
}

const WatchView* VideoFacts::still_encoding(const std::string& id, long long now) const {
    auto it = entries_.find(id);
    if (it == entries_.end() || it->second.playable != false || it->second.recheck_at <= now) return nullptr;
    return &it->second.seen;
}

long long VideoFacts::recheck_in(const std::string& id, long long now) const {
    auto it = entries_.find(id);
    long long at = it == entries_.end() ? now : it->second.recheck_at;
    return std::max(1LL, at - now);
}

void VideoFacts::set_playable(const std::string& id, bool playable, long long now, const WatchView& seen) {
    Entry& e = entry(id);
    e.playable = playable;
    e.recheck_at = playable ? 0 : now + kRecheckSeconds;
    e.seen = playable ? WatchView{} : seen;
    // Only what the page of a video still encoding shows: no session, no asset URLs.
    e.seen.session_token.clear();
    e.seen.assets = Assets{};
}

}  // namespace watch
