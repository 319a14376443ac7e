import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MARK_END, MARK_START, parseSearchInput } from '../../src/lib/chat/search.ts';
import type { DmMessage } from '../../src/dm/content.ts';
import { highlight, searchDm } from '../../src/dm/search.ts';

const msg = (id: string, authorId: string, text: string, sentAt: string, extra: Partial<DmMessage> = {}): DmMessage => ({
  id, conversationId: 'c1', authorId, text, sentAt, status: 'sent', ...extra,
});
const file = (name: string) => ({ id: 'f', key: '', iv: '', digest: '', name, type: 'image/png', size: 1 });

const messages: Record<string, DmMessage[]> = {
  c1: [
    msg('1', 'me', 'On se voit au Café de Flore ?', '2026-11-20T10:00:00Z'),
    msg('2', 'ana', 'Oui, café à 10 h', '2026-11-21T10:00:00Z'),
    msg('3', 'ana', 'le plan', '2026-11-22T10:00:00Z', { files: [file('plan-cafe.pdf')] }),
    msg('4', 'me', 'café supprimé', '2026-11-23T10:00:00Z', { deleted: true }),
  ],
  c2: [msg('5', 'ben', 'un CAFE ailleurs', '2026-11-24T10:00:00Z')],
};
const find = (q: string, conversation: string | null = 'c1') => searchDm(messages, parseSearchInput(q, []), 'me', conversation);
const ids = (q: string, conversation: string | null = 'c1') => find(q, conversation)?.hits.map((h) => h.message.id);

test('dm search: words match whatever their case and accents, in the text or a file name, newest first; deleted messages never', () => {
  assert.deepEqual(ids('cafe'), ['3', '2', '1']);
  assert.deepEqual(ids('CAFÉ flore'), ['1']);
  assert.deepEqual(ids('cafe', null), ['5', '3', '2', '1'], 'all conversations');
  assert.deepEqual(ids('supprimé'), []);
  assert.equal(find('cafe')?.total, 3);
  assert.equal(find('   '), null, 'nothing to search for');
});

test('dm search: from:me, has:attachment and dates filter, alone or with words', () => {
  assert.deepEqual(ids('from:me'), ['1']);
  assert.deepEqual(ids('has:attachment'), ['3']);
  assert.deepEqual(ids('cafe after:2026-11-21'), ['3', '2']);
  assert.deepEqual(ids('cafe before:2026-11-21'), ['1']);
  assert.deepEqual(ids('cafe after:2026-11-21 before:2026-11-22'), ['2']);
});

test('dm search: at most the limit, with the total of every match', () => {
  const many = { c1: Array.from({ length: 70 }, (_, i) => msg(String(i).padStart(3, '0'), 'ana', `note ${i}`, new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString())) };
  const r = searchDm(many, parseSearchInput('note', []), 'me', 'c1');
  assert.equal(r?.total, 70);
  assert.equal(r?.hits.length, 50);
  assert.equal(r?.hits[0]?.message.id, '069');
});

test('dm search: the highlight marks every match in the original text and shortens long texts around the first', () => {
  assert.equal(highlight('Un Café, deux cafés', ['cafe']), `Un ${MARK_START}Café${MARK_END}, deux ${MARK_START}café${MARK_END}s`);
  const long = `${'a'.repeat(300)} trouvé ${'b'.repeat(300)}`;
  const h = highlight(long, ['trouve']);
  assert.ok(h.startsWith('…') && h.endsWith('…'), h);
  assert.ok(h.includes(`${MARK_START}trouvé${MARK_END}`));
  assert.ok(h.length < 200);
  assert.equal(highlight('le plan', ['cafe']), 'le plan', 'a file name matched: the text unmarked');
});
