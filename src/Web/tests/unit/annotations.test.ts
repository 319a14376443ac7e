import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { test } from 'node:test';
import {
  AnnotationBoard,
  AnnotationKeys,
  contentBox,
  deriveAnnotationKey,
  fromBase64,
  fromFrame,
  open,
  parseOp,
  peekKid,
  quantize,
  seal,
  toBase64,
  toFrame,
} from '../../src/lib/voice/annotations.ts';
import { rmsLevel, SpeakingDetector } from '../../src/lib/voice/speaking.ts';

const subtle = webcrypto.subtle as unknown as SubtleCrypto;
const channel = '0190a0b0-0000-7000-8000-000000000001';
const sharer = 'sharer-id';
const viewer = 'viewer-id';

test('contentBox letterboxes a 16:9 frame in a tall box and pillarboxes it in a wide one', () => {
  // 1000×1000 element, 1920×1080 video: full width, 562.5 high, bars of 218.75 above and below.
  assert.deepEqual(contentBox(1000, 1000, 1920, 1080), { x: 0, y: 218.75, width: 1000, height: 562.5 });
  // 2000×540 element: full height, 960 wide, centred.
  assert.deepEqual(contentBox(2000, 540, 1920, 1080), { x: 520, y: 0, width: 960, height: 540 });
  // Unknown video size: the whole element.
  assert.deepEqual(contentBox(300, 200, 0, 0), { x: 0, y: 0, width: 300, height: 200 });
});

test('a point on the shared frame maps to the same frame pixel whatever the viewer’s element size', () => {
  const frameX = 0.25;
  const frameY = 0.75;
  for (const [w, h] of [[1000, 1000], [2000, 540], [640, 360], [333, 900]] as const) {
    const box = contentBox(w, h, 1920, 1080);
    const [px, py] = fromFrame(box, [frameX, frameY]);
    const back = toFrame(box, px, py)!;
    assert.ok(Math.abs(back[0] - frameX) < 1e-9 && Math.abs(back[1] - frameY) < 1e-9);
  }
  // The bars are not part of the frame.
  const box = contentBox(1000, 1000, 1920, 1080);
  assert.equal(toFrame(box, 500, 100), null);
  assert.deepEqual(toFrame(box, 500, 500), [0.5, 0.5]);
});

test('the sharer’s clear removes every stroke; a viewer’s clear removes only their own', () => {
  const board = new AnnotationBoard(sharer);
  const stroke = (id: number) => ({ op: 'stroke' as const, id, tool: 'pen' as const, color: '#ff3b30', pts: quantize([[0.1, 0.1], [0.2, 0.2]]), end: true });
  board.apply(sharer, stroke(1));
  board.apply(viewer, stroke(1));
  board.apply('other', stroke(7));
  assert.equal(board.list().length, 3);
  board.apply(viewer, { op: 'clear' });
  assert.deepEqual(board.list().map((s) => s.userId).sort(), ['other', sharer]);
  board.apply('other', stroke(8));
  board.apply(sharer, { op: 'clear' });
  assert.deepEqual(board.list(), []);
});

test('pen batches append points; an arrow keeps only its start and current end', () => {
  const board = new AnnotationBoard(sharer);
  board.apply(viewer, { op: 'stroke', id: 1, tool: 'pen', color: '#ffffff', pts: quantize([[0, 0], [0.1, 0.1]]), end: false });
  board.apply(viewer, { op: 'stroke', id: 1, tool: 'pen', color: '#ffffff', pts: quantize([[0.2, 0.2]]), end: true });
  board.apply(viewer, { op: 'stroke', id: 2, tool: 'arrow', color: '#ffffff', pts: quantize([[0, 0], [0.5, 0.5]]), end: false });
  board.apply(viewer, { op: 'stroke', id: 2, tool: 'arrow', color: '#ffffff', pts: quantize([[0, 0], [0.9, 0.1]]), end: true });
  const [pen, arrow] = board.list();
  assert.deepEqual(pen!.points, [[0, 0], [0.1, 0.1], [0.2, 0.2]]);
  assert.ok(pen!.done);
  assert.deepEqual(arrow!.points, [[0, 0], [0.9, 0.1]]);
});

