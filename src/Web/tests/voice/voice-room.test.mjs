// Voice channels end to end: the real app (silo, Api, SFU worker, Janus) in the namespace, members
// joining through the UI. Media keys: most tests register a relay of their own (this file only,
// never shipped) that passes each key from one page to the others through the test process and
// logs who got which key; the last test uses the app's own exchange (Signal sessions of the
// direct messages, relayed by the hub as voice:key) with nothing of the test in between.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { hangUpPublisher } from './janus.mjs';
import { apiCall, launchMediaBrowser, openAppPage, registerUser, until } from './rtc.mjs';

let browser;
const users = [];
let guildId;
let voiceChannelId;
/** Every key the pages sent: {from, to: [userIds], kid}. */
const keyLog = [];

/**
 * Keeps the hub's WebSockets reachable, so a test can drop the connection as a network blip would,
 * and the page's VoiceSubscribe and VoicePublish calls (window.__voiceSubscribes, __voicePublishes).
 */
function keepHubSockets() {
  const Native = window.WebSocket;
  window.__hubSockets = [];
  window.__voiceSubscribes = [];
  window.__voicePublishes = [];
  window.WebSocket = class extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (String(url).includes('/hubs/gateway')) window.__hubSockets.push(this);
    }
    send(data) {
      if (typeof data === 'string' && data.includes('"target":"VoiceSubscribe"')) window.__voiceSubscribes.push(data);
      if (typeof data === 'string' && data.includes('"target":"VoicePublish"')) window.__voicePublishes.push(data.replace(/"sdp":"[^"]*"/, '"sdp":"…"'));
      super.send(data);
    }
  };
}

/** `of`'s participant as `u`'s page shows it. */
function participantOn(u, of) {
  return u.page.evaluate((userId) => {
    let x = null;
    window.__voice.currentSession.subscribe((v) => (x = v))();
    let st = null;
    x.store.subscribe((v) => (st = v))();
    return st.participants.find((p) => p.userId === userId) ?? null;
  }, of.id);
}

/** Replaces `u`'s sending connection, as its session does when that connection fails. */
function restartPublisher(u) {
  return u.page.evaluate(async () => {
    let x = null;
    window.__voice.currentSession.subscribe((v) => (x = v))();
    await x.restartPublisher();
  });
}

/**
 * Runs `cause` (given `sender` as the others see them), which ends `sender`'s sending connection,
 * then checks that their session published a new one (restart) and that every viewer decrypts them
 * again and sees a new publication. Returns `sender` as shown before.
 */
async function expectRepublished(sender, viewers, cause) {
  const shown = await participantOn(viewers[0], sender);
  assert.ok(shown.publishing && shown.publication >= 1, JSON.stringify(shown));
  const publishesBefore = await sender.page.evaluate(() => window.__voicePublishes.length);
  const before = await Promise.all(viewers.map(async (v) => decryptedFrom(await voiceStats(v.page), sender.id)));
  await cause(shown);
  await until(
    async () => (await Promise.all(viewers.map(async (v, i) => decryptedFrom(await voiceStats(v.page), sender.id) > before[i] + 50))).every(Boolean),
    `${viewers.map((v) => v.name).join(' and ')} decrypt ${sender.name} again`,
    45_000,
    async () => (await Promise.all(users.map(describeVoice))).join(' | '),
  );
  const publishes = await sender.page.evaluate((n) => window.__voicePublishes.slice(n), publishesBefore);
  assert.ok(publishes.some((f) => f.includes('"restart":true')), `${sender.name} published a new connection: ${publishes.join('\n')}`);
  for (const v of viewers) {
    assert.ok((await participantOn(v, sender)).publication > shown.publication, `${v.name} sees a new publication`);
  }
  for (const u of users) assert.deepEqual(u.errors, []);
  return shown;
}

/** Opens `u`'s page in the voice channel (or `u.channelId`), by default with the test key relay. */
function openPage(u, { relay = true } = {}) {
  return openAppPage(browser, u, `/channels/${guildId}/${u.channelId ?? voiceChannelId}`, {
    initScript: keepHubSockets,
    relay: relay ? { users, onKey: (msg) => keyLog.push({ from: u.id, to: msg.recipients, kid: msg.kid }) } : null,
  });
}

