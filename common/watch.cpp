// The /watch flow, step by step as README.md tells it: validate the request, check the
// link and the allow-list, reuse a remembered session, respect api.video's rate limit,
// read the video, trade its private token for a session, respond. Each failure maps onto
// the error table and leaves one log line: which step, the video, how long the calls took.
#include "common/watch.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <exception>
#include <optional>
#include <stdexcept>

#include "common/apivideo.h"
#include "common/budget.h"
#include "common/links.h"
#include "common/text.h"
#include "common/url.h"
#include "common/viewer_cookie.h"

namespace watch {

namespace {

// The cookie that keeps a waiting visitor's ticket across a reload.
constexpr const char* kTurnCookie = "apivideo_watch_turn";

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

// One page view's state between rounds of calls. Its `params.play` holds the link's
// player options (t, autoplay, loop, download) for the page.
struct PageView::Flow {
    enum class Stage { Start, Video, Session, Probe, Status, Done };

    Flow(Request r, std::shared_ptr<const Site> s) : req(std::move(r)), site(std::move(s)), api(site->config) {
        trace.now = req.now;
    }

    // A page view that ends with reads out (its visitor left): they are in flight no more.
    ~Flow() {
        if (reads_out > 0) site->account->budget.release(reads_out);
    }

    const Config& config() const { return site->config; }

    CookieSigner cookie_signer() const {
        return CookieSigner{config().cookie_secret, config().api_url + "\n" + config().api_key};
    }

    // ---- start: what the request alone decides ---------------------------------------

    std::vector<HttpCall> start() {
        // Decided first, so a custom player gets even a 400 or 405 as problem+json;
        // format= wins over Accept.
        std::string format = requested_format(req.query);
        json = format == "json" || (format.empty() && wants_json(req.accept));
        if (!request_valid() || !may_watch()) return {};
        if (const WatchView* v = remembered_view()) return respond(*v, "cookie", false);

        // A video still encoding, checked a moment ago: its page again, without a call.
        if (const WatchView* seen = site->account->facts.still_encoding(params.video_id, req.now)) {
            view = *seen;
            return processing();
        }
        rechecking = site->account->facts.claim_recheck(params.video_id, req.now);

        if (req.server_busy) {
            return fail(Failure::Overloaded, "busy", "WATCH_MAX_IN_FLIGHT page views are waiting on api.video", 1);
        }
        ticket = params.turn.empty() ? cookie_value(req.cookie, kTurnCookie) : params.turn;
        return admit(ticket, "");
    }

    // The request as the server passed it and its query, checked: false when it fails,
    // and then the response is the error.
    bool request_valid() {
        if (!req.missing.empty()) {
            fail(Failure::Internal, "validate",
                 "the web server sent no " + req.missing + ": a location without `include fastcgi_params;`?");
            return false;
        }
        if (req.method != "GET" && req.method != "HEAD") {
            fail(Failure::MethodNotAllowed, "validate", "method " + req.method.substr(0, 16));
            return false;
        }
        std::string why;
        if (!parse_watch_params(req.query, params, why)) {
            fail(Failure::BadRequest, "validate", why);
            return false;
        }
        trace.id = params.video_id;
        player = params.player_given ? params.player : config().player;
        return true;
    }

    // Who may watch: a signed link, the allow-list. Neither costs an upstream call. False
    // when refused, and then the response is the error.
    bool may_watch() {
        if (!config().link_secret.empty()) {
            std::string client = client_address(req, config().client_ip_header);
            LinkCheck c = check_link(config().link_secret, params, client, req.now);
            if (c != LinkCheck::Valid) {
                fail(Failure::Forbidden, "link", link_failure(c, client));
                return false;
            }
        }
        if (!config().allowed_ids.empty() && !config().allowed_ids.count(params.video_id)) {
            fail(Failure::UnknownVideo, "allow-list", "id not in WATCH_ALLOWED_IDS");
            return false;
        }
        return true;
    }

    // A returning viewer's video: the session given before is still good, api.video is
    // spared. nullptr when the cookie holds none (or cookies are off).
    const WatchView* remembered_view() {
        if (config().cookie_secret.empty()) return nullptr;
        remembered = read_viewer_cookie(req.cookie, cookie_signer(), req.now);
        for (const WatchView& v : remembered) {
            if (v.video_id == params.video_id) return &v;
        }
        return nullptr;
    }

