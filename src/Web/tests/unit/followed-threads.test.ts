import assert from 'node:assert/strict';
import { test } from 'node:test';
import { get } from 'svelte/store';
import { followedUnder, memberCountLabel } from '../../src/lib/chat/threads.ts';
import { followedThreads, isFollowed, loadFollowed, setFollowing } from '../../src/lib/stores/followed.ts';
import { channelBadges, loadReadStates } from '../../src/lib/stores/social.ts';
import type { ReadState, ThreadInfo } from '../../src/lib/types.ts';
import { signedInLocalStorage } from './fakes.ts';

function thread(id: string, extra: Partial<ThreadInfo> = {}): ThreadInfo {
  return {
    id, guildId: 'g', parentId: 'c1', starterMessageId: null, creatorId: 'u1', name: id, archived: false, archivedAt: null,
    createdAt: '2026-01-01T00:00:00Z', messageCount: 0, lastActivityAt: '2026-01-01T00:00:00Z', autoArchiveDuration: 1440, memberCount: 1, ...extra,
  };
}

test('the sidebar lists a channel\'s followed threads that are not archived, the most recently active first', () => {
  const followed = Object.fromEntries(
    [
      thread('old', { lastActivityAt: '2026-01-01T00:00:00Z' }),
      thread('new', { lastActivityAt: '2026-01-03T00:00:00Z' }),
      thread('b-tie', { lastActivityAt: '2026-01-02T00:00:00Z' }),
      thread('a-tie', { lastActivityAt: '2026-01-02T00:00:00Z' }),
      thread('archived', { archived: true, lastActivityAt: '2026-01-04T00:00:00Z' }),
      thread('elsewhere', { parentId: 'c2' }),
    ].map((t) => [t.id, t]),
  );
  assert.deepEqual(followedUnder('c1', followed).map((t) => t.id), ['new', 'a-tie', 'b-tie', 'old']);
  assert.deepEqual(followedUnder('c2', followed).map((t) => t.id), ['elsewhere']);
  assert.deepEqual(followedUnder('c3', followed), []);
  assert.equal(memberCountLabel(1), '1 member');
  assert.equal(memberCountLabel(12), '12 members');
});

test('followed threads load from the server, join and leave through it, and keep their badges apart from their channel\'s', async () => {
  const calls: string[] = [];
  const readStates: ReadState[] = [
    { guildId: 'g', channelId: 'c1', lastMessageId: null, lastSeq: 0, unread: 0, mentions: 0 },
    { guildId: 'g', channelId: 'followed', lastMessageId: null, lastSeq: 0, unread: 3, mentions: 1, parentId: 'c1' },
    { guildId: 'g', channelId: 'other', lastMessageId: null, lastSeq: 0, unread: 1, mentions: 1, parentId: 'c1' },
  ];
  globalThis.localStorage = signedInLocalStorage({ id: 'u1', username: 'u1', displayName: 'U', createdAt: '' });
  globalThis.fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://x');
    const method = init?.method ?? 'GET';
    calls.push(`${method} ${url.pathname}`);
    const body =
      url.pathname === '/api/users/@me/threads' ? { threads: [thread('followed', { memberCount: 2 })] }
      : url.pathname === '/api/users/@me/read-states' ? { readStates }
      : url.pathname === '/api/threads/other/members/@me' && method === 'PUT' ? thread('other', { memberCount: 4 })
      : null;
    return body === null ? new Response(null, { status: 204 }) : new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;

  await loadFollowed();
  await loadReadStates();
  assert.deepEqual(Object.keys(get(followedThreads)), ['followed']);
  assert.ok(isFollowed('followed') && !isFollowed('other'));
  // The followed thread has its own badge; the other one is folded into its channel.
  assert.deepEqual(get(channelBadges).followed, { unread: 3, mentions: 1 });
  assert.deepEqual(get(channelBadges).c1, { unread: 1, mentions: 1 });

  assert.equal(await setFollowing(thread('other'), true), null);
  assert.equal(get(followedThreads).other?.memberCount, 4, 'the answer carries the new count');
  assert.deepEqual(get(channelBadges).other, { unread: 1, mentions: 1 });
  assert.deepEqual(get(channelBadges).c1, { unread: 0, mentions: 0 });

  assert.equal(await setFollowing(thread('followed'), false), null);
  assert.ok(!isFollowed('followed'));
  assert.deepEqual(get(channelBadges).c1, { unread: 3, mentions: 1 }, 'a thread left folds back into its channel');
  assert.deepEqual(calls.filter((c) => c.includes('/members/')), ['PUT /api/threads/other/members/@me', 'DELETE /api/threads/followed/members/@me']);
});
