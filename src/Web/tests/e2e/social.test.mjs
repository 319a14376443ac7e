// Mentions, reactions, pins, typing and unread badges end to end: two people in one guild.
// Runs against BASE_URL (the real stack; skipped by the mock runner).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { acceptInvite, apiCall, BASE_URL, createGuild, launch, mockLacks, newDevice, register, screenshot, until } from './browser.mjs';

const LIVE = 10_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const list = (page, channel = 'general') => page.getByRole('list', { name: `Messages in #${channel}` });
const row = (page, text) => list(page).locator('[data-message-id]').filter({ has: page.locator('.content').filter({ hasText: text }) });
const composer = (page, channel = 'general') => page.getByRole('textbox', { name: `Message #${channel}` });
const channelLink = (page, name) => page.getByRole('navigation', { name: 'Channels' }).locator('a', { has: page.locator('.cname', { hasText: new RegExp(`^${name}$`) }) });

test('two members see typing, react, mention each other with badges, and pin', { skip: mockLacks('reactions, pins, typing or read states') }, async () => {
  const guildName = `Social ${Math.random().toString(36).slice(2, 6)}`;
  const alice = await newDevice(browser);
  const a = alice.page;
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, guildName);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });

  const bob = await newDevice(browser);
  const b = bob.page;
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  const random = await apiCall(a, 'POST', `/api/guilds/${guildId}/channels`, { name: 'random', type: 'text' });
  assert.equal(random.status, 201);

  // Typing: Bob types, Alice sees it; his message ends the notice.
  await composer(b).pressSequentially('Coucou', { delay: 20 });
  await a.getByText('Bob Brisk is typing…').waitFor({ timeout: LIVE });
  await screenshot(a, 'social-typing');
  await composer(b).press('Enter');
  await row(a, 'Coucou').waitFor({ timeout: LIVE });
  await until(async () => (await a.getByText('Bob Brisk is typing…').count()) === 0, 'typing notice gone with the message', LIVE);

  // Reactions: Alice picks 👍 on Bob's message; Bob sees the chip and joins in.
  await row(a, 'Coucou').hover();
  await row(a, 'Coucou').getByRole('button', { name: 'Add reaction' }).click();
  await row(a, 'Coucou').getByRole('button', { name: 'React with 👍' }).click();
  const bobChip = row(b, 'Coucou').getByRole('button', { name: /^👍: 1 reaction$/ });
  await bobChip.waitFor({ timeout: LIVE });
  await bobChip.click();
  await row(a, 'Coucou').getByRole('button', { name: /^👍: 2 reactions, including yours$/ }).waitFor({ timeout: LIVE });
  await row(b, 'Coucou').getByRole('button', { name: /^👍: 2 reactions, including yours$/ }).waitFor({ timeout: LIVE });
  assert.equal(await row(b, 'Coucou').getByRole('button', { name: /^👍/ }).getAttribute('aria-pressed'), 'true');

  // Mentions: Alice reads #random; Bob mentions her through the autocomplete.
  await channelLink(a, 'random').click();
  await a.getByRole('heading', { name: 'random', level: 1 }).waitFor();
  await composer(b).pressSequentially('Salut @Ali', { delay: 20 });
  await b.getByRole('option', { name: /Alice Ardent/ }).waitFor();
  await composer(b).press('Enter');
  assert.match(await composer(b).inputValue(), /^Salut <@[0-9a-f-]{36}> $/);
  await composer(b).pressSequentially('viens voir');
  await composer(b).press('Enter');
  const mention = row(b, 'viens voir');
  await mention.waitFor({ timeout: LIVE });
  assert.equal(await mention.locator('[data-mention="user"]').textContent(), '@Alice Ardent');

  // Alice: bold #general with a mention badge, and a badge on the guild.
  await channelLink(a, 'general').and(a.locator('[aria-label*="1 mention"]')).waitFor({ timeout: LIVE });
  await a.locator(`[data-guild-id="${guildId}"]`).and(a.locator('[aria-label*="1 mention"]')).waitFor({ timeout: LIVE });
  await screenshot(a, 'social-badges');

  // The server is the source of truth: after a reload the badge is still there.
  await a.reload();
  await a.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await channelLink(a, 'general').and(a.locator('[aria-label*="1 mention"]')).waitFor({ timeout: LIVE });

  // Opening the channel reads it: badge gone, the message highlighted for her.
  await channelLink(a, 'general').click();
  await row(a, 'viens voir').waitFor({ timeout: LIVE });
  assert.match(await row(a, 'viens voir').getAttribute('class'), /mentioned/);
  await until(async () => (await a.locator('[aria-label*="mention"]').count()) === 0, 'badges cleared', LIVE);
  await screenshot(a, 'social-mentioned');

  // Stays read after a reload (the ack reached the server).
  await until(async () => {
    const states = await apiCall(a, 'GET', '/api/users/@me/read-states');
    const general = states.body.readStates.find((s) => s.channelId === generalId);
    return general && general.unread === 0 && general.mentions === 0;
  }, 'server read state cleared', LIVE);

  // Pins: Alice (owner) pins Bob's message; Bob sees it in the pins panel. (He clicks the button
  // from the search field, which narrows as it loses focus: the button must not move meanwhile.)
  await row(a, 'Coucou').hover();
  await row(a, 'Coucou').getByRole('button', { name: 'Pin message' }).click();
  await b.getByRole('searchbox', { name: 'Search messages' }).focus();
  await b.getByRole('button', { name: 'Pinned messages' }).click();
  const panel = b.getByRole('dialog', { name: 'Pinned messages in #general' });
  await panel.getByText('Coucou').waitFor({ timeout: LIVE });
  await screenshot(b, 'social-pins');

  // Jump: the list closes and the message is scrolled to and flashed in the channel.
  await b.evaluate(() => {
    window.__flashed = [];
    new MutationObserver((records) => {
      for (const r of records) {
        if (r.target instanceof HTMLElement && r.target.classList.contains('flash')) {
          window.__flashed.push(r.target.textContent);
        }
      }
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['class'] });
  });
  await panel.locator('li', { hasText: 'Coucou' }).getByRole('button', { name: 'Jump' }).click();
  await until(async () => (await b.evaluate(() => window.__flashed)).some((t) => t.includes('Coucou')), 'the pinned message flashed', LIVE);
  assert.equal(await panel.count(), 0);
});

