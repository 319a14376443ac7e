import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MARK_END, MARK_START, nameMentions, parseSearchInput, searchParams, splitHighlight } from '../../src/lib/chat/search.ts';
import { attachThread, canManageThread, defaultThreadName, messageCountLabel, upsertThread } from '../../src/lib/chat/threads.ts';
import { mergeMessages } from '../../src/lib/chat/timeline.ts';
import type { Message, Reaction, SearchHit, ThreadInfo } from '../../src/lib/types.ts';
import { renderHtml } from './render.ts';

const channels = [
  { id: 'c1', name: 'general', type: 'text' as const },
  { id: 'c2', name: 'Lounge', type: 'voice' as const },
  { id: 'c3', name: 'dev-talk', type: 'text' as const },
];

function msg(id: string, extra: Partial<Message> = {}): Message {
  return {
    id, guildId: 'g', channelId: 'c1', seq: 1, author: { id: 'u1', username: 'ann', displayName: 'Ann' }, content: 'hello',
    nonce: null, replyTo: null, createdAt: '2026-01-01T00:00:00Z', editedAt: null, ...extra,
  };
}

function thread(id: string, extra: Partial<ThreadInfo> = {}): ThreadInfo {
  return {
    id, guildId: 'g', parentId: 'c1', starterMessageId: null, creatorId: 'u1', name: id, archived: false, archivedAt: null,
    createdAt: '2026-01-01T00:00:00Z', messageCount: 0, lastActivityAt: '2026-01-01T00:00:00Z', autoArchiveDuration: 1440, ...extra,
  };
}

test('the search box separates free text from in:, from:, has:, before: and after: filters', () => {
  const input = parseSearchInput('  deploy  in:#dev-talk from:me has:attachment after:2026-01-01 before:2026-02-01 tonight ', channels);
  assert.deepEqual(input, {
    text: 'deploy tonight', channelId: 'c3', fromMe: true, hasAttachment: true, before: '2026-02-01', after: '2026-01-01', unknown: [],
  });
});

test('filters it cannot resolve are reported, not sent: unknown or voice channels, other authors, bad dates', () => {
  const input = parseSearchInput('x in:#nope in:Lounge from:bob has:link before:2026-13-01 after:yesterday', channels);
  assert.equal(input.text, 'x');
  assert.equal(input.channelId, null);
  assert.deepEqual(input.unknown, ['in:#nope', 'in:Lounge', 'from:bob', 'has:link', 'before:2026-13-01', 'after:yesterday']);
});

test('search parameters carry only what was given, and nothing at all means no search', () => {
  const p = searchParams(parseSearchInput('cats from:me', channels), 'me-id', 25, 50);
  assert.equal(p?.toString(), 'q=cats&author=me-id&limit=25&offset=50');
  assert.equal(searchParams(parseSearchInput('   ', channels), 'me-id', 25, 0), null);
  assert.equal(searchParams(parseSearchInput('in:general', channels), 'me', 10, 0)?.get('channel'), 'c1');
});

test('a highlight splits into plain and marked text (rendered as text, so markup in a message stays text)', () => {
  const parts = splitHighlight(`say ${MARK_START}hello${MARK_END} to <b>${MARK_START}all${MARK_END}</b>`);
  assert.deepEqual(parts, [
    { text: 'say ', mark: false }, { text: 'hello', mark: true }, { text: ' to <b>', mark: false }, { text: 'all', mark: true }, { text: '</b>', mark: false },
  ]);
  assert.deepEqual(splitHighlight('plain'), [{ text: 'plain', mark: false }]);
});

function hit(reactions: Reaction[] | undefined): SearchHit {
  return { message: msg('01', { content: 'bring baguettes', reactions }), highlight: `bring ${MARK_START}baguettes${MARK_END}`, threadParentId: null, threadName: null };
}

/** The reaction chips of rendered HTML: emoji, count, whether marked as mine, and what they say. */
function chips(html: string) {
  // Svelte's hydration markers (<!--…-->) may sit between the parts.
  const chip = /<(span|button)\b([^>]*)>(?:<!--[^>]*-->)*<span class="emoji[^"]*"[^>]*>([^<]*)<\/span>(?:<!--[^>]*-->)*<span class="count[^"]*"[^>]*>([^<]*)<\/span>/g;
  return [...html.matchAll(chip)].map(([, tag, attrs = '', emoji, count]) => ({
    tag,
    emoji,
    count: Number(count),
    me: /\bclass="[^"]*\bme\b/.test(attrs),
    label: /(?:title|aria-label)="([^"]*)"/.exec(attrs)?.[1],
  }));
}

test('a search result shows the reactions of its message: each count, and mine marked as mine', async () => {
  const html = await renderHtml('components/chat/SearchHitCard.svelte', {
    hit: hit([{ emoji: '👍', count: 3, me: true }, { emoji: '🎉', count: 1, me: false }]),
    where: '#general',
  });
  assert.deepEqual(chips(html), [
    { tag: 'span', emoji: '👍', count: 3, me: true, label: '👍: 3 reactions, including yours' },
    { tag: 'span', emoji: '🎉', count: 1, me: false, label: '🎉: 1 reaction' },
  ]);
  assert.match(html, /<mark[^>]*>baguettes<\/mark>/);
  assert.ok(!html.includes('<button'), 'the result card is the button: its chips are not buttons inside it');
});

