// The /watch flow, step by step as README.md tells it: validate the request, check the
// link and the allow-list, reuse a remembered session, look the video (or live stream) up
// in the site's shared state, take a read from its budget (or a turn), read it, trade its
// private token for a session, respond. Each failure maps onto the error table and leaves
// one log line: which step, the video, how long the calls took.
//
// Words (README.md, "How it is built"): a round is what the page view needs done before it
// goes on (calls and changes); a result is what came of a call; the response is what the
// visitor gets.
#include "common/watch.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <exception>
#include <optional>

#include "common/apivideo.h"
#include "common/crypto.h"
#include "common/links.h"
#include "common/shared_state.h"
#include "common/text.h"
#include "common/url.h"
#include "common/viewer_cookie.h"

namespace watch {

namespace {

// The cookie that keeps a waiting visitor's ticket across a reload.
constexpr const char* kTurnCookie = "apivideo_watch_turn";
// How soon a visitor waiting for a turn of a process on its own (its store down) asks again.
constexpr long long kOutageRetrySeconds = 2;

struct Trace {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    long long now = 0;
    std::string id = "-";
    long video_ms = -1;
    long session_ms = -1;

    // "2026-11-27T20:40:00Z 502 id=vi… step=session ms=41 video_ms=12 session_ms=29: why"
    std::string line(int status, const char* step, const std::string& detail) const {
        long ms = static_cast<long>(
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
        std::string s =
            iso_time(now) + " " + std::to_string(status) + " id=" + id + " step=" + step + " ms=" + std::to_string(ms);
        if (video_ms >= 0) s += " video_ms=" + std::to_string(video_ms);
        if (session_ms >= 0) s += " session_ms=" + std::to_string(session_ms);
        if (!detail.empty()) s += ": " + detail;
        return s;
    }
};

// JSON when the client asks for it and not for HTML (a custom player's fetch).
bool wants_json(const std::string& accept) {
    return accept.find("application/json") != std::string::npos && accept.find("text/html") == std::string::npos;
}

// Every asset the page will use must be a URL we would call ourselves: https, or http on
// loopback (an http asset on an https page would be blocked as mixed content).
bool assets_usable(const Assets& a, std::string& why) {
    for (const AssetField& f : kAssetFields) {
        const std::string& url = a.*f.url;
        if (!url.empty() && !is_allowed_upstream_url(url)) {
            why = "an asset URL is not https";
            return false;
        }
    }
    if (a.hls.empty() && a.mp4.empty()) {
        why = "the video has neither an hls nor an mp4 asset";
        return false;
    }
    return true;
}

}  // namespace

// One page view's state between rounds. Its `params.play` holds the link's player options
// (t, autoplay, loop, download) for the page. Changes to the shared state hold it (a
// change may run after its page view is gone, in a store still answering).
struct PageView::Flow : std::enable_shared_from_this<Flow> {
    enum class Stage { Start, Secret, Facts, Origins, Admit, Video, Session, Probe, Spare, Status, Saving, Done };

    Flow(Request r, std::shared_ptr<const Site> s) : req(std::move(r)), site(std::move(s)), api(site->config) {
        trace.now = req.now;
    }

    const Config& config() const { return site->config; }
    Account& account() const { return *site->account; }
    // With a shared store the whole budget is this site's; each process on its own takes
    // its WATCH_READ_SHARE.
    double share() const { return req.state_shared ? 1.0 : config().read_share; }
    // The secret of cookies and tickets: the site's own, or the one made in the shared state.
    const std::string& secret() const {
        return config().cookie_secret.empty() ? account().secret : config().cookie_secret;
    }

    // The queue a change works on: the shared one, or while the store is down a queue of
    // this process's own, begun afresh (its tickets must not pass for the shared queue's
    // turns; the shared queue serves them first, by arrival, when it is back).
    QueueState& queue_of(AccountState& s) const {
        if (!req.state_shared && !s.queue.local) {
            s.queue = QueueState{};
            s.queue.local = true;
        } else if (req.state_shared) {
            s.queue.local = false;  // a queue a store came back with is the shared one now
        }
        return s.queue;
    }

    // Tickets are signed with the secret kept beside the queue they name, so the two always
    // go together (a store restarted from one process's memory brings both).
    std::string ticket_secret(AccountState& s) const {
        if (!config().cookie_secret.empty()) return config().cookie_secret;
        if (s.secret.empty()) s.secret = random_hex(32);
        return s.secret;
    }