test('a name in the chat shows the member\'s nickname in their role\'s colour and opens their card; Message opens a conversation', { skip: mockLacks('member cards or direct messages') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Cards ${Math.random().toString(36).slice(2, 6)}`);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const { page: b } = await newDevice(browser);
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  const bob = (await apiCall(b, 'GET', '/api/users/@me')).body;

  // A pink role for Bob, and a nickname of his own choosing.
  const role = await apiCall(a, 'POST', `/api/guilds/${guildId}/roles`, { name: 'Chef', color: 0xe91e63 });
  assert.equal(role.status, 201);
  assert.equal((await apiCall(a, 'PATCH', `/api/guilds/${guildId}/members/${bob.id}`, { roles: [role.body.id] })).status, 200);
  assert.equal((await apiCall(b, 'PATCH', `/api/guilds/${guildId}/members/${bob.id}`, { nickname: 'Bobby' })).status, 200);
  await composer(b).fill('Bonjour tout le monde');
  await composer(b).press('Enter');

  // In Alice's chat: his nickname, in the role's colour.
  const author = row(a, 'Bonjour tout le monde').getByRole('button', { name: 'Bobby', exact: true });
  await author.waitFor({ timeout: LIVE });
  await until(async () => (await author.evaluate((e) => getComputedStyle(e).color)) === 'rgb(233, 30, 99)', 'author in the role colour', LIVE);

  // The card: name, username, roles, member since; Escape closes it and gives the focus back.
  await author.click();
  const card = a.getByRole('dialog', { name: 'Profile of Bobby' });
  await card.waitFor();
  await card.getByText(`@${bob.username}`, { exact: true }).waitFor();
  await card.getByRole('list', { name: 'Roles' }).getByText('Chef').waitFor();
  await card.getByText('Member since').waitFor();
  assert.equal(await card.getByRole('button', { name: `Message @${bob.username}` }).count(), 1);
  await screenshot(a, 'member-card');
  await a.keyboard.press('Escape');
  await card.waitFor({ state: 'detached' });
  assert.equal(await author.evaluate((e) => e === document.activeElement), true, 'focus back on the name');

  // Her own card has no Message button; a click elsewhere closes it.
  await a.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /Alice Ardent/ }).click();
  const own = a.getByRole('dialog', { name: 'Profile of Alice Ardent' });
  await own.getByText('★ Owner').waitFor();
  assert.equal(await own.getByRole('button', { name: /^Message/ }).count(), 0);
  await a.getByRole('heading', { name: 'general', level: 1 }).click();
  await own.waitFor({ state: 'detached' });

  // From the member list, Message opens (or creates) the direct conversation with him.
  await a.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /Bobby/ }).click();
  await a.getByRole('dialog', { name: 'Profile of Bobby' }).getByRole('button', { name: `Message @${bob.username}` }).click();
  await a.waitForURL((url) => url.pathname.startsWith('/channels/@me/'), { timeout: 30_000 });
  const conversations = await apiCall(a, 'GET', '/api/dm/conversations');
  const id = new URL(a.url()).pathname.split('/')[3];
  const direct = conversations.body.conversations.find((c) => c.id === id);
  assert.ok(direct, 'the page is a conversation of hers');
  assert.equal(direct.members.length, 2);
  assert.ok(direct.members.some((m) => m.id === bob.id), 'with Bob');
});

test('emoji by name: ":tada" proposes 🎉, ":fire:" typed whole is sent as 🔥 (not in code), and the picker finds any emoji', { skip: mockLacks('reactions') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Emma Emoji');
  await createGuild(a, `Emoji ${Math.random().toString(36).slice(2, 6)}`);

  // The autocomplete: two letters after ":" list emoji by name; Enter takes the first.
  await composer(a).pressSequentially('Bravo :tad', { delay: 15 });
  const list = a.getByRole('listbox', { name: 'Emoji matching :tad' });
  await list.getByRole('option').first().waitFor({ timeout: LIVE });
  assert.match(await list.getByRole('option').first().textContent(), /🎉\s*:tada:/);
  await screenshot(a, 'emoji-autocomplete');
  await composer(a).press('Enter');
  assert.equal(await composer(a).inputValue(), 'Bravo 🎉');
  await composer(a).press('Enter');
  await row(a, 'Bravo 🎉').waitFor({ timeout: LIVE });

  // Typed whole, converted when sent; inside code it stays as written; unknown names stay too.
  await composer(a).fill('Chaud :fire: `:fire:` :notanemoji:');
  await composer(a).press('Enter');
  await row(a, 'Chaud 🔥').waitFor({ timeout: LIVE });
  const sent = row(a, 'Chaud 🔥');
  assert.equal(await sent.locator('code').textContent(), ':fire:');
  assert.match(await sent.locator('.content').textContent(), /:notanemoji:/);

  // The reaction picker searches every emoji, not only the common ones.
  await sent.hover();
  await sent.getByRole('button', { name: 'Add reaction' }).click();
  const picker = a.getByRole('dialog', { name: 'Pick a reaction' });
  await picker.getByRole('searchbox', { name: 'Search emoji' }).fill('pizza');
  await picker.getByRole('button', { name: 'React with 🍕' }).click();
  await sent.getByRole('button', { name: /^🍕: 1 reaction, including yours$/ }).waitFor({ timeout: LIVE });
  // By group: food & drink holds it too (the "+" after the chips opens the picker again).
  await sent.getByRole('group', { name: 'Reactions' }).getByRole('button', { name: 'Add reaction' }).click();
  await picker.getByRole('button', { name: 'food & drink' }).click();
  await picker.getByRole('group', { name: 'food & drink' }).getByRole('button', { name: 'React with 🥐' }).waitFor();
  await screenshot(a, 'emoji-picker');
  await a.keyboard.press('Escape');
});

test('Mark Unread (or Alt+click) makes a message the first unread one: New line, badge once the channel is left, kept after a reload', { skip: mockLacks('read states') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Unread ${Math.random().toString(36).slice(2, 6)}`);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  assert.equal((await apiCall(a, 'POST', `/api/guilds/${guildId}/channels`, { name: 'random', type: 'text' })).status, 201);
  const { page: b } = await newDevice(browser);
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  const bob = (await apiCall(b, 'GET', '/api/users/@me')).body;
  for (const content of ['one', `two <@${bob.id}>`, 'three']) {
    assert.equal((await apiCall(a, 'POST', `/api/channels/${generalId}/messages`, { content })).status, 201);
  }
  await row(b, 'three').waitFor({ timeout: LIVE });
  const serverState = async () => (await apiCall(b, 'GET', '/api/users/@me/read-states')).body.readStates.find((s) => s.channelId === generalId);
  await until(async () => (await serverState())?.unread === 0, 'read while on screen', LIVE);

  // Mark Unread on "two": the New line goes above it, and the channel stays unread while open.
  await row(b, 'two').hover();
  await row(b, 'two').getByRole('button', { name: 'Mark Unread' }).click();
  await row(b, 'two').getByRole('status').filter({ hasText: 'Marked unread from here' }).waitFor();
  const line = list(b).getByRole('separator', { name: 'New messages' });
  await line.waitFor();
  assert.equal(await line.evaluate((el) => el.nextElementSibling?.textContent.includes('two')), true, 'the line is right above "two"');
  const state = await serverState();
  assert.equal(state.unread, 2);
  assert.equal(state.mentions, 1);
  await screenshot(b, 'mark-unread');

  // Elsewhere, #general shows it: unread with the mention; still so after a reload.
  await channelLink(b, 'random').click();
  await channelLink(b, 'general').and(b.locator('[aria-label*="unread, 1 mention"]')).waitFor({ timeout: LIVE });
  await b.reload();
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await channelLink(b, 'general').and(b.locator('[aria-label*="unread, 1 mention"]')).waitFor({ timeout: LIVE });

  // Opening it reads it again; Alt+click on "three" marks only that one unread.
  await channelLink(b, 'general').click();
  await until(async () => (await serverState())?.unread === 0, 'read again once opened', LIVE);
  await row(b, 'three').locator('.content').click({ modifiers: ['Alt'] });
  await until(async () => (await serverState())?.unread === 1, 'Alt+click marks it unread', LIVE);
  assert.equal((await serverState()).mentions, 0);
});