/** The page's voice session counters (FrameCrypto worker + getStats). */
async function voiceStats(page) {
  return page.evaluate(async () => {
    let s = null;
    window.__voice.currentSession.subscribe((x) => (s = x))();
    return s ? { channelId: s.channelId, ...(await s.stats()) } : null;
  });
}

async function joinThroughUi(u) {
  await u.page.getByRole('button', { name: 'Join Voice' }).click();
  await u.page.locator('#voice-e2ee-badge').waitFor();
}

const decryptedFrom = (stats, userId) => stats?.crypto.byParticipant[userId]?.decrypted ?? 0;

/** What a page's voice session shows, for a timeout's message: participants, packets, per-sender crypto. */
async function describeVoice(u) {
  const s = await voiceStats(u.page);
  const participants = await u.page.evaluate(() => {
    let x = null;
    window.__voice.currentSession.subscribe((v) => (x = v))();
    let st = null;
    x?.store.subscribe((v) => (st = v))();
    // The peer connections' states too: a rejoin whose subscriber never connects shows here.
    const peers = { pub: x?.pub?.connectionState ?? null, sub: x?.sub?.connectionState ?? null, subIce: x?.sub?.iceConnectionState ?? null };
    return st ? { status: st.status, error: st.error, peers, subscribed: [...(x.subscribed ?? [])], participants: st.participants.map((p) => ({ id: p.userId, publishing: p.publishing, selfMute: p.selfMute, serverMute: p.serverMute })) } : null;
  });
  return JSON.stringify({ user: u.name, ...participants, inbound: s?.inbound, outbound: s?.outboundAudioPackets, crypto: s?.crypto });
}

before(async () => {
  browser = await launchMediaBrowser();
  for (const n of ['Alice', 'Bob', 'Carol']) {
    users.push(await registerUser(n, 'v'));
  }
  const [owner, ...rest] = users;
  const guild = await apiCall('/api/guilds', { token: owner.auth.accessToken, body: { name: 'Voice copains' } });
  guildId = guild.id;
  const channel = await apiCall(`/api/guilds/${guildId}/channels`, { token: owner.auth.accessToken, body: { name: 'Lounge', type: 'voice' } });
  voiceChannelId = channel.id;
  const invite = await apiCall(`/api/guilds/${guildId}/invites`, { token: owner.auth.accessToken, body: { channelId: voiceChannelId } });
  for (const u of rest) {
    await apiCall(`/api/invites/${invite.code}`, { token: u.auth.accessToken });
  }
  for (const u of users) {
    await openPage(u);
  }
});

after(async () => {
  for (const u of users) {
    await u.context?.close().catch(() => {});
  }
  await browser?.close();
});

test('three members in one voice channel hear each other: packets arrive and every sender’s frames decrypt', async () => {
  for (const u of users) {
    await joinThroughUi(u);
  }
  for (const u of users) {
    await until(async () => {
      const s = await voiceStats(u.page);
      return users.filter((o) => o !== u).every((o) => decryptedFrom(s, o.id) > 50) && s.inbound.audioPackets > 100;
    }, `${u.name} decrypts both others`, 60_000, async () => (await Promise.all(users.map(describeVoice))).join(' | '));
  }
  const q = (await voiceStats(users[1].page)).quality;
  console.log(`# audio path: RTT ${q.rttMs?.toFixed(1)} ms, jitter buffer ${q.jitterBufferMs?.toFixed(1)} ms, loss ${q.lossPercent?.toFixed(2)} %`);
  // The sidebar lists the participants under the voice channel.
  const sidebar = users[0].page.getByRole('list', { name: 'In Lounge' });
  await until(async () => (await sidebar.getByRole('listitem').count()) === 3, 'three members listed in the sidebar', 30_000, async () => (await sidebar.getByRole('listitem').allInnerTexts()).join(', '));
  // Every key went to the others only.
  for (const k of keyLog) {
    assert.ok(!k.to.includes(k.from));
  }
  for (const u of users) assert.deepEqual(u.errors, []);
});

