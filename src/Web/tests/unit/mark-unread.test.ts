import assert from 'node:assert/strict';
import { test } from 'node:test';
import { get } from 'svelte/store';
import { badges, markUnread, newSince } from '../../src/lib/stores/social.ts';
import type { Message } from '../../src/lib/types.ts';
import { signedInLocalStorage } from './fakes.ts';

const message = (id: string): Message => ({
  id, guildId: 'g', channelId: 'c1', seq: 7, author: { id: 'u2', username: 'ann', displayName: 'Ann' }, content: 'hello',
  nonce: null, replyTo: null, createdAt: '2026-01-01T00:00:00Z', editedAt: null,
});

test('Mark Unread asks the server to move the position back, shows its counts and a New line above the message', async () => {
  const calls: string[] = [];
  let answer: Response = new Response(null, { status: 500 });
  globalThis.localStorage = signedInLocalStorage({ id: 'u1', username: 'u1', displayName: 'U', createdAt: '' });
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${new URL(String(input), 'http://x').pathname}`);
    return answer;
  }) as typeof fetch;

  answer = new Response(JSON.stringify({ guildId: 'g', channelId: 'c1', lastMessageId: 'm6', lastSeq: 6, unread: 2, mentions: 1 }), {
    status: 200, headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(await markUnread(message('m7')), null);
  assert.deepEqual(calls, ['POST /api/channels/c1/messages/m7/unread']);
  assert.deepEqual(get(badges).c1, { guildId: 'g', unread: 2, mentions: 1, parentId: null });
  assert.equal(get(newSince).c1, 'm7');

  // A message deleted meanwhile: said so, nothing else changes.
  answer = new Response(JSON.stringify({ error: { code: 'message_not_found', message: 'No such message.' } }), {
    status: 404, headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(await markUnread(message('m9')), 'This message was deleted.');
  assert.equal(get(newSince).c1, 'm7');
  assert.deepEqual(get(badges).c1, { guildId: 'g', unread: 2, mentions: 1, parentId: null });
});
