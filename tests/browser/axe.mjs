// Checks one page against the WCAG 2.1 A and AA rules of axe-core, in Debian's headless
// Chromium, and prints one JSON line: the page's status, title and status line (its
// role="status" element's text as laid out, what a visitor reads), and every violation with
// its rule, impact, help text, the selectors of the elements at fault and what axe found
// at the first of them.
//
//   node tests/browser/axe.mjs URL [--method POST] [--after-click] [--timeout-ms 20000]
//
// --method      asks for the page with another method (the 405 page is the response to a POST)
// --after-click checks a second time once the thumbnail is clicked and the player is shown
//
// axe-core is the copy package-lock.json pins, read from node_modules: no network. The
// player of an iframe (api.video's, or the stand-in's in the tests) is another site's page:
// only the page itself is checked. Exit status: 0 when there is no violation, 1 when there
// is or the check failed, 2 on a usage error. The test reads the JSON, not the status.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { firstLine, launch, parseArgs } from './chromium.mjs';

const args = parseArgs(process.argv.slice(2), ['--timeout-ms', '--method'], ['--after-click']);
const url = args ? args.url : '';
const timeoutMs = Number((args && args.options['--timeout-ms']) || '20000');
const method = ((args && args.options['--method']) || 'GET').toUpperCase();
const afterClick = Boolean(args && args.options['--after-click']);
if (!url || !(timeoutMs > 0)) {
  console.error('usage: axe.mjs URL [--method METHOD] [--after-click] [--timeout-ms N]');
  process.exit(2);
}

const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const OPTIONS = {
  runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  resultTypes: ['violations'],
  iframes: false,
};

const result = { ok: false, url, method, status: 0, title: '', statusText: '', axeVersion: '', checked: [],
  violations: [], error: '' };

// One run of axe on the page as it is now; `state` says when ("loaded", "player").
async function check(page, state) {
  // Evaluated by the DevTools protocol, not as a <script>: the page's CSP does not apply.
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.evaluate(AXE);
  const found = await page.evaluate(async (options) => {
    const r = await window.axe.run(document, options);
    return { version: r.testEngine.version, violations: r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => n.target.map(String).join(' ')),
      // What axe measured at the first element ("contrast of 4.47 (foreground color: …").
      detail: ((v.nodes[0] && v.nodes[0].failureSummary) || '').split('\n').slice(1).map((l) => l.trim())
        .filter(Boolean).join('; '),
    })) };
  }, OPTIONS);
  result.axeVersion = found.version;
  result.checked.push(state);
  for (const v of found.violations) result.violations.push({ state, ...v });
}

// The thumbnail clicked, then the player shown with something to show: a <video> with its
// first frame, or an iframe loaded.
async function showPlayer(page) {
  await page.waitForFunction(() => {
    const i = document.querySelector('img');
    return i && i.getAttribute('src') && i.complete;
  });
  await page.locator('img').first().click();
  await page.waitForFunction(() => [...document.querySelectorAll('video, iframe')].some((e) =>
    e.checkVisibility() && (e.tagName === 'IFRAME' || e.readyState >= 2)));
  for (const frame of page.frames()) if (frame !== page.mainFrame()) await frame.waitForLoadState('load');
  // Controls appear on the player's own events; let them settle.
  await page.waitForTimeout(500);
}

let browser;
try {
  browser = await launch(timeoutMs);
  const page = browser.context.pages()[0] || (await browser.context.newPage());
  page.setDefaultTimeout(timeoutMs);
  if (method !== 'GET') {
    await page.route(() => true, (route) => route.continue({ method }), { times: 1 });
  }
  const response = await page.goto(url, { waitUntil: 'load' });
  result.status = response ? response.status() : 0;
  result.title = await page.title();
  result.statusText = await page.evaluate(() => {
    const line = document.querySelector('[role="status"]');
    return line ? line.innerText : '';
  });
  await check(page, 'loaded');
  if (afterClick) {
    await showPlayer(page);
    await check(page, 'player');
  }
} catch (e) {
  result.error = firstLine(e);
} finally {
  if (browser) await browser.close();
}

result.ok = !result.error && result.violations.length === 0;
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
