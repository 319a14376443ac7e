// Sign-up, sign-in, persistence across reloads and remote sign-out, in real Chromium against a
// running stack (BASE_URL). The Api + silo + PostgreSQL + Redis are started by the repository's
// test script; for the client alone, `npm run mock` stands in for them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, launch, newDevice, password, randomUsername, screenshot, until } from './browser.mjs';

const SIGNED_OUT = 'This session was signed out.';
const username = randomUsername();
const displayName = 'Camille Durand';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

async function login(page, user, pass) {
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Log In' }).click();
}

async function waitForHome(page) {
  await page.getByRole('heading', { name: `Welcome, ${displayName}` }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/');
}

/** The hub connection is up (the app marks its root with the connection state). */
async function waitForHub(page) {
  await page.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
}

async function openSessions(page) {
  await page.getByRole('link', { name: 'User settings' }).click();
  await page.getByRole('link', { name: 'Sessions' }).click();
  await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  await page.getByText('This device').waitFor();
}

test('register, log out, log in, stay logged in across a reload, get signed out remotely', async () => {
  const first = await newDevice(browser);
  const a = first.page;

  // A signed-out visitor lands on the login screen.
  await a.goto(BASE_URL + '/');
  await a.getByRole('heading', { name: 'Welcome back!' }).waitFor();
  assert.equal(new URL(a.url()).pathname, '/login');
  await screenshot(a, 'login');
  await a.emulateMedia({ colorScheme: 'light' });
  await screenshot(a, 'login-light');
  await a.emulateMedia({ colorScheme: 'dark' });

  // Register a fresh user; the client signs in right after.
  await a.getByRole('link', { name: 'Register' }).click();
  await a.getByRole('heading', { name: 'Create an account' }).waitFor();
  await a.getByLabel('Username').fill(username.toUpperCase()); // lower-cased by the client
  await a.getByLabel('Display name').fill(displayName);
  await a.getByLabel('Password').fill(password);
  await screenshot(a, 'register');
  await a.getByRole('button', { name: 'Continue' }).click();
  await waitForHome(a);
  await waitForHub(a);
  await a.getByText(`@${username}`).waitFor();
  await screenshot(a, 'home');

  // Log out: back to the login screen, nothing left in storage.
  await a.getByRole('button', { name: 'Log out' }).click();
  await a.getByRole('heading', { name: 'Welcome back!' }).waitFor();
  assert.equal(await a.evaluate(() => localStorage.getItem('lescopains.session')), null);

  // Log in again, then reload: still signed in.
  await login(a, username, password);
  await waitForHome(a);
  await a.reload();
  await waitForHome(a);
  await waitForHub(a);

  // A second device signs in as the same user and revokes the first one's session.
  const second = await newDevice(browser);
  const b = second.page;
  await b.goto(BASE_URL + '/login');
  await login(b, username, password);
  await waitForHome(b);
  await openSessions(b);
  const revoke = b.getByRole('button', { name: /^Revoke session/ });
  await revoke.first().waitFor();
  assert.equal(await revoke.count(), 1, 'exactly one other session (the first device)');
  await screenshot(b, 'sessions');
  await revoke.click();
  await b.getByText('No other sessions.').waitFor();

  // The first device is signed out within seconds, without a reload.
  const navigations = [];
  a.on('framenavigated', (f) => f === a.mainFrame() && navigations.push(f.url()));
  await a.getByText(SIGNED_OUT).waitFor({ timeout: 5000 });
  await a.getByRole('heading', { name: 'Welcome back!' }).waitFor();
  assert.equal(new URL(a.url()).pathname, '/login');
  assert.equal(await a.evaluate(() => localStorage.getItem('lescopains.session')), null);
  assert.ok(
    navigations.every((u) => new URL(u).pathname === '/login'),
    `signed out in place, not by a page load: ${navigations.join(', ')}`,
  );
  await screenshot(a, 'signed-out');

  // The second device is unaffected.
  await b.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  await b.reload();
  await b.getByText('This device').waitFor();

  first.assertClean();
  second.assertClean();
  await first.context.close();
  await second.context.close();
});

test('a revoked session whose hub connection is down is signed out on its next request', async () => {
  const device = await newDevice(browser);
  const other = await newDevice(browser);
  // Cut this device off from the hub (negotiation and any WebSocket): it can only learn about
  // the revocation from a 401.
  await device.context.routeWebSocket('**/hubs/**', (ws) => ws.close());
  await device.context.route('**/hubs/**', (route) => route.abort());
  const p = device.page;
  await p.goto(BASE_URL + '/login');
  await login(p, username, password);
  await waitForHome(p);
  await p.getByRole('status').filter({ hasText: 'Reconnecting…' }).waitFor();
  await screenshot(p, 'reconnecting');

  await other.page.goto(BASE_URL + '/login');
  await login(other.page, username, password);
  await openSessions(other.page);
  // Earlier tests may have left sessions of this user behind: sign out every other one.
  await other.page.getByRole('button', { name: 'Sign out all other sessions' }).click();
  await other.page.getByText('No other sessions.').waitFor();

  // The next authenticated request gets 401 session_revoked: opening settings makes one, unless a
  // reconnect attempt (which also checks the session) got there first. Clicked inside the page so
  // the check and the click cannot race.
  await p.evaluate(() => document.querySelector('a[href="/settings/profile"]')?.click());
  await p.getByText(SIGNED_OUT).waitFor({ timeout: 5000 });
  assert.equal(new URL(p.url()).pathname, '/login');

  device.assertClean();
  other.assertClean();
  await device.context.close();
  await other.context.close();
});

test('a wrong password is reported and focus goes to the password field', async () => {
  const device = await newDevice(browser);
  const p = device.page;
  await p.goto(BASE_URL + '/login');
  await login(p, username, 'not-the-password');
  await p.getByRole('alert').filter({ hasText: 'Incorrect username or password.' }).waitFor();
  await until(() => p.evaluate(() => document.activeElement?.id === 'login-password'), 'focus on the password field');
  assert.equal(await p.getByLabel('Password').getAttribute('aria-invalid'), 'true');
  await screenshot(p, 'login-error');

  // Empty fields are caught before any request, focusing the first one.
  await p.getByLabel('Username').fill('');
  await p.getByRole('button', { name: 'Log In' }).click();
  await until(() => p.evaluate(() => document.activeElement?.id === 'login-username'), 'focus on the username field');
  device.assertClean();
  await device.context.close();
});

test('registering a taken username announces the error on the username field', async () => {
  const device = await newDevice(browser);
  const p = device.page;
  await p.goto(BASE_URL + '/register');
  await p.getByLabel('Username').fill(username);
  await p.getByLabel('Password').fill(`${password}-2`);
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByRole('alert').filter({ hasText: 'That username is already taken.' }).waitFor();
  await until(() => p.evaluate(() => document.activeElement?.id === 'register-username'), 'focus on the username field');
  assert.equal(await p.getByLabel('Username').getAttribute('aria-invalid'), 'true');
  await screenshot(p, 'register-error');

  // Client-side rules run first: a short password never reaches the server.
  await p.getByLabel('Username').fill(randomUsername());
  await p.getByLabel('Password').fill('short');
  await p.getByRole('button', { name: 'Continue' }).click();
  await p.getByRole('alert').filter({ hasText: 'Please fix the highlighted fields.' }).waitFor();
  await until(() => p.evaluate(() => document.activeElement?.id === 'register-password'), 'focus on the password field');
  device.assertClean();
  await device.context.close();
});

test('the display name can be changed in settings and shows everywhere', async () => {
  const device = await newDevice(browser);
  const p = device.page;
  await p.goto(BASE_URL + '/settings/profile');
  // A deep link while signed out goes through login and comes back.
  await p.getByRole('heading', { name: 'Welcome back!' }).waitFor();
  assert.equal(new URL(p.url()).search, '?next=%2Fsettings%2Fprofile');
  await login(p, username, password);
  await p.getByRole('heading', { name: 'My Account' }).waitFor();
  await screenshot(p, 'profile');

  const field = p.getByLabel('Display name');
  await field.fill('');
  await p.getByRole('button', { name: 'Save changes' }).click();
  await p.getByRole('alert').filter({ hasText: 'Enter a display name.' }).waitFor();
  await until(() => p.evaluate(() => document.activeElement?.id === 'profile-display-name'), 'focus on the display name');

  await field.fill('Camille D.');
  await p.getByRole('button', { name: 'Save changes' }).click();
  await p.getByRole('status').filter({ hasText: 'Display name saved.' }).waitFor();
  await p.getByRole('button', { name: 'Close settings' }).click();
  await p.getByRole('heading', { name: 'Welcome, Camille D.' }).waitFor();
  await p.reload();
  await p.getByRole('heading', { name: 'Welcome, Camille D.' }).waitFor();
  device.assertClean();
  await device.context.close();
});
