import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_FILTERS, editMention, inboxParams, loadFilters, mentionedUsers, mergeMentions, previewText, removeMention, removeMentionsUpTo, saveFilters,
  showsEverything, whereLabel,
} from '../../src/lib/chat/inbox.ts';
import type { MentionItem, Message } from '../../src/lib/types.ts';

const U1 = '0192aaaa-0000-7000-8000-000000000001';
const U2 = '0192aaaa-0000-7000-8000-000000000002';
const R1 = '0192aaaa-0000-7000-8000-0000000000f1';

function msg(id: string, extra: Partial<Message> = {}): Message {
  return {
    id, guildId: 'g1', channelId: 'c1', seq: 1, author: { id: 'u9', username: 'ann', displayName: 'Ann' }, content: 'hello',
    nonce: null, replyTo: null, createdAt: '2026-01-01T00:00:00Z', editedAt: null, ...extra,
  };
}

function item(id: string, extra: Partial<Message> = {}, where: Partial<MentionItem> = {}): MentionItem {
  return { message: msg(id, extra), guildName: 'Copains', channelName: 'general', ...where };
}

test('the query keeps the guild only with "this guild", and says only what differs from the defaults', () => {
  assert.equal(inboxParams(DEFAULT_FILTERS, 'g1', null).toString(), 'limit=25');
  assert.equal(inboxParams({ thisGuild: true, everyone: true, roles: true }, 'g1', null).toString(), 'limit=25&guildId=g1');
  assert.equal(inboxParams({ thisGuild: true, everyone: true, roles: true }, null, null).toString(), 'limit=25');
  assert.equal(inboxParams({ thisGuild: false, everyone: false, roles: false }, 'g1', 'm5', 10).toString(), 'limit=10&everyone=false&roles=false&before=m5');
});

test('pages and refreshes merge newest first without duplicates, the fresher copy winning', () => {
  const a = item('01a0'), b = item('01b0'), c = item('01c0');
  const merged = mergeMentions([c, a], [item('01c0', { content: 'edited' }), b]);
  assert.deepEqual(merged.map((m) => m.message.id), ['01c0', '01b0', '01a0']);
  assert.equal(merged[0]!.message.content, 'edited');
});

test('a live edit replaces a listed message and keeps its reactions; a delete removes it; others change nothing', () => {
  const reactions = [{ emoji: '🎉', count: 2, me: true }];
  const list = [item('01b0', { reactions }), item('01a0')];
  const edited = editMention(list, msg('01b0', { content: 'new text', reactions: null, mentions: [U1] }), U1, [], DEFAULT_FILTERS);
  assert.equal(edited[0]!.message.content, 'new text');
  assert.deepEqual(edited[0]!.message.reactions, reactions);
  assert.equal(editMention(list, msg('0199'), U1, [], DEFAULT_FILTERS), list);
  assert.deepEqual(removeMention(list, '01b0').map((m) => m.message.id), ['01a0']);
  assert.equal(removeMention(list, '0199'), list);
});

test('an edit that takes the reader\'s mention out takes the item out, as the filters count mentions', () => {
  const list = [item('01b0', { mentions: [U1] }), item('01a0', { mentions: [U1] })];
  const ids = (l: readonly MentionItem[]) => l.map((m) => m.message.id);
  assert.deepEqual(ids(editMention(list, msg('01b0', { mentions: [U2] }), U1, [], DEFAULT_FILTERS)), ['01a0']);
  // Still mentioned another way: by a role of the reader's, @everyone, @here.
  assert.deepEqual(ids(editMention(list, msg('01b0', { mentionRoles: [R1] }), U1, [R1], DEFAULT_FILTERS)), ['01b0', '01a0']);
  assert.deepEqual(ids(editMention(list, msg('01b0', { mentionEveryone: true }), U1, [], DEFAULT_FILTERS)), ['01b0', '01a0']);
  assert.deepEqual(ids(editMention(list, msg('01b0', { mentionHere: true }), U1, [], DEFAULT_FILTERS)), ['01b0', '01a0']);
  // ... unless the filters leave that way out, or the role is not the reader's.
  assert.deepEqual(ids(editMention(list, msg('01b0', { mentionRoles: [R1] }), U1, [], DEFAULT_FILTERS)), ['01a0']);
  assert.deepEqual(ids(editMention(list, msg('01b0', { mentionRoles: [R1] }), U1, [R1], { ...DEFAULT_FILTERS, roles: false })), ['01a0']);
  assert.deepEqual(ids(editMention(list, msg('01b0', { mentionEveryone: true }), U1, [], { ...DEFAULT_FILTERS, everyone: false })), ['01a0']);
});

test('an item says where it was said, a thread with its parent', () => {
  assert.equal(whereLabel(item('1')), 'Copains › #general');
  assert.equal(whereLabel(item('1', {}, { threadName: 'plans', threadParentId: 'c1' })), 'Copains › plans in #general');
});

test('mentioned users are gathered per guild, not from code; the preview names whom it can', () => {
  const items = [
    item('1', { content: `hi <@${U1}> and \`<@${U2}>\`` }),
    item('2', { guildId: 'g2', content: `**<@${U2}>** <@&${R1}> @everyone` }),
    item('3', { guildId: 'g3', content: 'nobody' }),
  ];
  assert.deepEqual([...mentionedUsers(items)], [['g1', [U1]], ['g2', [U2]]]);
  const names = (kind: 'user' | 'role', id: string) => (kind === 'user' && id === U2 ? 'Bob' : kind === 'role' ? 'crew' : null);
  assert.equal(previewText(items[1]!, names), '@Bob @crew @everyone');
  assert.equal(previewText(items[0]!, names), `hi @user and <@${U2}>`);
});

test('filters are kept in storage; a missing or broken entry gives the defaults', () => {
  const store = new Map<string, string>();
  const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
  assert.deepEqual(loadFilters(storage), DEFAULT_FILTERS);
  saveFilters(storage, { thisGuild: true, everyone: false, roles: true });
  assert.deepEqual(loadFilters(storage), { thisGuild: true, everyone: false, roles: true });
  store.set([...store.keys()][0]!, '{broken');
  assert.deepEqual(loadFilters(storage), DEFAULT_FILTERS);
  assert.deepEqual(loadFilters(null), DEFAULT_FILTERS);
});

test('"Dismiss all" up to a mention takes it and every older one out, and keeps those that came after', () => {
  const newer = '0192aaaa-0000-7000-8000-0000000000c3';
  const upTo = '0192aaaa-0000-7000-8000-0000000000B2';
  const older = '0192aaaa-0000-7000-8000-0000000000a1';
  const list = [item(newer), item(upTo.toLowerCase()), item(older)];
  assert.deepEqual(removeMentionsUpTo(list, upTo).map((m) => m.message.id), [newer]);
  assert.equal(removeMentionsUpTo([item(newer)], upTo).length, 1);
  const untouched = [item(newer)];
  assert.equal(removeMentionsUpTo(untouched, upTo), untouched, 'nothing to take: the same list');
  // Offered only while the inbox hides nothing, so that it dismisses only what could be seen.
  assert.equal(showsEverything(DEFAULT_FILTERS), true);
  assert.equal(showsEverything({ ...DEFAULT_FILTERS, thisGuild: true }), false);
  assert.equal(showsEverything({ ...DEFAULT_FILTERS, roles: false }), false);
});