    CookieSigner cookie_signer() const { return CookieSigner{secret(), config().api_url + "\n" + config().api_key}; }

    // ---- before any read ---------------------------------------------------------------

    Round start() {
        // Decided first, so a custom player gets even a 400 or 405 as problem+json;
        // format= wins over Accept.
        std::string format = requested_format(req.query);
        json = format == "json" || (format.empty() && wants_json(req.accept));
        if (!req.missing.empty()) {
            return fail(Failure::Internal, "validate",
                        "the web server sent no " + req.missing + ": a location without `include fastcgi_params;`?");
        }
        if (req.method != "GET" && req.method != "HEAD") {
            return fail(Failure::MethodNotAllowed, "validate", "method " + req.method.substr(0, 16));
        }
        std::string why;
        if (!parse_watch_params(req.query, params, why)) return fail(Failure::BadRequest, "validate", why);
        trace.id = params.id;
        player = params.player_given ? params.player : config().player;
        // Where pages compile on first use (CGI), a broken template answers 500 now, before
        // it costs an api.video read.
        if (!json) site->pages.prepare(player);

        // Who may watch: a signed link, the allow-list. Neither costs an upstream call.
        if (!config().link_secret.empty()) {
            std::string client = client_address(req, config().client_ip_header);
            LinkCheck c = check_link(config().link_secret, params, client, req.now);
            if (c != LinkCheck::Valid) return fail(Failure::Forbidden, "link", link_failure(c, client));
        }
        if (!config().allowed_ids.empty() && !config().allowed_ids.count(params.id)) {
            return fail(Failure::UnknownVideo, "allow-list", "id not in WATCH_ALLOWED_IDS");
        }
        // A site that sets no secret signs with one made once for all its processes.
        const bool learnt = !account().secret.empty() && (account().secret_shared || !req.state_shared);
        if (config().cookie_secret.empty() && !learnt) return learn_secret();
        return returning_viewer();
    }

    Round learn_secret() {
        stage = Stage::Secret;
        auto self = shared_from_this();
        return Round{{}, {change_account(account().id, [self](AccountState& s) {
                         bool made = s.secret.empty();
                         if (made) s.secret = random_hex(32);
                         self->learnt_secret = s.secret;
                         return made;
                     })}};
    }

    Round after_secret() {
        account().secret = learnt_secret;
        account().secret_shared = req.state_shared;
        return returning_viewer();
    }

    // A returning viewer: the session given before is still good, api.video is spared. (A
    // live stream's, only while the site knows it on air: its facts come first.)
    Round returning_viewer() {
        remembered = read_viewer_cookie(req.cookie, cookie_signer(), req.now);
        if (params.kind == MediaKind::Video) {
            if (const WatchView* v = remembered_view()) return respond(*v, "cookie", false);
        }
        return look_up_video();
    }

    const WatchView* remembered_view() const {
        for (const WatchView& v : remembered) {
            if (v.id == params.id) return &v;
        }
        return nullptr;
    }

    // What the site knows of the video; a video still encoding, or a live stream off air,
    // is claimed for a recheck by the first page view that finds its time come.
    Round look_up_video() {
        stage = Stage::Facts;
        auto self = shared_from_this();
        return Round{{}, {change_video(account().id, params.id, [self](VideoFact& f) {
                         self->fact = f;  // as it was: a page that claims the recheck does not serve the cached page
                         self->rechecking = f.claim_recheck(self->req.now) || f.claim_live_check(self->req.now);
                         return self->rechecking;
                     })}};
    }

    Round after_facts() {
        // A video still encoding or a live stream off air, checked a moment ago: its page
        // again, without a call, once the hosts its player will load from are known.
        const WatchView* seen = fact.still_encoding(req.now);
        if (!seen && !rechecking) seen = fact.off_air(req.now);
        if (seen) {
            view = *seen;
            stage = Stage::Origins;
            auto self = shared_from_this();
            return Round{{}, {change_account(account().id, [self](AccountState& s) {
                             self->origins = std::set<std::string>(s.origins.begin(), s.origins.end());
                             return false;
                         })}};
        }
        if (fact.on_air_lately(req.now)) {
            if (const WatchView* v = remembered_view()) return respond(*v, "cookie", false);
        }
        if (req.server_busy) {
            return fail(Failure::Overloaded, "busy", "WATCH_MAX_IN_FLIGHT page views are waiting on api.video", 1);
        }
        ticket = params.turn.empty() ? cookie_value(req.cookie, kTurnCookie) : params.turn;
        return admit(ticket, "");
    }

