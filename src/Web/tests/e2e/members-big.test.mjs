// A guild bigger than one page of the member list (200, by name): the members who are online are
// listed whether or not their page is loaded (the client looks them up by id), the ones who leave
// drop out of the list live, scrolling to the end of the list loads the next page, and past 200
// online the rest are counted and shown on demand.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BASE_URL, apiCall, createGuild, launch, mockLacks, newDevice, nodeHub, password, randomUsername, register, screenshot, until } from './browser.mjs';

const MEMBERS = 230;
const ONLINE = 30;
const LIVE = 20_000;

let browser;
const hubs = [];
before(async () => {
  browser = await launch();
});
after(async () => {
  await Promise.allSettled(hubs.map((h) => h.stop()));
  await browser?.close();
});

/** Signs a person up and in over REST, each from its own forwarded address (as a proxy would set it). */
async function person(i, code) {
  const username = randomUsername();
  const headers = { 'Content-Type': 'application/json', 'X-Forwarded-For': `10.77.${i >> 8}.${i & 255}` };
  const post = async (path, body, token) => {
    const res = await fetch(BASE_URL + path, {
      method: 'POST',
      headers: token ? { ...headers, Authorization: `Bearer ${token}` } : headers,
      body: body ? JSON.stringify(body) : null,
    });
    if (!res.ok) {
      throw new Error(`${path}: ${res.status} ${await res.text()}`);
    }
    return res.json();
  };
  await post('/api/auth/register', { username, password, displayName: `Member ${String(i).padStart(3, '0')}` });
  const { accessToken, user } = await post('/api/auth/login', { username, password });
  await post(`/api/invites/${code}`, null, accessToken);
  return { id: user.id, username, name: `Member ${String(i).padStart(3, '0')}`, token: accessToken };
}

async function connect(token) {
  const hub = nodeHub(token);
  await hub.start();
  hubs.push(hub);
  return hub;
}

