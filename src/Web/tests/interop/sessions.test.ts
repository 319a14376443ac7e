// The TypeScript Signal implementation against the official libsignal-client 0.103.0.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as S from '@signalapp/libsignal-client';
import { ProtocolError } from '../../src/crypto/index.ts';
import { address } from './libsignal-peer.ts';
import { dec, enc, flipBit, fromTs, libsignalReads, libsignalTo, shuffle, toTs, tsDevice } from './helpers.ts';

/** First message from libsignal and a reply, so libsignal stops sending PreKeySignalMessages. */
async function open(alice: Awaited<ReturnType<typeof tsDevice>>, bob: Awaited<ReturnType<typeof libsignalTo>>) {
  await alice.device.decrypt(await toTs(bob, alice, 'open'));
  await libsignalReads(bob, alice, await fromTs(alice, bob, 'opened'));
}

const rejects = (p: Promise<unknown>, code: ProtocolError['code']) =>
  assert.rejects(p, (e: unknown) => e instanceof ProtocolError && e.code === code);

test('libsignal opens a session from a TypeScript bundle; both directions then work', async () => {
  const alice = await tsDevice('alice', 7);
  const bob = await libsignalTo(alice);
  const first = await toTs(bob, alice, 'hello from libsignal');
  assert.equal(first.type, 'prekey');
  const got = await alice.device.decrypt(first);
  assert.equal(dec(got.plaintext), 'hello from libsignal');
  assert.equal(got.senderIdentityKey, bob.identityKey);
  // The one-time prekey and one-time Kyber prekey are used up; the signed one stays.
  assert.equal(alice.store.count('preKey'), 3);
  assert.equal(alice.store.count('kyberPreKey'), 4); // 3 one-time + last resort
  const reply = await fromTs(alice, bob, 'hello from TypeScript');
  assert.equal(reply.type, 'message');
  assert.equal(await libsignalReads(bob, alice, reply), 'hello from TypeScript');
});

test('a bundle without one-time prekey still gives a working session (last-resort Kyber key kept)', async () => {
  const alice = await tsDevice('alice', 7, 0);
  const bob = await libsignalTo(alice, 'bob', 1, false);
  const got = await alice.device.decrypt(await toTs(bob, alice, 'no one-time key'));
  assert.equal(dec(got.plaintext), 'no one-time key');
  assert.equal(alice.store.count('kyberPreKey'), 1);
  assert.equal(await libsignalReads(bob, alice, await fromTs(alice, bob, 'ok')), 'ok');
});

test('messages in order across many ratchet steps, both directions', async () => {
  const alice = await tsDevice('alice', 7);
  const bob = await libsignalTo(alice);
  for (let round = 0; round < 40; round++) {
    const burst = 1 + (round % 3);
    for (let i = 0; i < burst; i++) {
      assert.equal(dec((await alice.device.decrypt(await toTs(bob, alice, `b${round}.${i}`))).plaintext), `b${round}.${i}`);
    }
    for (let i = 0; i < burst; i++) {
      assert.equal(await libsignalReads(bob, alice, await fromTs(alice, bob, `a${round}.${i}`)), `a${round}.${i}`);
    }
  }
});

test('out-of-order delivery, both directions', async () => {
  const alice = await tsDevice('alice', 7);
  const bob = await libsignalTo(alice);
  await alice.device.decrypt(await toTs(bob, alice, 'open'));
  const fromBob = [];
  for (let i = 0; i < 20; i++) fromBob.push({ i, m: await toTs(bob, alice, `m${i}`) });
  for (const { i, m } of shuffle(fromBob)) {
    assert.equal(dec((await alice.device.decrypt(m)).plaintext), `m${i}`);
  }
  const fromAlice = [];
  for (let i = 0; i < 20; i++) fromAlice.push({ i, e: await fromTs(alice, bob, `n${i}`) });
  for (const { i, e } of shuffle(fromAlice)) {
    assert.equal(await libsignalReads(bob, alice, e), `n${i}`);
  }
});

