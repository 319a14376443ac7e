import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyFriendPresence, applyRelationship, applyUserUpdate, fromList, listFor, parseRelationship, pendingCount, type Relationships } from '../../src/lib/friends.ts';

const user = (id: string, displayName: string, username = displayName.toLowerCase()) => ({ id, username, displayName });
const friend = (id: string, name: string, status = 'online') => ({ user: user(id, name), type: 'friend', since: '2026-11-29T00:00:00Z', status });

test('friends: the list keeps relationships, drops malformed entries, and a friend without a status is offline', () => {
  const map = fromList([
    friend('a', 'Ana'),
    { user: user('b', 'Ben'), type: 'incoming', since: 's' },
    { user: user('c', 'Cat'), type: 'friend', since: 's' },
    { user: { id: 'x' }, type: 'enemy' },
    { type: 'friend' },
    null,
  ]);
  assert.deepEqual([...map.keys()], ['a', 'b', 'c']);
  assert.equal(map.get('c')?.status, 'offline');
  assert.equal(map.get('b')?.status, undefined, 'a request carries no presence');
  assert.equal(parseRelationship({ user: user('d', 'Dan'), type: 'friend', since: 's', status: 'invisible' })?.status, 'offline', 'never invisible');
});

test('friends: relationship:update sets, replaces and ends a relationship', () => {
  let map: Relationships = fromList([]);
  map = applyRelationship(map, { user: user('a', 'Ana'), type: 'incoming', since: 's' });
  assert.equal(map.get('a')?.type, 'incoming');
  assert.equal(pendingCount(map), 1);
  map = applyRelationship(map, { user: user('a', 'Ana'), type: 'friend', since: 't', status: 'idle' });
  assert.equal(map.get('a')?.type, 'friend');
  assert.equal(map.get('a')?.status, 'idle');
  assert.equal(pendingCount(map), 0);
  const same = map;
  assert.equal(applyRelationship(map, { user: { id: 'zz' }, type: null }), same, 'ending an unknown one changes nothing');
  assert.equal(applyRelationship(map, { nonsense: true }), same);
  map = applyRelationship(map, { user: { id: 'a' }, type: null });
  assert.equal(map.size, 0);
});

test('friends: presence:friend moves only friends, and a custom status shows only while not offline', () => {
  let map: Relationships = fromList([friend('a', 'Ana', 'offline'), { user: user('b', 'Ben'), type: 'outgoing', since: 's' }]);
  map = applyFriendPresence(map, { userId: 'a', status: 'dnd', customStatus: { text: 'Focus' } });
  assert.equal(map.get('a')?.status, 'dnd');
  assert.equal(map.get('a')?.customStatus?.text, 'Focus');
  map = applyFriendPresence(map, { userId: 'a', status: 'offline', customStatus: { text: 'Focus' } });
  assert.equal(map.get('a')?.customStatus, null);
  const before = map;
  assert.equal(applyFriendPresence(map, { userId: 'b', status: 'online' }), before, 'a pending request learns no presence');
  assert.equal(applyFriendPresence(map, { userId: 'a', status: 'weird' }), before);
});

test('friends: a new display name follows from user:update', () => {
  const map = applyUserUpdate(fromList([friend('a', 'Ana')]), { guildId: 'g', user: { id: 'a', displayName: 'Anaïs' } });
  assert.equal(map.get('a')?.user.displayName, 'Anaïs');
  assert.equal(map.get('a')?.user.username, 'ana');
  const same = fromList([friend('a', 'Ana')]);
  assert.equal(applyUserUpdate(same, { user: { id: 'a', avatar: 'x' } }), same, 'a picture alone changes nothing here');
  const renamed = applyUserUpdate(same, { user: { id: 'a', username: 'anais' } });
  assert.equal(renamed.get('a')?.user.username, 'anais', 'a new username follows too');
  assert.equal(renamed.get('a')?.user.displayName, same.get('a')?.user.displayName);
});

test('friends: each tab lists its people by name, pending with requests received first, and search folds case and accents', () => {
  const map = fromList([
    friend('z', 'Zoé', 'online'),
    friend('e', 'émile', 'idle'),
    friend('o', 'Olga', 'offline'),
    { user: user('p', 'Paul'), type: 'outgoing', since: 's' },
    { user: user('q', 'Quentin'), type: 'incoming', since: 's' },
    { user: user('r', 'Rita'), type: 'incoming', since: 's' },
  ]);
  const ids = (tab: Parameters<typeof listFor>[1], q?: string) => listFor(map, tab, q).map((r) => r.user.id);
  assert.deepEqual(ids('online'), ['e', 'z']);
  assert.deepEqual(ids('all'), ['e', 'o', 'z']);
  assert.deepEqual(ids('pending'), ['q', 'r', 'p']);
  assert.deepEqual(ids('add'), []);
  assert.deepEqual(ids('all', 'EMI'), ['e']);
  assert.deepEqual(ids('all', 'zoe'), ['z']);
  assert.deepEqual(ids('pending', 'rit'), ['r']);
  assert.deepEqual(ids('all', 'nobody'), []);
});
