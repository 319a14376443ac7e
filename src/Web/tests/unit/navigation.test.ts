import assert from 'node:assert/strict';
import { test } from 'node:test';
import { navStep, stepIn, textChannelOrder } from '../../src/lib/chat/navigation.ts';
import type { Channel } from '../../src/lib/types.ts';

const ch = (id: string, type: Channel['type'], position: number, parentId: string | null = null) =>
  ({ id, guildId: 'g', type, name: id, topic: '', parentId, position, permissionsSynced: true, overwrites: [] }) as unknown as Channel;

test('keys: Alt+arrows step channels, with Shift unread ones, with Ctrl guilds; anything else is not a step', () => {
  const k = (key: string, o: { altKey?: boolean; shiftKey?: boolean; ctrlKey?: boolean; metaKey?: boolean } = {}) =>
    navStep({ key, altKey: false, shiftKey: false, ctrlKey: false, metaKey: false, ...o });
  assert.deepEqual(k('ArrowDown', { altKey: true }), { kind: 'channel', dir: 1 });
  assert.deepEqual(k('ArrowUp', { altKey: true, shiftKey: true }), { kind: 'unread', dir: -1 });
  assert.deepEqual(k('ArrowDown', { altKey: true, ctrlKey: true }), { kind: 'guild', dir: 1 });
  assert.equal(k('ArrowDown'), null);
  assert.equal(k('ArrowLeft', { altKey: true }), null);
  assert.equal(k('ArrowDown', { altKey: true, metaKey: true }), null);
  assert.equal(k('ArrowDown', { altKey: true, ctrlKey: true, shiftKey: true }), null);
});

test('text channels come in sidebar order: the top level, then each category by position; voice and categories left out', () => {
  const channels = [
    ch('cat2', 'category', 2), ch('cat1', 'category', 1),
    ch('b', 'text', 1, 'cat2'), ch('a', 'text', 0, 'cat2'), ch('voice', 'voice', 0, 'cat1'), ch('c', 'text', 1, 'cat1'),
    ch('top', 'text', 5),
  ];
  assert.deepEqual(textChannelOrder(channels), ['top', 'c', 'a', 'b']);
});

test('a step wraps around, skips what is not picked, and starts at an end from outside the order', () => {
  const order = ['a', 'b', 'c', 'd'];
  assert.equal(stepIn(order, 'b', 1), 'c');
  assert.equal(stepIn(order, 'd', 1), 'a');
  assert.equal(stepIn(order, 'a', -1), 'd');
  const unread = new Set(['a', 'c']);
  assert.equal(stepIn(order, 'c', 1, (id) => unread.has(id)), 'a');
  assert.equal(stepIn(order, 'a', -1, (id) => unread.has(id)), 'c');
  assert.equal(stepIn(order, 'a', 1, (id) => id === 'a'), null, 'only the current one qualifies');
  assert.equal(stepIn(order, null, 1), 'a');
  assert.equal(stepIn(order, 'voice', -1), 'd');
  assert.equal(stepIn([], 'a', 1), null);
});