    // The read budget decides: the video's read now, a turn to wait for, or (past the
    // bound) the 503 page.
    std::vector<HttpCall> admit(const std::string& with_ticket, const std::string& why) {
        Account& account = *site->account;
        TurnQueue::Decision d = account.turns.admit(with_ticket, params.video_id, account.budget, req.now);
        switch (d.kind) {
            case TurnQueue::Decision::Kind::Go: return read_video();
            case TurnQueue::Decision::Kind::Wait: return wait_for_turn(d, why);
            case TurnQueue::Decision::Kind::Full: break;
        }
        return fail(Failure::RateLimited, "rate-limit",
                    (why.empty() ? "" : why + "; ") + "a turn would come after WATCH_WAIT_SECONDS", d.seconds);
    }

    // The video's read, and beside it at most one of its lists when one is due and a read
    // is spare (nobody waits for a turn): captions are worth a read, never a wait.
    std::vector<HttpCall> read_video() {
        stage = Stage::Video;
        reads_out = 1;  // admit() took it
        std::vector<HttpCall> calls = {api.video(params.video_id)};
        Account& account = *site->account;
        list_read = account.facts.list_due(params.video_id, config().captions, config().chapters, req.now);
        if (list_read && !account.turns.spare(account.budget, req.now)) list_read.reset();
        if (list_read) {
            ++reads_out;
            account.facts.reading(params.video_id, *list_read, req.now);
            calls.push_back(api.tracks(params.video_id, *list_read));
        }
        return calls;
    }

    // The waiting page (or its JSON): it asks again at its turn, with its ticket, which a
    // cookie keeps too, so a reload keeps the place.
    std::vector<HttpCall> wait_for_turn(const TurnQueue::Decision& d, const std::string& why) {
        Waiting w;
        w.video_id = params.video_id;
        w.ticket = d.ticket;
        w.seconds = d.seconds;
        w.page_url = own_url(query_with(req.query, {{"turn", d.ticket}, {"format", "html"}}));
        w.json_url = own_url(query_with(req.query, {{"turn", d.ticket}, {"format", "json"}}));
        w.asset_origins = site->account->asset_origins;
        Response r = json ? site->pages.waiting_json(w) : site->pages.waiting(w, player, config(), params.play);
        r.headers.emplace_back("Set-Cookie", set_cookie(kTurnCookie, d.ticket, config().wait_seconds, req.path));
        // Waiting is no failure; a 429 that brought it is worth a line.
        if (!why.empty() || config().log == LogLevel::Requests) {
            r.log = trace.line(
                r.status, "turn",
                (why.empty() ? "" : why + "; ") + "waits for a turn, about " + std::to_string(d.seconds) + " s");
        }
        return done(std::move(r));
    }

    // ---- resume: what each round's results decide --------------------------------------

    std::vector<HttpCall> resume(std::vector<HttpResult> results) {
        const size_t calls = stage == Stage::Video && list_read ? 2 : 1;
        if (stage == Stage::Done || stage == Stage::Start) throw std::logic_error("results after the page view ended");
        if (results.size() != calls) throw std::logic_error("a round's results do not match its calls");
        switch (stage) {
            case Stage::Video:
                if (list_read) store_list(results[1]);
                return video_read(results[0]);
            case Stage::Session: return session_made(results[0]);
            case Stage::Probe: return manifest_probed(results[0]);
            case Stage::Status: return status_read(results[0]);
            case Stage::Start:
            case Stage::Done: break;
        }
        throw std::logic_error("results after the page view ended");
    }

    // A read this page view took has its result: the budget hears what the reply says.
    void settle(const HttpResult& r) {
        site->account->budget.settle(r, req.now);
        --reads_out;
    }

    // A caption or chapter list read beside the video: kept whatever it says, and never
    // the page's failure (a page without captions beats no page).
    void store_list(const HttpResult& r) {
        Account& account = *site->account;
        settle(r);
        std::vector<TextTrack> tracks;
        UpstreamError err;
        if (api.read_tracks(r, *list_read, tracks, err)) {
            account.facts.store_list(params.video_id, *list_read, std::move(tracks), req.now);
        } else {
            account.facts.list_failed(params.video_id, *list_read, req.now);
            note = err.detail + " (the page went without it)";
        }
    }

