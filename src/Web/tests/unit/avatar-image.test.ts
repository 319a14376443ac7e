import assert from 'node:assert/strict';
import { test } from 'node:test';
import { squareCrop } from '../../src/lib/avatar-image.ts';

test('a profile picture is the centred square of the one chosen', () => {
  assert.deepEqual(squareCrop(400, 300), { sx: 50, sy: 0, side: 300 });
  assert.deepEqual(squareCrop(300, 401), { sx: 0, sy: 50, side: 300 });
  assert.deepEqual(squareCrop(128, 128), { sx: 0, sy: 0, side: 128 });
});
