// Frame end-to-end encryption through the real SFU: Chromium pages publish into and subscribe
// from a Janus videoroom created with require_e2ee, every frame passing through the app's voice
// chunk (RTCRtpScriptTransform worker). The test hands the media keys to the pages itself: it
// checks the frame layer (what is encrypted, what decrypts, what is dropped), not the key exchange.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { attach, closeAll, JANUS_ADMIN_KEY } from './janus.mjs';
import { acceptAnswer, launchMediaBrowser, mediaPage, mediaStats, publishOffer, randomKey, subscribeAnswer, until } from './rtc.mjs';

const MEDIA_IP = process.env.LC_MEDIA_IP ?? '10.99.0.1';
let browser;
let admin;
const room = 1000 + Math.floor(Math.random() * 1e6);

before(async () => {
  browser = await launchMediaBrowser();
  admin = await attach();
  const created = await admin.request({
    request: 'create',
    room,
    admin_key: JANUS_ADMIN_KEY,
    require_e2ee: true,
    publishers: 10,
    audiocodec: 'opus',
    videocodec: 'vp8',
    bitrate: 4_000_000,
    permanent: false,
  });
  assert.equal(created.videoroom, 'created');
});

after(async () => {
  await admin?.request({ request: 'destroy', room }).catch(() => {});
  await closeAll();
  await browser?.close();
});

async function publish(page, kind, display) {
  const handle = await attach();
  const offer = await publishOffer(page, kind);
  const { data, jsep } = await handle.message(
    { request: 'joinandconfigure', room, ptype: 'publisher', display, e2ee: true },
    { type: 'offer', sdp: offer, e2ee: true },
  );
  assert.equal(jsep?.type, 'answer', `publisher ${display} got an answer`);
  await acceptAnswer(page, jsep.sdp);
  // Janus refuses subscribers (428, no such feed) until the publisher's PeerConnection is up.
  await handle.event((e) => e.janus === 'webrtcup', 15_000);
  return { handle, feed: data.id };
}

async function subscribe(page, feed) {
  const handle = await attach();
  const { jsep } = await handle.message({ request: 'join', room, ptype: 'subscriber', streams: [{ feed }] });
  assert.equal(jsep?.type, 'offer');
  const answer = await subscribeAnswer(page, jsep.sdp);
  await handle.message({ request: 'start' }, { type: 'answer', sdp: answer });
  return handle;
}

const setSendKey = (page, kid, key) => page.evaluate(({ kid, key }) => window.__t.crypto.setSendKey(kid, new Uint8Array(key)), { kid, key });
const setReceiveKey = (page, from, kid, key) =>
  page.evaluate(({ from, kid, key }) => window.__t.crypto.setReceiveKey(from, kid, new Uint8Array(key)), { from, kid, key });

test('audio through the SFU: key holders decrypt, a subscriber without the key decodes nothing, a rotated key shuts out the one left behind', async () => {
  const [a, b, c] = await Promise.all([mediaPage(browser), mediaPage(browser), mediaPage(browser)]);
  const handles = [];
  try {
    const key1 = randomKey();
    await setSendKey(a.page, 0x10001, key1);
    const { handle, feed } = await publish(a.page, 'audio', 'A');
    handles.push(handle);
    await setReceiveKey(b.page, 'A', 0x10001, key1);
    handles.push(await subscribe(b.page, feed), await subscribe(c.page, feed));

    const sb = await until(async () => {
      const s = await mediaStats(b.page);
      return s.crypto.decrypted > 50 && s.inbound.audio.packets > 50 && s;
    }, 'B receives and decrypts A’s audio');
    const sa = await mediaStats(a.page);
    assert.ok(sa.crypto.encrypted > 50, `A encrypted ${sa.crypto.encrypted} frames`);
    assert.equal(sa.crypto.noKey, 0, 'no frame left A before its key was set');
    assert.equal(sb.crypto.byParticipant.A.decrypted, sb.crypto.decrypted);
    for (const p of [...sa.pairs, ...sb.pairs]) {
      assert.ok(p.includes(MEDIA_IP), `media stays on the namespace's test addresses: ${p}`);
    }

    const sc = await until(async () => {
      const s = await mediaStats(c.page);
      return s.inbound.audio.packets > 50 && s;
    }, 'C receives A’s packets');
    assert.equal(sc.crypto.decrypted, 0, 'C, without the key, decrypts nothing');
    assert.ok(sc.crypto.dropped > 50, `C drops what it cannot decrypt (${sc.crypto.dropped})`);

    // B "leaves": A draws a new key and gives it to C only.
    const key2 = randomKey();
    await setReceiveKey(c.page, 'A', 0x10002, key2);
    await setSendKey(a.page, 0x10002, key2);
    const bBefore = (await mediaStats(b.page)).crypto;
    await until(async () => (await mediaStats(c.page)).crypto.decrypted > 50, 'C decrypts under the new key');
    const bAfter = (await mediaStats(b.page)).crypto;
    // A few frames already in flight may still carry the old key id.
    assert.ok(bAfter.decrypted - bBefore.decrypted < 10, `B decrypted ${bAfter.decrypted - bBefore.decrypted} frames after the rotation`);
    assert.ok(bAfter.dropped - bBefore.dropped > 40, 'B drops every frame under the key it was not given');
    assert.equal((await mediaStats(a.page)).crypto.sendKid, 0x10002);
    for (const x of [a, b, c]) assert.deepEqual(x.errors, []);
  } finally {
    for (const h of handles) await h.close();
    for (const x of [a, b, c]) await x.context.close();
  }
});

test('a 1920×1080 encrypted screen share is decoded at 1080p by two viewers', async () => {
  const [s, v1, v2] = await Promise.all([mediaPage(browser), mediaPage(browser), mediaPage(browser)]);
  const handles = [];
  try {
    const key = randomKey();
    await setSendKey(s.page, 0x20001, key);
    const { handle, feed } = await publish(s.page, 'screen', 'S');
    handles.push(handle);
    for (const v of [v1, v2]) {
      await setReceiveKey(v.page, 'S', 0x20001, key);
      handles.push(await subscribe(v.page, feed));
    }
    for (const v of [v1, v2]) {
      let last;
      const st = await until(async () => {
        last = await mediaStats(v.page);
        return last.inbound.video.frames > 5 && last.inbound.video.width === 1920 && last;
      }, 'the viewer decodes 1080p frames', 30_000).catch(async (e) => {
        throw new Error(`${e.message}; viewer ${JSON.stringify(last)}; sharer ${JSON.stringify(await mediaStats(s.page))}`);
      });
      assert.equal(st.inbound.video.height, 1080);
      assert.ok(st.crypto.decrypted > 5);
    }
    const ss = await mediaStats(s.page);
    assert.ok(ss.crypto.encrypted > 5 && ss.outbound.video > 0);
  } finally {
    for (const h of handles) await h.close();
    for (const x of [s, v1, v2]) await x.context.close();
  }
});