test('skipped messages from an older chain still decrypt after ratchet steps', async () => {
  const alice = await tsDevice('alice', 7);
  const bob = await libsignalTo(alice);
  await alice.device.decrypt(await toTs(bob, alice, 'open'));
  const late = [];
  for (let i = 0; i < 5; i++) late.push(await toTs(bob, alice, `late${i}`));
  assert.equal(dec((await alice.device.decrypt(await toTs(bob, alice, 'now'))).plaintext), 'now');
  // Two DH ratchet steps happen before the late ones arrive.
  for (let r = 0; r < 2; r++) {
    await libsignalReads(bob, alice, await fromTs(alice, bob, `a${r}`));
    await alice.device.decrypt(await toTs(bob, alice, `b${r}`));
  }
  for (const [i, m] of late.entries()) {
    assert.equal(dec((await alice.device.decrypt(m)).plaintext), `late${i}`);
  }
  // libsignal side too: TypeScript messages held back over a ratchet step.
  const held = [await fromTs(alice, bob, 'held0'), await fromTs(alice, bob, 'held1')];
  await libsignalReads(bob, alice, await fromTs(alice, bob, 'after'));
  await alice.device.decrypt(await toTs(bob, alice, 'step'));
  await libsignalReads(bob, alice, await fromTs(alice, bob, 'new chain'));
  assert.equal(await libsignalReads(bob, alice, held[1]!), 'held1');
  assert.equal(await libsignalReads(bob, alice, held[0]!), 'held0');
});

test('a replayed message is refused, on both sides, and the session goes on', async () => {
  const alice = await tsDevice('alice', 7);
  const bob = await libsignalTo(alice);
  const first = await toTs(bob, alice, 'once');
  await alice.device.decrypt(first);
  await rejects(alice.device.decrypt(first), 'duplicate-message'); // a replayed PreKeySignalMessage
  const second = await toTs(bob, alice, 'twice?');
  await alice.device.decrypt(second);
  await rejects(alice.device.decrypt(second), 'duplicate-message');
  const e = await fromTs(alice, bob, 'to libsignal once');
  await libsignalReads(bob, alice, e);
  await assert.rejects(libsignalReads(bob, alice, e));
  assert.equal(dec((await alice.device.decrypt(await toTs(bob, alice, 'still fine'))).plaintext), 'still fine');
});

test('tampered ciphertexts are refused without changing the session, on both sides', async () => {
  const alice = await tsDevice('alice', 7);
  const bob = await libsignalTo(alice);
  await open(alice, bob);
  const m = await toTs(bob, alice, 'genuine');
  assert.equal(m.type, 'message');
  const before = await alice.store.get('session', 'bob.1');
  for (const at of [-1, -9, -20, 3, 40]) {
    await assert.rejects(alice.device.decrypt({ ...m, body: flipBit(m.body, at) }), ProtocolError);
  }
  assert.deepEqual(await alice.store.get('session', 'bob.1'), before);
  assert.equal(dec((await alice.device.decrypt(m)).plaintext), 'genuine');
  const e = await fromTs(alice, bob, 'genuine too');
  for (const at of [-1, -9, -20, 3]) {
    await assert.rejects(libsignalReads(bob, alice, { ...e, body: flipBit(e.body, at) }));
  }
  assert.equal(await libsignalReads(bob, alice, e), 'genuine too');
});

test('foreign ciphertexts are refused: another session, another sender, another recipient', async () => {
  const alice = await tsDevice('alice', 7);
  const carol = await tsDevice('carol', 3);
  const bob = await libsignalTo(alice);
  const mallory = await libsignalTo(carol, 'mallory', 2);
  await open(alice, bob);
  await open(carol, mallory);
  // A message of the mallory->carol session, delivered to alice as coming from bob.
  const foreign = await toTs(mallory, carol, 'not for alice');
  await assert.rejects(alice.device.decrypt({ ...foreign, senderUserId: 'bob', senderDeviceId: 1 }), ProtocolError);
  // Delivered to alice under the real sender: she has no session with mallory.
  await rejects(alice.device.decrypt(foreign), 'no-session');
  // A message from bob to alice, presented as coming from another device of bob's.
  const m = await toTs(bob, alice, 'for alice from bob.1');
  await rejects(alice.device.decrypt({ ...m, senderDeviceId: 2 }), 'no-session');
  assert.equal(dec((await alice.device.decrypt(m)).plaintext), 'for alice from bob.1');
  // libsignal refuses a TypeScript message meant for another session.
  const toCarol = await libsignalTo(carol, 'bob', 1);
  await open(carol, toCarol);
  const e = await fromTs(carol, toCarol, 'carol to bob');
  await assert.rejects(libsignalReads(bob, carol, e));
  await assert.rejects(libsignalReads(bob, alice, e));
});

