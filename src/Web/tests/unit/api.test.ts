import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApiClient, ApiError, errorFromBody, parseRetryAfter } from '../../src/lib/api.ts';
import { sessionFromAuth } from '../../src/lib/tokens.ts';
import { MemoryStorage, alice, auth, error, fakeFetch, json } from './fakes.ts';

describe('error mapping', () => {
  test('an error body maps to its code, message and status', () => {
    const err = errorFromBody(409, { error: { code: 'username_taken', message: 'Taken.' } });
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 409);
    assert.equal(err.code, 'username_taken');
    assert.equal(err.message, 'Taken.');
    assert.equal(err.retryAfter, null);
  });

  test('a 429 carries Retry-After seconds', () => {
    const err = errorFromBody(429, { error: { code: 'rate_limited', message: 'Slow down.' } }, '12');
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.retryAfter, 12);
  });

  test('a body that is not the error shape still gives a stable code', () => {
    assert.equal(errorFromBody(502, '<html>Bad gateway</html>').code, 'http_502');
    assert.equal(errorFromBody(429, null, '3').code, 'rate_limited');
    assert.equal(errorFromBody(400, { error: { code: '', message: 'x' } }).code, 'http_400');
    assert.equal(errorFromBody(400, { error: { code: 'validation_failed' } }).message, 'validation_failed');
  });

  test('Retry-After accepts seconds and HTTP dates', () => {
    const now = Date.parse('2025-06-01T12:00:00Z');
    assert.equal(parseRetryAfter('30', now), 30);
    assert.equal(parseRetryAfter('Sun, 01 Jun 2025 12:01:00 GMT', now), 60);
    assert.equal(parseRetryAfter('Sun, 01 Jun 2025 11:00:00 GMT', now), 0);
    assert.equal(parseRetryAfter('soon', now), null);
    assert.equal(parseRetryAfter(null, now), null);
  });
});

function signedIn(now: number, n = 1, expiresIn = 900) {
  const storage = new MemoryStorage();
  storage.set(sessionFromAuth(auth(n, expiresIn), now));
  return storage;
}

