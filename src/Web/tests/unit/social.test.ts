import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMarkdown, plainText } from '../../src/lib/chat/markdown.ts';
import {
  applyReaction, insertMention, isEmoji, matchMentions, mentionQuery, mentionsMe, shouldSendTyping, TYPING_SEND_EVERY_MS, typingLine,
} from '../../src/lib/chat/social.ts';

// --- typing ---------------------------------------------------------------------------------

test('typing line: one, two, three names, then several people', () => {
  assert.equal(typingLine([]), '');
  assert.equal(typingLine(['Alice']), 'Alice is typing…');
  assert.equal(typingLine(['Alice', 'Bob']), 'Alice and Bob are typing…');
  assert.equal(typingLine(['Alice', 'Bob', 'Carol']), 'Alice, Bob and Carol are typing…');
  assert.equal(typingLine(['Alice', 'Bob', 'Carol', 'Dan']), 'Several people are typing…');
});

test('typing: the composer tells the server at most once per throttle window, and not for empty text', () => {
  assert.equal(shouldSendTyping(null, 1000, 'h'), true);
  assert.equal(shouldSendTyping(1000, 1000 + TYPING_SEND_EVERY_MS - 1, 'he'), false);
  assert.equal(shouldSendTyping(1000, 1000 + TYPING_SEND_EVERY_MS, 'hel'), true);
  assert.equal(shouldSendTyping(null, 1000, '   '), false);
});

// --- mentions -------------------------------------------------------------------------------

const members = [
  { userId: 'a1', username: 'alice', displayName: 'Alice Martin', nickname: null },
  { userId: 'b2', username: 'bob', displayName: 'Bobby', nickname: 'Bob the Builder' },
  { userId: 'c3', username: 'carol', displayName: 'Carole', nickname: null },
  { userId: 'd4', username: 'malik', displayName: 'Élodie', nickname: null },
];

test('mention query: only an "@word" right before the caret, at a word start', () => {
  assert.deepEqual(mentionQuery('hi @al', 6), { start: 3, query: 'al' });
  assert.deepEqual(mentionQuery('@', 1), { start: 0, query: '' });
  assert.equal(mentionQuery('mail me@al', 10), null);
  assert.equal(mentionQuery('hi @al there', 12), null);
  assert.deepEqual(mentionQuery('hi @al there', 6), { start: 3, query: 'al' });
});

test('mention matching: prefixes first, then substrings, over nickname, display name and username, accents folded', () => {
  assert.deepEqual(matchMentions('al', members, false).map((c) => c.insert), ['<@a1>', '<@d4>']);
  assert.deepEqual(matchMentions('bui', members, false).map((c) => c.label), ['Bob the Builder']);
  assert.deepEqual(matchMentions('elo', members, false).map((c) => c.insert), ['<@d4>']);
  assert.deepEqual(matchMentions('zzz', members, false), []);
  assert.equal(matchMentions('', members, false, 2).length, 2);
});

test('mention matching: @everyone and @here only with MENTION_EVERYONE', () => {
  assert.deepEqual(matchMentions('ev', members, false), []);
  assert.deepEqual(matchMentions('ev', members, true).map((c) => c.insert), ['@everyone']);
  assert.ok(matchMentions('', members, true).some((c) => c.insert === '@here'));
});

test('inserting a mention replaces the query and puts the caret after it', () => {
  assert.deepEqual(insertMention('hi @al!', 3, 6, '<@a1>'), { text: 'hi <@a1> !', caret: 9 });
});

test('mentions me: directly, through a role, everyone, or @here', () => {
  assert.equal(mentionsMe({ mentions: ['u'] }, 'u', []), true);
  assert.equal(mentionsMe({ mentionRoles: ['r'] }, 'u', ['r']), true);
  assert.equal(mentionsMe({ mentionEveryone: true }, 'u', []), true);
  // Whom @here reached is not sent: every reader sees it as a mention.
  assert.equal(mentionsMe({ mentions: [], mentionRoles: [], mentionEveryone: false, mentionHere: true }, 'u', []), true);
  assert.equal(mentionsMe({ mentionEveryone: false, mentionHere: false }, 'u', []), false);
  assert.equal(mentionsMe({ mentions: ['x'], mentionRoles: ['r'], mentionEveryone: false }, 'u', ['s']), false);
  assert.equal(mentionsMe({ mentions: null }, 'u', []), false);
});

test('markdown: mentions become mention nodes, except inside code', () => {
  const id = '0190a3c4-1234-7abc-8def-0123456789ab';
  assert.deepEqual(parseMarkdown(`hi <@${id}> and <@&${id}> @everyone`), [
    { t: 'text', v: 'hi ' },
    { t: 'mention', kind: 'user', id, v: `<@${id}>` },
    { t: 'text', v: ' and ' },
    { t: 'mention', kind: 'role', id, v: `<@&${id}>` },
    { t: 'text', v: ' ' },
    { t: 'mention', kind: 'everyone', id: 'everyone', v: '@everyone' },
  ]);
  assert.deepEqual(parseMarkdown(`\`<@${id}>\``), [{ t: 'code', v: `<@${id}>` }]);
  assert.deepEqual(parseMarkdown('me@everyone.org'), [{ t: 'text', v: 'me@everyone.org' }]);
  assert.equal(plainText(parseMarkdown(`<@${id}> hi`)), '@user hi');
});

// --- reactions ------------------------------------------------------------------------------

test('emoji validation: one emoji, including ZWJ sequences, skin tones, flags and keycaps', () => {
  for (const ok of ['👍', '❤️', '👨‍👩‍👧', '👍🏽', '🇫🇷', '1️⃣', '🏳️‍🌈']) {
    assert.equal(isEmoji(ok), true, ok);
  }
  for (const bad of ['', 'a', '1', '👍👍', ':smile:', '<b>', '👍 ', '#', 'x'.repeat(40)]) {
    assert.equal(isEmoji(bad), false, bad);
  }
});

test('reactions: live counts come from the server; me changes only for my own events', () => {
  const list = [{ emoji: '👍', count: 1, me: false }];
  assert.deepEqual(applyReaction(list, '👍', 2, true, true), [{ emoji: '👍', count: 2, me: true }]);
  assert.deepEqual(applyReaction(list, '👍', 2, false, true), [{ emoji: '👍', count: 2, me: false }]);
  assert.deepEqual(applyReaction(list, '🎉', 1, false, true), [...list, { emoji: '🎉', count: 1, me: false }]);
  assert.deepEqual(applyReaction(list, '👍', 0, true, false), []);
  assert.deepEqual(applyReaction([{ emoji: '👍', count: 2, me: true }], '👍', 1, true, false), [{ emoji: '👍', count: 1, me: false }]);
});
