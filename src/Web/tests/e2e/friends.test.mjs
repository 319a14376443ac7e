// Friends end to end: Ana adds Ben by username from the Friends page of Home; Ben, who shares no
// guild with her, sees the request live (Pending, with a count on the Home button), accepts it; both
// then see each other online, and Ana sees Ben go offline when he leaves. A friend's row opens the
// direct conversation; removing the friend empties the list on both sides.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, apiCall, dmReady, launch, mockLacks, newDevice, register, screenshot, until } from './browser.mjs';

const LIVE = 10_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const row = (page, username) => page.locator(`[data-testid="friends-list"] li:has-text("@${username}")`);

test('a friend request sent by username is accepted live, friends see each other online and offline, and can be removed', { skip: mockLacks('friends') }, async () => {
  const ana = await newDevice(browser);
  const a = ana.page;
  const anaName = await register(a, 'Ana Amie');
  const ben = await newDevice(browser);
  const b = ben.page;
  const benName = await register(b, 'Ben Bon');

  // Nobody yet: the welcome, with a way to add a friend.
  await a.getByRole('heading', { name: 'Welcome, Ana Amie' }).waitFor({ timeout: LIVE });
  await a.getByRole('button', { name: 'Add a friend' }).click();
  await a.getByTestId('friend-username').fill('@nobody_here_at_all');
  await a.getByRole('button', { name: 'Send Friend Request' }).click();
  await a.getByTestId('friend-add-result').filter({ hasText: /no such user|not found/i }).waitFor({ timeout: LIVE });
  await a.getByTestId('friend-username').fill(benName);
  await a.getByRole('button', { name: 'Send Friend Request' }).click();
  await a.getByTestId('friend-add-result').filter({ hasText: `Your friend request to @${benName} was sent` }).waitFor({ timeout: LIVE });
  await screenshot(a, 'friends-add');

  // Ben hears of it live: a count on Home and on the Pending tab.
  await b.getByTestId('home-unread').filter({ hasText: '1' }).waitFor({ timeout: LIVE });
  await b.getByTestId('friends-pending').waitFor({ timeout: LIVE });
  await b.getByRole('tab', { name: /^Pending, 1 request received/ }).click();
  await row(b, anaName).getByText('Incoming friend request').waitFor({ timeout: LIVE });
  await screenshot(b, 'friends-pending');
  await b.getByRole('button', { name: `Accept @${anaName}` }).click();
  await b.getByTestId('friends-pending').waitFor({ state: 'detached', timeout: LIVE });
  assert.equal(await b.getByTestId('home-unread').count(), 0);

  // Ana's Pending showed her request as sent; now both are friends, online.
  await a.getByRole('tab', { name: 'Online' }).click();
  await row(a, benName).locator('[data-status="online"]').waitFor({ timeout: LIVE });
  await b.getByRole('tab', { name: 'Online' }).click();
  await row(b, anaName).locator('[data-status="online"]').waitFor({ timeout: LIVE });
  await screenshot(a, 'friends-online');

  // Ben leaves: he drops out of Ana's Online list, and shows offline under All.
  await ben.context.close();
  await row(a, benName).waitFor({ state: 'detached', timeout: LIVE });
  await a.getByRole('tab', { name: 'All' }).click();
  await row(a, benName).locator('[data-status="offline"]').waitFor({ timeout: LIVE });

  // A friend's row opens the direct conversation.
  await dmReady(a, LIVE);
  await a.getByRole('button', { name: `Message @${benName}` }).click();
  await a.waitForURL(/\/channels\/@me\/[0-9a-f-]{36}$/, { timeout: LIVE });
  await a.getByTestId('dm-title').filter({ hasText: 'Ben Bon' }).waitFor({ timeout: LIVE });

  // Back on Friends (the sidebar's link), Ana removes Ben, after confirming.
  await a.getByRole('link', { name: 'Friends' }).click();
  await a.getByRole('tab', { name: 'All' }).click();
  await a.getByRole('button', { name: `Remove @${benName} from friends` }).click();
  await a.getByRole('group', { name: `Remove @${benName}?` }).getByRole('button', { name: 'Remove Friend' }).click();
  await row(a, benName).waitFor({ state: 'detached', timeout: LIVE });
  const left = await apiCall(a, 'GET', '/api/users/@me/relationships');
  assert.equal(left.status, 200);
  assert.deepEqual(left.body.relationships, []);
  ana.assertClean();
  await ana.context.close();
});

test('who can send a friend request: with Everyone off, a stranger is refused and a guild member is not', { skip: mockLacks('friends') }, async () => {
  const ana = await newDevice(browser);
  const a = ana.page;
  const anaName = await register(a, 'Ana Privée');
  const stranger = await newDevice(browser);
  const s = stranger.page;
  await register(s, 'Inconnu');

  // Privacy & Safety: Everyone off, Friends of Friends off, Guild Members left on.
  await a.goto(`${BASE_URL}/settings/privacy`);
  const everyone = a.getByRole('checkbox', { name: /^Everyone/ });
  await everyone.waitFor({ timeout: LIVE });
  await everyone.uncheck();
  await a.getByRole('checkbox', { name: /^Friends of Friends/ }).uncheck();
  await until(async () => (await apiCall(a, 'GET', '/api/users/@me/privacy')).body.friendRequests.friendsOfFriends === false, 'the switches saved');
  assert.deepEqual((await apiCall(a, 'GET', '/api/users/@me/privacy')).body.friendRequests, { everyone: false, friendsOfFriends: false, guildMembers: true });
  await screenshot(a, 'privacy-friend-requests');

  await s.getByRole('button', { name: 'Add a friend' }).click();
  await s.getByTestId('friend-username').fill(anaName);
  await s.getByRole('button', { name: 'Send Friend Request' }).click();
  await s.getByTestId('friend-add-result').filter({ hasText: 'This person is not accepting friend requests from you.' }).waitFor({ timeout: LIVE });

  // Once they share a guild, the same request goes through.
  const guild = (await apiCall(a, 'POST', '/api/guilds', { name: 'Entre Nous' })).body;
  const general = guild.channels.find((c) => c.name === 'general');
  const invite = await apiCall(a, 'POST', `/api/guilds/${guild.id}/invites`, { channelId: general.id });
  assert.equal((await apiCall(s, 'POST', `/api/invites/${invite.body.code}`)).status, 200);
  const sent = await apiCall(s, 'POST', '/api/users/@me/relationships', { username: anaName });
  assert.equal(sent.status, 200);
  assert.equal(sent.body.type, 'outgoing');

  // Ana's card, seen by the other person, names the guild they now share.
  assert.equal((await apiCall(a, 'POST', `/api/channels/${general.id}/messages`, { content: 'bienvenue' })).status, 201);
  await s.goto(`${BASE_URL}/channels/${guild.id}/${general.id}`);
  const author = s.getByRole('button', { name: 'Ana Privée', exact: true }).first();
  await author.waitFor({ timeout: LIVE });
  await author.click();
  const card = s.getByRole('dialog', { name: 'Profile of Ana Privée' });
  await card.getByRole('heading', { name: '1 Mutual Guild' }).waitFor({ timeout: LIVE });
  await card.getByRole('list', { name: 'Mutual guilds' }).getByText('Entre Nous').waitFor();
  await screenshot(s, 'member-card-mutual');

  ana.assertClean();
  stranger.assertClean();
  await ana.context.close();
  await stranger.context.close();
});