test('malformed plaintexts are refused whole', () => {
  const ok = { op: 'stroke', id: 1, tool: 'pen', color: '#ff3b30', pts: [0, 10000], end: false };
  assert.ok(parseOp(JSON.stringify(ok)));
  for (const bad of [
    { ...ok, pts: [1] },
    { ...ok, pts: [0, 10001] },
    { ...ok, pts: [0.5, 1] },
    { ...ok, color: 'url(javascript:1)' },
    { ...ok, tool: 'eraser' },
    { ...ok, id: -1 },
    { ...ok, tool: 'arrow', pts: [1, 2] },
    { ...ok, pts: new Array(402).fill(0) },
    { op: 'wipe' },
  ]) {
    assert.equal(parseOp(JSON.stringify(bad)), null, JSON.stringify(bad).slice(0, 60));
  }
  assert.equal(parseOp('not json'), null);
});

test('sealed annotations open with the sender’s key only, bound to the room and the screen', async () => {
  const base = webcrypto.getRandomValues(new Uint8Array(32));
  const kid = 0x1234_0002;
  const key = await deriveAnnotationKey(subtle, base, kid);
  const op = { op: 'stroke' as const, id: 3, tool: 'pen' as const, color: '#34c759', pts: [1234, 5678, 2345, 6789], end: false };
  const sealed = await seal(subtle, key, kid, channel, sharer, { seq: 5, op });
  assert.equal(peekKid(sealed), kid);
  // Nothing of the plaintext is visible in the bytes the hub relays.
  const text = Buffer.from(sealed).toString('latin1');
  for (const needle of ['1234', '5678', 'stroke', 'pts', '#34c759']) {
    assert.ok(!text.includes(needle), needle);
  }
  assert.deepEqual(await open(subtle, key, channel, sharer, fromBase64(toBase64(sealed))!), { seq: 5, op });
  // Another screen, another room, a tampered byte, another key: refused.
  assert.equal(await open(subtle, key, channel, viewer, sealed), null);
  assert.equal(await open(subtle, key, '0190a0b0-0000-7000-8000-000000000002', sharer, sealed), null);
  const tampered = sealed.slice();
  tampered[tampered.length - 20]! ^= 1;
  assert.equal(await open(subtle, key, channel, sharer, tampered), null);
  const other = await deriveAnnotationKey(subtle, webcrypto.getRandomValues(new Uint8Array(32)), kid);
  assert.equal(await open(subtle, other, channel, sharer, sealed), null);
  // The key id in the header is authenticated too.
  const rekid = sealed.slice();
  rekid[8]! ^= 1;
  assert.equal(await open(subtle, key, channel, sharer, rekid), null);
});

test('annotation keys follow the media key ring: a key id is accepted only from the user who sent it', async () => {
  const keys = new AnnotationKeys(subtle);
  const base = webcrypto.getRandomValues(new Uint8Array(32));
  keys.setReceiveKey(viewer, 0x10001, base);
  assert.ok(keys.receiving(viewer, 0x10001));
  assert.equal(keys.receiving('someone-else', 0x10001), null);
  // The same base key gives different annotation keys under different ids (HKDF info carries the id).
  const a = await deriveAnnotationKey(subtle, base, 1);
  const sealed = await seal(subtle, a, 1, channel, sharer, { seq: 1, op: { op: 'clear' } });
  assert.equal(await open(subtle, await deriveAnnotationKey(subtle, base, 2), channel, sharer, sealed), null);
  // Only the last four keys of a sender are kept; forget drops them all.
  for (let g = 2; g <= 6; g++) keys.setReceiveKey(viewer, 0x10000 + g, base);
  assert.equal(keys.receiving(viewer, 0x10001), null);
  assert.equal(keys.receiving(viewer, 0x10002), null);
  assert.ok(keys.receiving(viewer, 0x10006));
  keys.forget(viewer);
  assert.equal(keys.receiving(viewer, 0x10006), null);
});

test('speaking starts after sustained level and stops after a pause, without flapping on short gaps', () => {
  const d = new SpeakingDetector(0.02, 100, 600);
  const changes: Array<[number, boolean]> = [];
  const feed = (from: number, to: number, level: number) => {
    for (let t = from; t < to; t += 50) {
      if (d.sample(level, t)) changes.push([t, d.speaking]);
    }
  };
  feed(0, 500, 0.001);
  feed(500, 550, 0.5); // a click: too short
  feed(550, 1000, 0.001);
  feed(1000, 2000, 0.3);
  feed(2000, 2300, 0.001); // a breath between words
  feed(2300, 3000, 0.3);
  feed(3000, 4000, 0.001);
  assert.deepEqual(changes, [[1100, true], [3600, false]]);
  assert.equal(rmsLevel(new Uint8Array(128).fill(128)), 0);
  assert.ok(rmsLevel(Uint8Array.from({ length: 128 }, (_, i) => (i % 2 ? 228 : 28))) > 0.7);
});
