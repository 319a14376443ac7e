// Camera video in a voice channel, end to end: the real app (silo, Api, SFU worker, Janus) in the
// test's network namespace, two members joining through the UI, Chromium's fake camera. Media keys
// go through a relay of this file (as in voice-room.test.mjs). With ENABLE_SIMULCAST on the server
// (scripts/voice-e2e.sh turns it on unless told otherwise) the camera sends three encodings and the
// viewer's tile size picks the layer it receives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiCall, launchMediaBrowser, openAppPage, registerUser, until } from './rtc.mjs';

let browser;
const users = [];
let guildId;
let voiceChannelId;
let textChannelId;

async function openPage(u) {
  // Open a text channel first and install the test's key relay before the voice view mounts: the
  // view would otherwise start this browser's Signal device (key generation on the main thread,
  // minutes on a starved machine) for the app's own key exchange, which these tests do not use.
  const page = await openAppPage(browser, u, `/channels/${guildId}/${textChannelId}`, { relay: { users } });
  await page.getByRole('link', { name: 'Studio (voice channel)' }).click();
}

/** Session counters plus, for `cameraOf`, the subscriber stream of that member's camera. */
async function voiceStats(page, cameraOf = null) {
  return page.evaluate(async (cameraOf) => {
    let s = null;
    window.__voice.currentSession.subscribe((x) => (s = x))();
    if (!s) return null;
    let state = null;
    s.store.subscribe((x) => (state = x))();
    const stats = await s.stats();
    const mid = cameraOf ? s.cameraMidOf(cameraOf) : null;
    return { ...stats, status: state.status, simulcast: state.simulcast, camera: mid === null ? null : (stats.inboundVideo[mid] ?? null) };
  }, cameraOf);
}

before(async () => {
  // A 10 fps fake camera: three VP8 layers from 720p stay affordable on a shared 2-core machine.
  browser = await launchMediaBrowser(['--use-fake-device-for-media-stream=fps=10']);
  for (const n of ['Alice', 'Bob']) {
    users.push(await registerUser(n, 'c'));
  }
  const [owner, bob] = users;
  const guild = await apiCall('/api/guilds', { token: owner.auth.accessToken, body: { name: 'Camera copains' } });
  guildId = guild.id;
  textChannelId = guild.channels.find((c) => c.type === 'text').id;
  const channel = await apiCall(`/api/guilds/${guildId}/channels`, { token: owner.auth.accessToken, body: { name: 'Studio', type: 'voice' } });
  voiceChannelId = channel.id;
  const invite = await apiCall(`/api/guilds/${guildId}/invites`, { token: owner.auth.accessToken, body: { channelId: voiceChannelId } });
  await apiCall(`/api/invites/${invite.code}`, { token: bob.auth.accessToken });
  for (const u of users) {
    await openPage(u);
    await u.page.getByRole('button', { name: 'Join Voice' }).click();
    await u.page.locator('#voice-e2ee-badge').waitFor();
  }
  for (const u of users) {
    await until(async () => (await voiceStats(u.page))?.status === 'connected', `${u.name} is connected`, 60_000);
  }
});

after(async () => {
  for (const u of users) {
    await u.context?.close().catch(() => {});
  }
  await browser?.close();
});

const simulcastExpected = (process.env.ENABLE_SIMULCAST ?? 'true') === 'true';

test('a camera turned on in the UI is encrypted, decrypted and decoded by the other member', async () => {
  const [alice, bob] = users;
  assert.equal((await voiceStats(alice.page)).simulcast, simulcastExpected, 'the join result carries ENABLE_SIMULCAST');
  const encryptedBefore = (await voiceStats(alice.page)).crypto.encrypted;
  await alice.page.getByRole('button', { name: 'Turn on camera' }).click();
  await alice.page.getByRole('button', { name: 'Turn off camera' }).waitFor();
  // Alice sees her own tile; Bob gets a tile for Alice's camera and the participant card says so.
  await alice.page.locator(`figure.camera[data-user-id="${alice.id}"] video`).waitFor();
  await bob.page.locator(`.participant[data-user-id="${alice.id}"]`).getByText('camera').waitFor();
  await bob.page.locator(`figure.camera[data-user-id="${alice.id}"] video`).waitFor();
  const seen = await until(async () => {
    const s = await voiceStats(bob.page, alice.id);
    return s.camera && s.camera.framesDecoded > 10 && s.camera.width > 0 ? s : null;
  }, 'Bob decodes Alice’s camera', 60_000);
  // Every frame Alice sends went through the encrypting transform (audio alone is ~50 frames/s).
  const a = await voiceStats(alice.page);
  assert.equal(a.crypto.noKey, 0);
  const videoOut = a.outboundVideo.reduce((n, e) => n + e.framesEncoded, 0);
  assert.ok(a.crypto.encrypted - encryptedBefore >= videoOut, 'every encoded video frame was encrypted');
  assert.ok(seen.crypto.byParticipant[alice.id].decrypted > 0);
  // The page shows the decrypted picture.
  await until(
    async () => (await bob.page.locator(`figure.camera[data-user-id="${alice.id}"] video`).evaluate((el) => el.videoWidth)) > 0,
    'Bob’s tile renders Alice’s camera',
  );
  if (process.env.VOICE_SCREENSHOT) {
    await bob.page.screenshot({ path: process.env.VOICE_SCREENSHOT.replace(/\.png$/, '') + '-camera.png' });
  }
  for (const u of users) assert.deepEqual(u.errors, []);
});

