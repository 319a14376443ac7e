import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cardPlacement, dayLabel } from '../../src/lib/guild/profile.ts';

const view = { width: 1280, height: 800 };
const card = { width: 300, height: 360 };

test('the member card goes to the right of what was clicked, level with it', () => {
  assert.deepEqual(cardPlacement({ left: 380, top: 200, right: 460, bottom: 220 }, card, view), { left: 468, top: 200 });
});

test('without room on the right (the member list) it goes to the left of it', () => {
  assert.deepEqual(cardPlacement({ left: 1056, top: 100, right: 1260, bottom: 140 }, card, view), { left: 748, top: 100 });
  // Nor room on the left: pinned to the window's left edge rather than off screen.
  assert.deepEqual(cardPlacement({ left: 100, top: 100, right: 1200, bottom: 140 }, card, view), { left: 8, top: 100 });
});

test('near the bottom it moves up to stay inside the window, but never above its top', () => {
  assert.deepEqual(cardPlacement({ left: 380, top: 700, right: 460, bottom: 720 }, card, view), { left: 468, top: 432 });
  assert.deepEqual(cardPlacement({ left: 380, top: 100, right: 460, bottom: 120 }, { width: 300, height: 900 }, view), { left: 468, top: 8 });
});

test('"Member since" is a day; a bad date shows nothing', () => {
  assert.equal(dayLabel('2026-11-28T01:02:03Z', 'en-GB'), '28 Nov 2026');
  assert.equal(dayLabel('not a date', 'en-GB'), '');
});