    // ---- the read budget ----------------------------------------------------------------

    // The read budget decides: the video's read now (and beside it at most one of its lists
    // when one is due and a read is spare: captions are worth a read, never a wait), a turn
    // to wait for, or (past the bound) the 503 page. `why`: the 429 that brought it here.
    Round admit(const std::string& with_ticket, const std::string& why) {
        stage = Stage::Admit;
        admit_why = why;
        auto self = shared_from_this();
        // A live stream has no caption or chapter lists to read.
        const std::optional<TrackKind> due = params.kind == MediaKind::Video
                                                 ? fact.list_due(config().captions, config().chapters, req.now)
                                                 : std::nullopt;
        round.changes.push_back(change_account(account().id, [self, with_ticket, due](AccountState& s) {
            const Config& c = self->config();
            ReadBudget budget = budget_of(s, c.reads_per_minute, self->share());
            TurnQueue turns(self->ticket_secret(s), c.wait_seconds, self->queue_of(s));
            self->decision = turns.admit(with_ticket, self->params.id, budget, self->req.now);
            self->list_read.reset();
            if (self->decision.kind == TurnQueue::Decision::Kind::Go && due && turns.spare(budget, self->req.now)) {
                self->list_read = due;
            }
            self->origins.clear();
            self->origins.insert(s.origins.begin(), s.origins.end());
            s.budget = budget.state();
            s.queue = turns.state();
            return true;
        }));
        return take_round();
    }

    Round after_admit() {
        switch (decision.kind) {
            case TurnQueue::Decision::Kind::Go: return read_video();
            case TurnQueue::Decision::Kind::Wait: return wait_for_turn();
            case TurnQueue::Decision::Kind::Full: break;
        }
        return fail(Failure::RateLimited, "rate-limit",
                    (admit_why.empty() ? "" : admit_why + "; ") + "a turn would come after WATCH_WAIT_SECONDS",
                    decision.seconds);
    }

    Round read_video() {
        stage = Stage::Video;
        reads_out = list_read ? 2 : 1;
        round.calls.push_back(params.kind == MediaKind::Video ? api.video(params.id) : api.live_stream(params.id));
        if (list_read) {
            const TrackKind kind = *list_read;
            const long long now = req.now;
            change_fact([kind, now](VideoFact& f) {
                f.reading(kind, now);
                return true;
            });
            round.calls.push_back(api.tracks(params.id, kind));
        }
        return take_round();
    }

    // A read this page view took has its result: the budget hears what its headers say.
    void settle(const HttpResult& r) {
        --reads_out;
        auto self = shared_from_this();
        const HttpResult heard = headers_only(r);
        round.changes.push_back(change_account(account().id, [self, heard](AccountState& s) {
            ReadBudget budget = budget_of(s, self->config().reads_per_minute, self->share());
            budget.settle(heard, self->req.now);
            s.budget = budget.state();
            return true;
        }));
    }

    // What the budget reads of a reply: its outcome, status and headers, not its body.
    static HttpResult headers_only(const HttpResult& r) {
        HttpResult h;
        h.outcome = r.outcome;
        h.status = r.status;
        h.rate = r.rate;
        return h;
    }

    // The waiting page (or its JSON): it asks again at its turn, with its ticket, which a
    // cookie keeps too, so a reload keeps the place.
    Round wait_for_turn() {
        Waiting w;
        w.id = params.id;
        w.kind = params.kind;
        w.ticket = decision.ticket;
        // While the store is down the turn is this process's own: the visitor asks again
        // soon, to take its place in the shared queue (by arrival) once the store is back.
        w.seconds = req.state_outage ? std::min(decision.seconds, kOutageRetrySeconds) : decision.seconds;
        w.page_url = self_url({{"turn", decision.ticket}, {"format", "html"}});
        w.json_url = self_url({{"turn", decision.ticket}, {"format", "json"}});
        w.asset_origins = origins;
        Response r = json ? site->pages.waiting_json(w) : site->pages.waiting(w, player, config(), params.play);
        r.headers.emplace_back("Set-Cookie", set_cookie(kTurnCookie, decision.ticket, config().wait_seconds, req.path));
        // Waiting is no failure; a 429 that brought it is worth a line.
        if (!admit_why.empty() || config().log == LogLevel::Requests) {
            r.log = trace.line(r.status, "turn",
                               (admit_why.empty() ? "" : admit_why + "; ") + "waits for a turn, about " +
                                   std::to_string(decision.seconds) + " s");
        }
        return done(std::move(r), "turn");
    }

