import assert from 'node:assert/strict';
import { test } from 'node:test';
import { needsRefresh, parseStoredSession, refreshDelay, refreshMargin, sessionFromAuth } from '../../src/lib/tokens.ts';
import { auth } from './fakes.ts';

test('renewal margin is a tenth of the lifetime, between 5 s and 60 s', () => {
  assert.equal(refreshMargin(15 * 60_000), 60_000);
  assert.equal(refreshMargin(120_000), 12_000);
  assert.equal(refreshMargin(10_000), 5_000);
  assert.equal(refreshMargin(0), 5_000);
});

test('refresh delay counts from the absolute expiry and never goes negative', () => {
  const s = sessionFromAuth(auth(1, 900), 1_000);
  assert.equal(refreshDelay(s, 1_000), 840_000);
  assert.equal(refreshDelay(s, 841_000), 0);
  assert.equal(refreshDelay(s, 10_000_000), 0);
  assert.equal(needsRefresh(s, 840_999), false);
  assert.equal(needsRefresh(s, 841_000), true);
});

test('a far-away expiry does not overflow setTimeout', () => {
  const s = { accessExpiresAt: 10 ** 13, accessLifetime: 60_000 };
  assert.equal(refreshDelay(s, 0), 2_147_483_647);
});

test('a rotated refresh token extends the session to 7 days from now', () => {
  const first = sessionFromAuth(auth(1), 0);
  const next = sessionFromAuth(auth(2), 3_600_000, first);
  assert.equal(next.refreshExpiresAt, 3_600_000 + 7 * 24 * 3_600_000);
});

test('stored sessions are read back, and dropped when malformed or past the refresh lifetime', () => {
  const s = sessionFromAuth(auth(1), 0);
  const raw = JSON.stringify(s);
  assert.deepEqual(parseStoredSession(raw, 1_000), s);
  assert.equal(parseStoredSession(raw, s.refreshExpiresAt), null);
  assert.equal(parseStoredSession(null, 0), null);
  assert.equal(parseStoredSession('{not json', 0), null);
  assert.equal(parseStoredSession(JSON.stringify({ ...s, refreshToken: '' }), 0), null);
  assert.equal(parseStoredSession(JSON.stringify({ ...s, user: { id: 1 } }), 0), null);
  assert.equal(parseStoredSession('null', 0), null);
});
