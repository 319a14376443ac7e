import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockedLabel, blockedView } from '../../src/lib/chat/blocked.ts';

const row = (id: string, author: string, day: string | null = null) => ({ message: { id, author: { id: author } }, day });

test('runs of blocked people\'s messages fold into one line each; others\' messages split them, and so does a new day', () => {
  const rows = [row('1', 'ann', '2026-11-27'), row('2', 'bob'), row('3', 'eve'), row('4', 'bob'), row('5', 'ann'), row('6', 'bob'), row('7', 'bob', '2026-11-28')];
  const view = blockedView(rows, new Set(['bob', 'eve']), new Set());
  assert.deepEqual([...view.runs.values()], [
    { key: '2', count: 3, revealed: false },
    { key: '6', count: 1, revealed: false },
    { key: '7', count: 1, revealed: false },
  ]);
  assert.deepEqual([...view.hidden], ['2', '3', '4', '6', '7']);
  assert.equal(view.runOf.get('4'), '2');
  assert.equal(view.runOf.get('1'), undefined);
});

test('a revealed run shows its messages and keeps its line (to hide them again); nobody blocked, nothing folds', () => {
  const rows = [row('1', 'bob'), row('2', 'bob'), row('3', 'ann'), row('4', 'bob')];
  const view = blockedView(rows, new Set(['bob']), new Set(['1']));
  assert.deepEqual(view.runs.get('1'), { key: '1', count: 2, revealed: true });
  assert.deepEqual([...view.hidden], ['4']);
  const none = blockedView(rows, new Set(), new Set());
  assert.equal(none.runs.size + none.hidden.size, 0);
});

test('the line says how many', () => {
  assert.equal(blockedLabel(1), '1 blocked message');
  assert.equal(blockedLabel(12), '12 blocked messages');
});
