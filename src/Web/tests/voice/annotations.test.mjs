// Screen-share annotations end to end: the real app (silo, Api, SFU worker, Janus) in the test's
// namespace, two members with the app's own Signal key exchange. A viewer draws on the owner's
// shared screen with the mouse; the stroke appears on the sharer's overlay (stroke model and canvas
// pixels) at the same place of the frame although the two windows differ in size, and every
// annotation the hub carried was ciphertext.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, launchMediaBrowser, until, voiceChunkUrl } from './rtc.mjs';

const password = 'correct horse battery staple';
let browser;
let guildId;
let channelId;
let sharer;
let viewer;

async function apiCall(path, { token, method = 'POST', body } = {}) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function newUser(name) {
  const username = `a_${name}_${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  await apiCall('/api/auth/register', { body: { username, password, displayName: name } });
  const auth = await apiCall('/api/auth/login', { body: { username, password } });
  return { name, auth, id: auth.user.id };
}

/** SignalR JSON frames (record separator 0x1e) seen on the page's WebSocket, both ways. */
function recordHub(page, u) {
  u.sent = [];
  u.received = [];
  let n = 0;
  page.on('websocket', (ws) => {
    const split = (payload, into) => {
      for (const part of String(payload).split('\x1e')) {
        if (!part) continue;
        try {
          // `n` orders frames across both directions.
          into.push({ ...JSON.parse(part), n: ++n });
        } catch {
          // Not a JSON hub frame.
        }
      }
    };
    ws.on('framesent', (f) => split(f.payload, u.sent));
    ws.on('framereceived', (f) => split(f.payload, u.received));
  });
}

async function openPage(u, viewport) {
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
  const page = await context.newPage();
  page.setDefaultTimeout(90_000);
  u.errors = [];
  page.on('pageerror', (e) => u.errors.push(e.message));
  recordHub(page, u);
  u.context = context;
  u.page = page;
  await page.goto(`${BASE_URL}/channels/${guildId}/${channelId}`);
  await page.evaluate(async (url) => {
    window.__voice = await import(url);
  }, voiceChunkUrl());
}

/** Runs `fn(session, arg)` in the page against its current voice session. */
function inSession(page, fn, arg) {
  return page.evaluate(
    ([src, a]) => {
      let s = null;
      window.__voice.currentSession.subscribe((x) => (s = x))();
      return new Function('s', 'a', `return (${src})(s, a);`)(s, a);
    },
    [fn.toString(), arg],
  );
}

const strokesOn = (page, screenUserId) =>
  inSession(page, (s, id) => s.board(id).list().map((x) => ({ userId: x.userId, tool: x.tool, color: x.color, points: x.points, done: x.done })), screenUserId);

/** The on-page rectangle of the shared frame inside a letterboxed video, and its intrinsic size. */
const frameRect = (figure) =>
  figure.locator('video').evaluate((v) => {
    const r = v.getBoundingClientRect();
    const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
    const w = v.videoWidth * scale;
    const h = v.videoHeight * scale;
    return { x: r.left + (r.width - w) / 2, y: r.top + (r.height - h) / 2, width: w, height: h, left: r.left, top: r.top, vw: v.videoWidth, vh: v.videoHeight };
  });

before(async () => {
  browser = await launchMediaBrowser();
  sharer = await newUser('Sharer');
  viewer = await newUser('Viewer');
  const guild = await apiCall('/api/guilds', { token: sharer.auth.accessToken, body: { name: 'Annotations' } });
  guildId = guild.id;
  const channel = await apiCall(`/api/guilds/${guildId}/channels`, { token: sharer.auth.accessToken, body: { name: 'Review', type: 'voice' } });
  channelId = channel.id;
  const invite = await apiCall(`/api/guilds/${guildId}/invites`, { token: sharer.auth.accessToken, body: { channelId } });
  await apiCall(`/api/invites/${invite.code}`, { token: viewer.auth.accessToken });
  // Different window sizes: the same frame point is at different page pixels on each side.
  await openPage(sharer, { width: 1100, height: 1000 });
  await openPage(viewer, { width: 1400, height: 760 });
});

after(async () => {
  for (const u of [sharer, viewer]) await u?.context?.close().catch(() => {});
  await browser?.close();
});

test('a viewer’s stroke appears on the sharer’s overlay at the same frame position, and the hub only relayed ciphertext', async () => {
  for (const u of [sharer, viewer]) {
    await u.page.getByRole('button', { name: 'Join Voice' }).click();
    await u.page.locator('#voice-e2ee-badge').waitFor();
  }
  await sharer.page.getByRole('combobox', { name: 'Screen share resolution' }).selectOption('720');
  await sharer.page.getByRole('button', { name: 'Share screen' }).click();
  await sharer.page.getByRole('button', { name: 'Stop sharing' }).waitFor();

  const own = sharer.page.locator(`figure.screen[data-user-id="${sharer.id}"]`);
  const shared = viewer.page.locator(`figure.screen[data-user-id="${sharer.id}"]`);
  await until(async () => (await shared.count()) === 1 && (await frameRect(shared)).vw > 0, 'the viewer shows the shared screen', 60_000);
  await until(async () => (await frameRect(own)).vw > 0, 'the sharer shows their own screen');

  // The viewer draws a freehand stroke with the mouse (STREAM is not needed to draw).
  await shared.getByRole('button', { name: 'Draw' }).click();
  const r = await frameRect(shared);
  const path = Array.from({ length: 25 }, (_, i) => [0.2 + (0.5 * i) / 24, 0.3 + 0.3 * Math.sin((Math.PI * i) / 24)]);
  const at = ([fx, fy]) => [r.x + fx * r.width, r.y + fy * r.height];
  await viewer.page.mouse.move(...at(path[0]));
  await viewer.page.mouse.down();
  for (const p of path.slice(1)) {
    await viewer.page.mouse.move(...at(p));
    await new Promise((res) => setTimeout(res, 15));
  }
  await viewer.page.mouse.up();

  const mine = await strokesOn(viewer.page, sharer.id);
  assert.equal(mine.length, 1);
  assert.equal(mine[0].points.length, path.length);
  // The viewer's model is in frame fractions: where the mouse was on the frame, whatever the window.
  for (const [i, [x, y]] of mine[0].points.entries()) {
    assert.ok(Math.abs(x - path[i][0]) < 0.005 && Math.abs(y - path[i][1]) < 0.005, `point ${i}`);
  }

  // The sharer's overlay model gets the same stroke, finished, from the viewer.
  await until(async () => (await strokesOn(sharer.page, sharer.id)).some((s) => s.userId === viewer.id && s.done), 'the stroke reaches the sharer', 30_000);
  const theirs = (await strokesOn(sharer.page, sharer.id)).filter((s) => s.userId === viewer.id);
  assert.equal(theirs.length, 1);
  assert.equal(theirs[0].color, mine[0].color);
  assert.deepEqual(
    theirs[0].points.map(([x, y]) => [Math.round(x * 10000), Math.round(y * 10000)]),
    mine[0].points.map(([x, y]) => [Math.round(x * 10000), Math.round(y * 10000)]),
  );

  // The sharer's canvas has the stroke's colour where the frame point lies in *its* window, and
  // nothing away from it.
  const pixel = (fx, fy) =>
    own.locator('canvas').evaluate(
      (c, [fx, fy]) => {
        const v = c.parentElement.querySelector('video');
        const r = v.getBoundingClientRect();
        const scale = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
        const w = v.videoWidth * scale;
        const h = v.videoHeight * scale;
        const x = (r.width - w) / 2 + fx * w;
        const y = (r.height - h) / 2 + fy * h;
        const k = c.width / r.width;
        const d = c.getContext('2d').getImageData(Math.round(x * k), Math.round(y * k), 1, 1).data;
        return Array.from(d);
      },
      [fx, fy],
    );
  const mid = path[12];
  await until(async () => {
    const [red, green, blue, alpha] = await pixel(...mid);
    return alpha > 200 && red > 200 && green < 100 && blue < 100;
  }, 'the sharer’s canvas shows the red stroke at the frame point');
  assert.equal((await pixel(0.9, 0.9))[3], 0, 'nothing drawn elsewhere');

  const shot = process.env.ANNOTATION_SCREENSHOT;
  if (shot) {
    await sharer.page.screenshot({ path: shot.replace(/\.png$/, '-sharer.png') });
    await viewer.page.screenshot({ path: shot.replace(/\.png$/, '-viewer.png') });
  }

  // What the hub carried: VoiceAnnotate calls from the viewer, voice:annotation events to the
  // sharer, with the same opaque bytes and no coordinate, tool or colour in the clear.
  const calls = viewer.sent.filter((m) => m.type === 1 && m.target === 'VoiceAnnotate').map((m) => m.arguments[0]);
  const events = sharer.received.filter((m) => m.type === 1 && m.target === 'voice:annotation').map((m) => m.arguments[0]);
  assert.ok(calls.length >= 3, `the stroke went out in batches (${calls.length} messages)`);
  assert.ok(calls.length < path.length, 'points are batched, not one message each');
  assert.deepEqual(events.map((e) => e.data), calls.map((c) => c.data), 'the sharer received exactly what the viewer sent');
  const coords = new Set(mine[0].points.flatMap(([x, y]) => [String(Math.round(x * 10000)), String(Math.round(y * 10000))]));
  for (const [c, e] of calls.map((c, i) => [c, events[i]])) {
    assert.deepEqual(Object.keys(c).sort(), ['channelId', 'data', 'screenUserId']);
    assert.deepEqual(Object.keys(e).sort(), ['channelId', 'data', 'fromUserId', 'screenUserId']);
    assert.equal(e.fromUserId, viewer.id);
    assert.equal(e.screenUserId, sharer.id);
    const bytes = Buffer.from(c.data, 'base64');
    assert.equal(bytes.toString('base64'), c.data);
    const clear = bytes.toString('latin1');
    for (const word of ['stroke', 'pts', 'pen', '#ff3b30', 'seq', ...coords]) {
      assert.ok(!clear.includes(word), `the relayed payload does not contain ${word}`);
    }
    assert.throws(() => JSON.parse(bytes.toString('utf8')));
  }

  // A viewer's clear removes their own strokes; the sharer's clear removes everyone's.
  await own.getByRole('button', { name: 'Draw' }).click();
  const o = await frameRect(own);
  await sharer.page.mouse.move(o.x + 0.7 * o.width, o.y + 0.7 * o.height);
  await sharer.page.mouse.down();
  await sharer.page.mouse.move(o.x + 0.8 * o.width, o.y + 0.8 * o.height, { steps: 5 });
  await sharer.page.mouse.up();
  await until(async () => (await strokesOn(viewer.page, sharer.id)).some((s) => s.userId === sharer.id && s.done), 'the sharer’s stroke reaches the viewer');
  await shared.getByRole('button', { name: 'Clear mine' }).click();
  await until(async () => {
    const list = await strokesOn(sharer.page, sharer.id);
    return list.length === 1 && list[0].userId === sharer.id;
  }, 'the viewer’s clear removed only the viewer’s stroke on the sharer’s side');
  await own.getByRole('button', { name: 'Clear all' }).click();
  await until(async () => (await strokesOn(viewer.page, sharer.id)).length === 0, 'the sharer’s clear removed everything on the viewer’s side');

  const stats = await inSession(viewer.page, (s) => ({ ...s.annotationStats }));
  assert.equal(stats.refused, 0);
  for (const u of [sharer, viewer]) assert.deepEqual(u.errors, []);
});

test('the web client answers the SFU’s own renegotiation offers (voice:offer) for its subscriber connection', async () => {
  // The sharer stops sharing and leaves: Janus renegotiates the viewer's subscription by itself.
  await sharer.page.getByRole('button', { name: 'Stop sharing' }).click();
  await viewer.page.locator(`figure.screen[data-user-id="${sharer.id}"]`).waitFor({ state: 'detached', timeout: 30_000 });
  await sharer.page.getByRole('button', { name: 'Leave' }).click();
  await until(() => viewer.received.some((m) => m.type === 1 && m.target === 'voice:offer'), 'Janus renegotiates the viewer’s subscription', 30_000);
  const offer = viewer.received.find((m) => m.type === 1 && m.target === 'voice:offer');
  assert.equal(offer.arguments[0].type, 'offer');
  await until(
    () => viewer.sent.some((m) => m.type === 1 && m.target === 'VoiceSubscribeAnswer' && m.n > offer.n),
    'the viewer answers the offer through the hub',
  );
  await until(
    async () => (await inSession(viewer.page, (s) => s.sub?.signalingState ?? 'none')) === 'stable',
    'the subscriber connection is stable again',
  );
  for (const u of [sharer, viewer]) assert.deepEqual(u.errors, []);
});