test('in a guild of more than a page, every online member is listed, and one who leaves drops out live', { skip: mockLacks('presence') }, async () => {
  const owner = await newDevice(browser);
  const o = owner.page;
  await register(o, 'Olga Owner');
  const guildName = `Big ${Math.random().toString(36).slice(2, 6)}`;
  const { guildId, generalId } = await createGuild(o, guildName);
  const invite = await apiCall(o, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  assert.equal(invite.status, 201);

  const people = [];
  for (let i = 0; i < MEMBERS; i += 10) {
    people.push(...(await Promise.all(Array.from({ length: Math.min(10, MEMBERS - i) }, (_, k) => person(i + k, invite.body.code)))));
  }

  // Online: the members whose names come last, past the first page the list loads (by name: the
  // owner, "Olga Owner", comes after every "Member NNN").
  const byName = [...people].sort((a, b) => a.name.localeCompare(b.name));
  const online = byName.slice(-ONLINE);
  const firstPage = await apiCall(o, 'GET', `/api/guilds/${guildId}/members?limit=200`);
  assert.deepEqual(firstPage.body.members.map((m) => m.displayName), byName.slice(0, 200).map((p) => p.name), 'the first page is the first 200 by name');
  assert.ok(firstPage.body.next, 'and says where the next one starts');
  const paged = new Set(firstPage.body.members.map((m) => m.userId));
  assert.ok(online.every((p) => !paged.has(p.id)), 'the online members are not in the first page');

  // The mention autocomplete finds members past the loaded page (here by username): what follows "@"
  // is searched on the server.
  await o.reload();
  const composer = o.getByPlaceholder('Message #general');
  await composer.click();
  const far = byName.find((p) => p.name === 'Member 225');
  assert.ok(!paged.has(far.id), 'Member 225 is not in the loaded page');
  await composer.pressSequentially(`@${far.username}`);
  await o.getByRole('option', { name: /Member 225/ }).waitFor({ timeout: LIVE });
  await composer.fill('');

  // So does the member filter of the guild settings, with one search per pause in typing.
  let searches = 0;
  const countSearches = (request) => {
    if (new URL(request.url()).searchParams.has('query')) {
      searches++;
    }
  };
  o.on('request', countSearches);
  await o.getByRole('button', { name: guildName, exact: true }).click();
  await o.getByRole('menuitem', { name: 'Guild Settings' }).click();
  const settings = o.getByRole('dialog', { name: 'Guild settings' });
  await settings.getByRole('button', { name: 'Members', exact: true }).click();
  await settings.getByLabel('Search members').fill(far.username);
  await settings.getByRole('button', { name: 'Manage Member 225' }).waitFor({ timeout: LIVE });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  o.off('request', countSearches);
  assert.equal(searches, 1, 'one search for one pause in typing');
  await o.keyboard.press('Escape');
  await settings.waitFor({ state: 'detached' });
  const onlineHubs = [];
  for (const p of online) {
    onlineHubs.push(await connect(p.token));
  }

  await o.reload();
  const list = o.getByRole('complementary', { name: 'Members' });
  const onlineRows = list.locator('ul[data-group="online"] li');
  await until(async () => ((await onlineRows.count()) === ONLINE + 1 ? true : null), `${ONLINE} members and the owner listed online`, LIVE);
  const names = await onlineRows.locator('.name').allTextContents();
  for (const p of online) {
    assert.ok(names.includes(p.name), `${p.name} is listed online`);
  }
  assert.ok(names.includes('Olga Owner'));
  assert.equal(await list.locator('[data-more-online]').count(), 0, 'every online member is listed');
  // The offline side pages: the rest of the first 200 by name, in order, and a button for more.
  const offlineRows = list.locator('ul[data-group="offline"] li');
  assert.deepEqual(await offlineRows.locator('.name').allTextContents(), byName.slice(0, 200).map((p) => p.name));
  await list.getByRole('button', { name: 'Load more members' }).waitFor();
  await screenshot(o, 'members-big-guild', list);

  // One of them leaves: gone from the online side (their page is not loaded, so not offline either).
  const leaving = online[0];
  await onlineHubs[0].stop();
  await until(async () => ((await onlineRows.count()) === ONLINE ? true : null), `${leaving.name} no longer online`, LIVE);
  assert.ok(!(await onlineRows.locator('.name').allTextContents()).includes(leaving.name));

  // Scrolling to the end of the list loads the next page: the one who left is then listed offline,
  // after the first page's names, and the list is complete.
  await list.getByRole('button', { name: 'Load more members' }).scrollIntoViewIfNeeded();
  await until(async () => ((await list.getByRole('button', { name: 'Load more members' }).count()) === 0 && (await list.getByRole('status').count()) === 0 ? true : null), 'the second page loaded by scrolling', LIVE);
  assert.equal((await offlineRows.locator('.name').allTextContents()).at(-1), leaving.name);
  // And it stays complete: no more pages are asked for (the last page carries no `next`).
  let pageRequests = 0;
  const countPages = (request) => {
    const url = new URL(request.url());
    if (url.pathname === `/api/guilds/${guildId}/members` && !url.searchParams.has('ids')) {
      pageRequests++;
    }
  };
  o.on('request', countPages);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  o.off('request', countPages);
  assert.equal(pageRequests, 0, 'no page requested once the list is complete');
  assert.equal(await list.getByRole('button', { name: 'Load more members' }).count(), 0);
  assert.equal(await offlineRows.count(), 201);

  // Everyone else comes online: 200 are listed, the rest counted, and "Show more online" lists them.
  for (const p of byName.slice(0, -ONLINE)) {
    await connect(p.token);
  }
  const total = MEMBERS - ONLINE + (ONLINE - 1) + 1;
  const more = list.locator('[data-more-online]');
  await until(async () => ((await more.count()) > 0 && (await more.getAttribute('data-more-online')) === String(total - 200) ? true : null), `${total - 200} more online`, LIVE);
  assert.equal(await onlineRows.count(), 200);
  await more.scrollIntoViewIfNeeded();
  await screenshot(o, 'members-more-online', list);
  await list.getByRole('button', { name: 'Show more online' }).click();
  await until(async () => ((await onlineRows.count()) === total ? true : null), `all ${total} listed online`, LIVE);
  assert.equal(await more.count(), 0);
  owner.assertClean();
  await owner.context.close();
});
