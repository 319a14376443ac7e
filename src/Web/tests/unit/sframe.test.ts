import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';
import {
  clearByteCount,
  decodeHeader,
  decryptFrame,
  deriveFrameKey,
  deriveNonce,
  encodeHeader,
  encryptFrame,
  peekHeader,
  splitFrame,
  TAG_LENGTH,
} from '../../src/lib/voice/sframe.ts';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('small key id and counter fit in the config byte', () => {
  const h = encodeHeader({ kid: 3n, ctr: 5n });
  assert.equal(hex(h), '35');
  assert.deepEqual(decodeHeader(h), { kid: 3n, ctr: 5n, length: 1 });
});

test('larger values use extended fields with minimal lengths (RFC 9605 §4.3)', () => {
  // kid 0x0102 takes 2 bytes (X=1, K=1), ctr 0x08 takes 1 byte (Y=1, C=0).
  const h = encodeHeader({ kid: 0x0102n, ctr: 8n });
  assert.equal(hex(h), '98' + '0102' + '08');
  assert.deepEqual(decodeHeader(h), { kid: 0x0102n, ctr: 8n, length: 4 });
  const max = (1n << 64n) - 1n;
  const big = encodeHeader({ kid: max, ctr: max });
  assert.equal(big.length, 17);
  assert.deepEqual(decodeHeader(big), { kid: max, ctr: max, length: 17 });
});

test('header round-trips at an offset and refuses truncated or out-of-range input', () => {
  for (const [kid, ctr] of [[0n, 0n], [7n, 7n], [8n, 255n], [256n, 65_536n], [1n << 40n, 123_456_789n]] as const) {
    const buf = new Uint8Array([0xaa, 0xbb, ...encodeHeader({ kid, ctr })]);
    const d = decodeHeader(buf, 2);
    assert.equal(d?.kid, kid);
    assert.equal(d?.ctr, ctr);
  }
  assert.equal(decodeHeader(new Uint8Array([0x98, 0x01])), null);
  assert.equal(decodeHeader(new Uint8Array([])), null);
  assert.throws(() => encodeHeader({ kid: -1n, ctr: 0n }), RangeError);
  assert.throws(() => encodeHeader({ kid: 0n, ctr: 1n << 64n }), RangeError);
});

test('nonce is the salt XOR the big-endian counter in the last 8 bytes', () => {
  const salt = Uint8Array.from({ length: 12 }, (_, i) => i);
  assert.equal(hex(deriveNonce(salt, 0n)), hex(salt));
  assert.equal(hex(deriveNonce(salt, 0x0102n)), '000102030405060708090b09');
  assert.notEqual(hex(deriveNonce(salt, 1n)), hex(deriveNonce(salt, 2n)));
  assert.throws(() => deriveNonce(new Uint8Array(8), 0n), RangeError);
});

test('codec bytes in clear: Opus 1, VP8 key frame 10, VP8 delta frame 3', () => {
  const vp8Key = new Uint8Array(40).fill(7);
  vp8Key[0] = 0x10; // P bit (bit 0) clear: key frame
  const vp8Delta = new Uint8Array(40).fill(7);
  vp8Delta[0] = 0x31; // P bit set: interframe
  assert.equal(clearByteCount('audio', new Uint8Array(20)), 1);
  assert.equal(clearByteCount('video', vp8Key), 10);
  assert.equal(clearByteCount('video', vp8Delta), 3);
  assert.equal(clearByteCount('video', vp8Key.subarray(0, 4)), 4);
  assert.equal(clearByteCount('audio', new Uint8Array(0)), 0);
  const { clear, payload } = splitFrame('video', vp8Key);
  assert.equal(clear.length, 10);
  assert.equal(payload.length, 30);
});

async function key(kid: bigint, seed = 1) {
  return deriveFrameKey(subtle, new Uint8Array(32).fill(seed), kid);
}

test('a frame round-trips; clear bytes and header stay readable, the rest does not', async () => {
  const k = await key(4n);
  const frame = Uint8Array.from({ length: 200 }, (_, i) => (i * 7) & 0xff);
  frame[0] = 0x10;
  const wire = await encryptFrame(subtle, 'video', k, 300n, frame);
  assert.equal(wire.length, 10 + encodeHeader({ kid: 4n, ctr: 300n }).length + 190 + TAG_LENGTH);
  assert.equal(hex(wire.subarray(0, 10)), hex(frame.subarray(0, 10)));
  const h = peekHeader('video', wire);
  assert.equal(h?.kid, 4n);
  assert.equal(h?.ctr, 300n);
  assert.ok(!Buffer.from(wire).includes(Buffer.from(frame.subarray(10, 40))), 'payload must not appear in clear');
  const back = await decryptFrame(subtle, 'video', k, wire);
  assert.equal(hex(back!), hex(frame));
});

test('a frame under the wrong key, a tampered clear byte or a short frame does not decrypt', async () => {
  const k = await key(1n);
  const other = await key(1n, 2);
  const frame = Uint8Array.from({ length: 60 }, (_, i) => i);
  const wire = await encryptFrame(subtle, 'audio', k, 0n, frame);
  assert.equal(await decryptFrame(subtle, 'audio', other, wire), null);
  const tampered = new Uint8Array(wire);
  tampered[0]! ^= 1; // the Opus TOC byte is authenticated
  assert.equal(await decryptFrame(subtle, 'audio', k, tampered), null);
  assert.equal(await decryptFrame(subtle, 'audio', await key(2n), wire), null, 'another key id is refused');
  assert.equal(await decryptFrame(subtle, 'audio', k, wire.subarray(0, 10)), null);
  assert.equal(hex((await decryptFrame(subtle, 'audio', k, wire))!), hex(frame));
});

test('one base key yields different keys and salts per key id', async () => {
  const a = await key(1n);
  const b = await key(2n);
  assert.notEqual(hex(a.salt), hex(b.salt));
  const frame = new Uint8Array(30).fill(9);
  const wa = await encryptFrame(subtle, 'audio', a, 0n, frame);
  const wb = await encryptFrame(subtle, 'audio', b, 0n, frame);
  assert.notEqual(hex(wa.subarray(2)), hex(wb.subarray(2)));
  await assert.rejects(deriveFrameKey(subtle, new Uint8Array(16), 0n), RangeError);
});
