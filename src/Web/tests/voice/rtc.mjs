// Browser side of the voice tests: Chromium with fake media devices, inside the test's network
// namespace (scripts/voice-e2e.sh), loading the app's own voice chunk.
import { readFileSync } from 'node:fs';
import { BASE_URL, launch } from '../e2e/browser.mjs';

export { BASE_URL };

/**
 * Chromium with fake media devices: the browser tests' launch (`../e2e/browser.mjs`) plus the media
 * switches. `extraArgs` are appended (a later switch wins, e.g. `--use-fake-device-for-media-stream=fps=10`).
 */
export async function launchMediaBrowser(extraArgs = []) {
  return launch([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    '--auto-select-desktop-capture-source=Entire screen',
    '--auto-accept-this-tab-capture',
    // Keep the fake devices from being throttled in background tabs of one browser.
    '--disable-background-timer-throttling',
    '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows',
    ...extraArgs,
  ]);
}

/** The built voice chunk's URL, read from the Vite manifest the build wrote (the Api serves that build). */
export function voiceChunkUrl() {
  const manifest = JSON.parse(readFileSync(new URL('../../../Api/wwwroot/.vite/manifest.json', import.meta.url), 'utf8'));
  const entry = manifest['src/lib/voice/index.ts'];
  if (!entry) {
    throw new Error('the voice chunk is not in the build (src/lib/voice/index.ts must be dynamically imported)');
  }
  return `/${entry.file}`;
}

export const PASSWORD = 'correct horse battery staple';

/** A JSON call to the Api; throws on an error status. */
export async function apiCall(path, { token, method = 'POST', body } = {}) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    throw new Error(`${method} ${path}: ${res.status} ${text}`);
  }
  return text ? JSON.parse(text) : null;
}

/** Registers and signs in a new user `name`; `prefix` tells in the username which test made it. */
export async function registerUser(name, prefix) {
  const username = `${prefix}_${name}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  await apiCall('/api/auth/register', { body: { username, password: PASSWORD, displayName: name } });
  const auth = await apiCall('/api/auth/login', { body: { username, password: PASSWORD } });
  return { name, auth, id: auth.user.id };
}

/** VOICE_DEBUG: the page's console and its voice hub frames, time-stamped, on stderr. */
function traceVoice(page, name) {
  const log = (what) => console.error(`[${new Date().toISOString()}] ${name} ${what}`);
  page.on('console', (m) => log(`console.${m.type()}: ${m.text()}`));
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => /voice/i.test(String(f.payload)) && log(`<= ${String(f.payload).slice(0, 200)}`));
    ws.on('framesent', (f) => /voice/i.test(String(f.payload)) && log(`=> ${String(f.payload).slice(0, 200)}`));
  });
}

/**
 * Opens the app at `path` for user `u` (from registerUser) in a new context of `browser`, signed in
 * through the stored session, and imports the voice chunk into `window.__voice`. Sets `u.context`,
 * `u.page` and `u.errors` (the page's uncaught errors) before the page loads; returns the page.
 *
 * Options:
 * - `viewport`: the window's size.
 * - `initScript`: a function run in every document before the app's code.
 * - `onPage(page)`: called with the new page before it loads anything (to attach listeners).
 * - `relay: { users, onKey }`: registers the test's media key exchange instead of the app's (only
 *   these tests have it, nothing ships it): each key the page sends goes through the test process to
 *   the pages of its recipients among `users` (their `page` set); `onKey(msg)` sees each first.
 */
export async function openAppPage(browser, u, path, { viewport = { width: 1280, height: 800 }, initScript, onPage, relay } = {}) {
  const context = await browser.newContext({ viewport });
  const now = Date.now();
  const stored = {
    accessToken: u.auth.accessToken,
    refreshToken: u.auth.refreshToken,
    accessExpiresAt: now + u.auth.expiresIn * 1000,
    accessLifetime: u.auth.expiresIn * 1000,
    refreshExpiresAt: new Date(u.auth.refreshExpiresAt).getTime(),
    sessionId: u.auth.sessionId,
    user: u.auth.user,
  };
  await context.addInitScript((s) => localStorage.setItem('lescopains.session', JSON.stringify(s)), stored);
  if (initScript) {
    await context.addInitScript(initScript);
  }
  // Test key relay, page → test process → the recipients' pages.
  if (relay) {
    await context.exposeBinding('__relayKey', (_src, msg) => {
      relay.onKey?.(msg);
      for (const other of relay.users) {
        if (msg.recipients.includes(other.id) && other.page) {
          void other.page
            .evaluate((m) => window.__deliverKey?.(m), { fromUserId: u.id, roomId: msg.roomId, kid: msg.kid, key: msg.key })
            .catch(() => {});
        }
      }
    });
  }
  const page = await context.newPage();
  onPage?.(page);
  // Generous: the whole stack and several browsers share two cores with whatever else runs.
  page.setDefaultTimeout(90_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  if (process.env.VOICE_DEBUG) {
    traceVoice(page, u.name);
  }
  Object.assign(u, { context, page, errors });
  await page.goto(`${BASE_URL}${path}`);
  if (!relay) {
    await page.evaluate(async (url) => {
      window.__voice = await import(url);
    }, voiceChunkUrl());
    return page;
  }
  await page.evaluate(async (url) => {
    const v = await import(url);
    const listeners = new Set();
    window.__deliverKey = (m) => {
      for (const fn of listeners) fn({ ...m, key: new Uint8Array(m.key) });
    };
    window.__voice = v;
    v.registerMediaKeyExchange(async () => ({
      name: 'test relay',
      async sendKey(roomId, recipients, kid, key) {
        await window.__relayKey({ roomId, recipients: recipients.map((r) => r.userId), kid, key: Array.from(key) });
      },
      onKey(fn) {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
      async verification() {
        return 'unknown';
      },
    }));
  }, voiceChunkUrl());
  return page;
}

/** A page on the app's origin with the voice chunk loaded and a FrameCrypto ready. */
export async function mediaPage(browser) {
  const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${BASE_URL}/login`);
  await page.evaluate(async (url) => {
    const v = await import(url);
    const mode = v.frameTransformSupport();
    if (!mode) throw new Error('no frame transform support');
    window.__t = { v, crypto: new v.FrameCrypto(mode), remote: [] };
  }, voiceChunkUrl());
  return { context, page, errors };
}

