import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMOJI_DATA, EMOJI_GROUPS } from '../../src/lib/chat/emoji-data.ts';
import { emojiQuery, parseEmojiData, replaceShortcodes, searchCustomEmoji, searchEmoji } from '../../src/lib/chat/emoji.ts';
import { parseMarkdown, plainText } from '../../src/lib/chat/markdown.ts';
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

const PARROT = { id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', name: 'party_parrot', image: 'a'.repeat(64) };
const TADA = { id: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c', name: 'tada', image: 'b'.repeat(64) };

test('a guild emoji typed whole is sent as its markup, before a Unicode emoji of the same name, never inside code', () => {
  assert.equal(replaceShortcodes('so :party_parrot: :PARTY_PARROT:', set, [PARROT]), `so <:party_parrot:${PARROT.id}> <:party_parrot:${PARROT.id}>`);
  assert.equal(replaceShortcodes(':tada: :fire:', set, [TADA]), `<:tada:${TADA.id}> 🔥`, 'the guild\'s :tada: wins');
  assert.equal(replaceShortcodes('`:party_parrot:` :nope:', set, [PARROT]), '`:party_parrot:` :nope:');
  assert.equal(replaceShortcodes(':party_parrot:', null, [PARROT]), `<:party_parrot:${PARROT.id}>`, 'without the Unicode list loaded');
  // Already written markup is left as it is.
  assert.equal(replaceShortcodes(`<:tada:${TADA.id}>`, set, [TADA]), `<:tada:${TADA.id}>`);
});

test('guild emoji are found by name like the others: exact, then prefix, then a word, then anywhere', () => {
  const cat = { id: '1', name: 'cat', image: 'c' };
  const catjam = { id: '2', name: 'catjam', image: 'd' };
  const happy = { id: '3', name: 'happy_cat', image: 'e' };
  const scatter = { id: '4', name: 'scatter', image: 'f' };
  assert.deepEqual(searchCustomEmoji('cat', [scatter, happy, catjam, cat]).map((e) => e.name), ['cat', 'catjam', 'happy_cat', 'scatter']);
  assert.deepEqual(searchCustomEmoji('CAT', [cat], 1).map((e) => e.name), ['cat']);
  assert.deepEqual(searchCustomEmoji('dog', [cat]), []);
});

test('the markup of a guild emoji parses to an emoji node, and reads as :name: in previews', () => {
  const nodes = parseMarkdown(`hello <:party_parrot:${PARROT.id.toUpperCase()}>!`);
  assert.deepEqual(nodes[1], { t: 'emoji', name: 'party_parrot', id: PARROT.id, v: `<:party_parrot:${PARROT.id.toUpperCase()}>` });
  assert.equal(plainText(nodes), 'hello :party_parrot:!');
  // Not an id, or in code: text.
  assert.equal(parseMarkdown('<:x:1>')[0]!.t, 'text');
  assert.deepEqual(parseMarkdown(`\`<:tada:${TADA.id}>\``)[0], { t: 'code', v: `<:tada:${TADA.id}>` });
});
