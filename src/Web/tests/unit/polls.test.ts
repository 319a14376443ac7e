import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyEnd, applyVote, percent, pollClosed, pollProblem, timeLeft, winners } from '../../src/lib/chat/polls.ts';
import type { Poll } from '../../src/lib/types.ts';

const poll = (counts: number[], me: number[] = [], expiresAt = '2026-11-29T12:00:00Z'): Poll => ({
  answers: counts.map((_, i) => ({ id: i + 1, text: `A${i + 1}` })),
  allowMultiselect: false,
  expiresAt,
  results: { counts: counts.map((count, i) => ({ answerId: i + 1, count })), voters: counts.reduce((a, b) => a + b, 0), me },
});

test('polls: a vote event moves everyone\'s counts and only the voter\'s own choices', () => {
  const before = poll([1, 0], [1]);
  const event = { userId: 'bob', answerIds: [2], counts: [{ answerId: 1, count: 1 }, { answerId: 2, count: 1 }], voters: 2 };
  const seenByAna = applyVote(before, event, 'ana');
  assert.deepEqual(seenByAna.results.counts.map((c) => c.count), [1, 1]);
  assert.equal(seenByAna.results.voters, 2);
  assert.deepEqual(seenByAna.results.me, [1], 'another voter does not change my choice');
  assert.deepEqual(applyVote(before, event, 'bob').results.me, [2]);
  assert.equal(applyVote(before, { counts: 'nope' }, 'ana'), before, 'a malformed event changes nothing');
});

test('polls: an end event closes the poll with its final counts', () => {
  const ended = applyEnd(poll([0, 0]), { expiresAt: '2026-11-29T10:00:00Z', counts: [{ answerId: 1, count: 3 }, { answerId: 2, count: 1 }], voters: 4 });
  assert.equal(pollClosed(ended, Date.parse('2026-11-29T10:00:01Z')), true);
  assert.equal(pollClosed(poll([0, 0]), Date.parse('2026-11-29T10:00:01Z')), false);
  assert.deepEqual(winners(ended), [1]);
});

test('polls: shares of the votes cast, ties among winners, none without votes', () => {
  const p = poll([1, 1, 2]);
  assert.deepEqual([1, 2, 3].map((id) => percent(p, id)), [25, 25, 50]);
  assert.deepEqual(winners(poll([2, 2, 1])), [1, 2]);
  assert.deepEqual(winners(poll([0, 0])), []);
  assert.equal(percent(poll([0, 0]), 1), 0);
});

test('polls: the time left reads in minutes, hours or days, then closed', () => {
  const p = poll([0, 0], [], '2026-11-29T12:00:00Z');
  const at = (iso: string) => timeLeft(p, Date.parse(iso));
  assert.equal(at('2026-11-29T11:59:30Z'), 'Less than a minute left');
  assert.equal(at('2026-11-29T11:15:00Z'), '45m left');
  assert.equal(at('2026-11-29T07:00:00Z'), '5h left');
  assert.equal(at('2026-11-26T12:00:00Z'), '3d left');
  assert.equal(at('2026-11-29T12:00:00Z'), 'Poll closed');
});

test('polls: a poll being written is checked before it is posted', () => {
  assert.equal(pollProblem('  ', ['a', 'b']), 'Ask a question.');
  assert.equal(pollProblem('Q', ['a', '  ']), 'Give at least two answers.');
  assert.equal(pollProblem('Q', ['Oui', 'oui']), 'Each answer only once.');
  assert.equal(pollProblem('Q', ['a', 'x'.repeat(56)]), 'An answer is at most 55 characters.');
  assert.equal(pollProblem('x'.repeat(301), ['a', 'b']), 'A question is at most 300 characters.');
  assert.equal(pollProblem('Q', ['a', '', 'b']), null, 'empty extra rows are left out');
});
