// Screen-share annotations end to end: the real app (silo, Api, SFU worker, Janus) in the test's
// namespace, two members with the app's own Signal key exchange. A viewer draws on the owner's
// shared screen through the overlay's pointer handlers; the stroke appears on the sharer's overlay (stroke model and canvas
// pixels) at the same place of the frame although the two windows differ in size, and every
// annotation the hub carried was ciphertext.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiCall, launchMediaBrowser, openAppPage, registerUser, until } from './rtc.mjs';

let browser;
let guildId;
let channelId;
let sharer;
let viewer;

/**
 * Records the SignalR JSON frames (record separator 0x1e) of the page's WebSockets, both ways, as
 * the browser sent and received them (Playwright's WebSocket events, outside the page).
 */
function recordHub(page) {
  const log = { sent: [], received: [] };
  const split = (payload, into) => {
    const text = typeof payload === 'string' ? payload : payload.toString('utf8');
    for (const part of text.split('\x1e')) {
      if (!part) continue;
      try {
        into.push(JSON.parse(part));
      } catch {
        // Not a JSON hub frame.
      }
    }
  };
  log.requests = [];
  page.on('request', (r) => { if (r.url().includes('/hubs/')) log.requests.push(`${r.method()} ${r.url()}`); });
  page.on('websocket', (ws) => {
    log.requests.push(`WS ${ws.url()}`);
    ws.on('framesent', (f) => split(f.payload, log.sent));
    ws.on('framereceived', (f) => split(f.payload, log.received));
  });
  return log;
}

const hubLog = (u) => u.hub;

