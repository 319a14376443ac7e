// Presence end to end: two members of a guild see each other's dot change live — online, do not
// disturb, invisible (offline to the other, "invisible" to oneself), and offline when the tab closes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { acceptInvite, apiCall, createGuild, launch, mockLacks, newDevice, register, screenshot, until } from './browser.mjs';

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
  // Two members: one page, so nothing more to load.
  assert.equal(await o.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: 'Load more members' }).count(), 0);
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

test('after a reconnect only the open guild loads its presence again; another loads when it shows', { skip: mockLacks('presence') }, async () => {
  const device = await newDevice(browser);
  const p = device.page;
  // Keeps the hub's WebSockets reachable, so the test can drop the connection as a network blip would.
  await p.addInitScript(() => {
    const Native = window.WebSocket;
    window.__hubSockets = [];
    window.WebSocket = class extends Native {
      constructor(url, protocols) {
        super(url, protocols);
        if (String(url).includes('/hubs/gateway')) window.__hubSockets.push(this);
      }
    };
  });
  const snapshots = [];
  // Counted once answered, so that the reconnect below never lands while a load is still in flight.
  p.on('requestfinished', (r) => {
    const m = /\/api\/guilds\/([^/]+)\/presences$/.exec(new URL(r.url()).pathname);
    if (m && r.method() === 'GET') snapshots.push(m[1]);
  });
  await register(p, 'Rita Reconnect');
  const alpha = `Alpha ${Math.random().toString(36).slice(2, 6)}`;
  const a = await createGuild(p, alpha);
  await until(async () => (snapshots.includes(a.guildId) ? true : null), 'the first guild’s presence loaded', LIVE);
  const b = await createGuild(p, `Beta ${Math.random().toString(36).slice(2, 6)}`);
  await until(async () => (snapshots.includes(b.guildId) ? true : null), 'the second guild’s presence loaded', LIVE);
  await expectStatus(p, 'Rita Reconnect', 'online');

  snapshots.length = 0;
  await p.evaluate(() => window.__hubSockets.at(-1).close());
  await until(async () => (snapshots.includes(b.guildId) ? true : null), 'the open guild’s presence loaded again', LIVE);
  await p.locator('[data-connection="connected"]').waitFor({ state: 'attached', timeout: LIVE });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  assert.deepEqual(snapshots, [b.guildId], 'only the open guild reloads');

  // The other guild loads its presence when its member list shows, and shows the person online.
  await p.getByRole('navigation', { name: 'Guilds' }).getByRole('link', { name: alpha }).click();
  await until(async () => (snapshots.includes(a.guildId) ? true : null), 'the first guild’s presence loaded when shown', LIVE);
  await expectStatus(p, 'Rita Reconnect', 'online');
  device.assertClean();
  await device.context.close();
});

test('a custom status set from the status menu shows under the name for the others at once, hides while invisible and goes when cleared', { skip: mockLacks('presence') }, async () => {
  const owner = await newDevice(browser);
  const o = owner.page;
  await register(o, 'Clara Custom');
  const { guildId, generalId } = await createGuild(o, `Statuses ${Math.random().toString(36).slice(2, 6)}`);
  const invite = await apiCall(o, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const member = await newDevice(browser);
  const m = member.page;
  await register(m, 'Hugo Watcher');
  await acceptInvite(m, invite.body.code);
  await expectStatus(m, 'Clara Custom', 'online');
  const lineFor = (page, name) => page.getByRole('complementary', { name: 'Members' }).locator('li').filter({ hasText: name }).getByTestId('custom-status');

  // Nothing in the text and no emoji: said so, nothing sent.
  await o.getByTestId('status-button').click();
  await o.getByRole('menuitem', { name: 'Set a Custom Status' }).click();
  const dialog = o.getByRole('dialog', { name: 'Set a custom status' });
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.getByRole('alert').getByText('Write something, pick an emoji, or both.').waitFor();

  await dialog.getByLabel("What's happening?").fill('En vacances jusqu’à lundi');
  await dialog.getByRole('button', { name: '🏖️' }).click();
  await dialog.getByLabel('Clear after').selectOption('4h');
  await screenshot(o, 'custom-status-dialog');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'hidden' });

  // Hugo sees it under her name, live; she sees it in her panel and in the member list.
  await until(async () => ((await lineFor(m, 'Clara Custom').textContent().catch(() => '')) ?? '').includes('En vacances'), 'her custom status for Hugo', LIVE);
  assert.match(await lineFor(m, 'Clara Custom').textContent(), /🏖️/);
  await o.getByRole('region', { name: 'Your account' }).getByText('En vacances jusqu’à lundi').waitFor({ timeout: LIVE });
  await lineFor(o, 'Clara Custom').waitFor({ timeout: LIVE });
  await screenshot(m, 'custom-status');
  const self = (await apiCall(o, 'GET', '/api/users/@me/presence')).body;
  const left = Date.parse(self.customStatus.expiresAt) - Date.now();
  assert.ok(left > 3.9 * 3600_000 && left <= 4 * 3600_000, `ends in four hours (${left} ms)`);

  // Invisible: gone for Hugo (she is offline to him), still hers to see.
  await chooseStatus(o, 'Invisible');
  await expectStatus(m, 'Clara Custom', 'offline');
  assert.equal(await lineFor(m, 'Clara Custom').count(), 0);
  await o.getByRole('region', { name: 'Your account' }).getByText('En vacances jusqu’à lundi').waitFor();
  await chooseStatus(o, 'Online');
  await until(async () => (await lineFor(m, 'Clara Custom').count()) === 1, 'back with her custom status', LIVE);

  // Cleared from the menu: gone for both.
  await o.getByTestId('status-button').click();
  await o.getByRole('menuitem', { name: 'Clear Custom Status' }).click();
  await until(async () => (await lineFor(m, 'Clara Custom').count()) === 0, 'cleared for Hugo', LIVE);
  assert.equal(await o.getByRole('region', { name: 'Your account' }).getByTestId('custom-status').count(), 0);
  owner.assertClean();
  member.assertClean();
  await owner.context.close();
  await member.context.close();
});