test('mute stops the stream: nothing more is sent or decrypted from the muted member', async () => {
  const [alice, bob] = users;
  await alice.page.getByRole('button', { name: 'Mute', exact: true }).click();
  await alice.page.getByRole('button', { name: 'Unmute' }).waitFor();
  await new Promise((r) => setTimeout(r, 1500));
  const before = await voiceStats(bob.page);
  const aBefore = await voiceStats(alice.page);
  await new Promise((r) => setTimeout(r, 2000));
  const afterB = await voiceStats(bob.page);
  const aAfter = await voiceStats(alice.page);
  assert.ok(aAfter.outboundAudioPackets - aBefore.outboundAudioPackets < 5, 'the muted microphone sends nothing');
  assert.ok(decryptedFrom(afterB, alice.id) - decryptedFrom(before, alice.id) < 5, 'Bob decrypts nothing more from Alice');
  // A new sending connection (as after a network failure) starts muted: not one packet.
  await restartPublisher(alice);
  await new Promise((r) => setTimeout(r, 2000));
  assert.equal((await voiceStats(alice.page)).outboundAudioPackets, 0, 'the new connection sends nothing while muted');
  await alice.page.getByRole('button', { name: 'Unmute' }).click();
  await until(async () => decryptedFrom(await voiceStats(bob.page), alice.id) > decryptedFrom(afterB, alice.id) + 50, 'Alice is heard again', 30_000, async () => `${await describeVoice(alice)} | ${await describeVoice(bob)}`);
});

test('a moderator’s server mute stops the member’s audio at the SFU', async () => {
  const [alice, bob, carol] = users;
  const card = alice.page.locator(`.participant[data-user-id="${bob.id}"]`);
  await card.getByRole('button', { name: 'Server mute' }).click();
  await card.getByText('server muted').waitFor();
  await new Promise((r) => setTimeout(r, 1500));
  const s1 = await voiceStats(carol.page);
  await new Promise((r) => setTimeout(r, 2000));
  const s2 = await voiceStats(carol.page);
  assert.ok(decryptedFrom(s2, bob.id) - decryptedFrom(s1, bob.id) < 5, 'Carol gets nothing from the server-muted Bob');
  await card.getByRole('button', { name: 'Server unmute' }).click();
  await until(async () => decryptedFrom(await voiceStats(carol.page), bob.id) > decryptedFrom(s2, bob.id) + 50, 'Bob is heard again');
});

test('a 1080p screen share started in the UI is decrypted and decoded at 1920×1080 by both other members', async () => {
  const [alice, bob, carol] = users;
  await alice.page.getByRole('combobox', { name: 'Screen share resolution' }).selectOption('1080');
  await alice.page.getByRole('button', { name: 'Share screen' }).click();
  await alice.page.getByRole('button', { name: 'Stop sharing' }).waitFor();
  for (const v of [bob, carol]) {
    await v.page.locator(`figure.screen[data-user-id="${alice.id}"] video`).waitFor();
    await until(async () => {
      const s = await voiceStats(v.page);
      return s.inbound.videoFrames > 5 && s.inbound.width === 1920 && s.inbound.height === 1080;
    }, `${v.name} decodes Alice's screen at 1080p`, 40_000);
  }
  // What the page shows: the <video> renders the decrypted stream at full size.
  await until(
    async () => {
      const [w, h] = await bob.page.locator(`figure.screen[data-user-id="${alice.id}"] video`).evaluate((el) => [el.videoWidth, el.videoHeight]);
      return w === 1920 && h === 1080;
    },
    'Bob’s page shows the share at 1920×1080',
    30_000,
  );
  // The share goes on when Alice's sending connection is replaced (what her session does when the
  // SFU hangs it up or it fails): the same screen track moves to the new connection, and the
  // viewers subscribe to her new publication, screen included.
  await restartPublisher(alice);
  assert.equal(await alice.page.getByRole('button', { name: 'Stop sharing' }).count(), 1, 'Alice still shares');
  for (const v of [bob, carol]) {
    await until(
      async () => {
        const first = (await voiceStats(v.page)).inbound.videoFrames;
        await new Promise((r) => setTimeout(r, 2_000));
        const s = await voiceStats(v.page);
        return s.inbound.videoFrames > first + 5 && s.inbound.width === 1920;
      },
      `${v.name} decodes Alice's screen again on her new connection`,
      45_000,
      async () => (await Promise.all(users.map(describeVoice))).join(' | '),
    );
  }
  await alice.page.getByRole('button', { name: 'Stop sharing' }).click();
  await bob.page.locator(`figure.screen[data-user-id="${alice.id}"]`).waitFor({ state: 'detached', timeout: 15_000 });
});