async function openPage(u, viewport) {
  await openAppPage(browser, u, `/channels/${guildId}/${channelId}`, { viewport, onPage: (page) => (u.hub = recordHub(page)) });
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

/** The viewer's stroke, in fractions of the shared frame: an arc across its middle. */
const path = Array.from({ length: 20 }, (_, i) => {
  const t = i / 19;
  return [0.2 + 0.4 * t, 0.3 + 0.2 * Math.sin(t * Math.PI)];
});

/**
 * Where the frame lies on the page, to a tenth of a pixel. Not the video's intrinsic size: under
 * load the encoder scales the share down and up, which keeps the aspect ratio and so the page
 * rectangle (and the frame fractions) unchanged.
 */
const placeOf = (r) => [r.x, r.y, r.width, r.height].map((v) => Math.round(v * 10)).join(',');

/** The frame's rectangle once two measurements 200 ms apart agree (the layout has settled). */
async function stableFrameRect(figure) {
  let prev = '';
  return until(async () => {
    const x = await frameRect(figure);
    const key = placeOf(x);
    const settled = x.vw > 0 && x.width > 0 && key === prev;
    prev = key;
    return settled ? x : null;
  }, 'the shared frame has a settled place on the page');
}

/**
 * Draws with the mouse along `path` (frame fractions) on the figure's overlay. Returns false when
 * the frame moved on the page during the gesture (a new video size, a tile re-laid out): the
 * recorded points then do not match the path and the caller draws again.
 */
/** The index of the first point not where the path put it (in frame fractions), -1 if none; a missing or extra point counts. */
function offPath(points) {
  if (points.length !== path.length) {
    return Math.min(points.length, path.length);
  }
  return points.findIndex(([x, y], i) => Math.abs(x - path[i][0]) >= 0.005 || Math.abs(y - path[i][1]) >= 0.005);
}

async function drawOn(page, figure, path) {
  await figure.locator('canvas').scrollIntoViewIfNeeded({ timeout: 5_000 });
  const r = await stableFrameRect(figure);
  const at = ([fx, fy]) => [r.x + fx * r.width, r.y + fy * r.height];
  await page.mouse.move(...at(path[0]));
  await page.mouse.down();
  for (const p of path.slice(1)) {
    await page.mouse.move(...at(p));
    await new Promise((res) => setTimeout(res, 15));
  }
  await page.mouse.up();
  return placeOf(await frameRect(figure)) === placeOf(r);
}

before(async () => {
  browser = await launchMediaBrowser();
  sharer = await registerUser('Sharer', 'a');
  viewer = await registerUser('Viewer', 'a');
  const guild = await apiCall('/api/guilds', { token: sharer.auth.accessToken, body: { name: 'Annotations' } });
  guildId = guild.id;
  const channel = await apiCall(`/api/guilds/${guildId}/channels`, { token: sharer.auth.accessToken, body: { name: 'Review', type: 'voice' } });
  channelId = channel.id;
  const invite = await apiCall(`/api/guilds/${guildId}/invites`, { token: sharer.auth.accessToken, body: { channelId } });
  await apiCall(`/api/invites/${invite.code}`, { token: viewer.auth.accessToken });
  // Different window sizes: the same frame point is at different page pixels on each side.
  await openPage(sharer, { width: 1100, height: 1000 });
  await openPage(viewer, { width: 1400, height: 900 });
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
  await until(
    async () => (await sharer.page.getByRole('button', { name: 'Stop sharing' }).count()) === 1 || (await sharer.page.locator('.callout-danger').count()) > 0,
    'the share starts',
    90_000,
  );
  const failure = await sharer.page.locator('.callout-danger').allInnerTexts();
  assert.deepEqual(failure, [], `no error shown while starting the share (page errors: ${sharer.errors.join(' | ')})`);

  const own = sharer.page.locator(`figure.screen[data-user-id="${sharer.id}"]`);
  const shared = viewer.page.locator(`figure.screen[data-user-id="${sharer.id}"]`);
  await until(async () => (await shared.count()) === 1 && (await frameRect(shared)).vw > 0, 'the viewer shows the shared screen', 60_000);
  await until(async () => (await frameRect(own)).vw > 0, 'the sharer shows their own screen');

  // The viewer draws a freehand stroke (STREAM is not needed to draw).
  // The figure can be re-created while the session settles (a stream re-attached): retry the
  // gesture on the current element until one stroke is in the viewer's model.
  let attempts = 0;
  let lastError = '';
  await until(async () => {
    attempts++;
    try {
      if ((await shared.getByRole('button', { name: 'Stop drawing' }).count()) === 0) {
        await shared.getByRole('button', { name: 'Draw' }).click({ timeout: 5_000 });
      }
      await shared.locator('canvas').scrollIntoViewIfNeeded({ timeout: 5_000 });
      if (!(await drawOn(viewer.page, shared, path))) {
        lastError = 'the frame moved during the gesture';
        await inSession(viewer.page, (s, id) => s.clearAnnotations(id), sharer.id);
        return false;
      }
    } catch (e) {
      // Detached mid-gesture: try again.
      lastError = e.message;
    }
    const list = await strokesOn(viewer.page, sharer.id);
    // A stroke whose points are off the path was drawn while the frame moved under the mouse in a
    // way the before/after check cannot see (it moved and came back): draw again. A mapping that
    // is wrong every time never gets here and the wait fails.
    const off = list.length === 1 ? offPath(list[0].points) : -1;
    if (list.length > 1 || (list.length === 1 && off >= 0)) {
      if (off >= 0) {
        lastError = `point ${off} of the stroke was off the path: ${JSON.stringify(list[0].points[off])} for ${JSON.stringify(path[off])}`;
      }
      await inSession(viewer.page, (s, id) => s.clearAnnotations(id), sharer.id);
      return false;
    }
    return list.length === 1;
  }, 'the viewer draws one stroke', 60_000).catch(async (e) => {
    throw new Error(`${e.message} (${attempts} attempts; last error: ${lastError || 'none'}; strokes: ${JSON.stringify(await strokesOn(viewer.page, sharer.id))}; page errors: ${viewer.errors.join(' | ')})`);
  });
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
        if (!(k > 0) || !(w > 0)) return { rgba: [0, 0, 0, 0], debug: { rw: r.width, rh: r.height, cw: c.width, vw: v.videoWidth, vh: v.videoHeight } };
        // The most opaque pixel within 3 px of the point (lines are anti-aliased).
        const d = c.getContext('2d').getImageData(Math.round(x * k) - 3, Math.round(y * k) - 3, 7, 7).data;
        let best = [0, 0, 0, 0];
        for (let i = 0; i < d.length; i += 4) {
          if (d[i + 3] > best[3]) best = Array.from(d.subarray(i, i + 4));
        }
        return { rgba: best };
      },
      [fx, fy],
    );
  const shot = process.env.ANNOTATION_SCREENSHOT;
  if (shot) {
    await own.scrollIntoViewIfNeeded();
    await sharer.page.screenshot({ path: shot.replace(/\.png$/, '-sharer.png') });
    await viewer.page.screenshot({ path: shot.replace(/\.png$/, '-viewer.png') });
  }
  const mid = path[12];
  let last;
  await until(async () => {
    last = await pixel(...mid);
    const [red, green, blue, alpha] = last.rgba;
    return alpha > 200 && red > 200 && green < 100 && blue < 100;
  }, 'the sharer’s canvas shows the red stroke at the frame point').catch((e) => {
    throw new Error(`${e.message}: ${JSON.stringify(last)}`);
  });
  assert.equal((await pixel(0.9, 0.9)).rgba[3], 0, 'nothing drawn elsewhere');

  // What the hub carried: VoiceAnnotate calls from the viewer, voice:annotation events to the
  // sharer, with the same opaque bytes and no coordinate, tool or colour in the clear.
  const [{ sent }, { received }] = [hubLog(viewer), hubLog(sharer)];
  const calls = sent.filter((m) => m.type === 1 && m.target === 'VoiceAnnotate').map((m) => m.arguments[0]);
  const events = received.filter((m) => m.type === 1 && m.target === 'voice:annotation').map((m) => m.arguments[0]);
  assert.ok(calls.length >= 3, `the stroke went out in batches (${calls.length} messages; hub frames sent: ${JSON.stringify(sent.slice(-8))}; received: ${received.length}; hub requests: ${JSON.stringify(viewer.hub.requests.slice(0, 10))})`);
  // At most one message per 40 ms: how many points share one depends on how fast the moves
  // arrive (on a loaded machine each may come alone), so only the upper bound is checked here.
  if (attempts === 1) {
    assert.ok(calls.length <= path.length + 1, `no more messages than points (${calls.length} messages for ${path.length} points)`);
  }
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
  // Like the viewer's gesture above, the sharer's is retried while its own tile settles (a
  // re-created figure or a moved frame loses the gesture); the relay itself is not retried.
  const sharerDone = async (page) => (await strokesOn(page, sharer.id)).some((s) => s.userId === sharer.id && s.done);
  let sharerAttempts = 0;
  let sharerError = '';
  await until(async () => {
    if (await sharerDone(sharer.page)) return true;
    sharerAttempts++;
    try {
      if ((await own.getByRole('button', { name: 'Stop drawing' }).count()) === 0) {
        await own.getByRole('button', { name: 'Draw' }).click({ timeout: 5_000 });
      }
      await drawOn(sharer.page, own, [[0.7, 0.7], [0.72, 0.72], [0.75, 0.75], [0.78, 0.78], [0.8, 0.8]]);
    } catch (e) {
      sharerError = e.message;
    }
    return sharerDone(sharer.page);
  }, 'the sharer draws a stroke on their own screen', 60_000).catch(async (e) => {
    throw new Error(`${e.message} (${sharerAttempts} attempts; last error: ${sharerError || 'none'}; strokes: ${JSON.stringify(await strokesOn(sharer.page, sharer.id))}; page errors: ${sharer.errors.join(' | ')})`);
  });
  await until(() => sharerDone(viewer.page), 'the sharer’s stroke reaches the viewer').catch(async (e) => {
    const sentBySharer = hubLog(sharer).sent.filter((m) => m.type === 1 && m.target === 'VoiceAnnotate').length;
    const receivedByViewer = hubLog(viewer).received.filter((m) => m.type === 1 && m.target === 'voice:annotation').length;
    throw new Error(`${e.message} (annotations sent by the sharer: ${sentBySharer}; received by the viewer: ${receivedByViewer}; viewer's strokes: ${JSON.stringify(await strokesOn(viewer.page, sharer.id))}; page errors: ${viewer.errors.join(' | ')})`);
  });
  await shared.getByRole('button', { name: 'Clear mine' }).click();
  await until(async () => {
    // The sharer's own strokes stay (one, or more if the gesture above was retried).
    const list = await strokesOn(sharer.page, sharer.id);
    return list.length >= 1 && list.every((s) => s.userId === sharer.id);
  }, 'the viewer’s clear removed only the viewer’s stroke on the sharer’s side');
  await own.getByRole('button', { name: 'Clear all' }).click();
  await until(async () => (await strokesOn(viewer.page, sharer.id)).length === 0, 'the sharer’s clear removed everything on the viewer’s side');

  const stats = await inSession(viewer.page, (s) => ({ ...s.annotationStats }));
  assert.equal(stats.refused, 0);
  assert.equal(stats.dropped, 0);
  for (const u of [sharer, viewer]) assert.deepEqual(u.errors, []);
});