test('skipped message keys are capped at 2000 per chain; older ones are gone', async () => {
  const alice = await tsDevice('alice', 7);
  const bob = await libsignalTo(alice);
  await open(alice, bob);
  const sent = [];
  for (let i = 0; i < 2101; i++) sent.push(await toTs(bob, alice, `k${i}`));
  assert.equal(dec((await alice.device.decrypt(sent[2100]!)).plaintext), 'k2100');
  const record = new TextDecoder().decode(await alice.store.get('session', 'bob.1'));
  const stored = (JSON.parse(record) as { current: { receivers: { skipped: unknown[] }[] } }).current.receivers;
  assert.equal(Math.max(...stored.map((c) => c.skipped.length)), 2000);
  await rejects(alice.device.decrypt(sent[50]!), 'duplicate-message'); // evicted
  assert.equal(dec((await alice.device.decrypt(sent[150]!)).plaintext), 'k150');
});

test('a jump of more than 25000 messages is refused before any key is derived', async () => {
  const alice = await tsDevice('alice', 7);
  const bob = await libsignalTo(alice);
  await open(alice, bob);
  const m = await toTs(bob, alice, 'far');
  // Rewrite the counter (protobuf field 2, right after the 33-byte ratchet key) to 25001 ahead of
  // the expected one: the bound is checked before the MAC.
  const body = Buffer.from(m.body, 'base64');
  const at = 1 + 2 + 33;
  assert.equal(body[at], 0x10);
  const counter = body[at + 1]!;
  assert.ok(counter < 0x80);
  const v = counter + 25_001;
  const far = Buffer.concat([body.subarray(0, at), Buffer.from([0x10, (v & 0x7f) | 0x80, ((v >> 7) & 0x7f) | 0x80, v >> 14]), body.subarray(at + 2)]);
  await rejects(alice.device.decrypt({ ...m, body: far.toString('base64') }), 'too-far-ahead');
  assert.equal(dec((await alice.device.decrypt(m)).plaintext), 'far');
});

test('stock libsignal 0.103 refuses sessions that TypeScript opens (it requires the SPQR ratchet)', async () => {
  const alice = await tsDevice('alice', 7);
  const { LibsignalPeer } = await import('./libsignal-peer.ts');
  const bob = new LibsignalPeer('bob', 1);
  const [e] = await alice.device.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc('hi'), async () => [bob.bundle()]);
  assert.equal(e!.type, 'prekey');
  // Our PreKeySignalMessage is well-formed for libsignal...
  const parsed = S.PreKeySignalMessage.deserialize(new Uint8Array(Buffer.from(e!.body, 'base64')) as Uint8Array<ArrayBuffer>);
  assert.equal(parsed.version(), 4);
  assert.equal(parsed.registrationId(), alice.upload.registrationId);
  assert.equal(parsed.signedPreKeyId(), 1);
  assert.equal(parsed.preKeyId(), 1);
  // ...but its session set-up insists on the post-quantum ratchet, which this module lacks.
  await assert.rejects(libsignalReads(bob, alice, e!), /decryption failed|post-quantum|version/i);
  assert.equal(bob.preKeys.map.size, 1, 'nothing consumed');
  void address;
});

test('one encryptForDevices call serves several libsignal devices and my own other device', async () => {
  const alice = await tsDevice('alice', 7);
  const alice2 = await tsDevice('alice', 8);
  const bob1 = await libsignalTo(alice, 'bob', 1);
  const bob2 = await libsignalTo(alice, 'bob', 2);
  await open(alice, bob1);
  await open(alice, bob2);
  const envs = await alice.device.encryptForDevices(
    [
      { userId: 'bob', deviceId: 1 },
      { userId: 'bob', deviceId: 2 },
      { userId: 'alice', deviceId: 8 },
    ],
    enc('to everyone'),
    async (userId, deviceIds) => (userId === 'alice' && deviceIds.includes(8) ? [alice2.bundle()] : []),
  );
  assert.deepEqual(envs.map((e) => `${e.userId}.${e.deviceId}:${e.type}`), ['bob.1:message', 'bob.2:message', 'alice.8:prekey']);
  assert.equal(await libsignalReads(bob1, alice, envs[0]!), 'to everyone');
  assert.equal(await libsignalReads(bob2, alice, envs[1]!), 'to everyone');
  // bob.2's envelope is useless to bob.1.
  await assert.rejects(libsignalReads(bob1, alice, envs[1]!));
  const mine = await alice2.device.decrypt({ senderUserId: 'alice', senderDeviceId: 7, type: envs[2]!.type, body: envs[2]!.body });
  assert.equal(dec(mine.plaintext), 'to everyone');
});