test('slowmode: set in the guild settings, a member counts down after each message and cannot send before; the owner is exempt', { skip: mockLacks('slowmode') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  const guildName = `Slow ${Math.random().toString(36).slice(2, 6)}`;
  const { guildId, generalId } = await createGuild(a, guildName);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });

  // Guild Settings → Channels: a topic and a 30 s slowmode for #general.
  await a.getByRole('button', { name: guildName, exact: true }).click();
  await a.getByRole('menuitem', { name: 'Guild Settings' }).click();
  const settings = a.getByRole('dialog', { name: 'Guild settings' });
  await settings.getByRole('button', { name: 'Channels', exact: true }).click();
  await settings.getByLabel('Channel', { exact: true }).selectOption({ label: '#general' });
  await settings.getByLabel('Topic').fill('Say hello, slowly');
  await settings.getByLabel('Slowmode').selectOption({ label: '30s' });
  await settings.getByRole('button', { name: 'Save Changes' }).click();
  await settings.locator('.callout-success', { hasText: 'Saved general.' }).waitFor({ timeout: LIVE });
  await screenshot(a, 'channel-settings');
  await settings.getByRole('button', { name: 'Close guild settings' }).click();
  const saved = (await apiCall(a, 'GET', `/api/guilds/${guildId}`)).body.channels.find((c) => c.id === generalId);
  assert.equal(saved.rateLimitPerUser, 30);
  assert.equal(saved.topic, 'Say hello, slowly');

  // Bob sends once, then waits: the composer counts down and refuses the next one.
  const { page: b } = await newDevice(browser);
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  await b.getByTestId('slowmode').filter({ hasText: '30s' }).waitFor({ timeout: LIVE });
  await composer(b).fill('Bonjour');
  await composer(b).press('Enter');
  await row(b, 'Bonjour').waitFor({ timeout: LIVE });
  await until(async () => /^0:(29|30|28)/.test((await b.getByTestId('slowmode').textContent()).trim()), 'the countdown runs', LIVE);
  await composer(b).fill('Encore');
  await composer(b).press('Enter');
  await b.getByText(/^Slowmode is on: you can send again in 0:\d\d\.$/).waitFor();
  assert.equal(await composer(b).inputValue(), 'Encore', 'the text stays for later');
  await screenshot(b, 'slowmode');
  // Nor does the server take it.
  const tooSoon = await apiCall(b, 'POST', `/api/channels/${generalId}/messages`, { content: 'by the Api' });
  assert.equal(tooSoon.status, 429);
  assert.equal(tooSoon.body.error.code, 'slowmode');

  // Alice, who manages the channel, has no countdown and sends twice.
  assert.equal(await a.getByTestId('slowmode').count(), 0);
  for (const text of ['un', 'deux']) {
    await composer(a).fill(text);
    await composer(a).press('Enter');
    await row(a, text).waitFor({ timeout: LIVE });
  }
});