    // ---- the results ----------------------------------------------------------------------

    Round resume(std::vector<HttpResult> results) {
        if (results.size() != round_calls) throw std::logic_error("a round's results do not match its calls");
        switch (stage) {
            case Stage::Secret: return after_secret();
            case Stage::Facts: return after_facts();
            case Stage::Origins: return processing();
            case Stage::Admit: return after_admit();
            case Stage::Video: return after_video(results);
            case Stage::Session: return after_session(results[0]);
            case Stage::Probe: return after_probe(results[0]);
            case Stage::Spare: return after_spare();
            case Stage::Status: return after_status(results[0]);
            case Stage::Saving: return finish();
            case Stage::Start:
            case Stage::Done: break;
        }
        throw std::logic_error("results after the page view ended");
    }

    Round after_video(std::vector<HttpResult>& results) {
        if (list_read) keep_list(results[1]);
        const HttpResult& r = results[0];
        trace.video_ms = r.elapsed_ms;
        settle(r);
        Video video;
        UpstreamError err;
        if (!api.read_video(params.id, params.kind, r, video, err))
            return upstream_failed(err, params.kind == MediaKind::Video ? "video" : "live-stream");
        return on_video(video);
    }

    // A caption or chapter list read beside the video: kept whatever it says, and never
    // the page's failure (a page without captions beats no page).
    void keep_list(const HttpResult& r) {
        settle(r);
        std::vector<TextTrack> tracks;
        UpstreamError err;
        const TrackKind kind = *list_read;
        const long long seconds = config().tracks_seconds, now = req.now;
        if (api.read_tracks(r, kind, tracks, err)) {
            change_fact([kind, tracks, seconds, now](VideoFact& f) {
                f.store_list(kind, tracks, seconds, now);
                return true;
            });
        } else {
            change_fact([kind, seconds, now](VideoFact& f) {
                f.list_failed(kind, seconds, now);
                return true;
            });
            note = err.detail + " (the page went without it)";
        }
    }

    // The video read: a public one plays from its asset URLs as they are, and so does one
    // marked private whose assets carry no token at all (there is nothing to trade); a
    // private one needs its token traded for a session.
    Round on_video(const Video& video) {
        std::string why;
        if (!assets_usable(video.assets, why)) return fail(Failure::BadReply, "video", why);
        learn_origins(video.assets);
        view.kind = video.kind;
        view.id = video.id;
        view.title = video.title;
        view.description = video.description;
        if (is_plausible_language(video.language)) view.language = video.language;
        view.assets = video.assets;
        view.expires = req.now + kSessionSeconds;
        std::optional<PrivateToken> token;
        if (video.is_public != true) token = find_private_token(video);
        // A reply that leaves "public" out is public unless its assets carry a token.
        view.is_public = !token && video.is_public.value_or(true);
        // A live stream off air: the page that waits for it (its token unused: no session
        // is made for a stream nobody can watch yet).
        if (video.kind == MediaKind::LiveStream) {
            learn(&VideoFact::set_on_air, video.broadcasting);
            if (!video.broadcasting) return processing();
        }
        if (!token) {
            if (video.is_public != true && mentions_token(video.assets)) {
                return fail(Failure::NoSession, "token", "the assets carry a token this handler cannot use");
            }
            return probe_or_respond();
        }
        stage = Stage::Session;
        round.calls.push_back(api.session(token->session_url));
        return take_round();
    }

