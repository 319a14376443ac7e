// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core, with every
// page watched for CSP violations, uncaught errors and requests leaving 127.0.0.1.
import { mkdirSync } from 'node:fs';
import { crc32, deflateSync } from 'node:zlib';
import signalR from '@microsoft/signalr';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');

/** `skip` for tests that need the real stack (its database), not the mock: false when they can run. */
export const needsRealStack = process.env.E2E_DATABASE_URL ? false : 'needs the real stack (E2E_DATABASE_URL)';

/** `skip` for tests of a feature the dev mock (tests/mock) does not implement: false on the real stack. */
export const mockLacks = (feature) => process.env.E2E_MOCK === '1' && `needs the real stack (the mock has no ${feature})`;
const SCREENSHOTS = process.env.SAVE_SCREENSHOTS === '1' ? new URL('../../../../docs/screenshots/', import.meta.url).pathname : null;
const allowedHost = new URL(BASE_URL).host;

/** Starts Chromium; `extraArgs` for example the fake camera of qr-video.mjs. */
export async function launch(extraArgs = []) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * A browser context (one "device") whose pages record every problem in `problems`;
 * call `assertClean()` at the end of a test.
 */
export async function newDevice(browser, options = {}) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: 'dark',
    ...options,
  });
  const problems = [];
  await context.exposeBinding('__lcCspViolation', (_source, v) => {
    problems.push(`CSP violation: ${v.directive} blocked ${v.blocked} (${v.source})`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      // @ts-ignore — exposed by the test through exposeBinding.
      window.__lcCspViolation({ directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}` });
    });
  });
  context.on('page', (page) => watch(page, problems));
  const page = await context.newPage();
  return {
    context,
    page,
    problems,
    assertClean() {
      if (problems.length > 0) {
        throw new Error(`Problems in the page:\n  ${problems.join('\n  ')}`);
      }
    },
  };
}

function watch(page, problems) {
  page.on('pageerror', (err) => problems.push(`Uncaught error: ${err.message}`));
  page.on('console', (msg) => {
    if (/Content[- ]Security[- ]Policy/i.test(msg.text())) {
      problems.push(`CSP console report: ${msg.text()}`);
    }
  });
  page.on('request', (req) => {
    const url = new URL(req.url());
    if ((url.protocol === 'http:' || url.protocol === 'https:' || url.protocol.startsWith('ws')) && url.host !== allowedHost) {
      problems.push(`Request outside the app's origin: ${req.url()}`);
    }
  });
}

/** Saves `docs/screenshots/<name>.png` of the page, or of one element of it (`target`). */
export async function screenshot(page, name, target = page) {
  if (!SCREENSHOTS) {
    return;
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  // Let fonts and the entrance animation settle so the picture is what a person sees.
  await page.evaluate(() => document.fonts.ready);
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => {})),
    ),
  );
  await target.screenshot({ path: `${SCREENSHOTS}${name}.png` });
}

/** Polls `fn` until it returns a truthy value or `timeout` ms pass. */
export async function until(fn, message, timeout = 5000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await fn();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeout} ms: ${message}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function randomUsername() {
  return `e2e_${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** The password every person of a test run signs up with. */
export const password = `Correct-Horse-${Math.random().toString(36).slice(2, 8)}`;

/**
 * Signs a new person up through the form and returns their username. `open: false` when the page
 * already shows the form (reached from an invite link); `connected: false` when the next screen is
 * not the home screen (an invite), so there is no connection indicator to wait for.
 */
export async function register(page, displayName, { username = randomUsername(), open = true, connected = true } = {}) {
  if (open) {
    await page.goto(BASE_URL + '/register');
  }
  await page.getByRole('heading', { name: 'Create an account' }).waitFor();
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Continue' }).click();
  if (connected) {
    await page.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  }
  return username;
}

/**
 * Creates a guild through the "Create a guild" dialog (its button must be on screen) and waits for
 * its #general; returns the ids in the URL.
 */
export async function createGuild(page, name = `Guild ${Math.random().toString(36).slice(2, 6)}`) {
  // From a guild already open, its #general heading is on screen before the new one's: wait for the URL.
  const before = new URL(page.url()).pathname.split('/')[2] ?? null;
  await page.getByRole('button', { name: 'Create a guild' }).click();
  await page.getByLabel('Guild name').fill(name);
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.waitForURL((url) => {
    const [, top, guild, channel] = url.pathname.split('/');
    return top === 'channels' && !!guild && guild !== before && !!channel;
  });
  await page.getByRole('heading', { name: 'general', level: 1 }).waitFor();
  const [, , guildId, generalId] = new URL(page.url()).pathname.split('/');
  if (!guildId || !generalId) {
    throw new Error(`no guild in the URL after creating one: ${page.url()}`);
  }
  return { guildId, generalId };
}

/**
 * A hub connection from the test process itself (not a browser) with `accessToken`: WebSockets,
 * without negotiation, silent. Not started.
 */
export function nodeHub(accessToken) {
  return new signalR.HubConnectionBuilder()
    .withUrl(`${BASE_URL}/hubs/gateway`, { accessTokenFactory: () => accessToken, transport: signalR.HttpTransportType.WebSockets, skipNegotiation: true })
    .configureLogging(signalR.LogLevel.None)
    .build();
}

/** Opens an invite link, accepts it, and waits for the guild's #general with a live connection. */
export async function acceptInvite(page, code) {
  await page.goto(`${BASE_URL}/invite/${code}`);
  await page.getByRole('button', { name: 'Accept Invite' }).click();
  await page.getByRole('heading', { name: 'general', level: 1 }).waitFor();
  await page.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
}

/**
 * A REST call with the page's own session (the tokens the app keeps in localStorage). `body` is the
 * parsed JSON answer, or null when there is none (204, or a non-JSON answer).
 */
export function apiCall(page, method, path, body) {
  return page.evaluate(
    async ([method, path, body]) => {
      const { accessToken } = JSON.parse(localStorage.getItem('lescopains.session'));
      const res = await fetch(path, {
        method,
        headers: { Authorization: `Bearer ${accessToken}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : null,
      });
      const json = (res.headers.get('content-type') ?? '').includes('json');
      return { status: res.status, body: res.status !== 204 && json ? await res.json() : null };
    },
    [method, path, body],
  );
}

