// Password and two-factor authentication, in real Chromium against a running stack: changing the
// password signs the other device out; an authenticator app is set up from the QR's key; a login
// then asks for its code, or takes a backup code once; the app can be removed again.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { BASE_URL, apiCall, createGuild, launch, mockLacks, newDevice, password, register, screenshot } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** RFC 4648 base32 → bytes. */
function fromBase32(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/[\s=]/g, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(c);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * The code an authenticator app shows `stepsAhead` 30-second steps from now (RFC 6238, SHA-1). The
 * server takes one step either way and each step once, so a test uses -1, then 0, then +1.
 */
function totp(secret, stepsAhead = 0) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30_000) + stepsAhead));
  const mac = createHmac('sha1', fromBase32(secret)).update(counter).digest();
  const offset = mac[19] & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

async function login(page, username, pass) {
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(pass);
  await page.getByRole('button', { name: 'Log In' }).click();
}

async function openAccount(page) {
  await page.goto(BASE_URL + '/settings/profile');
  await page.getByRole('heading', { name: 'Password and Authentication' }).waitFor();
}

test('change the password, turn on an authenticator app, log in with its code and a backup code, turn it off', { skip: mockLacks('two-factor authentication') }, async () => {
  const first = await newDevice(browser);
  const other = await newDevice(browser);
  const a = first.page;
  const username = await register(a, 'Sécurité Max');
  await login(other.page, username, password);
  await other.page.locator('[data-connection="connected"]').waitFor({ state: 'attached' });

  // Change the password: the wrong current one is refused in the dialog; the right one signs the
  // other device out, in place.
  await openAccount(a);
  await a.getByRole('button', { name: 'Change Password' }).click();
  const pwDialog = a.getByRole('dialog', { name: 'Change your password' });
  await pwDialog.getByLabel('Current password').fill('not my password');
  await pwDialog.locator('#pw-new').fill(password + '-2');
  await pwDialog.getByLabel('Confirm new password').fill(password + '-2');
  await pwDialog.getByRole('button', { name: 'Done' }).click();
  await pwDialog.getByText('That is not your current password.').waitFor();
  await screenshot(a, 'security-password-wrong');
  await pwDialog.getByLabel('Current password').fill(password);
  await pwDialog.getByRole('button', { name: 'Done' }).click();
  await a.getByText('Password changed. Every other session of your account was signed out.').waitFor();
  await other.page.getByText('This session was signed out.').waitFor({ timeout: 5000 });
  const newPassword = password + '-2';

  // Turn on the authenticator app: the key under the QR is the secret an app would scan.
  await a.getByRole('button', { name: 'Enable Authenticator App' }).click();
  const setup = a.getByRole('dialog', { name: 'Enable two-factor authentication' });
  await setup.locator('[data-testid="mfa-qr"] svg').waitFor();
  const secret = (await setup.getByTestId('mfa-secret').textContent()).replace(/\s/g, '');
  assert.match(secret, /^[A-Z2-7]{32}$/);
  await screenshot(a, 'security-mfa-setup');
  await setup.locator('#mfa-setup-code').fill('000000' === totp(secret, -1) ? '111111' : '000000');
  await setup.locator('#mfa-setup-password').fill(newPassword);
  await setup.getByRole('button', { name: 'Activate' }).click();
  await setup.getByText('That is not the code of now.', { exact: false }).waitFor();
  await setup.locator('#mfa-setup-code').fill(totp(secret, -1));
  await setup.getByRole('button', { name: 'Activate' }).click();
  const codesDialog = a.getByRole('dialog', { name: 'Two-factor authentication is on' });
  await codesDialog.getByTestId('mfa-backup-codes').locator('li').nth(9).waitFor();
  const backup = (await codesDialog.getByTestId('mfa-backup-codes').locator('li').allTextContents()).map((c) => c.trim());
  assert.equal(backup.length, 10);
  assert.equal(new Set(backup).size, 10);
  await screenshot(a, 'security-backup-codes');
  await codesDialog.getByRole('button', { name: 'Done' }).click();
  await a.getByTestId('mfa-backup-left').filter({ hasText: '10 of 10 backup codes left' }).waitFor();
  await screenshot(a, 'security-mfa-on', a.getByTestId('mfa-section'));

  // Log out, log in: the password alone now leads to the code step; a wrong code is refused.
  await a.getByRole('button', { name: 'Log Out' }).click();
  await a.getByRole('heading', { name: 'Welcome back!' }).waitFor();
  await login(a, username, newPassword);
  await a.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
  assert.equal(await a.evaluate(() => localStorage.getItem('lescopains.session')), null, 'no session before the code');
  await screenshot(a, 'security-mfa-login');
  await a.getByLabel('Code').fill(totp(secret, 5));
  await a.getByRole('button', { name: 'Log In' }).click();
  await a.getByText('That code is not valid.', { exact: false }).waitFor();
  await a.getByLabel('Code').fill(totp(secret, 0));
  await a.getByRole('button', { name: 'Log In' }).click();
  await a.locator('[data-connection="connected"]').waitFor({ state: 'attached' });

  // A backup code works once.
  await a.evaluate(() => localStorage.clear());
  await login(a, username, newPassword);
  await a.getByLabel('Code').fill(backup[0].toUpperCase().replace('-', ' '));
  await a.getByRole('button', { name: 'Log In' }).click();
  await a.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await a.evaluate(() => localStorage.clear());
  await login(a, username, newPassword);
  await a.getByLabel('Code').fill(backup[0]);
  await a.getByRole('button', { name: 'Log In' }).click();
  await a.getByText('That code is not valid.', { exact: false }).waitFor();
  await a.getByLabel('Code').fill(backup[1]);
  await a.getByRole('button', { name: 'Log In' }).click();
  await a.locator('[data-connection="connected"]').waitFor({ state: 'attached' });

  // Remove the app with a code: the password alone signs in again.
  await openAccount(a);
  await a.getByTestId('mfa-backup-left').filter({ hasText: '8 of 10 backup codes left' }).waitFor();
  await a.getByRole('button', { name: 'Remove Authenticator App' }).click();
  const remove = a.getByRole('dialog', { name: 'Remove the authenticator app' });
  await remove.getByLabel('Code from the app, or a backup code').fill(totp(secret, 1));
  await remove.getByRole('button', { name: 'Remove' }).click();
  await a.getByText('Two-factor authentication is off.', { exact: false }).waitFor();
  await a.getByRole('button', { name: 'Enable Authenticator App' }).waitFor();
  await a.evaluate(() => localStorage.clear());
  await login(a, username, newPassword);
  await a.locator('[data-connection="connected"]').waitFor({ state: 'attached' });

  first.assertClean();
  other.assertClean();
  await first.context.close();
  await other.context.close();
});