describe('ApiClient', () => {
  test('login stores the session with absolute expiry times', async () => {
    const storage = new MemoryStorage();
    const { fetch, calls } = fakeFetch(() => json(200, auth(1, 900)));
    const api = new ApiClient({ storage, fetch, now: () => 1_000, setTimer: () => 0, clearTimer: () => {} });
    await api.login('alice', 'pw');
    assert.deepEqual(calls[0]?.body, { username: 'alice', password: 'pw' });
    assert.equal(calls[0]?.auth, null);
    assert.equal(storage.session?.accessToken, 'access-1');
    assert.equal(storage.session?.accessExpiresAt, 1_000 + 900_000);
    assert.equal(storage.session?.refreshExpiresAt, 1_000 + 7 * 24 * 3600 * 1000);
  });

  test('a login with two-factor authentication stores nothing until the code', async () => {
    const storage = new MemoryStorage();
    const { fetch, calls } = fakeFetch((c) => (c.path === '/api/auth/login' ? json(200, { mfa: true, ticket: 't-1' }) : json(200, auth(2, 900))));
    const api = new ApiClient({ storage, fetch, now: () => 1_000, setTimer: () => 0, clearTimer: () => {} });
    assert.deepEqual(await api.login('alice', 'pw'), { mfa: true, ticket: 't-1' });
    const stored = storage.get();
    assert.equal(stored, null, 'a right password alone signs nobody in');
    await api.loginWithCode('t-1', '123456');
    assert.equal(calls[1]?.path, '/api/auth/mfa/totp');
    assert.deepEqual(calls[1]?.body, { ticket: 't-1', code: '123456' });
    assert.equal(calls[1]?.auth, null);
    assert.equal(storage.session?.accessToken, 'access-2');
  });

  test('requests carry the bearer token and decode JSON; 204 gives undefined', async () => {
    const storage = signedIn(0);
    const { fetch, calls } = fakeFetch((c) => (c.method === 'DELETE' ? json(204, null) : json(200, alice)));
    const api = new ApiClient({ storage, fetch, now: () => 0 });
    assert.deepEqual(await api.me(), alice);
    assert.equal(await api.revokeSession('a/b'), undefined);
    assert.equal(calls[0]?.auth, 'Bearer access-1');
    assert.equal(calls[1]?.path, '/api/auth/sessions/a%2Fb');
  });

  test('errors are thrown as ApiError', async () => {
    const storage = signedIn(0);
    const { fetch } = fakeFetch(() => error(404, 'session_not_found', 'Gone.'));
    const api = new ApiClient({ storage, fetch, now: () => 0 });
    await assert.rejects(api.revokeSession('x'), (e: unknown) => e instanceof ApiError && e.code === 'session_not_found' && e.status === 404);
  });

  test('a network failure is an ApiError with status 0 and keeps the session', async () => {
    const storage = signedIn(0);
    const api = new ApiClient({ storage, fetch: (async () => { throw new TypeError('Failed to fetch'); }) as typeof fetch, now: () => 0 });
    await assert.rejects(api.me(), (e: unknown) => e instanceof ApiError && e.status === 0 && e.code === 'network_error');
    assert.notEqual(storage.session, null);
  });

  test('a 401 renews the token once and retries the request', async () => {
    const storage = signedIn(0);
    const { fetch, calls } = fakeFetch((c) => {
      if (c.path === '/api/auth/refresh') return json(200, auth(2));
      return c.auth === 'Bearer access-2' ? json(200, alice) : error(401, 'invalid_token');
    });
    const api = new ApiClient({ storage, fetch, now: () => 0 });
    assert.deepEqual(await api.me(), alice);
    assert.deepEqual(calls.map((c) => c.path), ['/api/users/@me', '/api/auth/refresh', '/api/users/@me']);
    assert.deepEqual(calls[1]?.body, { refreshToken: 'refresh-1' });
    assert.equal(storage.session?.refreshToken, 'refresh-2');
  });

  test('a second 401 after renewing gives up and drops the session', async () => {
    const storage = signedIn(0);
    const { fetch, calls } = fakeFetch((c) => (c.path === '/api/auth/refresh' ? json(200, auth(2)) : error(401, 'invalid_token')));
    const api = new ApiClient({ storage, fetch, now: () => 0 });
    await assert.rejects(api.me(), ApiError);
    assert.equal(calls.length, 3, 'no retry loop');
    assert.deepEqual(storage.lostReasons, ['expired']);
  });

  test('session_revoked signs out at once, without trying to renew', async () => {
    const storage = signedIn(0);
    const { fetch, calls } = fakeFetch(() => error(401, 'session_revoked'));
    const api = new ApiClient({ storage, fetch, now: () => 0 });
    await assert.rejects(api.listSessions(), (e: unknown) => e instanceof ApiError && e.code === 'session_revoked');
    assert.equal(calls.length, 1);
    assert.deepEqual(storage.lostReasons, ['revoked']);
  });

  test('a dead refresh token signs out: reused means revoked, invalid means expired', async () => {
    for (const [code, reason] of [['refresh_token_reused', 'revoked'], ['invalid_refresh_token', 'expired']] as const) {
      const storage = signedIn(0);
      const { fetch } = fakeFetch((c) => (c.path === '/api/auth/refresh' ? error(401, code) : error(401, 'invalid_token')));
      const api = new ApiClient({ storage, fetch, now: () => 0 });
      await assert.rejects(api.me(), (e: unknown) => e instanceof ApiError && e.code === code);
      assert.deepEqual(storage.lostReasons, [reason]);
    }
  });

  test('a token about to expire is renewed before the request is sent', async () => {
    const storage = signedIn(0, 1, 900);
    const { fetch, calls } = fakeFetch((c) => (c.path === '/api/auth/refresh' ? json(200, auth(2)) : json(200, alice)));
    // 870 s in: inside the 60 s renewal margin of a 15 min token.
    const api = new ApiClient({ storage, fetch, now: () => 870_000 });
    await api.me();
    assert.deepEqual(calls.map((c) => [c.path, c.auth]), [
      ['/api/auth/refresh', null],
      ['/api/users/@me', 'Bearer access-2'],
    ]);
  });

  test('concurrent requests share one renewal (a refresh token is spent once)', async () => {
    const storage = signedIn(0);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let rejected = 0;
    const { fetch, calls } = fakeFetch(async (c) => {
      if (c.path === '/api/auth/refresh') {
        await gate;
        return json(200, auth(2));
      }
      if (c.auth === 'Bearer access-2') {
        return json(200, alice);
      }
      // Hold the renewal until all three requests have been turned away.
      if (++rejected === 3) {
        release();
      }
      return error(401, 'invalid_token');
    });
    const api = new ApiClient({ storage, fetch, now: () => 0 });
    const results = await Promise.all([api.me(), api.me(), api.me()]);
    assert.deepEqual(results, [alice, alice, alice]);
    assert.equal(calls.filter((c) => c.path === '/api/auth/refresh').length, 1);
  });

  test('a renewal already done by another tab is adopted instead of spending the new token', async () => {
    const storage = signedIn(0);
    const stale = storage.session!;
    // Another tab rotated the pair meanwhile (shared localStorage).
    storage.set(sessionFromAuth(auth(2), 0));
    const { fetch, calls } = fakeFetch(() => json(200, auth(3)));
    const api = new ApiClient({ storage, fetch, now: () => 0 });
    const renewed = await api.renew(stale);
    assert.equal(renewed.accessToken, 'access-2');
    assert.equal(calls.length, 0);
  });

  test('renewals run under the cross-tab lock', async () => {
    const storage = signedIn(0);
    const locks: string[] = [];
    const { fetch } = fakeFetch(() => json(200, auth(2)));
    const api = new ApiClient({
      storage,
      fetch,
      now: () => 0,
      lock: async (name, fn) => {
        locks.push(name);
        return fn();
      },
    });
    await api.renew(storage.session!);
    assert.deepEqual(locks, ['lescopains.refresh']);
  });

  test('the renewal timer fires a minute before expiry and re-arms; onRenewed gets the new token', async () => {
    let now = 0;
    const storage = signedIn(now, 1, 900);
    const timers: { fn: () => void; ms: number }[] = [];
    const renewed: string[] = [];
    let n = 1;
    const { fetch } = fakeFetch(() => json(200, auth(++n, 900)));
    const api = new ApiClient({
      storage,
      fetch,
      now: () => now,
      setTimer: (fn, ms) => timers.push({ fn, ms }),
      clearTimer: () => {},
      onRenewed: (s) => renewed.push(s.accessToken),
    });
    api.schedule();
    assert.equal(timers.at(-1)?.ms, 840_000);
    now = 840_000;
    timers.at(-1)!.fn();
    await new Promise((r) => setTimeout(r, 0));
    assert.deepEqual(renewed, ['access-2']);
    assert.equal(timers.length, 2);
    assert.equal(timers.at(-1)?.ms, 840_000, 're-armed from the new expiry');
  });

  test('logout sends the refresh token and never throws', async () => {
    const storage = signedIn(0);
    const { fetch, calls } = fakeFetch(() => error(401, 'session_revoked'));
    const api = new ApiClient({ storage, fetch, now: () => 0 });
    await api.logout();
    assert.deepEqual(calls[0]?.body, { refreshToken: 'refresh-1' });
    assert.equal(calls[0]?.path, '/api/auth/logout');
  });
});