/** A real PNG that a browser decodes: RGB, red grows across, green down, `blue` everywhere. */
export function png(width, height, blue) {
  const chunk = (type, data) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'ascii');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])), 0);
    return Buffer.concat([head, data, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      row[1 + x * 3] = (x * 255) / width;
      row[2 + x * 3] = (y * 255) / height;
      row[3 + x * 3] = blue;
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// --- direct messages (real stack only) ----------------------------------------------------------

/** The DM engine registered (or loaded) this browser's device and listens for envelopes. */
export async function dmReady(page, timeout) {
  await page.locator('[data-connection="connected"]').waitFor({ state: 'attached', timeout });
  await page.getByTestId('dm-list').waitFor({ state: 'attached', timeout });
  await until(async () => (await page.getByText('Setting up encryption for this device…').count()) === 0, 'device set up', timeout);
}

/**
 * Starts a conversation from the DM home with `usernames` (more than one: a group, named
 * `groupName` when given) and returns its id once the page shows it.
 */
export async function startConversation(page, usernames, { groupName, timeout } = {}) {
  const from = new URL(page.url()).pathname;
  await page.getByTestId('dm-target').fill(usernames.join(' '));
  if (groupName) {
    await page.getByTestId('dm-group-name').fill(groupName);
  }
  await page.getByTestId('dm-start').click();
  await until(() => {
    const path = new URL(page.url()).pathname;
    return path !== from && /\/channels\/@me\/[0-9a-f-]{36}$/.test(path);
  }, 'conversation opened', timeout);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
}

/** Opens a conversation from the DM list. */
export async function openConversation(page, id, timeout) {
  await page.locator(`[data-conversation-id="${id}"]`).click({ timeout });
  await until(() => new URL(page.url()).pathname.endsWith(id), 'conversation selected', timeout);
}

/**
 * Lets the test hide and show the pages of `context` as a browser does for a background tab or a
 * minimised window (headless Chromium always reports "visible"). Call it before the page loads,
 * then `setHidden(page, true)`.
 */
export async function controllableVisibility(context) {
  await context.addInitScript(() => {
    let hidden = false;
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
    // @ts-ignore — a test hook.
    window.__setHidden = (h) => {
      hidden = h;
      document.dispatchEvent(new Event('visibilitychange'));
    };
  });
}
export const setHidden = (page, hidden) => page.evaluate((h) => window.__setHidden(h), hidden);

/**
 * Stands in for the browser's Notification (headless Chromium shows none a test could read): the
 * permission prompt says yes, and every notification raised is kept in `window.__notes`.
 */
export async function recordedNotifications(context) {
  await context.addInitScript(() => {
    // @ts-ignore — a test hook.
    window.__notes = [];
    // Kept across page loads of the tab, as the browser keeps a site's permission (a document
    // without storage, such as a new tab's blank page, starts at 'default').
    const stored = () => {
      try {
        return sessionStorage.getItem('test-notification-permission');
      } catch {
        return null;
      }
    };
    class RecordedNotification {
      static permission = stored() ?? 'default';
      static async requestPermission() {
        RecordedNotification.permission = 'granted';
        sessionStorage.setItem('test-notification-permission', 'granted');
        return 'granted';
      }
      constructor(title, options = {}) {
        this.title = title;
        this.body = options.body;
        this.tag = options.tag;
        this.onclick = null;
        // @ts-ignore
        window.__notes.push(this);
      }
      close() {}
    }
    // @ts-ignore
    window.Notification = RecordedNotification;
  });
}
export const notes = (page) => page.evaluate(() => window.__notes.map(({ title, body, tag }) => ({ title, body, tag })));
