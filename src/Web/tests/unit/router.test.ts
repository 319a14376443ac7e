import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inAppPath, isInAppClick, parseRoute, redirectFor, routePath, safeNext } from '../../src/lib/router.ts';

test('paths map to routes, ignoring trailing slashes and case', () => {
  assert.deepEqual(parseRoute('/'), { name: 'home' });
  assert.deepEqual(parseRoute('/Login/'), { name: 'login', next: null });
  assert.deepEqual(parseRoute('/register'), { name: 'register', next: null });
  assert.deepEqual(parseRoute('/settings'), { name: 'settings', section: 'profile' });
  assert.deepEqual(parseRoute('/settings/sessions/'), { name: 'settings', section: 'sessions' });
  assert.deepEqual(parseRoute('/settings/nope'), { name: 'not-found', path: '/settings/nope' });
  assert.deepEqual(parseRoute('//settings//appearance'), { name: 'settings', section: 'appearance' });
});

test('login keeps where the user was going, but only inside the app', () => {
  assert.deepEqual(parseRoute('/login', '?next=%2Fsettings%2Fsessions'), { name: 'login', next: '/settings/sessions' });
  assert.equal(safeNext('//evil.example/'), null);
  assert.equal(safeNext('https://evil.example/'), null);
  assert.equal(safeNext('/\\evil.example'), null);
  assert.equal(safeNext('/login'), null, 'no loop back to login');
  assert.equal(safeNext('/unknown'), null);
  assert.equal(safeNext('/'), '/');
});

test('routePath is the inverse of parseRoute', () => {
  for (const path of ['/', '/register', '/settings/profile', '/settings/sessions', '/login', '/login?next=%2Fsettings%2Fsessions']) {
    const [p, q] = path.split('?');
    assert.equal(routePath(parseRoute(p!, q ? `?${q}` : '')), path);
  }
});

test('signed-out users are sent to login, remembering deep links', () => {
  assert.equal(redirectFor({ name: 'home' }, false), '/login');
  assert.equal(redirectFor({ name: 'settings', section: 'sessions' }, false), '/login?next=%2Fsettings%2Fsessions');
  assert.equal(redirectFor({ name: 'login', next: null }, false), null);
  assert.equal(redirectFor({ name: 'register', next: null }, false), null);
});

test('signed-in users skip the auth screens', () => {
  assert.equal(redirectFor({ name: 'login', next: null }, true), '/');
  assert.equal(redirectFor({ name: 'login', next: '/settings/sessions' }, true), '/settings/sessions');
  assert.equal(redirectFor({ name: 'register', next: null }, true), '/');
  assert.equal(redirectFor({ name: 'home' }, true), null);
  assert.equal(redirectFor({ name: 'not-found', path: '/x' }, true), null);
});

test('only plain left clicks on same-origin app links are handled in-app', () => {
  const click = { button: 0, metaKey: false, ctrlKey: false, shiftKey: false, altKey: false, defaultPrevented: false };
  const link = { target: '', hasDownload: false, origin: 'http://127.0.0.1:3000', pathname: '/settings/profile' };
  const origin = 'http://127.0.0.1:3000';
  assert.equal(isInAppClick(click, link, origin), true);
  assert.equal(isInAppClick({ ...click, ctrlKey: true }, link, origin), false);
  assert.equal(isInAppClick({ ...click, button: 1 }, link, origin), false);
  assert.equal(isInAppClick(click, { ...link, target: '_blank' }, origin), false);
  assert.equal(isInAppClick(click, { ...link, origin: 'https://example.org' }, origin), false);
  assert.equal(isInAppClick(click, { ...link, pathname: '/api/health' }, origin), false);
  assert.equal(isInAppClick(click, { ...link, hasDownload: true }, origin), false);
});

test('guild channels and invite links are routes; their ids and codes keep their case', () => {
  assert.deepEqual(parseRoute('/channels/AbC'), { name: 'guild', guildId: 'AbC', channelId: null });
  assert.deepEqual(parseRoute('/channels/AbC/dEf/'), { name: 'guild', guildId: 'AbC', channelId: 'dEf' });
  // A message link keeps all three ids; a fourth segment is nothing.
  assert.deepEqual(parseRoute('/channels/a/B/cD'), { name: 'guild', guildId: 'a', channelId: 'B', messageId: 'cD' });
  assert.equal(routePath({ name: 'guild', guildId: 'g', channelId: 'c', messageId: 'm' }), '/channels/g/c/m');
  assert.deepEqual(parseRoute('/channels/a/b/c/d'), { name: 'not-found', path: '/channels/a/b/c/d' });
  assert.deepEqual(parseRoute('/invite/XyZ12'), { name: 'invite', code: 'XyZ12' });
  assert.equal(routePath({ name: 'guild', guildId: 'g', channelId: 'c' }), '/channels/g/c');
  assert.equal(routePath({ name: 'invite', code: 'XyZ12' }), '/invite/XyZ12');
});

test('an invite link opened while signed out comes back after login or registration', () => {
  assert.equal(redirectFor({ name: 'invite', code: 'XyZ12' }, false), '/login?next=%2Finvite%2FXyZ12');
  assert.deepEqual(parseRoute('/login', '?next=%2Finvite%2FXyZ12'), { name: 'login', next: '/invite/XyZ12' });
  assert.deepEqual(parseRoute('/register', '?next=%2Finvite%2FXyZ12'), { name: 'register', next: '/invite/XyZ12' });
  assert.equal(redirectFor({ name: 'register', next: '/invite/XyZ12' }, true), '/invite/XyZ12');
  assert.equal(redirectFor({ name: 'guild', guildId: 'g', channelId: null }, false), '/login?next=%2Fchannels%2Fg');
  assert.equal(safeNext('/channels/g/c'), '/channels/g/c');
});

test('links to this server\'s channels and messages open in place; anything else does not', () => {
  const o = 'https://chat.example';
  assert.equal(inAppPath('https://chat.example/channels/g/c/m', o), '/channels/g/c/m');
  assert.equal(inAppPath('https://chat.example/channels/g/c', o), '/channels/g/c');
  assert.equal(inAppPath('https://chat.example/channels/g', o), '/channels/g');
  assert.equal(inAppPath('https://other.example/channels/g/c/m', o), null, 'another server');
  assert.equal(inAppPath('http://chat.example/channels/g/c/m', o), null, 'another scheme is another origin');
  assert.equal(inAppPath('https://chat.example/settings', o), null);
  assert.equal(inAppPath('https://chat.example/channels/g/c/m/x', o), null);
  assert.equal(inAppPath('not a url', o), null);
});
