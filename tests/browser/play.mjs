// Plays one watch page in Debian's headless Chromium, as a visitor would, and prints
// one JSON line: did the thumbnail decode, did a click start playback past 1 s, which
// source played, and every console error and CSP violation on the way.
//
//   node tests/browser/play.mjs URL [--timeout-ms 20000] [--screenshot FILE] [--wait-turn]
//                                   [--autoplay] [--start SECONDS] [--advance SECONDS] [--pause]
//                                   [--until-ended]
//
// --wait-turn: a page that waits for its turn of api.video's reads (or for the video, or the
// live stream, to be ready); nobody clicks, the page must start its player by itself, in the
// same document (no reload). The JSON gives what the page said while it waited (waitingText).
// --autoplay: a link with autoplay=1; nobody clicks, the player must start by itself.
// --start: a link with t=SECONDS; playback must go 1 s past it.
// --advance: playback must go SECONDS past where it was first seen, wherever that was: a
// live stream starts near its live edge, whose time depends on how long it has been on air.
// --until-ended: once it plays, the script waits for the video to end (a live stream that
// goes off air) and for the page to say so in its live state.
// --pause: once it plays, the visitor pauses it; the script then waits for the page's
// requests to settle (what a pause sends, such as an analytics ping, gets there).
// The JSON also says where playback was first seen (firstTime), whether the video was
// muted and looping, ended, what a live stream's page says of its state (liveState), whether
// video.js still shows its spinner (vjsWaiting), the page's player script (library: "videojs",
// "hlsjs" or "none"), and its text tracks with their cues (each player's own view of them:
// video.js may show captions its own way).
//
// A test that acts while the page is open (switches a stream on air, ends it) waits for the
// script's progress lines on stdout, before the JSON: "stage waiting" (--wait-turn: the
// page that waits is open) and "stage playing" (--until-ended: playback went far enough).
//
// Exit status: 0 when "ok" is true, 1 when the page did not play, 2 on a usage error.
// The test (tests/e2e/browser_tests.cpp) reads the JSON, not the status.
import { firstLine, launch, parseArgs, stripQuery } from './chromium.mjs';

const args = parseArgs(process.argv.slice(2), ['--timeout-ms', '--screenshot', '--start', '--advance'],
  ['--wait-turn', '--autoplay', '--pause', '--until-ended']);
const url = args ? args.url : '';
const timeoutMs = Number((args && args.options['--timeout-ms']) || '20000');
const screenshot = (args && args.options['--screenshot']) || '';
const waitTurn = Boolean(args && args.options['--wait-turn']);
const autoplay = Boolean(args && args.options['--autoplay']);
const startAt = Number((args && args.options['--start']) || '0');
const advance = Number((args && args.options['--advance']) || '0');
const pauseAfter = Boolean(args && args.options['--pause']);
const untilEnded = Boolean(args && args.options['--until-ended']);
if (!url || !(timeoutMs > 0)) {
  console.error('usage: play.mjs URL [--timeout-ms N] [--screenshot FILE]');
  process.exit(2);
}

const result = { ok: false, url, waitedForTurn: false, waitingText: '', sameDocument: false, naturalWidth: 0, clicked: false,
  pressedPlayInFrame: false, paused: false, frameHiddenControls: '',
  currentTime: 0, firstTime: -1, muted: false, loop: false, ended: false, liveState: '', vjsWaiting: false,
  tracks: [], frame: '', currentSrc: '', played: 'none', library: 'none',
  responses: { hlsPlaylists: 0, hlsSegments: 0, mp4: 0, failed: [] },
  consoleErrors: [], cspViolations: [], error: '' };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stage = (name) => console.log(`stage ${name}`);

// Where playback must get: past --start by 1 s, or --advance past where it was first seen.
const goal = () => (advance > 0 ? (result.firstTime >= 0 ? result.firstTime + advance : Infinity) : startAt + 1);

// Requests of the page in flight, and when that last changed: to wait for them to settle.
let inFlight = 0;
let lastRequestChange = Date.now();
const requestChanged = (d) => { inFlight += d; lastRequestChange = Date.now(); };

// Each frame reports its CSP violations here; console errors come through the page.
const INIT = `document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolation && window.__cspViolation(e.effectiveDirective + ' ' + (e.blockedURI || '') +
    ' (' + e.sourceFile + ':' + e.lineNumber + ')');
});`;

