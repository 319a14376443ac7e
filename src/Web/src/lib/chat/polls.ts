import type { Poll, PollResults } from '../types.ts';

/**
 * Pure rules of polls in the client (docs/API.md "Polls"): live results from `poll:vote` and
 * `poll:end`, percentages, the time left, and the durations offered when creating one.
 */

export const POLL_DURATIONS: readonly { hours: number; label: string }[] = [
  { hours: 1, label: '1 hour' },
  { hours: 4, label: '4 hours' },
  { hours: 8, label: '8 hours' },
  { hours: 24, label: '24 hours' },
  { hours: 72, label: '3 days' },
  { hours: 168, label: '1 week' },
  { hours: 336, label: '2 weeks' },
];
export const POLL_MAX_ANSWERS = 10;
export const POLL_MAX_ANSWER = 55;
export const POLL_MAX_QUESTION = 300;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function counts(v: unknown): PollResults['counts'] | null {
  return Array.isArray(v) && v.every((c) => isObj(c) && typeof c.answerId === 'number' && typeof c.count === 'number')
    ? (v as PollResults['counts'])
    : null;
}

/** `poll:vote` `{userId, answerIds, counts, voters}`: new counts for everyone, new choices when it was me. */
export function applyVote(poll: Poll, payload: unknown, me: string | null): Poll {
  const c = isObj(payload) ? counts(payload.counts) : null;
  if (!isObj(payload) || !c || typeof payload.voters !== 'number') {
    return poll;
  }
  const mine = payload.userId === me && Array.isArray(payload.answerIds) ? (payload.answerIds as number[]) : poll.results.me;
  return { ...poll, results: { counts: c, voters: payload.voters, me: mine } };
}

/** `poll:end` `{expiresAt, counts, voters}`: the poll is over, with its final counts. */
export function applyEnd(poll: Poll, payload: unknown): Poll {
  const c = isObj(payload) ? counts(payload.counts) : null;
  if (!isObj(payload) || !c || typeof payload.expiresAt !== 'string' || typeof payload.voters !== 'number') {
    return poll;
  }
  return { ...poll, expiresAt: payload.expiresAt, results: { ...poll.results, counts: c, voters: payload.voters } };
}

export function pollClosed(poll: Poll, now: number): boolean {
  return Date.parse(poll.expiresAt) <= now;
}

/** Share of all the votes cast (as Discord shows it), rounded; 0 without votes. */
export function percent(poll: Poll, answerId: number): number {
  const total = poll.results.counts.reduce((n, c) => n + c.count, 0);
  const count = poll.results.counts.find((c) => c.answerId === answerId)?.count ?? 0;
  return total === 0 ? 0 : Math.round((count * 100) / total);
}

/** The answers with the most votes once there are any (a tie keeps them all). */
export function winners(poll: Poll): number[] {
  const top = Math.max(0, ...poll.results.counts.map((c) => c.count));
  return top === 0 ? [] : poll.results.counts.filter((c) => c.count === top).map((c) => c.answerId);
}

/** "5h left", "2d left", "12m left", "Less than a minute left", or "Poll closed". */
export function timeLeft(poll: Poll, now: number): string {
  const ms = Date.parse(poll.expiresAt) - now;
  if (ms <= 0) {
    return 'Poll closed';
  }
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) {
    return 'Less than a minute left';
  }
  if (minutes < 60) {
    return `${minutes}m left`;
  }
  const hours = Math.floor(minutes / 60);
  return hours < 24 ? `${hours}h left` : `${Math.floor(hours / 24)}d left`;
}

/** Checks a poll being written: the first problem in words, or null when it can be posted. */
export function pollProblem(question: string, answers: readonly string[]): string | null {
  const q = question.trim();
  if (!q) {
    return 'Ask a question.';
  }
  if (q.length > POLL_MAX_QUESTION) {
    return `A question is at most ${POLL_MAX_QUESTION} characters.`;
  }
  const filled = answers.map((a) => a.trim()).filter(Boolean);
  if (filled.length < 2) {
    return 'Give at least two answers.';
  }
  if (filled.some((a) => a.length > POLL_MAX_ANSWER)) {
    return `An answer is at most ${POLL_MAX_ANSWER} characters.`;
  }
  if (new Set(filled.map((a) => a.toLowerCase())).size !== filled.length) {
    return 'Each answer only once.';
  }
  return null;
}