    // The hosts the account's videos are served from: a waiting page allows them (this
    // page's own among them, should it wait).
    void learn_origins(const Assets& assets) {
        std::vector<std::string> found;
        for (const AssetField& f : kAssetFields) {
            if (auto u = parse_url(assets.*f.url)) found.push_back(origin_of(*u));
        }
        const bool known =
            std::all_of(found.begin(), found.end(), [&](const std::string& o) { return origins.count(o); });
        origins.insert(found.begin(), found.end());
        if (known) return;
        round.changes.push_back(change_account(account().id, [found](AccountState& s) {
            bool changed = false;
            for (const std::string& o : found) {
                if (std::find(s.origins.begin(), s.origins.end(), o) != s.origins.end()) continue;
                if (s.origins.size() >= kMaxOrigins) s.origins.erase(s.origins.begin());
                s.origins.push_back(o);
                changed = true;
            }
            return changed;
        }));
    }

    Round after_session(const HttpResult& r) {
        trace.session_ms = r.elapsed_ms;
        UpstreamError err;
        if (!api.read_session(r, view.session_token, err)) {
            if (err.failure == Failure::RateLimited) refuse(err.retry_after);
            return upstream_failed(err, "session");
        }
        for (const AssetField& f : kAssetFields)
            view.assets.*f.url = with_session(view.assets.*f.url, view.session_token);
        return probe_or_respond();
    }

    // The delivery host's own 429: nothing is read until it has passed.
    void refuse(long long seconds) {
        auto self = shared_from_this();
        round.changes.push_back(change_account(account().id, [self, seconds](AccountState& s) {
            ReadBudget budget = budget_of(s, self->config().reads_per_minute, self->share());
            budget.refuse(seconds, self->req.now);
            s.budget = budget.state();
            return true;
        }));
    }

    // A 429 shuts the budget (the reply's headers, or refuse()): the visitor takes a turn.
    Round upstream_failed(const UpstreamError& err, const char* step) {
        if (err.failure == Failure::RateLimited) return admit("", err.detail);
        return fail(err.failure, step, err.detail, err.retry_after);
    }

    // ---- is it encoded yet? -------------------------------------------------------------

    // A video the site has not yet seen play: its HLS manifest says whether it is encoded
    // (api.video lists the assets of a video still encoding; they reply 404). A live
    // stream on air plays: a read said so.
    Round probe_or_respond() {
        if (view.kind == MediaKind::LiveStream) return respond(view, "done", true);
        std::optional<bool> playable = rechecking ? std::nullopt : fact.playable(req.now);
        if (playable == false) return processing();
        if (playable || view.assets.hls.empty()) return respond(view, "done", true);
        stage = Stage::Probe;
        round.calls.push_back(api.asset(view.assets.hls));
        return take_round();
    }

    // Only a 404 says "not yet"; any other trouble is the player's to show. A 404 is asked
    // about once more, when a read is spare: a manifest refused for any other reason must
    // not hold the video's page back from everyone.
    Round after_probe(const HttpResult& r) {
        std::optional<bool> playable = ApiVideo::read_asset(r);
        if (playable == true) learn(&VideoFact::set_playable, true);
        if (playable != false) return respond(view, "done", true);
        // Not beside a list read: a page view spends at most one read beyond the video.
        if (list_read) return still_encoding();
        stage = Stage::Spare;
        auto self = shared_from_this();
        round.changes.push_back(change_account(account().id, [self](AccountState& s) {
            ReadBudget budget = budget_of(s, self->config().reads_per_minute, self->share());
            TurnQueue turns(self->ticket_secret(s), self->config().wait_seconds, self->queue_of(s));
            self->spare_granted = turns.spare(budget, self->req.now);
            s.budget = budget.state();
            s.queue = turns.state();
            return self->spare_granted;
        }));
        return take_round();
    }

    Round after_spare() {
        if (!spare_granted) return still_encoding();
        stage = Stage::Status;
        ++reads_out;
        round.calls.push_back(api.status(params.id));
        return take_round();
    }

    Round after_status(const HttpResult& r) {
        settle(r);
        bool playable = false;
        UpstreamError err;
        if (!api.read_status(r, playable, err) || !playable) return still_encoding();  // the manifest's word, then
        learn(&VideoFact::set_playable, true);
        note = "the HLS manifest answered 404, yet api.video says the video plays";
        return respond(view, "done", true);
    }

    // What this page view learnt for everyone: the video plays (VideoFact::set_playable),
    // the stream is on air (set_on_air), or not, as `view` shows it.
    void learn(void (VideoFact::*set)(bool, long long, const WatchView&), bool value) {
        const long long now = req.now;
        const WatchView seen = view;
        change_fact([set, value, now, seen](VideoFact& f) {
            (f.*set)(value, now, seen);
            return true;
        });
    }

