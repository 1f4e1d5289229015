// What the browser scripts (play.mjs, axe.mjs) share: Debian's headless Chromium started
// the same way for each, their command lines, and how they shorten what they report.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// The flags this machine needs (docs of the cpp machine): no sandbox as root, no GPU, and
// no background connections to Google's hosts, which the closed network refuses.
export const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--mute-audio', '--autoplay-policy=no-user-gesture-required'];

// A browser with a profile of its own, which close() removes.
export async function launch(timeoutMs) {
  const profile = mkdtempSync(join(tmpdir(), 'play-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium', headless: true, args: FLAGS,
      viewport: { width: 1000, height: 720 }, timeout: timeoutMs,
    });
    const close = async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    };
    return { context, close };
  } catch (e) {
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}

// `SCRIPT URL [--name value]… [--flag]…`: the URL and the options, by name. `valued` lists the
// options that take a value, `flags` those that do not; anything else is a usage error (null).
export function parseArgs(argv, valued, flags) {
  const out = { url: '', options: {} };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (valued.includes(a) && i + 1 < argv.length) out.options[a] = argv[++i];
    else if (flags.includes(a)) out.options[a] = true;
    else if (!a.startsWith('--') && !out.url) out.url = a;
    else return null;
  }
  return out.url ? out : null;
}

export const stripQuery = (u) => u.replace(/[?#].*$/, '');

// The first line of an error: playwright's messages go on with a call log.
export const firstLine = (e) => String(e && e.message ? e.message.split('\n')[0] : e);