test('a search result without reactions has no reaction row', async () => {
  for (const reactions of [undefined, []]) {
    const html = await renderHtml('components/chat/SearchHitCard.svelte', { hit: hit(reactions), where: '#general' });
    assert.deepEqual(chips(html), []);
    assert.ok(!html.includes('reactions'), html);
  }
});

test('under a message the same chips are buttons that say whether they are mine', async () => {
  const html = await renderHtml('components/chat/ReactionBar.svelte', {
    reactions: [{ emoji: '👍', count: 3, me: true }, { emoji: '🎉', count: 1, me: false }],
    onreact: () => {},
  });
  assert.deepEqual(chips(html).map((c) => [c.tag, c.emoji, c.count, c.me, c.label]), [
    ['button', '👍', 3, true, '👍: 3 reactions, including yours'],
    ['button', '🎉', 1, false, '🎉: 1 reaction'],
  ]);
  assert.match(html, /aria-pressed="true"[^>]*aria-label="👍/);
});

test('a proposed thread name is the first non-empty line, without markup, shortened at a word', () => {
  assert.equal(defaultThreadName('\n  **Big** news\nsecond line'), 'Big news');
  assert.equal(defaultThreadName('   '), 'New thread');
  const long = defaultThreadName('this is a rather long first line that goes on and on for a while');
  assert.ok(long.endsWith('…') && long.length <= 41, long);
  assert.equal(long, 'this is a rather long first line that…');
});

test('a thread event puts the summary on its starter message, and an edit of that message keeps it', () => {
  const list = [msg('01'), msg('02'), msg('03')];
  const t = thread('t1', { starterMessageId: '02', messageCount: 3 });
  const withThread = attachThread(list, t);
  assert.equal(withThread[1]?.thread?.messageCount, 3);
  assert.equal(withThread[0]?.thread, undefined);
  assert.equal(attachThread(list, thread('t2', { starterMessageId: 'zz' })), list, 'not held: same list');
  const edited = mergeMessages(withThread, [msg('02', { content: 'edited', editedAt: '2026-01-02T00:00:00Z' })]);
  assert.equal(edited[1]?.content, 'edited');
  assert.equal(edited[1]?.thread?.id, 't1');
});

test('thread lists stay newest first and lose a thread that moved to the other list', () => {
  const active = [thread('03'), thread('01')];
  assert.deepEqual(upsertThread(active, thread('02'), false).map((t) => t.id), ['03', '02', '01']);
  assert.deepEqual(upsertThread(active, thread('03', { name: 'renamed' }), false).map((t) => t.name), ['renamed', '01']);
  assert.deepEqual(upsertThread(active, thread('03', { archived: true }), false).map((t) => t.id), ['01']);
  assert.deepEqual(upsertThread([], thread('03', { archived: true }), true).map((t) => t.id), ['03']);
});

test('thread labels and who may manage a thread', () => {
  assert.equal(messageCountLabel(0), 'No messages yet');
  assert.equal(messageCountLabel(1), '1 message');
  assert.equal(messageCountLabel(42), '42 messages');
  assert.equal(messageCountLabel(5000), '999+ messages');
  assert.equal(canManageThread(thread('t', { creatorId: 'u1' }), 'u1', false), true);
  assert.equal(canManageThread(thread('t', { creatorId: 'u1' }), 'u2', false), false);
  assert.equal(canManageThread(thread('t', { creatorId: 'u1' }), 'u2', true), true);
});

test('search results name the mentions the server found, keep marks around them, and leave tokens in code alone', () => {
  const u = '0192aaaa-0000-7000-8000-000000000001';
  const r = '0192aaaa-0000-7000-8000-0000000000f1';
  const other = '0192aaaa-0000-7000-8000-000000000002';
  const name = (kind: 'user' | 'role', id: string) => (kind === 'user' && id === u ? 'Bob' : null);
  const text = `${MARK_START}hey${MARK_END} <@${u}> <@&${r.toUpperCase()}> \`<@${other}>\``;
  assert.equal(
    nameMentions(text, { mentions: [u], mentionRoles: [r] }, name),
    `${MARK_START}hey${MARK_END} @Bob @role \`<@${other}>\``,
  );
  assert.equal(nameMentions(`<@${u}>`, {}, name), `<@${u}>`);
});

test('a reaction with a guild emoji the page does not know (deleted, or no guild here) reads as a deleted emoji, never as its key', async () => {
  const html = await renderHtml('components/chat/ReactionBar.svelte', {
    reactions: [{ emoji: '<:0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b>', count: 2, me: true }],
    onreact: () => {},
  });
  assert.deepEqual(chips(html).map((c) => [c.emoji, c.count, c.label]), [[':deleted_emoji:', 2, ':deleted_emoji:: 2 reactions, including yours']]);
  assert.ok(!html.includes('0193a1b2'), html);
});