test('change the username, then delete the account: refused while owning a guild, then signed out with the reason', { skip: mockLacks('account deletion') }, async () => {
  const device = await newDevice(browser);
  const p = device.page;
  const oldName = await register(p, 'Partant');
  const { guildId } = await createGuild(p, 'Mon Coin');

  // A new username: the password is asked for, and the card shows it at once.
  await openAccount(p);
  const username = `${oldName}_v2`.slice(0, 32);
  await p.getByRole('button', { name: 'Edit' }).click();
  const rename = p.getByRole('dialog', { name: 'Change your username' });
  await rename.locator('#username-new').fill(username.toUpperCase());
  await rename.locator('#username-password').fill('not my password');
  await rename.getByRole('button', { name: 'Done' }).click();
  await rename.getByText('That password is not right.').waitFor();
  await rename.locator('#username-password').fill(password);
  await rename.getByRole('button', { name: 'Done' }).click();
  await p.getByTestId('profile-username').filter({ hasText: new RegExp(`^${username}$`) }).waitFor();
  await p.getByText(`@${username}`).first().waitFor();
  await screenshot(p, 'profile-username');

  await p.getByRole('button', { name: 'Delete Account' }).click();
  const dialog = p.getByRole('dialog', { name: 'Delete your account' });
  await dialog.locator('#delete-password').fill(password);
  await dialog.getByRole('button', { name: 'Delete Account' }).click();
  await dialog.getByText('Transfer or delete the guilds you own first: Mon Coin.').waitFor();
  await screenshot(p, 'security-delete-owner');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await apiCall(p, 'DELETE', `/api/guilds/${guildId}`)).status, 204);

  await p.getByRole('button', { name: 'Delete Account' }).click();
  await dialog.locator('#delete-password').fill(password);
  await dialog.getByRole('button', { name: 'Delete Account' }).click();
  await p.getByText('Your account was deleted.', { exact: false }).waitFor();
  await p.getByRole('heading', { name: 'Welcome back!' }).waitFor();
  assert.equal(await p.evaluate(() => localStorage.getItem('lescopains.session')), null);
  await screenshot(p, 'security-deleted');

  for (const name of [username, oldName]) {
    await login(p, name, password);
    await p.getByText('Incorrect username or password.').waitFor();
  }

  device.assertClean();
  await device.context.close();
});

test('with two-factor authentication on, deleting a guild asks for a code', { skip: mockLacks('two-factor authentication') }, async () => {
  const device = await newDevice(browser);
  const p = device.page;
  await register(p, 'Prudent');
  const guildName = `Coffre ${Math.random().toString(36).slice(2, 6)}`;
  await createGuild(p, guildName);
  const secret = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'.split('').sort(() => Math.random() - 0.5).join('');
  const enabled = await apiCall(p, 'POST', '/api/users/@me/mfa/totp/enable', { password, secret, code: totp(secret, -1) });
  assert.equal(enabled.status, 200);

  await p.getByRole('button', { name: guildName, exact: true }).click();
  await p.getByRole('menuitem', { name: 'Guild Settings' }).click();
  await p.getByLabel('Guild name to confirm deletion').fill(guildName);
  await p.getByRole('button', { name: 'Delete Guild' }).click();
  await p.getByText('This needs a code from your authenticator app (or a backup code).').waitFor();
  await p.getByLabel('Code from your authenticator app').fill(totp(secret, 0));
  await screenshot(p, 'security-guild-delete-code');
  await p.getByRole('button', { name: 'Delete Guild' }).click();
  await p.waitForURL((url) => url.pathname === '/' || url.pathname === '/channels/@me');
  await p.getByRole('button', { name: guildName, exact: true }).waitFor({ state: 'detached' });

  device.assertClean();
  await device.context.close();
});
