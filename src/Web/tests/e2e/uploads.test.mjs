// Uploads end to end: Alice attaches a picture and a text file (paperclip), Bob sees the picture
// inline at its reserved size and the file as a card; a file over the limit is refused before
// uploading. Runs against BASE_URL (the real stack; skipped on the mock, which has no uploads).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { acceptInvite, apiCall, BASE_URL, createGuild, launch, mockLacks, newDevice, png, register, screenshot, until } from './browser.mjs';

const LIVE = 10_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const list = (page) => page.getByRole('list', { name: 'Messages in #general' });
const composer = (page) => page.getByRole('textbox', { name: 'Message #general' });

test('a picture uploaded by one member shows inline for the other, a file as a card', { skip: mockLacks('uploads') }, async (t) => {
  const probe = await fetch(`${BASE_URL}/api/attachments/cookie`, { method: 'POST' });
  if (probe.status === 404) {
    t.skip('this server has no uploads (the mock)');
    return;
  }

  const alice = await newDevice(browser);
  const a = alice.page;
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Photos ${Math.random().toString(36).slice(2, 6)}`);
  await a.getByRole('heading', { name: 'Welcome to #general!' }).waitFor();
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  assert.equal(invite.status, 201);

  const bob = await newDevice(browser);
  const b = bob.page;
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);

  // Too large: refused in the browser, nothing uploaded.
  await a.getByRole('button', { name: 'Attach files' }).waitFor();
  await a.locator('[data-testid="file-input"]').setInputFiles({ name: 'huge.bin', mimeType: 'application/octet-stream', buffer: Buffer.alloc(10 * 1024 * 1024 + 1) });
  await a.getByRole('alert').getByText(/huge\.bin is too large.*at most 10 MB/).waitFor();

  // A picture (claimed by the client to be something else) and a text file, then send.
  await a.locator('[data-testid="file-input"]').setInputFiles([
    { name: 'sunset.png', mimeType: 'application/octet-stream', buffer: png(640, 360, 180) },
    { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('Bring snacks.\n') },
  ]);
  const tray = a.getByRole('list', { name: 'Files to send' });
  await until(async () => (await tray.getByText('Ready').count()) === 2, 'both uploads ready', LIVE);
  await composer(a).fill('Regardez !');
  await composer(a).press('Enter');

  for (const page of [a, b]) {
    const image = list(page).getByRole('img', { name: 'sunset.png' });
    await image.waitFor({ timeout: LIVE });
    // The box is reserved from the server's width/height (scaled into 400×300), and the bytes load.
    assert.equal(await image.getAttribute('width'), '400');
    assert.equal(await image.getAttribute('height'), '225');
    await until(() => image.evaluate((img) => img.complete && img.naturalWidth === 640), 'the picture decoded', LIVE);
    const card = list(page).getByRole('link', { name: 'notes.txt' });
    await card.waitFor({ timeout: LIVE });
    assert.match(await list(page).locator('.file .meta').first().textContent(), /14 B · text\/plain/);
  }
  await screenshot(b, 'chat-attachments');

  // A click shows the picture large over the page, with a link to the original; Escape closes it.
  const inline = list(b).getByRole('img', { name: 'sunset.png' });
  const original = await inline.evaluate((img) => img.closest('a').getAttribute('href'));
  await inline.click();
  const viewer = b.getByRole('dialog', { name: 'sunset.png' });
  await viewer.waitFor();
  await until(() => viewer.getByRole('img', { name: 'sunset.png' }).evaluate((img) => img.complete && img.naturalWidth === 640), 'the large picture', LIVE);
  assert.equal(await viewer.getByRole('link', { name: 'Open original' }).getAttribute('href'), original);
  assert.equal(b.url().includes('/attachments/'), false, 'still on the channel');
  await screenshot(b, 'image-viewer');
  await b.keyboard.press('Escape');
  await viewer.waitFor({ state: 'detached' });

  // After a reload, history brings the picture back.
  await b.reload();
  await until(() => list(b).getByRole('img', { name: 'sunset.png' }).evaluate((img) => img.complete && img.naturalWidth === 640).catch(() => false), 'the picture after a reload', LIVE);

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('a profile picture set in the settings replaces the initials for everyone, cropped to a square; removed, the initials come back at once', { skip: mockLacks('avatars') }, async () => {
  const alice = await newDevice(browser);
  const a = alice.page;
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Faces ${Math.random().toString(36).slice(2, 6)}`);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const bob = await newDevice(browser);
  const b = bob.page;
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  const me = (await apiCall(a, 'GET', '/api/users/@me')).body;

  await a.goto(`${BASE_URL}/settings/profile`);
  const input = a.getByLabel('Picture file');
  // Not a picture: said so, nothing sent.
  await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await a.getByRole('alert').getByText(/not a picture this browser can read/).waitFor({ timeout: LIVE });
  assert.equal((await apiCall(a, 'GET', `/api/users/avatars?ids=${me.id}`)).body.avatars[me.id], null);

  // A wide photo: kept as its middle square, 256 pixels wide.
  await input.setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(640, 360, 30) });
  await a.getByRole('status').getByText('Picture saved.').waitFor({ timeout: LIVE });
  const own = a.locator('.ring img');
  await until(() => own.evaluate((img) => img.complete && img.naturalWidth === 256 && img.naturalHeight === 256).catch(() => false), 'her picture in the settings', LIVE);
  const sha = (await apiCall(a, 'GET', `/api/users/avatars?ids=${me.id}`)).body.avatars[me.id];
  assert.match(sha, /^[0-9a-f]{64}$/);

  // Bob sees it beside her name in the member list and on her messages.
  await apiCall(a, 'POST', `/api/channels/${generalId}/messages`, { content: 'nouvelle photo' });
  await b.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  const message = list(b).locator('[data-message-id]').filter({ hasText: 'nouvelle photo' });
  await message.waitFor({ timeout: LIVE });
  const face = message.locator('.avatar img');
  await until(() => face.evaluate((img) => img.complete && img.naturalWidth === 256).catch(() => false), 'her picture on her message', LIVE);
  assert.equal(await face.getAttribute('src'), `/api/attachments/avatars/${sha}`);
  const inList = b.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /Alice Ardent/ }).locator('.avatar img');
  await until(() => inList.evaluate((img) => img.complete && img.naturalWidth === 256).catch(() => false), 'her picture in the member list', LIVE);
  await screenshot(b, 'avatars');

  // Removed: initials again, for Bob too, live (user:update).
  await a.getByRole('button', { name: 'Remove picture' }).click();
  await a.getByRole('status').getByText('Picture removed.').waitFor({ timeout: LIVE });
  assert.equal(await own.count(), 0);
  await until(async () => (await message.locator('.avatar').first().textContent()).trim() === 'AA', 'initials again', LIVE);
  assert.equal(await message.locator('.avatar img').count(), 0);

  // A new display name reaches Bob the same way (user:update): on her message and in the member list.
  await a.getByLabel('Display name').fill('Alice Audacieuse');
  await a.getByRole('button', { name: 'Save changes' }).click();
  await a.getByRole('status').getByText('Display name saved.').waitFor({ timeout: LIVE });
  await until(async () => (await message.textContent()).includes('Alice Audacieuse'), 'her new name on her message', LIVE);
  await b.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /Alice Audacieuse/ }).waitFor({ timeout: LIVE });

  // "About me", on her card for Bob, line breaks kept.
  await a.getByLabel('About me', { exact: true }).fill('Photographe amateur.\nToujours partante pour un café.');
  await a.getByRole('button', { name: 'Save About me' }).click();
  await a.getByRole('status').getByText('About me saved.').waitFor({ timeout: LIVE });
  await b.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /Alice Audacieuse/ }).click();
  const card = b.getByRole('dialog', { name: /Alice Audacieuse/ });
  await card.getByRole('heading', { name: 'About me' }).waitFor({ timeout: LIVE });
  assert.equal(await card.locator('.bio').innerText(), 'Photographe amateur.\nToujours partante pour un café.');
  alice.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('a guild icon set in the guild settings replaces the initials in every member\'s guild bar and on the invite screen; removed, the initials come back', { skip: mockLacks('guild icons') }, async () => {
  const owner = await newDevice(browser);
  const o = owner.page;
  await register(o, 'Olive Owner');
  const guildName = `Iconic ${Math.random().toString(36).slice(2, 6)}`;
  const { guildId, generalId } = await createGuild(o, guildName);
  const invite = await apiCall(o, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const member = await newDevice(browser);
  const m = member.page;
  await register(m, 'Milo Member');
  await acceptInvite(m, invite.body.code);
  const inBar = (page) => page.getByRole('navigation', { name: 'Guilds' }).locator(`[data-guild-id="${guildId}"]`);
  await inBar(m).waitFor({ timeout: LIVE });
  assert.equal(await inBar(m).locator('img').count(), 0);

  await o.getByRole('button', { name: guildName, exact: true }).click();
  await o.getByRole('menuitem', { name: 'Guild Settings' }).click();
  const settings = o.getByRole('dialog', { name: 'Guild settings' });
  const input = settings.getByLabel('Icon file');
  await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') });
  await settings.getByRole('alert').getByText(/not a picture this browser can read/).waitFor({ timeout: LIVE });
  assert.equal((await apiCall(o, 'GET', `/api/guilds/${guildId}`)).body.icon, undefined);

  // A tall picture: kept as its middle square, 256 pixels wide.
  await input.setInputFiles({ name: 'icon.png', mimeType: 'image/png', buffer: png(300, 500, 200) });
  await settings.getByRole('status').getByText('Icon saved.').waitFor({ timeout: LIVE });
  const sha = (await apiCall(o, 'GET', `/api/guilds/${guildId}`)).body.icon;
  assert.match(sha, /^[0-9a-f]{64}$/);
  const loaded = (img) => img.evaluate((i) => i.complete && i.naturalWidth === 256 && i.naturalHeight === 256).catch(() => false);

  // Milo's guild bar follows at once (guild:update), and so does the owner's.
  const his = inBar(m).locator('img');
  await until(() => loaded(his), 'the icon in his guild bar', LIVE);
  assert.equal(await his.getAttribute('src'), `/api/attachments/icons/${sha}`);
  await until(() => loaded(inBar(o).locator('img')), 'the icon in her guild bar', LIVE);
  await until(() => loaded(settings.locator('.icon img')), 'the icon in the settings', LIVE);
  await screenshot(o, 'guild-icon');

  // Someone opening the invite sees it too.
  const newcomer = await newDevice(browser);
  const n = newcomer.page;
  await register(n, 'Nina Newcomer');
  await n.goto(`${BASE_URL}/invite/${invite.body.code}`);
  await until(() => loaded(n.locator('.invite .icon img')), 'the icon on the invite screen', LIVE);

  // Removed: initials again, for Milo too, live.
  await settings.getByRole('button', { name: 'Remove icon' }).click();
  await settings.getByRole('status').getByText('Icon removed.').waitFor({ timeout: LIVE });
  await until(async () => (await inBar(m).locator('img').count()) === 0, 'initials again in his guild bar', LIVE);
  assert.notEqual((await inBar(m).textContent()).trim(), '');
  assert.equal((await apiCall(o, 'GET', `/api/guilds/${guildId}`)).body.icon, undefined);
  owner.assertClean();
  member.assertClean();
  for (const device of [owner, member, newcomer]) {
    await device.context.close();
  }
});

test('a guild emoji uploaded in the settings is proposed after ":" and shows as a picture for everyone; removed, its name stays as text', { skip: mockLacks('guild emoji') }, async () => {
  const owner = await newDevice(browser);
  const o = owner.page;
  await register(o, 'Emma Emoji');
  const guildName = `Emoji ${Math.random().toString(36).slice(2, 6)}`;
  const { guildId, generalId } = await createGuild(o, guildName);
  const invite = await apiCall(o, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const member = await newDevice(browser);
  const m = member.page;
  await register(m, 'Noah Reader');
  await acceptInvite(m, invite.body.code);

  await o.getByRole('button', { name: guildName, exact: true }).click();
  await o.getByRole('menuitem', { name: 'Guild Settings' }).click();
  const settings = o.getByRole('dialog', { name: 'Guild settings' });
  await settings.getByRole('button', { name: 'Emoji', exact: true }).click();
  await settings.getByLabel('Emoji file').setInputFiles({ name: 'party parrot.png', mimeType: 'image/png', buffer: png(64, 64, 250) });
  await settings.getByRole('status').filter({ hasText: 'Added :party_parrot:.' }).waitFor({ state: 'attached', timeout: LIVE });
  await until(() => settings.locator('li[data-emoji-id] img').evaluate((i) => i.complete && i.naturalWidth === 64).catch(() => false), 'the emoji in the list', LIVE);
  await screenshot(o, 'guild-emoji-settings');
  await o.keyboard.press('Escape');
  await settings.waitFor({ state: 'hidden' });

  // ":party" proposes it; chosen, it is sent as its markup and shows as a picture to Noah.
  await composer(o).click();
  await composer(o).pressSequentially('bravo :party');
  const option = o.getByRole('listbox', { name: 'Emoji matching :party' }).getByRole('option').first();
  await option.getByText(':party_parrot:').waitFor({ timeout: LIVE });
  await option.getByRole('button').click();
  await composer(o).press('Enter');
  const sent = list(m).locator('[data-message-id]').filter({ hasText: 'bravo' });
  const picture = sent.locator('img.custom-emoji');
  await until(() => picture.evaluate((i) => i.complete && i.naturalWidth === 64).catch(() => false), 'the emoji in Noah\'s copy of the message', LIVE);
  assert.equal(await picture.getAttribute('alt'), ':party_parrot:');

  // Noah reacts with it from the picker, where the guild's emoji come first; Emma sees the picture.
  await sent.hover();
  await sent.getByRole('button', { name: 'Add reaction' }).click();
  await sent.getByRole('button', { name: 'React with :party_parrot:' }).click();
  const emmaChip = list(o).locator('[data-message-id]').filter({ hasText: 'bravo' }).getByRole('button', { name: /^:party_parrot:: 1 reaction$/ });
  await emmaChip.waitFor({ timeout: LIVE });
  await until(() => emmaChip.locator('img').evaluate((i) => i.complete && i.naturalWidth === 64).catch(() => false), 'the reaction\'s picture', LIVE);
  await screenshot(m, 'guild-emoji');

  // Typed whole, it is sent the same way.
  await composer(o).fill('encore :party_parrot:');
  await composer(o).press('Enter');
  await until(async () => (await list(m).locator('[data-message-id]').filter({ hasText: 'encore' }).locator('img.custom-emoji').count()) === 1, 'the typed emoji', LIVE);

  // Emoji alone show large, a guild's own at the size of a Unicode one.
  await composer(o).fill(':party_parrot: 🎉');
  await composer(o).press('Enter');
  const jumbo = list(m).locator('.content.jumbo');
  await until(() => jumbo.locator('img.custom-emoji').evaluate((i) => i.complete && i.getBoundingClientRect().width >= 40).catch(() => false), 'a large emoji', LIVE);
  await screenshot(m, 'jumbo-emoji');

  // Removed: Noah's messages show its name as text, at once.
  const emojiId = (await apiCall(o, 'GET', `/api/guilds/${guildId}`)).body.emojis[0].id;
  assert.equal((await apiCall(o, 'DELETE', `/api/guilds/${guildId}/emojis/${emojiId}`)).status, 204);
  await until(async () => (await picture.count()) === 0 && (await jumbo.locator('img').count()) === 0, 'the pictures gone', LIVE);
  assert.match(await sent.textContent(), /bravo :party_parrot:/);
  // Its reaction stays, as a deleted emoji, and can still be taken back.
  const gone = (page) => list(page).locator('[data-message-id]').filter({ hasText: 'bravo' }).getByRole('button', { name: /^:deleted_emoji:: 1 reaction/ });
  await gone(o).waitFor({ timeout: LIVE });
  await gone(m).click();
  await until(async () => (await gone(o).count()) === 0, 'the reaction taken back', LIVE);
  owner.assertClean();
  member.assertClean();
  await owner.context.close();
  await member.context.close();
});