    // The video read: a public one plays from its asset URLs as they are, and so does one
    // marked private whose assets carry no token at all (there is nothing to trade); a
    // private one needs its token traded for a session.
    std::vector<HttpCall> video_read(const HttpResult& r) {
        trace.video_ms = r.elapsed_ms;
        settle(r);
        Video video;
        UpstreamError err;
        if (!api.read_video(params.video_id, r, video, err)) return upstream_failed(err, "video");
        std::string why;
        if (!assets_usable(video.assets, why)) return fail(Failure::BadReply, "video", why);
        for (const AssetField& f : kAssetFields) {
            if (auto u = parse_url(video.assets.*f.url)) site->account->asset_origins.insert(origin_of(*u));
        }
        view.video_id = video.id;
        view.title = video.title;
        view.description = video.description;
        if (is_plausible_language(video.language)) view.language = video.language;
        view.assets = video.assets;
        view.expires = req.now + kSessionSeconds;
        std::optional<PrivateToken> token;
        if (video.is_public != true) token = find_private_token(video);
        // A reply that leaves "public" out is public unless its assets carry a token.
        view.is_public = !token && video.is_public.value_or(true);
        if (!token) {
            if (video.is_public != true && mentions_token(video.assets)) {
                return fail(Failure::NoSession, "token", "the assets carry a token this handler cannot use");
            }
            return probe_or_respond();
        }
        stage = Stage::Session;
        return {api.session(token->session_url)};
    }

    // The private token traded: every asset URL carries the session.
    std::vector<HttpCall> session_made(const HttpResult& r) {
        trace.session_ms = r.elapsed_ms;
        UpstreamError err;
        if (!api.read_session(r, view.session_token, err)) {
            if (err.failure == Failure::RateLimited) site->account->budget.refuse(err.retry_after, req.now);
            return upstream_failed(err, "session");
        }
        for (const AssetField& f : kAssetFields) {
            view.assets.*f.url = with_session(view.assets.*f.url, view.session_token);
        }
        return probe_or_respond();
    }

    // A video this process has not yet seen play: its HLS manifest says whether it is
    // encoded (api.video lists the assets of a video still encoding; they reply 404).
    std::vector<HttpCall> probe_or_respond() {
        std::optional<bool> playable =
            rechecking ? std::nullopt : site->account->facts.playable(params.video_id, req.now);
        if (playable == false) return processing();
        if (playable || view.assets.hls.empty()) return respond(view, "done", true);
        stage = Stage::Probe;
        return {api.asset(view.assets.hls)};
    }

    // Only a 404 says "not yet"; any other trouble is the player's to show. A 404 is asked
    // about once more, when a read is spare: a manifest refused for any other reason must
    // not hold the video's page back from everyone.
    std::vector<HttpCall> manifest_probed(const HttpResult& r) {
        Account& account = *site->account;
        std::optional<bool> playable = ApiVideo::read_asset(r);
        if (playable == true) account.facts.set_playable(params.video_id, true, req.now);
        if (playable != false) return respond(view, "done", true);
        // Not beside a list read: a page view spends at most one read beyond the video.
        if (!list_read && account.turns.spare(account.budget, req.now)) {
            stage = Stage::Status;
            ++reads_out;
            return {api.status(params.video_id)};
        }
        return still_encoding();
    }

    // api.video's word on a manifest that replied 404.
    std::vector<HttpCall> status_read(const HttpResult& r) {
        settle(r);
        bool playable = false;
        UpstreamError err;
        if (!api.read_status(r, playable, err)) return still_encoding();  // the manifest's word, then
        if (!playable) return still_encoding();
        site->account->facts.set_playable(params.video_id, true, req.now);
        note = "the HLS manifest replied 404, yet api.video says the video plays";
        return respond(view, "done", true);
    }

    // A 429 shuts the budget (ReadBudget::settle or refuse): the visitor takes a turn.
    std::vector<HttpCall> upstream_failed(const UpstreamError& err, const char* step) {
        if (err.failure == Failure::RateLimited) return admit("", err.detail);
        return fail(err.failure, step, err.detail, err.retry_after);
    }

    // ---- the response ----------------------------------------------------------------

    std::vector<HttpCall> still_encoding() {
        site->account->facts.set_playable(params.video_id, false, req.now, view);
        return processing();
    }

    // The page of a video still encoding: it asks again by itself, when this process
    // would check again.
    std::vector<HttpCall> processing() {
        Processing p;
        p.view = view;
        p.seconds = site->account->facts.recheck_in(params.video_id, req.now);
        p.page_url = own_url(req.query);
        p.json_url = own_url(query_with(req.query, {{"format", "json"}}));
        p.asset_origins = site->account->asset_origins;
        Response r = json ? site->pages.processing_json(p) : site->pages.processing(p, player, config(), params.play);
        if (config().log == LogLevel::Requests) r.log = trace.line(r.status, "processing", "still encoding");
        return done(std::move(r));
    }