test('the inbox lists mentions from every guild, live and filtered, and a click opens the message, in a thread too; dismissed or edited away, a mention leaves every tab', { skip: mockLacks('recent mentions') }, async () => {
  const tag = Math.random().toString(36).slice(2, 6);
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Inbox A ${tag}`);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const { page: b } = await newDevice(browser);
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  const other = await createGuild(b, `Inbox B ${tag}`);
  const inviteB = await apiCall(b, 'POST', `/api/guilds/${other.guildId}/invites`, { channelId: other.generalId });
  assert.equal((await apiCall(a, 'POST', `/api/invites/${inviteB.body.code}`)).status, 200);
  const alice = (await apiCall(a, 'GET', '/api/users/@me')).body;

  const send = async (channelId, content) => {
    const sent = await apiCall(b, 'POST', `/api/channels/${channelId}/messages`, { content });
    assert.equal(sent.status, 201);
    return sent.body;
  };
  const thread = await apiCall(b, 'POST', `/api/channels/${generalId}/threads`, { name: 'Plans' });
  assert.equal(thread.status, 201);
  await send(generalId, `hey <@${alice.id}> regarde`);
  await send(generalId, 'not for anyone');
  await send(thread.body.id, `<@${alice.id}> in the thread`);
  await send(other.generalId, '@everyone réunion');

  await a.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await a.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await a.getByRole('button', { name: 'Inbox', exact: true }).click();
  const inbox = a.getByRole('complementary', { name: 'Inbox' });
  const cards = inbox.locator('.cards > li');
  const labels = async () => (await cards.locator('.where').allTextContents());
  await until(async () => (await cards.count()) === 3, 'three mentions listed', LIVE);
  assert.deepEqual(await labels(), [`Inbox B ${tag} › #general`, `Inbox A ${tag} › Plans in #general`, `Inbox A ${tag} › #general`]);
  // Mentions read by name (the reader's own, here), not as ids.
  await cards.nth(2).getByText('hey @Alice Ardent regarde').waitFor();

  // Filters: without @everyone the other guild's call goes; this guild only keeps guild A.
  await inbox.getByLabel('@everyone and @here').uncheck();
  await until(async () => (await cards.count()) === 2, '@everyone left out', LIVE);
  await inbox.getByLabel('@everyone and @here').check();
  await inbox.getByLabel('This guild only').check();
  await until(async () => (await labels()).every((l) => l.startsWith(`Inbox A ${tag}`)) && (await cards.count()) === 2, 'one guild', LIVE);
  await inbox.getByLabel('This guild only').uncheck();
  await until(async () => (await cards.count()) === 3, 'all guilds again', LIVE);

  // Live: a new mention comes in on top while the inbox is open.
  const encore = await send(generalId, `<@${alice.id}> encore une`);
  await until(async () => (await cards.count()) === 4, 'the new mention listed', LIVE);
  await cards.first().getByText('@Alice Ardent encore une').waitFor();
  await screenshot(a, 'inbox');

  // Search results name mentions the same way.
  await a.getByRole('searchbox', { name: 'Search messages' }).fill('regarde');
  await a.getByRole('searchbox', { name: 'Search messages' }).press('Enter');
  await a.getByRole('complementary', { name: 'Search results' }).getByText('hey @Alice Ardent regarde').waitFor({ timeout: LIVE });
  await a.getByRole('button', { name: 'Inbox', exact: true }).click();

  // A click on the thread's mention opens the thread beside its channel at that message.
  await cards.filter({ hasText: 'in the thread' }).locator('button.item').click();
  await a.getByRole('complementary', { name: 'Threads', exact: true }).getByRole('list', { name: 'Messages in #Plans' })
    .locator('[data-message-id]').filter({ hasText: 'in the thread' }).waitFor({ timeout: LIVE });

  // From the home view too (over the right edge there): one in the other guild opens that guild's
  // channel with the message, and the inbox stays open beside it.
  await a.goto(`${BASE_URL}/`);
  await a.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await a.getByRole('button', { name: 'Inbox', exact: true }).click();
  await cards.filter({ hasText: 'réunion' }).locator('button.item').click();
  await a.getByRole('list', { name: 'Messages in #general' }).locator('[data-message-id]').filter({ hasText: 'réunion' }).waitFor({ timeout: LIVE });
  assert.match(a.url(), new RegExp(`/channels/${other.guildId}/${other.generalId}$`));
  await inbox.locator('.cards > li').first().waitFor({ timeout: LIVE });

  // A second tab with its inbox open; the ✕ in the first takes the mention out of both, for good.
  const tab = await a.context().newPage();
  await tab.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await tab.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await tab.getByRole('button', { name: 'Inbox', exact: true }).click();
  const tabCards = tab.getByRole('complementary', { name: 'Inbox' }).locator('.cards > li');
  await until(async () => (await tabCards.count()) === 4, 'the second tab lists four', LIVE);
  await cards.filter({ hasText: 'regarde' }).getByRole('button', { name: 'Dismiss the mention by Bob Brisk' }).click();
  await until(async () => (await cards.count()) === 3, 'dismissed here', LIVE);
  await until(async () => (await tabCards.filter({ hasText: 'regarde' }).count()) === 0 && (await tabCards.count()) === 3, 'and in the other tab', LIVE);

  // An edit that takes Alice's name out takes the mention out of the open lists.
  const edited = await apiCall(b, 'PATCH', `/api/channels/${generalId}/messages/${encore.id}`, { content: 'encore une, pour personne' });
  assert.equal(edited.status, 200);
  await until(async () => (await tabCards.count()) === 2 && (await tabCards.filter({ hasText: 'encore' }).count()) === 0, 'the edited one left', LIVE);
  await until(async () => (await cards.count()) === 2, 'in both tabs', LIVE);

  // After a reload, the list is the server's: the same two.
  await tab.reload();
  await tab.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await tab.getByRole('button', { name: 'Inbox', exact: true }).click();
  await until(async () => (await tabCards.count()) === 2, 'two after a reload', LIVE);
  assert.deepEqual(
    (await tabCards.locator('.where').allTextContents()).sort(),
    [`Inbox A ${tag} › Plans in #general`, `Inbox B ${tag} › #general`].sort());

  // "Dismiss All" empties both lists, and they stay empty after a reload.
  // (An empty list says so in its one item.)
  const left = (list) => list.filter({ hasNotText: 'Nobody has mentioned you yet.' }).count();
  await tab.getByRole('complementary', { name: 'Inbox', exact: true }).getByRole('button', { name: 'Dismiss All' }).click();
  await until(async () => (await left(tabCards)) === 0, 'all dismissed here', LIVE);
  await until(async () => (await left(cards)) === 0, 'and in the other tab', LIVE);
  await tab.reload();
  await tab.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await tab.getByRole('button', { name: 'Inbox', exact: true }).click();
  await tab.getByRole('complementary', { name: 'Inbox', exact: true }).getByText('Nobody has mentioned you yet.', { exact: false }).waitFor({ timeout: LIVE });
  assert.equal(await left(tabCards), 0);
  await tab.close();
});

