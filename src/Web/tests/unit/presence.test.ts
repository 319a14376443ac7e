import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyBatch,
  applyCustomStatuses,
  clearAfterTime,
  customStatusActive,
  IdleDetector,
  onlineIdsOf,
  onlineMembers,
  statusOf,
  type PresenceStatus,
} from '../../src/lib/presence/logic.ts';

test('presence batches (ids grouped by status) add, change and drop members; offline ones leave the map', () => {
  let map: Record<string, PresenceStatus> = {};
  map = applyBatch(map, { online: ['a'], dnd: ['b', 'd'] });
  assert.deepEqual(map, { a: 'online', b: 'dnd', d: 'dnd' });
  const before = map;
  map = applyBatch(map, { idle: ['a'], offline: ['b', 'c'] });
  assert.deepEqual(map, { a: 'idle', d: 'dnd' });
  assert.deepEqual(before, { a: 'online', b: 'dnd', d: 'dnd' }, 'the previous map is not mutated');
  assert.deepEqual(applyBatch(map, {}), map, 'a batch without groups changes nothing');
  // Batches replayed in order: the last word wins.
  assert.deepEqual([{ online: ['x'] }, { offline: ['x'] }].reduce(applyBatch, {}), {});
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

test('the online side lists the known online members and asks for just enough unknown ones, in id order', () => {
  const known = new Map(['b', 'd', 'f'].map((userId) => [userId, { userId }]));
  const online = ['z', 'd', 'y', 'b', 'x'];
  const view = onlineMembers(online, known, 4);
  assert.deepEqual(view.members.map((m) => m.userId), ['d', 'b']);
  assert.deepEqual(view.missing, ['x', 'y'], 'two more make four, the lowest ids first');
  assert.equal(view.total, 5);
  assert.deepEqual(onlineMembers(online, known, 2).missing, [], 'enough known already');
  assert.deepEqual(onlineMembers(online, known, 100).missing, ['x', 'y', 'z']);
  assert.deepEqual(onlineMembers([], known, 100), { members: [], missing: [], total: 0 });
});

test('who is online: the presence map, plus oneself while connected (invisible included)', () => {
  const map: Record<string, PresenceStatus> = { a: 'online', b: 'idle' };
  assert.deepEqual(onlineIdsOf(map, null), ['a', 'b']);
  assert.deepEqual(onlineIdsOf(map, { id: 'me', presence: { status: 'invisible', chosen: 'invisible' } }), ['a', 'b', 'me']);
  assert.deepEqual(onlineIdsOf({ ...map, me: 'dnd' }, { id: 'me', presence: { status: 'dnd', chosen: 'dnd' } }), ['a', 'b', 'me'], 'not twice');
  assert.deepEqual(onlineIdsOf(undefined, { id: 'me', presence: null }), ['me']);
  assert.deepEqual(onlineIdsOf(undefined, null), []);
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

test('custom statuses follow the batches: a user named with one has it, named without one or offline has none', () => {
  const beach = { text: 'En vacances', emoji: '🏖️', expiresAt: null };
  let custom = applyCustomStatuses({}, { online: ['a', 'b'], customStatus: { a: beach } });
  assert.deepEqual(custom, { a: beach });
  // A batch about someone else leaves a's alone; one naming a without a status clears it.
  custom = applyCustomStatuses(custom, { idle: ['b'] });
  assert.deepEqual(custom, { a: beach });
  const before = custom;
  custom = applyCustomStatuses(custom, { dnd: ['a'] });
  assert.deepEqual(custom, {});
  assert.deepEqual(before, { a: beach }, 'the previous map is not mutated');
  // Offline drops it even if a (malformed) batch carried one.
  custom = applyCustomStatuses({ a: beach }, { offline: ['a'], customStatus: { a: beach } });
  assert.deepEqual(custom, {});
});

test('a custom status runs until its end, and the clear-after choices end where Discord ends them', () => {
  const now = Date.parse('2026-11-28T10:00:00Z');
  assert.equal(customStatusActive({ text: 'x', expiresAt: '2026-11-28T10:00:01Z' }, now), true);
  assert.equal(customStatusActive({ text: 'x', expiresAt: '2026-11-28T10:00:00Z' }, now), false);
  assert.equal(customStatusActive({ emoji: '🎧', expiresAt: null }, now), true);
  assert.equal(customStatusActive({ text: '', emoji: null }, now), false);
  assert.equal(customStatusActive(null, now), false);

  const at = new Date(2026, 10, 28, 15, 30);
  assert.equal(clearAfterTime('never', at), null);
  assert.equal(clearAfterTime('30m', at), new Date(2026, 10, 28, 16, 0).toISOString());
  assert.equal(clearAfterTime('1h', at), new Date(2026, 10, 28, 16, 30).toISOString());
  assert.equal(clearAfterTime('4h', at), new Date(2026, 10, 28, 19, 30).toISOString());
  assert.equal(clearAfterTime('today', at), new Date(2026, 10, 29, 0, 0).toISOString(), 'the next local midnight');
});
