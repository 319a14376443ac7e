import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMOJI_DATA, EMOJI_GROUPS } from '../../src/lib/chat/emoji-data.ts';
import { emojiQuery, parseEmojiData, replaceShortcodes, searchEmoji } from '../../src/lib/chat/emoji.ts';
import { isEmoji } from '../../src/lib/chat/social.ts';

const set = parseEmojiData(EMOJI_DATA, EMOJI_GROUPS);

test('the list holds every emoji once, each one the server accepts as a reaction, with the usual names', () => {
  assert.ok(set.list.length > 1800, `${set.list.length} emoji`);
  assert.equal(new Set(set.list.map((e) => e.emoji)).size, set.list.length);
  for (const e of set.list) {
    assert.ok(isEmoji(e.emoji), `${e.emoji} (${e.names[0]}) is accepted`);
  }
  assert.equal(set.byName.get('tada')?.emoji, '🎉');
  assert.equal(set.byName.get('+1')?.emoji, '👍', 'the same 👍 as the common reactions (no variation selector)');
  assert.equal(set.byName.get('thumbsup')?.emoji, '👍');
  assert.equal(set.byName.get('heart')?.emoji, '❤️');
  assert.equal(set.byName.get('joy')?.emoji, '😂');
  assert.ok(!set.groups.some(([, name]) => name === 'components'), 'skin tone swatches are not offered alone');
});

test('":" followed by two letters at the start of a word asks for emoji; times, links and a lone colon do not', () => {
  assert.deepEqual(emojiQuery('nice :ta', 8), { start: 5, query: 'ta' });
  assert.deepEqual(emojiQuery(':Thumb', 6), { start: 0, query: 'thumb' });
  assert.equal(emojiQuery('nice :t', 7), null);
  assert.equal(emojiQuery('at 12:30', 8), null);
  assert.equal(emojiQuery('see https://example', 19), null);
  assert.equal(emojiQuery('done :)', 7), null);
  // Only what is before the caret counts.
  assert.deepEqual(emojiQuery(':fire and more', 5), { start: 0, query: 'fire' });
});

test('search puts an exact name first, then names that start with it, then a word of a name, then any part', () => {
  const found = (q: string, n = 5) => searchEmoji(q, set, n).map((m) => m.emoji.emoji);
  assert.equal(found('fire')[0], '🔥');
  assert.equal(found('tada')[0], '🎉');
  assert.equal(found('thumbsup')[0], '👍');
  assert.ok(found('heart', 20).includes('❤️'));
  assert.ok(found('party', 10).includes('🎉'), 'by a word of its Unicode name, party_popper');
  assert.deepEqual(searchEmoji('zzzznothing', set), []);
  assert.deepEqual(searchEmoji('  ', set), []);
  assert.equal(searchEmoji('e', set, 7).length, 7, 'the limit holds');
});

test(':name: written whole becomes its emoji when sent, except in code and for unknown names', () => {
  assert.equal(replaceShortcodes('bravo :tada: :+1:', set), 'bravo 🎉 👍');
  assert.equal(replaceShortcodes(':fire::fire:', set), '🔥🔥');
  assert.equal(replaceShortcodes('keep `:tada:` and\n```\n:tada:\n```\nbut :TADA:', set), 'keep `:tada:` and\n```\n:tada:\n```\nbut 🎉');
  assert.equal(replaceShortcodes('at 12:30:00, :notanemoji:', set), 'at 12:30:00, :notanemoji:');
  assert.equal(replaceShortcodes('no colon here', set), 'no colon here');
});