    // The video's page (or its JSON), remembered in the viewer's cookie when `remember`.
    std::vector<HttpCall> respond(WatchView v, const char* step, bool remember) {
        with_tracks(v);
        Player p = player;
        if (p == Player::Embed && v.assets.player.empty()) p = Player::VideoJs;
        Response r = json ? site->pages.watch_json(v, params.play) : site->pages.watch(v, p, config(), params.play);
        if (remember && !config().cookie_secret.empty()) {
            std::string cookie = viewer_cookie_header(v, remembered, cookie_signer(), req.path, req.now);
            if (!cookie.empty()) r.headers.emplace_back("Set-Cookie", cookie);
        }
        // The turn is taken: its cookie goes.
        if (!ticket.empty()) r.headers.emplace_back("Set-Cookie", set_cookie(kTurnCookie, "", 0, req.path));
        // Trouble beside the page (a list that failed) is worth a line though it went out.
        if (!note.empty())
            r.log = trace.line(r.status, step, note);
        else if (config().log == LogLevel::Requests)
            r.log = trace.line(r.status, step, "");
        return done(std::move(r));
    }

    // This page with another query: on its own path when the server said it, else a
    // query-only URL, which the browser resolves against the page's own.
    std::string own_url(const std::string& query) const { return req.path + "?" + query; }

    // The captions and chapters this process knows for the video (the page adds the
    // session to each file: the delivery host asks for it on every file of a private
    // video). A returning viewer's cookie keeps those it was given, used while this
    // process has not read both lists itself (another process gave the cookie, or a
    // restart came).
    void with_tracks(WatchView& v) const {
        const VideoFacts& facts = site->account->facts;
        const bool captions = config().captions, chapters = config().chapters;
        if (!v.tracks.empty() && !facts.knows_tracks(v.video_id, captions, chapters)) {
            v.tracks.erase(std::remove_if(v.tracks.begin(), v.tracks.end(),
                                          [&](const TextTrack& t) {
                                              return !(t.kind == TrackKind::Captions ? captions : chapters);
                                          }),
                           v.tracks.end());
            return;
        }
        v.tracks = facts.tracks(v.video_id, captions, chapters);
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

    std::vector<HttpCall> fail(Failure f, const char* step, const std::string& detail, long long retry_after = 0) {
        Response r = site->pages.error(f, json, retry_after);
        r.log = trace.line(r.status, step, detail);
        return done(std::move(r));
    }

    std::vector<HttpCall> done(Response r) {
        response = std::move(r);
        stage = Stage::Done;
        return {};
    }

    // Anything unexpected: the 500 page, and the reason in the log. e.what() comes from
    // this program or the standard library, never from a setting.
    std::vector<HttpCall> internal(const char* what) {
        try {
            Response r = site->pages.error(Failure::Internal, false);
            r.log = log_line_now(500, "internal", what);
            return done(std::move(r));
        } catch (...) {
        }
        // Even the error page failed (out of memory): the smallest response that is still true.
        Response r;
        r.status = 500;
        r.headers.emplace_back("Content-Type", "text/plain; charset=utf-8");
        r.headers.emplace_back("Cache-Control", "no-store");
        r.body = "Internal Server Error\n";
        r.log = "500 step=internal: could not render the error page";
        return done(std::move(r));
    }

    template <typename Step>
    std::vector<HttpCall> guarded(Step step) {
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
    WatchParams params;
    std::string ticket;                  // the turn this visitor came with, if any
    std::optional<TrackKind> list_read;  // the list read beside the video, if any
    long long reads_out = 0;             // reads taken whose results have not come
    bool rechecking = false;             // this page view checks a video still encoding
    std::string note;                    // trouble beside a page that went out, for the log
    bool json = false;
    Player player = Player::VideoJs;
    std::vector<WatchView> remembered;
    WatchView view;
    Response response;
};

PageView::PageView(Request request, std::shared_ptr<const Site> site)
    : flow_(std::make_unique<Flow>(std::move(request), std::move(site))) {}
PageView::~PageView() = default;

std::vector<HttpCall> PageView::start() {
    return flow_->guarded([&] { return flow_->start(); });
}

std::vector<HttpCall> PageView::resume(std::vector<HttpResult> results) {
    return flow_->guarded([&] { return flow_->resume(std::move(results)); });
}

Response PageView::take_response() {
    if (flow_->stage != Flow::Stage::Done) flow_->internal("the response was taken before the page view ended");
    return std::move(flow_->response);
}

std::string log_line_now(int status, const std::string& step, const std::string& detail) {
    Trace t;
    t.now = static_cast<long long>(std::time(nullptr));
    return t.line(status, step.c_str(), detail);
}

Response handle_watch(const Request& request, std::shared_ptr<const Site> site, HttpClient& http) {
    PageView page(request, std::move(site));
    for (std::vector<HttpCall> calls = page.start(); !calls.empty();) {
        calls = page.resume(http.get_all(calls));
    }
    return page.take_response();
}

}  // namespace watch