test('a member whose hub connection drops joins again by itself: the others hear them, they hear the others', async () => {
  const [alice, bob, carol] = users;
  const feedOf = async (page, userId) =>
    page.evaluate((id) => {
      let x = null;
      window.__voice.currentSession.subscribe((v) => (x = v))();
      let st = null;
      x?.store.subscribe((v) => (st = v))();
      return st?.participants.find((p) => p.userId === id)?.feedId ?? null;
    }, userId);
  const feedBefore = await feedOf(alice.page, bob.id);
  assert.ok(feedBefore !== null);
  // The WebSocket closes as in a network blip: the server ends the voice session of that
  // connection, SignalR reconnects on a new one, and the page must join the room again on it.
  await bob.page.evaluate(() => window.__hubSockets.at(-1).close());
  const describe = async () => (await Promise.all(users.map(describeVoice))).join(' | ');
  await until(async () => ![null, feedBefore].includes(await feedOf(alice.page, bob.id)), 'Alice sees Bob publish again on a new feed', 45_000, describe);
  const marks = {
    aliceFromBob: decryptedFrom(await voiceStats(alice.page), bob.id),
    carolFromBob: decryptedFrom(await voiceStats(carol.page), bob.id),
    bobFromAlice: decryptedFrom(await voiceStats(bob.page), alice.id),
  };
  await until(
    async () => {
      const [a, b, c] = await Promise.all([alice, bob, carol].map((u) => voiceStats(u.page)));
      return decryptedFrom(a, bob.id) > marks.aliceFromBob + 50 && decryptedFrom(c, bob.id) > marks.carolFromBob + 50 && decryptedFrom(b, alice.id) > marks.bobFromAlice + 50;
    },
    'after the rejoin Alice and Carol decrypt Bob and Bob decrypts Alice',
    45_000,
    describe,
  );
  const sidebar = alice.page.getByRole('list', { name: 'In Lounge' });
  await until(async () => (await sidebar.getByRole('listitem').count()) === 3, 'three members listed in the sidebar again');
  for (const u of users) assert.deepEqual(u.errors, []);
});

test('a subscriber connection that dies is rebuilt on a new SFU subscription, and the member hears the others again', async () => {
  const [alice, bob, carol] = users;
  const subscribesBefore = await bob.page.evaluate(() => window.__voiceSubscribes.length);
  const before = {
    fromAlice: decryptedFrom(await voiceStats(bob.page), alice.id),
    fromCarol: decryptedFrom(await voiceStats(bob.page), carol.id),
  };
  // The browser's receiving connection dies under the session (as after a failed ICE check): the
  // session's watchdog must notice by itself, open a new one and restart the SFU subscription.
  await bob.page.evaluate(() => {
    let x = null;
    window.__voice.currentSession.subscribe((v) => (x = v))();
    x.sub.close();
  });
  const describe = async () => (await Promise.all(users.map(describeVoice))).join(' | ');
  await until(
    async () => {
      const s = await voiceStats(bob.page);
      return decryptedFrom(s, alice.id) > before.fromAlice + 50 && decryptedFrom(s, carol.id) > before.fromCarol + 50;
    },
    'Bob decrypts Alice and Carol again on a new subscriber connection',
    45_000,
    describe,
  );
  const subscribes = await bob.page.evaluate((n) => window.__voiceSubscribes.slice(n), subscribesBefore);
  assert.ok(
    subscribes.some((f) => f.includes('"restart":true')),
    `the new connection asked the SFU for a new subscription: ${subscribes.join('\n')}`,
  );
  for (const u of users) assert.deepEqual(u.errors, []);
});

test('a sending connection the SFU hangs up is replaced, and the others hear that member again', async () => {
  const [alice, bob, carol] = users;
  // Janus drops Alice's publisher PeerConnection (as when its ICE fails): the others' subscriptions
  // to her lose their stream. Her session must publish again on a new connection (restart), and the
  // others must subscribe to her new publication.
  await expectRepublished(alice, [bob, carol], (shown) => hangUpPublisher(shown.feedId));
});

