import assert from 'node:assert/strict';
import { test } from 'node:test';
import { makeKid, MediaKeyRing, randomSenderTag, type MediaKeyExchange, type ReceivedMediaKey } from '../../src/lib/voice/keys.ts';
import { frameTransformSupport } from '../../src/lib/voice/e2ee.ts';

function fakeExchange() {
  const sent: Array<{ roomId: string; to: string[]; kid: number; key: Uint8Array }> = [];
  const ex: MediaKeyExchange = {
    name: 'in-memory',
    async sendKey(roomId, recipients, kid, key) {
      sent.push({ roomId, to: recipients.map((r) => r.userId), kid, key });
    },
    onKey: () => () => {},
    verification: async () => 'unknown',
  };
  return { ex, sent };
}

function sink() {
  const log: string[] = [];
  return {
    log,
    setSendKey: (kid: number) => log.push(`send ${kid}`),
    setReceiveKey: (p: string, kid: number) => log.push(`recv ${p} ${kid}`),
    forget: (p: string) => log.push(`forget ${p}`),
  };
}

test('key ids keep the sender tag and a 16-bit generation, below 2^53', () => {
  assert.equal(makeKid(1, 2), 0x10002);
  assert.equal(makeKid(5, 0x10001), 5 * 0x10000 + 1);
  const tag = randomSenderTag(() => new Uint32Array([0xffffffff]));
  assert.equal(tag, 0x7fffffff);
  assert.ok(Number.isSafeInteger(makeKid(tag, 0xffff)));
});

test('a rekey sends a fresh key to the others only; the first key is used at once, later ones after the delay', async () => {
  const { ex, sent } = fakeExchange();
  const s = sink();
  const ring = new MediaKeyRing('room', 'me', ex, s, 20, 7);
  await ring.rekey(1, ['me', 'bob']);
  assert.deepEqual(sent.map((x) => x.to), [['bob']]);
  assert.equal(sent[0]!.kid, makeKid(7, 1));
  assert.equal(sent[0]!.key.length, 32);
  assert.deepEqual(s.log, [`send ${makeKid(7, 1)}`]);

  await ring.rekey(2, ['me', 'bob', 'carol']);
  assert.deepEqual(sent[1]!.to, ['bob', 'carol']);
  assert.notDeepEqual(sent[1]!.key, sent[0]!.key);
  assert.equal(s.log.length, 1, 'the new key waits for the others to install it');
  await new Promise((r) => setTimeout(r, 40));
  assert.deepEqual(s.log.at(-1), `send ${makeKid(7, 2)}`);

  // Carol left: the next key does not go to her; a stale epoch changes nothing.
  await ring.rekey(3, ['me', 'bob']);
  await ring.rekey(2, ['me', 'bob', 'carol']);
  assert.equal(sent.length, 3);
  assert.deepEqual(sent[2]!.to, ['bob']);
  ring.close();
});

test('keys from others are installed for this room only; a leaver’s keys are forgotten', () => {
  const { ex } = fakeExchange();
  const s = sink();
  const ring = new MediaKeyRing('room', 'me', ex, s, 20, 1);
  const k = (roomId: string, fromUserId: string): ReceivedMediaKey => ({ roomId, fromUserId, kid: 9, key: new Uint8Array(32) });
  ring.received(k('room', 'bob'));
  ring.received(k('other-room', 'bob'));
  ring.received(k('room', 'me'));
  ring.left('bob');
  assert.deepEqual(s.log, ['recv bob 9', 'forget bob']);
});

test('no frame transform in the environment means no end-to-end encryption (voice refuses)', () => {
  assert.equal(frameTransformSupport({} as typeof globalThis), null);
  assert.equal(frameTransformSupport({ RTCRtpScriptTransform: class {} } as unknown as typeof globalThis), 'script-transform');
  const legacy = { RTCRtpSender: { prototype: { createEncodedStreams() {} } } } as unknown as typeof globalThis;
  assert.equal(frameTransformSupport(legacy), 'encoded-streams');
});