    Round still_encoding() {
        learn(&VideoFact::set_playable, false);
        return processing();
    }

    // The page of a video still encoding, or of a live stream off air: it asks again by
    // itself, when the site would check again.
    Round processing() {
        const bool live = view.kind == MediaKind::LiveStream;
        Processing p;
        p.view = view;
        p.seconds = live ? fact.live_check_in(req.now) : fact.recheck_in(req.now);
        p.page_url = self_url({});
        p.json_url = self_url({{"format", "json"}});
        p.asset_origins = origins;
        Response r = json ? site->pages.processing_json(p) : site->pages.processing(p, player, config(), params.play);
        const char* outcome = live ? "off-air" : "processing";
        if (config().log == LogLevel::Requests)
            r.log = trace.line(r.status, outcome, live ? "not on air" : "still encoding");
        return done(std::move(r), outcome);
    }

    // ---- the response ---------------------------------------------------------------------

    Round respond(WatchView v, const char* step, bool remember) {
        with_tracks(v);
        Player p = player;
        if (p == Player::Embed && v.assets.player.empty()) p = Player::VideoJs;
        Response r = json ? site->pages.watch_json(v, params.play) : site->pages.watch(v, p, config(), params.play);
        if (remember) {
            std::string cookie = viewer_cookie_header(v, remembered, cookie_signer(), req.path, req.now);
            if (!cookie.empty()) r.headers.emplace_back("Set-Cookie", cookie);
        }
        if (!ticket.empty())
            r.headers.emplace_back("Set-Cookie", set_cookie(kTurnCookie, "", 0, req.path));  // the turn is taken
        // Trouble beside the page (a list that failed) is worth a line though it went out.
        if (!note.empty())
            r.log = trace.line(r.status, step, note);
        else if (config().log == LogLevel::Requests)
            r.log = trace.line(r.status, step, "");
        return done(std::move(r), step);
    }

    // The captions and chapters the site knows for the video (the page adds the session to
    // each file: the delivery host asks for it on every file of a private video). A
    // returning viewer's cookie keeps those it was given, used while the site has not read
    // both lists (a cookie made before a store was emptied, say).
    void with_tracks(WatchView& v) const {
        const bool captions = config().captions, chapters = config().chapters;
        if (!v.tracks.empty() && !fact.knows_tracks(captions, chapters)) {
            v.tracks.erase(std::remove_if(v.tracks.begin(), v.tracks.end(),
                                          [&](const TextTrack& t) {
                                              return !(t.kind == TrackKind::Captions ? captions : chapters);
                                          }),
                           v.tracks.end());
            return;
        }
        v.tracks = fact.tracks(captions, chapters);
    }

    // The log's reason for a refused link; for an address, where the client's came from
    // (a proxy's address here means WATCH_CLIENT_IP_HEADER is wanted).
    std::string link_failure(LinkCheck c, const std::string& client) const {
        const std::string& header = config().client_ip_header;
        std::string from = header.empty() ? "REMOTE_ADDR" : header;
        std::string name = link_check_name(c);
        if (c == LinkCheck::UnknownAddress) return name + " (" + from + " holds no address)";
        // Safe to log: check_link read it as an address (hex digits, '.' and ':' only).
        if (c == LinkCheck::WrongAddress) return name + " (client " + client + " from " + from + ")";
        return name;
    }

    Round fail(Failure f, const char* step, const std::string& detail, long long retry_after = 0) {
        Response r = site->pages.error(f, json, retry_after);
        r.log = trace.line(r.status, step, detail);
        return done(std::move(r), nullptr);
    }

    // The response is ready; the changes it still owes the shared state go first.
    Round done(Response r, const char* outcome) {
        response = std::move(r);
        response.outcome = outcome ? outcome : std::to_string(response.status);
        if (round.changes.empty()) return finish();
        stage = Stage::Saving;
        return take_round();
    }

    Round finish() {
        stage = Stage::Done;
        return Round{};
    }

    // The round built so far goes out; the flow waits for it.
    Round take_round() {
        Round r = std::move(round);
        round = Round{};
        round_calls = r.calls.size();
        return r;
    }

    // A change to the video's facts: to what this page view knows of them now, and to the
    // shared state's beside the next round's calls.
    void change_fact(std::function<bool(VideoFact&)> change) {
        change(fact);
        round.changes.push_back(change_video(account().id, params.id, std::move(change)));
    }