test('with simulcast the camera sends three encodings and a small tile receives a lower layer', { skip: !simulcastExpected && 'ENABLE_SIMULCAST is off' }, async () => {
  const [alice, bob] = users;
  const layers = await until(async () => {
    const out = (await voiceStats(alice.page)).outboundVideo.filter((e) => ['h', 'm', 'l'].includes(e.rid) && e.framesEncoded > 0 && e.width > 0);
    return out.length === 3 ? out : null;
  }, 'Alice’s camera sends three encodings', 60_000);
  const width = Object.fromEntries(layers.map((e) => [e.rid, e.width]));
  assert.ok(width.h > width.m && width.m > width.l, `each encoding is smaller than the one above: ${JSON.stringify(width)}`);

  // The encoder may scale every layer down when the CPU is short: compare with what is sent now.
  const sentNow = async () => Object.fromEntries((await voiceStats(alice.page)).outboundVideo.map((e) => [e.rid, e.width]));
  const received = async () => (await voiceStats(bob.page, alice.id)).camera?.width ?? 0;
  const tile = bob.page.locator(`figure.camera[data-user-id="${alice.id}"]`);
  let seen = [];
  // A full-width tile on a large window asks for the top layer…
  await bob.page.setViewportSize({ width: 1920, height: 1080 });
  await tile.getByRole('button', { name: /Enlarge/ }).click();
  const big = await until(async () => {
    const [w, sent] = [await received(), await sentNow()];
    seen = [w, sent];
    return w > sent.m ? w : null;
  }, `the enlarged tile receives the top layer (received, sent: ${JSON.stringify(seen)})`, 90_000).catch((e) => {
    throw new Error(`${e.message}; last received/sent widths ${JSON.stringify(seen)}`);
  });
  // …the same tile back in the grid (one 200-odd px track of many on that window) the lowest. A
  // narrow window is no thumbnail: on a phone the one column gives the tile the whole width.
  await tile.getByRole('button', { name: /Shrink/ }).click();
  const small = await until(async () => {
    const [w, sent] = [await received(), await sentNow()];
    seen = [w, sent];
    return w > 0 && w < big && w <= sent.l ? w : null;
  }, 'the tile in the grid receives the lowest layer', 90_000).catch((e) => {
    throw new Error(`${e.message}; last received/sent widths ${JSON.stringify(seen)}`);
  });
  assert.ok(small < big, `width decreased: ${big} → ${small}`);
  // Still decrypted and decoded after the switch.
  const decoded = (await voiceStats(bob.page, alice.id)).camera.framesDecoded;
  await until(async () => (await voiceStats(bob.page, alice.id)).camera.framesDecoded > decoded + 10, 'frames keep decoding on the lower layer', 60_000);
});

test('the camera comes back by itself when the media connections are rebuilt', async () => {
  const [alice, bob] = users;
  // What the session does after a hub reconnect or a voice:rejoin (the room moved to another SFU
  // worker): a new publisher connection. The camera was on, so it is on again, without a click.
  await alice.page.evaluate(async () => {
    let s = null;
    window.__voice.currentSession.subscribe((x) => (s = x))();
    await s.reconnectMedia();
  });
  await alice.page.getByRole('button', { name: 'Turn off camera' }).waitFor({ timeout: 5_000 });
  assert.ok((await voiceStats(alice.page)).outboundVideo.length > 0, 'the new publisher connection sends video');
  // The old connection is closed, so frames that keep coming are the new stream's.
  const decoded = async () => (await voiceStats(bob.page, alice.id)).camera?.framesDecoded ?? 0;
  await until(async () => {
    const first = await decoded();
    await new Promise((r) => setTimeout(r, 2_000));
    return (await decoded()) > first + 5;
  }, 'Bob decodes Alice’s camera again', 60_000);
  for (const u of users) assert.deepEqual(u.errors, []);
});

test('turning the camera off removes the tile for the other member', async () => {
  const [alice, bob] = users;
  await bob.page.setViewportSize({ width: 1280, height: 800 });
  await alice.page.getByRole('button', { name: 'Turn off camera' }).click();
  await bob.page.locator(`figure.camera[data-user-id="${alice.id}"]`).waitFor({ state: 'detached', timeout: 30_000 });
  await alice.page.locator(`figure.camera[data-user-id="${alice.id}"]`).waitFor({ state: 'detached', timeout: 5_000 });
  for (const u of users) assert.deepEqual(u.errors, []);
});