test('a moderator gives a role, times out and kicks a member from their card; a plain member sees no Moderation', { skip: mockLacks('moderation') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Moderation ${Math.random().toString(36).slice(2, 6)}`);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const { page: b } = await newDevice(browser);
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  const bob = (await apiCall(b, 'GET', '/api/users/@me')).body;
  assert.equal((await apiCall(a, 'POST', `/api/guilds/${guildId}/roles`, { name: 'Helpers', color: 0 })).status, 201);
  await composer(b).fill('je suis là');
  await composer(b).press('Enter');

  // Bob, a plain member, sees Alice's card without Moderation.
  await b.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /Alice Ardent/ }).click();
  const aliceCard = b.getByRole('dialog', { name: 'Profile of Alice Ardent' });
  await aliceCard.getByText('Member since').waitFor();
  assert.equal(await aliceCard.getByRole('button', { name: 'Moderation' }).count(), 0);
  // A member card sends a friend request; the other's card accepts it.
  await aliceCard.getByRole('button', { name: 'Add Friend' }).click();
  await aliceCard.getByRole('button', { name: 'Friend Request Sent' }).waitFor({ timeout: LIVE });
  await b.keyboard.press('Escape');

  // Alice opens Bob's card from his message: a role, then a timeout.
  await row(a, 'je suis là').getByRole('button', { name: 'Bob Brisk', exact: true }).click();
  const card = a.getByRole('dialog', { name: 'Profile of Bob Brisk' });
  await card.getByRole('button', { name: 'Accept Friend Request' }).click({ timeout: LIVE });
  await card.getByTestId('card-friend').waitFor({ timeout: LIVE });
  await card.getByRole('button', { name: 'Moderation' }).click();
  const tools = card.getByRole('group', { name: 'Moderate Bob Brisk' });
  await tools.getByRole('checkbox', { name: 'Helpers' }).check();
  await card.getByRole('list', { name: 'Roles' }).getByText('Helpers').waitFor({ timeout: LIVE });
  await tools.getByLabel('Timeout').selectOption({ label: '5 minutes' });
  await tools.getByRole('button', { name: 'Time Out' }).click();
  await tools.getByRole('button', { name: 'Remove Timeout' }).waitFor({ timeout: LIVE });
  await b.getByText('You are timed out and cannot send messages for now.').waitFor({ timeout: LIVE });
  await screenshot(a, 'member-card-moderation');
  const [member] = (await apiCall(a, 'GET', `/api/guilds/${guildId}/members?ids=${bob.id}`)).body.members;
  assert.ok(member.roles.length === 1 && Date.parse(member.timeoutUntil) > Date.now(), 'the server has the role and the timeout');

  // Kick, after a confirmation: the card says so and Bob leaves the member list.
  await tools.getByRole('button', { name: 'Kick' }).click();
  await tools.getByRole('button', { name: 'Kick Bob Brisk' }).click();
  await card.getByRole('status').filter({ hasText: 'Kicked Bob Brisk.' }).waitFor({ timeout: LIVE });
  await until(async () => (await a.getByRole('complementary', { name: 'Members' }).getByRole('button', { name: /Bob Brisk/ }).count()) === 0, 'Bob gone from the list', LIVE);
  assert.deepEqual((await apiCall(a, 'GET', `/api/guilds/${guildId}/members?ids=${bob.id}`)).body.members, []);
});

test('blocking from a member card folds their messages into a "blocked messages" line on every tab; Blocked Users unblocks', { skip: mockLacks('blocking') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Block ${Math.random().toString(36).slice(2, 6)}`);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const { page: b } = await newDevice(browser);
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  const bob = (await apiCall(b, 'GET', '/api/users/@me')).body;
  const say = async (page, text) => {
    await composer(page).fill(text);
    await composer(page).press('Enter');
    await row(a, text).waitFor({ timeout: LIVE });
  };
  await say(b, 'premier de Bob');
  await say(b, 'second de Bob');
  await say(a, 'Alice répond');

  // A second tab of Alice's, on the same channel.
  const tab = await a.context().newPage();
  await tab.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await row(tab, 'second de Bob').waitFor({ timeout: LIVE });

  // Block, asked twice, from his card.
  await row(a, 'premier de Bob').getByRole('button', { name: 'Bob Brisk', exact: true }).click();
  const card = a.getByRole('dialog', { name: 'Profile of Bob Brisk' });
  await card.getByRole('button', { name: 'Block', exact: true }).click();
  await card.getByRole('group', { name: `Block @${bob.username}?` }).getByRole('button', { name: 'Block', exact: true }).click();
  await card.getByRole('button', { name: 'Unblock' }).waitFor();
  assert.equal(await card.getByRole('button', { name: `Message @${bob.username}` }).count(), 0);
  await a.keyboard.press('Escape');

  // His two messages fold into one line, here and in the other tab; hers stays.
  for (const page of [a, tab]) {
    const line = list(page).getByTestId('blocked-run');
    await until(async () => (await line.count()) === 1 && /2 blocked messages/.test(await line.textContent()), 'one folded line', LIVE);
    await row(page, 'premier de Bob').waitFor({ state: 'detached', timeout: LIVE });
    assert.equal(await row(page, 'Alice répond').count(), 1);
  }

  // A new message of his folds away too, in a run of its own after hers.
  await composer(b).fill('troisième de Bob');
  await composer(b).press('Enter');
  await until(async () => (await list(a).getByTestId('blocked-run').count()) === 2, 'a second folded line', LIVE);
  assert.equal(await row(a, 'troisième de Bob').count(), 0);

  // Show opens a run, Hide folds it again.
  await list(a).getByTestId('blocked-run').first().getByRole('button', { name: 'Show' }).click();
  await row(a, 'premier de Bob').waitFor();
  await row(a, 'second de Bob').waitFor();
  await a.mouse.move(0, 0);
  await screenshot(a, 'blocked-messages');
  await list(a).getByTestId('blocked-run').first().getByRole('button', { name: 'Hide' }).click();
  await row(a, 'premier de Bob').waitFor({ state: 'detached' });

  // Blocked Users in the settings lists him; Unblock there brings his messages back in both tabs.
  await tab.goto(`${BASE_URL}/settings/privacy`);
  const blockedList = tab.getByRole('list', { name: 'Blocked users' });
  await blockedList.getByText(`@${bob.username}`).waitFor({ timeout: LIVE });
  await tab.getByRole('button', { name: `Unblock @${bob.username}` }).click();
  await tab.getByText('You have not blocked anyone.').waitFor({ timeout: LIVE });
  await row(a, 'troisième de Bob').waitFor({ timeout: LIVE });
  await row(a, 'premier de Bob').waitFor({ timeout: LIVE });
  assert.equal(await list(a).getByTestId('blocked-run').count(), 0);
  assert.deepEqual((await apiCall(a, 'GET', '/api/dm/blocks')).body.users, []);
  await tab.close();
});