    // This page's URL with `set` changed: what a waiting or processing page asks again.
    // A server that sent no REQUEST_URI gets a query-only URL, which stays on this page.
    std::string self_url(const std::vector<QueryParam>& set) const {
        std::string query = set.empty() ? req.query : query_with(req.query, set);
        return req.path + "?" + query;
    }

    // The reads this page view took whose replies never came back.
    std::vector<StateChange> give_back() {
        if (reads_out <= 0) return {};
        const long long reads = reads_out;
        reads_out = 0;
        const long long per_minute = config().reads_per_minute;
        const double share_now = share();
        return {change_account(account().id, [reads, per_minute, share_now](AccountState& s) {
            ReadBudget budget = budget_of(s, per_minute, share_now);
            budget.release(reads);
            s.budget = budget.state();
            return true;
        })};
    }

    // Anything unexpected: the 500 page, and the reason in the log. e.what() comes from
    // this program or the standard library, never from a setting.
    Round internal(const char* what) {
        round = Round{};
        try {
            Response r = site->pages.error(Failure::Internal, false);
            r.log = log_line_now(500, "internal", what);
            return done(std::move(r), nullptr);
        } catch (...) {
        }
        // Even the error page failed (out of memory): the smallest response that is still true.
        Response r;
        r.status = 500;
        r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
        r.headers.emplace_back("Cache-Control", "no-store");
        r.body = "Internal Server Error\n";
        r.log = "500 step=internal: could not render the error page";
        return done(std::move(r), nullptr);
    }

    template <typename Step>
    Round guarded(Step step) {
        try {
            return step();
        } catch (const std::exception& e) {
            return internal(e.what());
        } catch (...) {
            return internal("unknown exception");
        }
    }

    Request req;
    std::shared_ptr<const Site> site;
    ApiVideo api;
    Trace trace;
    Stage stage = Stage::Start;
    Round round;             // being built: calls and changes for the next round
    size_t round_calls = 0;  // the calls of the round out, whose results come back
    WatchParams params;
    std::string ticket;  // the turn this visitor came with, if any
    // What the shared state said (written by the changes' last runs).
    std::string learnt_secret;
    VideoFact fact;
    bool rechecking = false;  // this page view checks a video still encoding
    TurnQueue::Decision decision;
    std::string admit_why;               // the 429 that sent this page view back to the budget
    std::optional<TrackKind> list_read;  // the list read beside the video, if any
    bool spare_granted = false;
    std::set<std::string> origins;  // the hosts the account's videos came from
    long long reads_out = 0;        // reads taken whose replies have not come
    std::string note;               // trouble beside a page that went out, for the log
    bool json = false;
    Player player = Player::VideoJs;
    std::vector<WatchView> remembered;
    WatchView view;
    Response response;
};

PageView::PageView(Request request, std::shared_ptr<const Site> site)
    : flow_(std::make_shared<Flow>(std::move(request), std::move(site))) {}
PageView::~PageView() = default;

Round PageView::start() {
    return flow_->guarded([&] { return flow_->start(); });
}

Round PageView::resume(std::vector<HttpResult> results) {
    return flow_->guarded([&] { return flow_->resume(std::move(results)); });
}

Response PageView::take_response() {
    if (flow_->stage != Flow::Stage::Done) {
        flow_->internal("the response was taken before the page view ended");
        flow_->stage = Flow::Stage::Done;
    }
    return std::move(flow_->response);
}

std::vector<StateChange> PageView::abandon() { return flow_->give_back(); }

std::string log_line_now(int status, const std::string& step, const std::string& detail) {
    Trace t;
    t.now = static_cast<long long>(std::time(nullptr));
    return t.line(status, step.c_str(), detail);
}

Response run_view(View& view, HttpClient& http, StateStore& state) {
    for (Round round = view.start(); !round.empty();) {
        if (!round.changes.empty()) state.apply(std::move(round.changes), [](bool, const std::string&) {});
        round = view.resume(round.calls.empty() ? std::vector<HttpResult>{} : http.get_all(round.calls));
    }
    return view.take_response();
}

Response handle_watch(Request request, std::shared_ptr<const Site> site, HttpClient& http, StateStore& state) {
    PageView page(std::move(request), std::move(site));
    return run_view(page, http, state);
}

}  // namespace watch