// The state of every <video> of one frame.
function videosIn(frame) {
  return frame.evaluate(() => [...document.querySelectorAll('video')].map((v) => ({
    currentTime: v.currentTime, paused: v.paused, ended: v.ended, currentSrc: v.currentSrc, muted: v.muted,
    loop: v.loop,
    // In error, or every <source> tried and failed (which sets no error on the video).
    failed: Boolean(v.error) || v.networkState === HTMLMediaElement.NETWORK_NO_SOURCE,
  }))).catch(() => []);
}

// The text tracks of the page: the <video>'s own, and video.js's (it may emulate them).
function tracksIn(frame) {
  return frame.evaluate(() => {
    const list = (tracks, by) => [...Array(tracks.length).keys()].map((i) => tracks[i]).map((t) => ({
      by, kind: t.kind, language: t.language, label: t.label, mode: t.mode, cues: t.cues ? t.cues.length : -1,
    }));
    const out = [];
    for (const v of document.querySelectorAll('video')) out.push(...list(v.textTracks, 'video'));
    if (window.videojs) {
      for (const p of Object.values(window.videojs.getPlayers())) if (p) out.push(...list(p.textTracks(), 'videojs'));
    }
    return out;
  }).catch(() => []);
}

let browser;
const deadline = Date.now() + timeoutMs;
try {
  browser = await launch(timeoutMs);
  const { context } = browser;
  await context.exposeBinding('__cspViolation', (_, text) => result.cspViolations.push(text));
  await context.addInitScript(INIT);
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(timeoutMs);
  page.on('console', (m) => {
    const where = stripQuery(m.location().url || '');
    // The browser's own favicon request is not the page's doing.
    if (m.type() === 'error' && !where.endsWith('/favicon.ico')) result.consoleErrors.push(`${m.text()} @ ${where}`);
  });
  page.on('pageerror', (e) => result.consoleErrors.push(`uncaught: ${e.message}`));
  context.on('request', () => requestChanged(1));
  context.on('requestfinished', () => requestChanged(-1));
  context.on('requestfailed', () => requestChanged(-1));
  context.on('response', (r) => {
    const path = stripQuery(r.url());
    if (!/\.(m3u8|ts|mp4)$/.test(path)) return;
    if (r.status() >= 400) result.responses.failed.push(`${r.status()} ${path.replace(/^.*\/vod\//, '/vod/')}`);
    else if (path.endsWith('.m3u8')) result.responses.hlsPlaylists++;
    else if (path.endsWith('.ts')) result.responses.hlsSegments++;
    else result.responses.mp4++;
  });

  await page.goto(url, { waitUntil: 'load' });
  if (autoplay) {
    // Nobody clicks: the page starts its player by itself.
  } else if (waitTurn) {
    // A mark a reload would lose; the countdown proves it is the waiting page.
    const waiting = await page.evaluate(() => {
      window.__sameDocument = true;
      const countdown = document.getElementById('countdown');
      return countdown ? countdown.parentNode.textContent : null;
    });
    result.waitedForTurn = waiting !== null;
    result.waitingText = waiting || '';
    if (result.waitedForTurn) stage('waiting');
  } else {
    // The thumbnail: the first image of the page, once it has a source and has loaded or
    // failed (a custom player sets it from script).
    await page.waitForFunction(() => {
      const i = document.querySelector('img');
      return i && i.getAttribute('src') && i.complete;
    });
    const img = page.locator('img').first();
    result.naturalWidth = await img.evaluate((i) => i.naturalWidth);
    await img.click();
    result.clicked = true;
  }

  // Wait for a video, in the page or in a frame, to play past 1 s. A frame's player (the
  // embed) waits for the visitor to press play, as api.video's does without #autoplay.
  const since = Date.now();
  let failingSince = 0;
  while (Date.now() < deadline) {
    let playing = null;
    let anyVideo = false;
    let allFailed = true;
    for (const frame of page.frames()) {
      for (const v of await videosIn(frame)) {
        anyVideo = true;
        if (!v.failed) allFailed = false;
        if (!playing || v.currentTime > playing.v.currentTime) playing = { v, frame };
      }
    }
    if (playing) {
      const { v, frame } = playing;
      const inFrame = frame !== page.mainFrame();
      Object.assign(result, { currentTime: v.currentTime, currentSrc: stripQuery(v.currentSrc),
        muted: v.muted, loop: v.loop, frame: inFrame ? 'iframe' : 'page' });
      if (result.firstTime < 0 && v.currentTime > 0) result.firstTime = v.currentTime;
      if (v.currentTime > goal()) break;
      if (inFrame && v.paused && !v.failed && !result.pressedPlayInFrame && Date.now() - since > 500) {
        await frame.locator('video').first().click().catch(() => {});
        result.pressedPlayInFrame = true;
      }
    }
    // Give up early when it has clearly failed: every video failed for 1 s, or none at all for 3 s.
    if ((anyVideo && allFailed) || (!anyVideo && Date.now() - since > 3000)) {
      failingSince = failingSince || Date.now();
      if (!anyVideo || Date.now() - failingSince > 1000) {
        result.error = anyVideo ? 'every video failed' : 'no video after the click';
        if (waitTurn && !anyVideo) { failingSince = 0; result.error = ''; await sleep(100); continue; }
        break;
      }
    } else {
      failingSince = 0;
    }
    await sleep(100);
  }
  const reached = result.currentTime > goal();
  if (!reached && !result.error) {
    result.error = advance > 0 ? `playback did not advance ${advance} s within ${timeoutMs} ms`
      : `no playback past ${startAt + 1} s within ${timeoutMs} ms`;
  }
  // The end: the video ended and the page said so (its words, not a spinner for ever).
  const liveStateIn = () => page.evaluate(() => {
    const s = document.getElementById('live-state');
    return s ? s.textContent : '';
  }).catch(() => '');
  if (untilEnded && reached) {
    stage('playing');
    while (Date.now() < deadline) {
      const ended = (await videosIn(page.mainFrame())).some((v) => v.ended);
      if (ended && (await liveStateIn()).startsWith('Ended')) break;
      await sleep(100);
    }
    result.ended = (await videosIn(page.mainFrame())).some((v) => v.ended);
    if (!result.ended) result.error = `the video did not end within ${timeoutMs} ms`;
  }
  result.liveState = await liveStateIn();
  result.vjsWaiting = await page.evaluate(() => Boolean(document.querySelector('.video-js.vjs-waiting')))
    .catch(() => false);
  result.library = await page.evaluate(() => (window.videojs ? 'videojs' : window.Hls ? 'hlsjs' : 'none'))
    .catch(() => 'none');
  // The showing tracks' cues load by themselves; give them a moment.
  for (let tries = 0; tries < 30; tries++) {
    result.tracks = await tracksIn(page.mainFrame());
    const showing = result.tracks.filter((t) => t.mode === 'showing');
    if (!showing.length || showing.every((t) => t.cues > 0)) break;
    await sleep(100);
  }
  if (result.currentSrc.startsWith('blob:')) result.played = 'hls-mse';
  else if (result.currentSrc.endsWith('.m3u8')) result.played = 'hls-native';
  else if (result.currentSrc.endsWith('.mp4')) result.played = 'mp4';
  if (waitTurn) result.sameDocument = await page.evaluate(() => window.__sameDocument === true).catch(() => false);
  // What an embedded player was asked to hide (the stand-in's player marks it).
  for (const frame of page.frames()) {
    if (frame === page.mainFrame()) continue;
    const hidden = await frame.evaluate(() => document.documentElement.getAttribute('data-hidden-controls'))
      .catch(() => null);
    if (hidden) result.frameHiddenControls = hidden;
  }
  if (pauseAfter && reached) {
    for (const frame of page.frames()) {
      await frame.evaluate(() => document.querySelectorAll('video').forEach((v) => v.pause())).catch(() => {});
    }
    result.paused = true;
    // Settled: nothing in flight for 500 ms since the pause (its event, and what the page
    // sends for it, come a moment later); at most 5 s.
    lastRequestChange = Date.now();
    const settleBy = Date.now() + 5000;
    while (Date.now() < settleBy && (inFlight > 0 || Date.now() - lastRequestChange < 500)) await sleep(50);
  }
  if (screenshot) await page.screenshot({ path: screenshot, type: 'png' });
} catch (e) {
  result.error = firstLine(e);
} finally {
  if (browser) await browser.close();
}

result.ok = !result.error && result.currentTime > goal() && result.consoleErrors.length === 0 &&
  result.cspViolations.length === 0 &&
  (waitTurn ? result.waitedForTurn && result.sameDocument : autoplay || result.naturalWidth > 0);
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
