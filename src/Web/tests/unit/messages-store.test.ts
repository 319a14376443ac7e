import assert from 'node:assert/strict';
import { test } from 'node:test';
import { get } from 'svelte/store';
import { channelMessages, openChannel, receive } from '../../src/lib/stores/messages.ts';
import type { Message } from '../../src/lib/types.ts';
import { signedInLocalStorage } from './fakes.ts';

function msg(seq: number): Message {
  return {
    id: `0190000${String(seq).padStart(5, '0')}`, guildId: 'g', channelId: 'c', seq,
    author: { id: 'u2', username: 'bob', displayName: 'Bob' }, content: `m${seq}`, nonce: null, replyTo: null,
    createdAt: '2025-01-10T12:00:00Z', editedAt: null,
  };
}

test('a seq jump fetches what came after the last message held and merges it without duplicates', async () => {
  const history = [1, 2, 3, 4, 5, 6, 7].map(msg);
  const asked: string[] = [];
  // The store's REST client needs a session; give it one and answer from `history`.
  globalThis.localStorage = signedInLocalStorage({ id: 'u1', username: 'ann', displayName: 'Ann', createdAt: '' });
  globalThis.fetch = (async (input: RequestInfo | URL) => {
    const url = new URL(String(input), 'http://x');
    asked.push(url.search);
    const after = url.searchParams.get('after');
    const page = after ? history.filter((m) => m.id > after) : history.slice(0, 3);
    return new Response(JSON.stringify({ messages: page }), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;

  await openChannel('g', 'c');
  assert.deepEqual(get(channelMessages)?.messages.map((m) => m.seq), [1, 2, 3]);
  receive(msg(4)); // the next one: no request
  assert.equal(asked.length, 1);
  receive(msg(4)); // seen twice: still once
  receive(msg(7)); // 5 and 6 were missed
  for (let i = 0; i < 100 && get(channelMessages)?.messages.length !== 7; i++) {
    await new Promise((r) => setImmediate(r));
  }
  assert.equal(asked.length, 2);
  assert.match(asked[1]!, new RegExp(`after=${msg(4).id}`));
  const s = get(channelMessages);
  assert.deepEqual(s?.messages.map((m) => m.seq), [1, 2, 3, 4, 5, 6, 7]);
  assert.equal(s?.lastSeq, 7);
});
