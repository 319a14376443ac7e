// Guilds end to end: an owner builds a guild with a private channel, a role that may see it and
// an invite; a second person joins through the invite link and sees the private channel appear
// live when the owner gives them the role. Runs against BASE_URL (the real stack, or the mock).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, launch, newDevice, register, screenshot, until } from './browser.mjs';

const LIVE = 10_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const channelLink = (page, name, kind = 'text') => page.getByRole('link', { name: `${name} (${kind} channel)`, exact: true });

async function openGuildMenuItem(page, guildName, item) {
  await page.getByRole('button', { name: guildName, exact: true }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

async function status(page, text) {
  await page.getByRole('status').filter({ hasText: text }).waitFor({ state: 'attached' });
}

test('an invited member sees a private channel as soon as they get the role that opens it', async () => {
  const guildName = `Copains ${Math.random().toString(36).slice(2, 6)}`;
  const owner = await newDevice(browser);
  const o = owner.page;

  // The owner registers and creates a guild with the default channels.
  await register(o, 'Olivia Owner');
  await o.getByRole('button', { name: 'Create a guild' }).click();
  await o.getByLabel('Guild name').fill(guildName);
  await o.getByRole('button', { name: 'Create', exact: true }).click();
  await channelLink(o, 'general').waitFor();
  await channelLink(o, 'General', 'voice').waitFor();
  await o.getByRole('button', { name: 'Text Channels', exact: true }).waitFor();
  await o.getByRole('button', { name: 'Voice Channels', exact: true }).waitFor();
  const guildId = new URL(o.url()).pathname.split('/')[2];
  assert.ok(guildId, 'the guild is in the location');
  await o.getByRole('heading', { name: 'general', level: 1 }).waitFor();

  // A text channel #staff in "Text Channels".
  await o.getByRole('button', { name: 'Create channel in Text Channels' }).click();
  await o.getByLabel('Channel name').fill('staff');
  await o.getByRole('button', { name: 'Create Channel', exact: true }).click();
  await channelLink(o, 'staff').waitFor();
  const staffId = await o.locator('li[data-channel-id]', { has: channelLink(o, 'staff') }).getAttribute('data-channel-id');
  assert.ok(staffId);

  // Keyboard reordering: the move buttons show when the row has focus.
  const order = () => o.locator('li[data-channel-id] a[aria-label$="(text channel)"]').evaluateAll((as) => as.map((a) => a.textContent.trim()));
  assert.deepEqual(await order(), ['general', 'staff']);
  await channelLink(o, 'staff').focus();
  await o.getByRole('button', { name: 'Move staff up' }).click();
  await until(async () => (await order()).join() === 'staff,general', '#staff moved above #general');
  await status(o, 'Moved staff up, now in Text Channels.');
  // Live updates may re-render the row; the buttons show again when the row has focus.
  await channelLink(o, 'staff').focus();
  await o.getByRole('button', { name: 'Move staff down' }).click();
  await until(async () => (await order()).join() === 'general,staff', '#staff moved back below #general');

  // A role "Staff".
  await openGuildMenuItem(o, guildName, 'Guild Settings');
  const settings = o.getByRole('dialog', { name: 'Guild settings' });
  await settings.getByRole('button', { name: 'Roles', exact: true }).click();
  await settings.getByRole('button', { name: 'Create Role' }).click();
  await settings.getByLabel('Role name').fill('Staff');
  await settings.getByRole('checkbox', { name: 'Role colour' }).check();
  await settings.getByLabel('Colour', { exact: true }).fill('#1abc9c');
  await settings.getByRole('button', { name: 'Save Changes' }).click();
  await status(o, 'Saved Staff.');
  await settings.getByRole('button', { name: 'Staff', exact: true }).waitFor();
  await settings.getByRole('heading', { name: 'Roles', level: 1 }).scrollIntoViewIfNeeded();
  await screenshot(o, 'guild-settings-roles');

  // #staff: @everyone may not view it, Staff may.
  await settings.getByRole('button', { name: 'Channel Permissions' }).click();
  await settings.getByLabel('Channel', { exact: true }).selectOption(staffId);
  for (const [target, label, state] of [
    ['@everyone', '@everyone', 'Deny'],
    ['Staff', 'Role: Staff', 'Allow'],
  ]) {
    await settings.getByLabel('Add a role or member').selectOption({ label });
    await settings.getByRole('button', { name: 'Add', exact: true }).click();
    await settings.getByRole('radiogroup', { name: 'View Channels' }).getByRole('radio', { name: state }).check();
    await settings.getByRole('button', { name: 'Save Changes' }).click();
    await status(o, `Saved permissions of ${target} in staff.`);
  }
  await settings.getByRole('heading', { name: 'Channel Permissions', level: 1 }).scrollIntoViewIfNeeded();
  await screenshot(o, 'guild-settings-channel-permissions');
  await settings.getByRole('button', { name: 'Close guild settings' }).click();
  await settings.waitFor({ state: 'detached' });

  // An invite to #general.
  await channelLink(o, 'general').click();
  await openGuildMenuItem(o, guildName, 'Invite People');
  const linkField = o.getByLabel('Send a guild invite link to a friend');
  const link = await until(async () => (await linkField.inputValue()) || null, 'the invite link', LIVE);
  assert.match(link, new RegExp(`^${BASE_URL.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/invite/[A-Za-z0-9_-]+$`));
  await o.keyboard.press('Escape');

  // A second person opens the link signed out: login → register → back to the invite.
  const member = await newDevice(browser);
  const m = member.page;
  await m.goto(link);
  await m.getByRole('heading', { name: 'Welcome back!' }).waitFor();
  await m.getByRole('link', { name: 'Register' }).click();
  await register(m, 'Mia Member', { open: false, connected: false });
  await m.getByRole('heading', { name: guildName }).waitFor();
  assert.equal(new URL(m.url()).pathname, new URL(link).pathname);
  await m.getByText('1 Member').waitFor();
  await screenshot(m, 'invite');
  await m.getByRole('button', { name: 'Accept Invite' }).click();
  await channelLink(m, 'general').waitFor();
  await m.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  assert.equal(await channelLink(m, 'staff').count(), 0, '#staff is hidden from @everyone');

  // The owner sees the newcomer and gives them the Staff role.
  await o.getByRole('complementary', { name: 'Members' }).getByText('Mia Member').waitFor({ timeout: LIVE });
  await openGuildMenuItem(o, guildName, 'Guild Settings');
  await settings.getByRole('button', { name: 'Members', exact: true }).click();
  await settings.getByRole('button', { name: 'Manage Mia Member' }).click();
  const navigations = [];
  m.on('framenavigated', (f) => f === m.mainFrame() && navigations.push(f.url()));
  await settings.getByRole('checkbox', { name: 'Staff' }).check();
  await status(o, 'Gave Staff to Mia Member.');

  // The member's sidebar shows #staff without a reload.
  await channelLink(m, 'staff').waitFor({ timeout: LIVE });
  assert.ok(
    navigations.every((u) => new URL(u).pathname.startsWith('/channels/')),
    `no page load on the member's side: ${navigations.join(', ')}`,
  );
  await channelLink(m, 'staff').click();
  await m.getByRole('heading', { name: 'staff', level: 1 }).waitFor();

  // Everyone's member list groups Mia under Staff, in the role's colour.
  const staffGroup = m.getByRole('complementary', { name: 'Members' }).getByRole('heading', { name: 'Staff — 1' });
  await staffGroup.waitFor({ timeout: LIVE });
  const color = await m.getByRole('complementary', { name: 'Members' }).getByText('Mia Member').evaluate((el) => getComputedStyle(el).color);
  assert.equal(color, 'rgb(26, 188, 156)');
  await screenshot(m, 'guild-view');

  // The owner, still on Mia in the settings' Members page, gives her the guild (after ticking that
  // they understand), then may leave it.
  await settings.getByRole('button', { name: 'Transfer Ownership' }).click();
  const transfer = settings.getByRole('group', { name: 'Transfer ownership to Mia Member' });
  assert.equal(await transfer.getByRole('button', { name: 'Transfer Ownership' }).isDisabled(), true, 'not before ticking the box');
  await transfer.getByRole('checkbox').check();
  await screenshot(o, 'guild-transfer-ownership');
  await transfer.getByRole('button', { name: 'Transfer Ownership' }).click();
  // The old owner may no longer manage the guild: the settings close, and #staff (seen as the
  // owner, not through the role) goes; on both sides the crown moves to Mia.
  await settings.waitFor({ state: 'detached', timeout: LIVE });
  await channelLink(o, 'staff').waitFor({ state: 'detached', timeout: LIVE });
  for (const page of [o, m]) {
    const miaRow = page.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /Mia Member/ });
    await miaRow.getByLabel('Guild owner').waitFor({ timeout: LIVE });
  }
  await openGuildMenuItem(o, guildName, 'Leave Guild');
  await o.getByRole('dialog', { name: `Leave '${guildName}'` }).getByRole('button', { name: 'Leave Guild' }).click();
  await o.getByRole('button', { name: guildName, exact: true }).waitFor({ state: 'detached', timeout: LIVE });
  await until(async () => (await m.getByRole('complementary', { name: 'Members' }).getByText('Olivia Owner').count()) === 0, 'the old owner left', LIVE);

  owner.assertClean();
  member.assertClean();
  await owner.context.close();
  await member.context.close();
});

test('a link or a code pasted into "Join a guild" opens the invite; a bad one is explained', async () => {
  const device = await newDevice(browser);
  const p = device.page;
  await register(p, 'Noa Newcomer');
  await p.getByRole('button', { name: 'Join a guild' }).click();
  await p.getByLabel('Invite link').fill('not a link at all');
  await p.getByRole('button', { name: 'Join Guild' }).click();
  await p.getByRole('alert').filter({ hasText: 'Enter an invite code or a link' }).waitFor();
  await p.getByLabel('Invite link').fill(`${BASE_URL}/invite/doesNotExist42`);
  await p.getByRole('button', { name: 'Join Guild' }).click();
  await p.getByRole('alert').filter({ hasText: 'This invite is invalid, has expired or was used up.' }).waitFor();
  assert.equal(new URL(p.url()).pathname, '/invite/doesNotExist42');
  device.assertClean();
  await device.context.close();
});