test('when a member’s session replaces its sending connection, the others follow the new publication without rebuilding theirs', async () => {
  const [alice, bob, carol] = users;
  const subscribesBefore = await Promise.all([alice, bob].map((u) => u.page.evaluate(() => window.__voiceSubscribes.length)));
  // What Carol's watchdog does when her sending connection fails without the SFU noticing: a new
  // connection, published with restart. The SFU drops her old publisher, and with it the others'
  // streams of her; they never see her stop publishing, only a new publication, and must subscribe
  // to it (not wait for their own watchdog to rebuild their receiving connection).
  const shown = await expectRepublished(carol, [alice, bob], () => restartPublisher(carol));
  for (const [i, u] of [alice, bob].entries()) {
    const subscribes = await u.page.evaluate((n) => window.__voiceSubscribes.slice(n), subscribesBefore[i]);
    assert.ok(!subscribes.some((f) => f.includes('"restart":true')), `${u.name} kept their receiving connection: ${subscribes.join('\n')}`);
    assert.ok(subscribes.some((f) => f.includes(`"feedId":${shown.feedId}`)), `${u.name} subscribed to Carol's new publication: ${subscribes.join('\n')}`);
  }
});

test('a disconnected member is told and leaves; the others’ keys change without them', async () => {
  const [alice, bob, carol] = users;
  const kidBefore = (await voiceStats(alice.page)).crypto.sendKid;
  await alice.page.locator(`.participant[data-user-id="${carol.id}"]`).getByRole('button', { name: 'Disconnect' }).click();
  await carol.page.getByText('You were disconnected from the voice channel by a moderator.').waitFor();
  await carol.page.getByRole('button', { name: 'Join Voice' }).waitFor();
  assert.equal(await voiceStats(carol.page), null, 'Carol has no voice session any more');
  await until(async () => (await voiceStats(alice.page)).crypto.sendKid !== kidBefore, 'Alice rotates her sending key after the leave');
  const kidAfter = (await voiceStats(alice.page)).crypto.sendKid;
  const sent = keyLog.filter((k) => k.from === alice.id && k.kid === kidAfter);
  assert.equal(sent.length, 1);
  assert.deepEqual(sent[0].to, [bob.id], 'the new key went to Bob only');
  // Bob keeps decrypting Alice under the new key.
  const b1 = decryptedFrom(await voiceStats(bob.page), alice.id);
  await until(async () => decryptedFrom(await voiceStats(bob.page), alice.id) > b1 + 50, 'Bob decrypts Alice’s new key');
});

test('with the app’s own Signal key exchange, two members who join through the UI decrypt each other', async () => {
  // The relay pages are done: free the CPU for the two new browsers.
  for (const u of users) {
    await u.context?.close().catch(() => {});
    u.page = null;
  }
  const owner = users[0];
  const channel = await apiCall(`/api/guilds/${guildId}/channels`, { token: owner.auth.accessToken, body: { name: 'Signal room', type: 'voice' } });
  const invite = await apiCall(`/api/guilds/${guildId}/invites`, { token: owner.auth.accessToken, body: { channelId: channel.id } });
  const pair = [await registerUser('Dave', 'v'), await registerUser('Erin', 'v')];
  for (const u of pair) {
    await apiCall(`/api/invites/${invite.code}`, { token: u.auth.accessToken });
    u.channelId = channel.id;
    await openPage(u, { relay: false });
  }
  try {
    const logged = keyLog.length;
    for (const u of pair) {
      // Join is offered only once the exchange (this browser's Signal device) is ready.
      await joinThroughUi(u);
      assert.match(await u.page.locator('#voice-e2ee-badge').getAttribute('title'), /over Signal sessions/);
    }
    const [dave, erin] = pair;
    for (const [u, other] of [[dave, erin], [erin, dave]]) {
      await until(async () => decryptedFrom(await voiceStats(u.page), other.id) > 50, `${u.name} decrypts ${other.name} with keys sent over Signal`, 90_000);
    }
    assert.equal(keyLog.length, logged, 'no key went through the test relay');
    // Each page registered a DM device with the key directory: that is what the keys were encrypted to.
    for (const u of pair) {
      const { devices } = await apiCall('/api/dm/devices', { token: u.auth.accessToken, method: 'GET' });
      assert.equal(devices.length, 1);
    }
    // The counters keep rising: the keys are the ones the frames use, not a one-off.
    if (process.env.VOICE_SCREENSHOT) {
      await erin.page.screenshot({ path: process.env.VOICE_SCREENSHOT });
    }
    const before = decryptedFrom(await voiceStats(erin.page), dave.id);
    await until(async () => decryptedFrom(await voiceStats(erin.page), dave.id) > before + 50, 'Erin keeps decrypting Dave');
    for (const u of pair) assert.deepEqual(u.errors, []);
  } finally {
    for (const u of pair) await u.context?.close().catch(() => {});
  }
});
