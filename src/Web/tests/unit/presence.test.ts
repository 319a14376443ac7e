import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyBatch, IdleDetector, splitByPresence, statusOf, type PresenceStatus } from '../../src/lib/presence/logic.ts';

test('presence batches add, change and drop members; offline and invisible leave the map', () => {
  let map: Record<string, PresenceStatus> = {};
  map = applyBatch(map, [{ userId: 'a', status: 'online' }, { userId: 'b', status: 'dnd' }]);
  assert.deepEqual(map, { a: 'online', b: 'dnd' });
  const before = map;
  map = applyBatch(map, [{ userId: 'a', status: 'idle' }, { userId: 'b', status: 'offline' }, { userId: 'c', status: 'invisible' }]);
  assert.deepEqual(map, { a: 'idle' });
  assert.deepEqual(before, { a: 'online', b: 'dnd' }, 'the previous map is not mutated');
  // Batches replayed in order: the last word wins.
  assert.deepEqual([[{ userId: 'x', status: 'online' as const }], [{ userId: 'x', status: 'offline' as const }]].reduce(applyBatch, {}), {});
});

test('a member is offline unless listed; the user sees their own status, invisible included', () => {
  const map: Record<string, PresenceStatus> = { a: 'idle' };
  assert.equal(statusOf(map, 'a'), 'idle');
  assert.equal(statusOf(map, 'z'), 'offline');
  assert.equal(statusOf(undefined, 'a'), 'offline');
  const self = { id: 'me', presence: { status: 'invisible' as const, chosen: 'invisible' as const } };
  assert.equal(statusOf(map, 'me', self), 'invisible');
  assert.equal(statusOf(map, 'me', { id: 'me', presence: null }), 'online');
  assert.equal(statusOf(map, 'me'), 'offline', 'without a connection the user is offline too');
});

test('the member list splits into online (idle, dnd and one\'s own invisible included) and offline', () => {
  const status: Record<string, PresenceStatus> = { a: 'online', b: 'idle', c: 'dnd', d: 'offline', e: 'invisible' };
  const members = ['a', 'b', 'c', 'd', 'e', 'f'].map((userId) => ({ userId }));
  const { online, offline } = splitByPresence(members, (id) => status[id] ?? 'offline');
  assert.deepEqual(online.map((m) => m.userId), ['a', 'b', 'c', 'e']);
  assert.deepEqual(offline.map((m) => m.userId), ['d', 'f']);
});

test('auto-idle flips once after the timeout without input and back on the next input', () => {
  let now = 0;
  const flips: boolean[] = [];
  const detector = new IdleDetector(5 * 60_000, (idle) => flips.push(idle), () => now);
  now = 4 * 60_000;
  detector.check();
  assert.deepEqual(flips, []);
  detector.activity();
  now = 8 * 60_000;
  detector.check();
  assert.deepEqual(flips, [], 'input at 4 min restarts the countdown');
  now = 9 * 60_000;
  detector.check();
  detector.check();
  assert.deepEqual(flips, [true], 'idle once, not once per check');
  assert.equal(detector.isIdle, true);
  now += 1;
  detector.activity();
  detector.activity();
  assert.deepEqual(flips, [true, false]);
  assert.equal(detector.isIdle, false);
});
