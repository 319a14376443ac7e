import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApiError } from '../../src/lib/api.ts';
import { describeUserAgent, initials, isMobileUserAgent, relativeTime } from '../../src/lib/format.ts';
import { reconnectDelay } from '../../src/lib/gateway.ts';
import { describeError, formatWait } from '../../src/lib/messages.ts';
import {
  fieldFromMessage,
  firstInvalid,
  normalizeUsername,
  validateDisplayName,
  validatePassword,
  validateUsername,
} from '../../src/lib/validation.ts';

test('usernames follow the server rules after lower-casing', () => {
  assert.equal(normalizeUsername('  Alice.B_2 '), 'alice.b_2');
  assert.equal(validateUsername('alice.b_2'), null);
  assert.match(validateUsername('')!, /Enter/);
  assert.match(validateUsername('ab')!, /3–32/);
  assert.match(validateUsername('a'.repeat(33))!, /3–32/);
  assert.match(validateUsername('al ice')!, /letters/);
  assert.match(validateUsername('élodie')!, /letters/);
});

test('passwords are 8–128 characters', () => {
  assert.equal(validatePassword('12345678'), null);
  assert.match(validatePassword('1234567')!, /at least 8/);
  assert.match(validatePassword('x'.repeat(129))!, /at most 128/);
});

test('display names count visible characters, up to 32', () => {
  assert.equal(validateDisplayName('', false), null);
  assert.match(validateDisplayName('   ', true)!, /Enter/);
  assert.equal(validateDisplayName('😀'.repeat(32), true), null, 'emoji are one character each');
  assert.match(validateDisplayName('x'.repeat(33), true)!, /at most 32/);
});

test('focus goes to the first invalid field in form order', () => {
  assert.equal(firstInvalid(['username', 'password'], { password: 'x', username: 'y' }), 'username');
  assert.equal(firstInvalid(['username', 'password'], { password: 'x' }), 'password');
  assert.equal(firstInvalid(['username', 'password'], {}), null);
});

test('the field named first in a validation_failed message is picked', () => {
  const fields = ['username', 'displayName', 'password'] as const;
  assert.equal(fieldFromMessage('password must be 8-128 characters', fields), 'password');
  assert.equal(fieldFromMessage('The displayName is too long', fields), 'displayName');
  assert.equal(fieldFromMessage('Username is invalid; password too', fields), 'username');
  assert.equal(fieldFromMessage('Bad request', fields), null);
});

test('errors read as sentences a person understands', () => {
  assert.equal(describeError(new ApiError(401, 'invalid_credentials', 'x')), 'Incorrect username or password.');
  assert.equal(describeError(new ApiError(429, 'rate_limited', 'x', 30)), 'Too many attempts. Try again in 30 seconds.');
  assert.equal(describeError(new ApiError(429, 'rate_limited', 'x', 90)), 'Too many attempts. Try again in 2 minutes.');
  assert.equal(describeError(new ApiError(400, 'validation_failed', 'username must be 3-32 characters')), 'username must be 3-32 characters');
  assert.equal(describeError(new ApiError(401, 'session_revoked', 'x')), 'This session was signed out.');
  assert.match(describeError(new ApiError(503, 'http_503', 'x')), /server had a problem/);
  assert.match(describeError(new ApiError(0, 'network_error', 'x')), /reach the server/);
  assert.match(describeError(new Error('boom')), /Something went wrong/);
  assert.equal(formatWait(1), '1 second');
});

test('user agents are summarised as browser and OS', () => {
  const chromeLinux = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
  const headless = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36';
  const firefoxWin = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
  const safariIos = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
  const edge = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0';
  assert.equal(describeUserAgent(chromeLinux), 'Chrome on Linux');
  assert.equal(describeUserAgent(headless), 'Chrome on Linux');
  assert.equal(describeUserAgent(firefoxWin), 'Firefox on Windows');
  assert.equal(describeUserAgent(safariIos), 'Safari on iOS');
  assert.equal(describeUserAgent(edge), 'Edge on Windows');
  assert.equal(describeUserAgent('curl/8.5.0'), 'curl/8.5.0');
  assert.equal(describeUserAgent(null), 'Unknown device');
  assert.equal(isMobileUserAgent(safariIos), true);
  assert.equal(isMobileUserAgent(chromeLinux), false);
});

test('relative times', () => {
  const now = Date.parse('2025-06-01T12:00:00Z');
  assert.equal(relativeTime('2025-06-01T11:59:30Z', now), 'just now');
  assert.equal(relativeTime('2025-06-01T11:55:00Z', now), '5 minutes ago');
  assert.equal(relativeTime('2025-05-31T12:00:00Z', now), 'yesterday');
  assert.equal(relativeTime('2025-06-08T12:00:00Z', now), 'next week');
  assert.equal(relativeTime('garbage', now), 'unknown');
});

test('avatar initials', () => {
  assert.equal(initials('Camille Durand'), 'CD');
  assert.equal(initials('alice'), 'AL');
  assert.equal(initials('  '), '?');
  assert.equal(initials('élodie martin'), 'ÉM');
});

test('hub reconnects back off with jitter and never give up', () => {
  const noJitter = () => 0;
  assert.deepEqual([0, 1, 2, 3, 4, 50].map((n) => reconnectDelay(n, noJitter)), [0, 2000, 5000, 10000, 15000, 15000]);
  assert.equal(reconnectDelay(4, () => 1), 19500);
});