test('a poll made from the composer is voted on live, shows its results, and its author ends it', { skip: mockLacks('polls') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Poll ${Math.random().toString(36).slice(2, 6)}`);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const { page: b } = await newDevice(browser);
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);

  // Alice writes the poll: the dialog checks it before posting.
  await a.getByRole('button', { name: 'Create a poll' }).click();
  const dialog = a.getByRole('dialog', { name: 'Create a poll in #general' });
  await dialog.getByLabel('Question').fill('Où dîne-t-on ?');
  await dialog.getByRole('textbox', { name: 'Answer 1' }).fill('Pizza');
  await dialog.getByRole('button', { name: 'Post' }).click();
  await dialog.getByRole('alert').filter({ hasText: 'Give at least two answers.' }).waitFor();
  await dialog.getByRole('textbox', { name: 'Answer 2' }).fill('Sushi');
  await dialog.getByRole('button', { name: '+ Add another answer' }).click();
  await dialog.getByRole('textbox', { name: 'Answer 3' }).fill('Crêpes');
  await dialog.getByLabel('Duration').selectOption({ label: '1 hour' });
  await dialog.getByRole('button', { name: 'Post' }).click();
  await dialog.waitFor({ state: 'detached' });

  // Bob sees it live, picks an answer and votes; Alice's counts follow without a reload.
  const bobPoll = b.getByRole('group', { name: 'Poll: Où dîne-t-on ?' });
  await bobPoll.waitFor({ timeout: LIVE });
  await bobPoll.getByText('Select one answer').waitFor();
  await bobPoll.getByRole('button', { name: 'Crêpes' }).click();
  await bobPoll.getByRole('button', { name: 'Vote' }).click();
  await bobPoll.getByText('1 person voted').waitFor({ timeout: LIVE });
  const alicePoll = a.getByRole('group', { name: 'Poll: Où dîne-t-on ?' });
  await alicePoll.getByRole('button', { name: 'Show Results' }).click();
  await alicePoll.locator('[data-answer-id="3"]').getByText('1 vote · 100%').waitFor({ timeout: LIVE });
  await screenshot(b, 'poll');

  // Alice ends it: both see the final results, and nobody can vote any more.
  await alicePoll.getByRole('button', { name: 'End Poll Now' }).click();
  await bobPoll.getByText('Final results').waitFor({ timeout: LIVE });
  await bobPoll.getByText(/Poll closed/).waitFor();
  assert.equal(await bobPoll.getByRole('button', { name: 'Remove Vote' }).count(), 0);
  assert.equal(await bobPoll.locator('[data-answer-id="1"]').isDisabled(), true);
  const history = await apiCall(b, 'GET', `/api/channels/${generalId}/messages`);
  const poll = history.body.messages.find((m) => m.poll).poll;
  assert.deepEqual(poll.results.counts.map((c) => c.count), [0, 0, 1]);
  assert.deepEqual(poll.results.me, [3]);
});
