import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expandMessages } from '../../src/lib/gateway.ts';

test('messages:create expands to one message:create per message, in order', () => {
  const a = { id: 'a', channelId: 'c1', seq: 7 };
  const b = { id: 'b', channelId: 'c1', seq: 8 };
  assert.deepEqual(expandMessages({ guildId: 'g', channelId: 'c1', messages: [a, b] }), [
    { guildId: 'g', channelId: 'c1', message: a },
    { guildId: 'g', channelId: 'c1', message: b },
  ]);
});

test('each expanded message keeps its own channel (a thread message names the thread)', () => {
  const inThread = { id: 'x', channelId: 'thread', seq: 1 };
  assert.deepEqual(expandMessages({ guildId: 'g', channelId: 'parent', messages: [inThread] }), [
    { guildId: 'g', channelId: 'thread', message: inThread },
  ]);
});

test('a malformed messages:create yields nothing', () => {
  assert.deepEqual(expandMessages(null), []);
  assert.deepEqual(expandMessages({ guildId: 'g' }), []);
  assert.deepEqual(expandMessages({ guildId: 'g', messages: 'no' }), []);
});
