// Presence end to end: two members of a guild see each other's dot change live — online, do not
// disturb, invisible (offline to the other, "invisible" to oneself), and offline when the tab closes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, mockLacks, newDevice, register, screenshot, until } from './browser.mjs';

const LIVE = 15_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/** The presence dot of `name` in the member list of `page`. */
const dotOf = (page, name) =>
  page.getByRole('complementary', { name: 'Members' }).locator('li').filter({ hasText: name }).locator('[data-status]');

async function expectStatus(page, name, status) {
  await until(async () => ((await dotOf(page, name).getAttribute('data-status')) === status ? true : null), `${name} ${status}`, LIVE);
}

async function chooseStatus(page, label, picture = null) {
  await page.getByTestId('status-button').click();
  await page.getByRole('menuitemradio', { name: label }).waitFor();
  if (picture) {
    await screenshot(page, picture);
  }
  await page.getByRole('menuitemradio', { name: label }).click();
}

test('two members see each other\'s presence dot change live', { skip: mockLacks('presence') }, async () => {
  const guildName = `Presence ${Math.random().toString(36).slice(2, 6)}`;
  const owner = await newDevice(browser);
  const o = owner.page;
  await register(o, 'Olga Owner');
  await o.getByRole('button', { name: 'Create a guild' }).click();
  await o.getByLabel('Guild name').fill(guildName);
  await o.getByRole('button', { name: 'Create', exact: true }).click();
  await o.getByRole('link', { name: 'general (text channel)', exact: true }).waitFor();
  await o.getByRole('button', { name: guildName, exact: true }).click();
  await o.getByRole('menuitem', { name: 'Invite People' }).click();
  const linkField = o.getByLabel('Send a guild invite link to a friend');
  const link = await until(async () => (await linkField.inputValue()) || null, 'the invite link', LIVE);
  await o.keyboard.press('Escape');

  const member = await newDevice(browser);
  const m = member.page;
  await m.goto(link);
  await m.getByRole('link', { name: 'Register' }).click();
  await register(m, 'Pia Present', { open: false, connected: false });
  await m.getByRole('button', { name: 'Accept Invite' }).click();
  await m.getByRole('link', { name: 'general (text channel)', exact: true }).waitFor();
  await m.locator('[data-connection="connected"]').waitFor({ state: 'attached' });

  // Both online, each seen by the other.
  await expectStatus(o, 'Pia Present', 'online');
  await expectStatus(m, 'Olga Owner', 'online');
  await expectStatus(o, 'Olga Owner', 'online');

  await chooseStatus(m, 'Do Not Disturb');
  await expectStatus(o, 'Pia Present', 'dnd');
  await expectStatus(m, 'Pia Present', 'dnd');

  // Invisible: offline (and under "Offline") for the owner, "invisible" for herself.
  await chooseStatus(m, 'Invisible', 'presence-status-menu');
  await expectStatus(o, 'Pia Present', 'offline');
  await o.getByRole('complementary', { name: 'Members' }).getByRole('heading', { name: 'Offline — 1' }).waitFor({ timeout: LIVE });
  await expectStatus(m, 'Pia Present', 'invisible');
  assert.match(await m.getByTestId('status-button').getAttribute('title'), /Invisible/);
  await screenshot(o, 'presence-member-list');

  await chooseStatus(m, 'Idle');
  await expectStatus(o, 'Pia Present', 'idle');

  // Leaving the app (the page unloads and closes its connection): offline for the other at once.
  await m.goto('about:blank');
  await member.context.close();
  await expectStatus(o, 'Pia Present', 'offline');
  await o.getByRole('complementary', { name: 'Members' }).getByRole('heading', { name: 'Online — 1' }).waitFor({ timeout: LIVE });

  owner.assertClean();
  await owner.context.close();
});
