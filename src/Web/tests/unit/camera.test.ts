import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';
import { SIMULCAST_ENCODINGS, sourceOf, substreamForWidth, type SubscribedStream } from '../../src/lib/voice/camera.ts';
import { deriveFrameKey, encryptFrame } from '../../src/lib/voice/sframe.ts';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;

/**
 * What Janus 1.1.2 reads of a VP8 RTP payload to find a key frame, which it needs to switch a
 * subscriber to another simulcast substream (utils.c, janus_vp8_is_keyframe): skip the payload
 * descriptor (X, I with a 7- or 15-bit picture id, L, T/K), then — on the start of a partition (S)
 * — the P bit of the first payload byte must be 0 and bytes 3–5 the start code 9d 01 2a. Written
 * here from that description; it returns the frame size Janus logs, or null for "not a key frame".
 */
function janusVp8Keyframe(payload: Uint8Array): { width: number; height: number } | null {
  if (payload.length < 16) {
    return null;
  }
  let i = 0;
  const first = payload[i]!;
  const start = (first & 0x10) !== 0;
  if (first & 0x80) {
    const ext = payload[++i]!;
    if (ext & 0x80) {
      i += payload[i + 1]! & 0x80 ? 2 : 1;
    }
    if (ext & 0x40) i++;
    if (ext & 0x20 || ext & 0x10) i++;
  }
  i++;
  if (!start || (payload[i]! & 0x01) !== 0) {
    return null;
  }
  const c = payload.subarray(i + 3);
  if (c[0] !== 0x9d || c[1] !== 0x01 || c[2] !== 0x2a) {
    return null;
  }
  return { width: (c[3]! | (c[4]! << 8)) & 0x3fff, height: (c[5]! | (c[6]! << 8)) & 0x3fff };
}

/** A VP8 frame as the encoder hands it to the transform: 3-byte frame tag, then (key frame) start code and size. */
function vp8Frame(key: boolean, width: number, height: number, size = 400): Uint8Array {
  const f = webcrypto.getRandomValues(new Uint8Array(size));
  const partition = 120;
  // Frame tag: bit 0 = P (0 = key frame), version 0, show_frame 1, first partition size.
  const tag = (key ? 0 : 1) | (0 << 1) | (1 << 4) | (partition << 5);
  f[0] = tag & 0xff;
  f[1] = (tag >> 8) & 0xff;
  f[2] = (tag >> 16) & 0xff;
  if (key) {
    f.set([0x9d, 0x01, 0x2a, width & 0xff, (width >> 8) & 0x3f, height & 0xff, (height >> 8) & 0x3f], 3);
  }
  return f;
}

/** The RTP payload of the first packet of a frame, as Chromium packetises VP8: X=1 S=1, I with a 15-bit picture id, L and T. */
function firstPacket(frame: Uint8Array, pictureId: number): Uint8Array {
  const descriptor = new Uint8Array([0x90, 0xe0, 0x80 | (pictureId >> 8), pictureId & 0xff, 7, 0x20]);
  const out = new Uint8Array(descriptor.length + Math.min(frame.length, 1100));
  out.set(descriptor);
  out.set(frame.subarray(0, out.length - descriptor.length), descriptor.length);
  return out;
}

test('Janus still finds key frames (and their size) in encrypted VP8 frames of every simulcast layer', async () => {
  const key = await deriveFrameKey(subtle, webcrypto.getRandomValues(new Uint8Array(32)), 42n);
  let ctr = 0n;
  for (const [i, enc] of SIMULCAST_ENCODINGS.entries()) {
    const width = 1280 / (enc.scaleResolutionDownBy ?? 1);
    const height = 720 / (enc.scaleResolutionDownBy ?? 1);
    const plainKey = vp8Frame(true, width, height);
    assert.deepEqual(janusVp8Keyframe(firstPacket(plainKey, 100 + i)), { width, height }, 'the test parser reads a plain key frame');

    const wireKey = await encryptFrame(subtle, 'video', key, ctr++, plainKey);
    assert.deepEqual(janusVp8Keyframe(firstPacket(wireKey, 100 + i)), { width, height }, `layer ${enc.rid}: key frame and size readable after encryption`);
    // Beyond the ten clear codec bytes nothing of the frame is readable.
    assert.notDeepEqual(wireKey.subarray(10 + 2, 40), plainKey.subarray(10, 38));

    const wireDelta = await encryptFrame(subtle, 'video', key, ctr++, vp8Frame(false, width, height));
    assert.equal(janusVp8Keyframe(firstPacket(wireDelta, 200 + i)), null, `layer ${enc.rid}: a delta frame is not taken for a key frame`);
  }
});

test('three simulcast encodings, high to low, each half the size of the one before', () => {
  assert.deepEqual(
    SIMULCAST_ENCODINGS.map((e) => [e.rid, e.scaleResolutionDownBy]),
    [
      ['h', 1],
      ['m', 2],
      ['l', 4],
    ],
  );
  const rates = SIMULCAST_ENCODINGS.map((e) => e.maxBitrate!);
  assert.ok(rates[0]! > rates[1]! && rates[1]! > rates[2]!);
});

test('a small tile asks for a lower layer than a large one', () => {
  assert.equal(substreamForWidth(0), 0);
  assert.equal(substreamForWidth(200), 0);
  assert.equal(substreamForWidth(200, 2), 1); // 400 device pixels
  assert.equal(substreamForWidth(640), 1);
  assert.equal(substreamForWidth(1000), 2);
});

test('a received stream is known as camera or screen from the SFU mapping and the publisher state', () => {
  const streams = new Map<string, SubscribedStream>([
    ['0', { mid: '0', feedId: 7, feedMid: '0' }],
    ['1', { mid: '1', feedId: 7, feedMid: '1' }],
    ['2', { mid: '2', feedId: 7, feedMid: '2' }],
  ]);
  const participants = [
    {
      feedId: 7,
      streams: [
        { mid: '0', source: 'microphone' },
        { mid: '1', source: 'screen' },
        { mid: '2', source: 'camera' },
      ],
    },
  ];
  assert.equal(sourceOf('1', streams, participants), 'screen');
  assert.equal(sourceOf('2', streams, participants), 'camera');
  assert.equal(sourceOf('9', streams, participants), null, 'unknown subscriber mid');
  assert.equal(sourceOf('2', streams, [{ feedId: 7, streams: [] }]), null, 'publisher state not there yet');
});
