import assert from 'node:assert/strict';
import { test } from 'node:test';
import { VersionedRoster } from '../../src/lib/stores/ordering.ts';

interface M {
  userId: string;
  sharing?: boolean;
}

const ids = (r: VersionedRoster<M>) => r.list.map((m) => m.userId);

test('voice:state: an event older than the last applied for a member is dropped, per member', () => {
  const r = new VersionedRoster<M>();
  assert.equal(r.apply('a', { userId: 'a', sharing: true }, 10), true, 'first event applies');
  assert.equal(r.apply('a', { userId: 'a', sharing: false }, 12), true, 'newer applies');
  assert.equal(r.apply('a', { userId: 'a', sharing: true }, 11), false, 'an older one arriving late (still sharing) is dropped');
  assert.equal(r.apply('a', { userId: 'a', sharing: true }, 12), false, 'a duplicate is dropped');
  assert.equal(r.apply('b', { userId: 'b' }, 11), true, 'other members are tracked on their own');
  assert.deepEqual(r.list, [{ userId: 'a', sharing: false }, { userId: 'b' }], 'members keep their place when updated');
  assert.equal(r.apply('a', null, undefined), true, 'events without a version always apply');
  assert.deepEqual(ids(r), ['b']);
});

test('voice:state: a snapshot answered before a join already applied keeps the joined member', () => {
  const r = new VersionedRoster<M>();
  r.reset([{ userId: 'a' }], 100);
  // Carol joins (v 105) while a second snapshot, taken at v 103, is on its way.
  assert.equal(r.apply('c', { userId: 'c' }, 105), true);
  assert.equal(r.reset([{ userId: 'a' }, { userId: 'b' }], 103), true);
  assert.deepEqual(ids(r), ['a', 'b', 'c'], 'the newer join is re-applied on top of the older snapshot');
  // Bob's join (v 102) arrives after the snapshot that already holds him: nothing changes.
  assert.equal(r.apply('b', { userId: 'b', sharing: true }, 102), false);
  assert.deepEqual(ids(r), ['a', 'b', 'c']);
});

test('voice:state: a leave newer than the snapshot is kept; an older snapshot than one applied is ignored', () => {
  const r = new VersionedRoster<M>();
  r.apply('a', null, 210);
  assert.equal(r.reset([{ userId: 'a' }, { userId: 'b' }], 200), true);
  assert.deepEqual(ids(r), ['b'], 'Alice left after the snapshot was taken');
  assert.equal(r.reset([{ userId: 'x' }], 150), false, 'a snapshot older than the applied one is dropped');
  assert.deepEqual(ids(r), ['b']);
  assert.equal(r.reset([], 300), true, 'a newer snapshot empties the room (everyone left while disconnected)');
  assert.deepEqual(ids(r), []);
  assert.equal(r.apply('a', { userId: 'a' }, 210), false, 'events the newer snapshot holds stay dropped');
});

test('voice:state: snapshots without a version (older servers) replace the list', () => {
  const r = new VersionedRoster<M>();
  r.apply('a', { userId: 'a' }, 5);
  r.reset([{ userId: 'b' }]);
  assert.deepEqual(ids(r), ['b']);
});