/**
 * Creates the publisher connection: microphone (kind 'audio') or a screen capture (kind 'screen'),
 * every sender encrypted. Returns the SDP offer.
 */
export async function publishOffer(page, kind, screen = { width: 1920, height: 1080, frameRate: 15 }) {
  return page.evaluate(
    async ({ kind, screen }) => {
      const t = window.__t;
      const pc = new RTCPeerConnection(t.crypto.peerConnectionConfig);
      t.pub = pc;
      let stream;
      if (kind === 'audio') {
        stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      } else {
        stream = await navigator.mediaDevices.getDisplayMedia({
          video: { width: { ideal: screen.width }, height: { ideal: screen.height }, frameRate: screen.frameRate },
          audio: false,
        });
        stream.getVideoTracks()[0].contentHint = 'detail';
      }
      t.stream = stream;
      for (const track of stream.getTracks()) {
        const tr = pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
        t.crypto.protectSender(tr.sender, track.kind);
        if (track.kind === 'video') {
          const vp8 = RTCRtpSender.getCapabilities('video').codecs.filter((c) => /VP8/i.test(c.mimeType));
          tr.setCodecPreferences(vp8);
          const params = tr.sender.getParameters();
          params.degradationPreference = 'maintain-resolution';
          params.encodings = [{ maxBitrate: 4_000_000, maxFramerate: screen.frameRate }];
          await tr.sender.setParameters(params).catch(() => {});
        }
      }
      await pc.setLocalDescription(await pc.createOffer());
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
        setTimeout(resolve, 3000);
      });
      return pc.localDescription.sdp;
    },
    { kind, screen },
  );
}

export async function acceptAnswer(page, sdp) {
  await page.evaluate(async (sdp) => window.__t.pub.setRemoteDescription({ type: 'answer', sdp }), sdp);
}

/** Answers an SFU subscription offer; every receiver decrypted through the worker. */
export async function subscribeAnswer(page, sdp) {
  return page.evaluate(
    async ({ sdp }) => {
      const t = window.__t;
      const pc = new RTCPeerConnection(t.crypto.peerConnectionConfig);
      t.sub = pc;
      pc.ontrack = (e) => {
        t.crypto.protectReceiver(e.receiver, e.track.kind);
        const el = document.createElement(e.track.kind === 'audio' ? 'audio' : 'video');
        el.muted = true;
        el.autoplay = true;
        el.srcObject = new MediaStream([e.track]);
        document.body.append(el);
        t.remote.push(el);
      };
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
        setTimeout(resolve, 3000);
      });
      return pc.localDescription.sdp;
    },
    { sdp },
  );
}

/** Inbound RTP (subscriber side) and transform counters. */
export async function mediaStats(page) {
  return page.evaluate(async () => {
    const t = window.__t;
    const inbound = { audio: { packets: 0, frames: 0, concealed: 0 }, video: { packets: 0, frames: 0, width: 0, height: 0 } };
    const outbound = { audio: 0, video: 0 };
    const pairs = [];
    for (const pc of [t.sub, t.pub].filter(Boolean)) {
      const report = await pc.getStats();
      const byId = new Map([...report.values()].map((s) => [s.id, s]));
      for (const s of report.values()) {
        if (s.type === 'inbound-rtp' && s.kind === 'audio') {
          inbound.audio.packets += s.packetsReceived ?? 0;
          inbound.audio.concealed += s.concealedSamples ?? 0;
        }
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
          inbound.video.packets += s.packetsReceived ?? 0;
          inbound.video.frames += s.framesDecoded ?? 0;
          inbound.video.width = Math.max(inbound.video.width, s.frameWidth ?? 0);
          inbound.video.height = Math.max(inbound.video.height, s.frameHeight ?? 0);
        }
        if (s.type === 'outbound-rtp') {
          outbound[s.kind] += s.packetsSent ?? 0;
        }
        if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
          const l = byId.get(s.localCandidateId);
          const r = byId.get(s.remoteCandidateId);
          pairs.push(`${l?.address}:${l?.port} -> ${r?.address}:${r?.port}`);
        }
      }
    }
    return { inbound, outbound, pairs, crypto: await t.crypto.stats() };
  });
}

/**
 * Polls `fn` until it returns a truthy value or `timeout` ms pass. `describe` (optional) says what
 * was seen instead; its answer goes into the timeout's message.
 */
export async function until(fn, message, timeout = 30_000, describe = null) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) {
      return last;
    }
    if (Date.now() > deadline) {
      const seen = describe ? ` (seen: ${await describe().catch((e) => `not described: ${e.message}`)})` : '';
      throw new Error(`Timed out after ${timeout} ms: ${message}${seen}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const randomKey = () => Array.from(crypto.getRandomValues(new Uint8Array(32)));
