// Shared set-up for the browser tests: Debian's Chromium driven by playwright-core, with every
// page watched for CSP violations, uncaught errors and requests leaving 127.0.0.1.
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const BASE_URL = (process.env.BASE_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
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

export async function screenshot(page, name) {
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
  await page.screenshot({ path: `${SCREENSHOTS}${name}.png` });
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
