import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emojiNameFrom, fitWithin, squareCrop } from '../../src/lib/avatar-image.ts';

test('a profile picture is the centred square of the one chosen', () => {
  assert.deepEqual(squareCrop(400, 300), { sx: 50, sy: 0, side: 300 });
  assert.deepEqual(squareCrop(300, 401), { sx: 0, sy: 50, side: 300 });
  assert.deepEqual(squareCrop(128, 128), { sx: 0, sy: 0, side: 128 });
});

test('an emoji picture fits 128 pixels keeping its shape, and is never enlarged', () => {
  assert.deepEqual(fitWithin(512, 256, 128), { width: 128, height: 64 });
  assert.deepEqual(fitWithin(100, 400, 128), { width: 32, height: 128 });
  assert.deepEqual(fitWithin(64, 48, 128), { width: 64, height: 48 });
});

test('an emoji is named after its file: letters, digits and underscores, 2 to 32 of them', () => {
  assert.equal(emojiNameFrom('Party Parrot.gif'), 'Party_Parrot');
  assert.equal(emojiNameFrom('café-noir.png'), 'cafe_noir');
  assert.equal(emojiNameFrom('x.png'), 'emoji_x');
  assert.equal(emojiNameFrom('🎉.png'), 'emoji_');
  assert.equal(emojiNameFrom(`${'a'.repeat(40)}.webp`), 'a'.repeat(32));
});
