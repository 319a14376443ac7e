// The one-column layout on a phone (390×844): the chat fills the screen, the guild rail with the
// channel list and the member list are drawers opened from the chat header, the thread, search and
// pins panels take the whole screen, and nothing is wider than the screen. Runs against BASE_URL
// (the real stack, or the mock).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { apiCall, BASE_URL, dmReady, launch, needsRealStack as dmSkip, newDevice, openConversation, randomUsername, register, screenshot, startConversation, until } from './browser.mjs';

const LIVE = 10_000;
const PHONE = { width: 390, height: 844 };
// dmSkip: direct messages need the real stack (their keys and envelopes are not in the mock).

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

/**
 * Nothing shown reaches past the right edge of the window: neither the page (it would scroll
 * sideways) nor any visible element (a column squeezed out of view, a header wider than the screen).
 */
async function fitsWidth(page, what) {
  const found = await page.evaluate(async () => {
    // Measured where a drawer's slide ends, not on its way.
    await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => {})));
    const width = window.innerWidth;
    const scroll = document.scrollingElement.scrollWidth;
    const wide = [...document.querySelectorAll('body *')]
      .filter((e) => e.checkVisibility({ visibilityProperty: true, opacityProperty: true }))
      .map((e) => ({ e, r: e.getBoundingClientRect() }))
      .filter(({ r }) => r.width > 1 && r.height > 1 && (r.right > width + 0.5 || r.left < -0.5))
      .map(({ e, r }) => `<${e.tagName.toLowerCase()} class="${e.getAttribute('class') ?? ''}"> ${Math.round(r.left)}..${Math.round(r.right)}`);
    return { width, scroll, wide };
  });
  assert.ok(found.scroll <= found.width, `${what}: the page scrolls sideways (${found.scroll} > ${found.width})`);
  assert.deepEqual(found.wide.slice(0, 5), [], `${what}: elements outside the ${found.width}px window`);
}

/** The element's box spans the whole width of the window. */
async function fullWidth(locator, what) {
  const { left, right, width } = await locator.evaluate((e) => ({ ...e.getBoundingClientRect().toJSON(), width: innerWidth }));
  assert.ok(Math.abs(left) < 1 && Math.abs(right - width) < 1, `${what} spans ${left}..${right}, not 0..${width}`);
}

const focusedLabel = (page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.id ?? '');
const focusInside = (page, selector) => page.evaluate((s) => !!document.activeElement?.closest(s), selector);

test('on a phone the chat fills the screen; channels and members are drawers; panels take the screen', async () => {
  const phone = await newDevice(browser, { viewport: PHONE, hasTouch: true });
  const p = phone.page;
  await register(p, 'Paula Phone');

  // Home: one column with a menu button; the rail and the conversations are in a closed drawer.
  await p.getByRole('heading', { name: 'Welcome, Paula Phone' }).waitFor();
  await fitsWidth(p, 'home');
  const homeMenu = p.getByRole('button', { name: 'Guilds and conversations', exact: true });
  assert.equal(await p.getByRole('navigation', { name: 'Guilds' }).isVisible(), false, 'the guild rail starts hidden');

  // The drawer opens from the header, takes focus, and Escape closes it and gives focus back.
  await homeMenu.click();
  assert.equal(await homeMenu.getAttribute('aria-expanded'), 'true');
  const rail = p.getByRole('navigation', { name: 'Guilds' });
  await rail.waitFor();
  await until(() => focusInside(p, '#nav-drawer'), 'focus moves into the drawer');
  await fitsWidth(p, 'home with the drawer open');
  await p.keyboard.press('Escape');
  await until(async () => (await homeMenu.getAttribute('aria-expanded')) === 'false', 'Escape closes the drawer');
  await until(async () => (await focusedLabel(p)) === 'Guilds and conversations', 'focus back on the menu button');
  await rail.waitFor({ state: 'hidden' });

  // A guild is created from the drawer; the drawer stays open on its channels.
  await homeMenu.click();
  await p.getByRole('button', { name: 'Create a guild' }).click();
  const guildName = `Phone ${Math.random().toString(36).slice(2, 6)}`;
  await p.getByLabel('Guild name').fill(guildName);
  await p.getByRole('button', { name: 'Create', exact: true }).click();
  await p.getByRole('heading', { name: 'general', level: 1 }).waitFor();
  const [, , guildId] = new URL(p.url()).pathname.split('/');
  const made = await apiCall(p, 'POST', `/api/guilds/${guildId}/channels`, { name: 'random', type: 'text', topic: 'Anything goes, and a topic long enough to be cut on a phone' });
  assert.equal(made.status, 201);
  const random = p.getByRole('link', { name: 'random (text channel)', exact: true });
  await random.waitFor({ timeout: LIVE });

  // A tap on the backdrop closes it.
  const menu = p.getByRole('button', { name: 'Guilds and channels', exact: true });
  assert.equal(await menu.getAttribute('aria-expanded'), 'true', 'the drawer stayed open on the new guild');
  await p.mouse.click(PHONE.width - 10, PHONE.height / 2);
  await until(async () => (await menu.getAttribute('aria-expanded')) === 'false', 'a backdrop tap closes the drawer');
  await random.waitFor({ state: 'hidden' });
  await fitsWidth(p, '#general');

  // Picking a channel in the drawer opens it and closes the drawer.
  await menu.click();
  await random.waitFor();
  await until(() => focusInside(p, '#nav-drawer'), 'focus on the current channel');
  await screenshot(p, 'mobile-drawer');
  await random.click();
  await p.getByRole('heading', { name: 'random', level: 1 }).waitFor();
  const randomPath = new URL(p.url()).pathname;
  await until(async () => (await menu.getAttribute('aria-expanded')) === 'false', 'picking a channel closes the drawer');
  await random.waitFor({ state: 'hidden' });

  // Chat in it.
  const composer = p.getByRole('textbox', { name: 'Message #random' });
  await composer.fill('Écrit depuis mon téléphone');
  await composer.press('Enter');
  const sent = p.getByRole('list', { name: 'Messages in #random' }).locator('[data-message-id]').filter({ hasText: 'Écrit depuis mon téléphone' });
  await sent.waitFor({ timeout: LIVE });
  await until(async () => !(await sent.getAttribute('class')).includes('pending'), 'message acknowledged', LIVE);
  await fullWidth(p.locator('main'), 'the chat');
  await fitsWidth(p, '#random with a message');
  await screenshot(p, 'mobile-chat');

  // The member list is the other drawer.
  const membersButton = p.getByRole('button', { name: 'Member list', exact: true });
  await membersButton.click();
  assert.equal(await membersButton.getAttribute('aria-expanded'), 'true');
  const members = p.locator('#member-drawer');
  await members.locator('[data-user-id]').filter({ hasText: 'Paula Phone' }).waitFor();
  await until(() => focusInside(p, '#member-drawer'), 'focus moves into the member list');
  await fitsWidth(p, 'member list open');
  await screenshot(p, 'mobile-members');
  const box = await members.boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width + 0.5, `the member drawer is on screen (${box.x}..${box.x + box.width})`);
  await p.keyboard.press('Escape');
  await until(async () => (await membersButton.getAttribute('aria-expanded')) === 'false', 'Escape closes the member list');
  await until(async () => (await focusedLabel(p)) === 'Member list', 'focus back on the member list button');

  // Swipes, as in Discord's app: rightwards for the channels, leftwards for the members, back to close.
  const cdp = await p.context().newCDPSession(p);
  const swipe = async (x0, x1, y0 = 400, y1 = y0) => {
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x: x0, y: y0 }] });
    for (let i = 1; i <= 5; i++) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x: x0 + ((x1 - x0) * i) / 5, y: y0 + ((y1 - y0) * i) / 5 }] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  };
  const expanded = (button, value, what) => until(async () => (await button.getAttribute('aria-expanded')) === value, what);
  await swipe(30, 250);
  await expanded(menu, 'true', 'a swipe to the right opens the channels');
  await random.waitFor();
  await swipe(280, 60);
  await expanded(menu, 'false', 'a swipe back closes them');
  await swipe(330, 100);
  await expanded(membersButton, 'true', 'a swipe to the left opens the members');
  await swipe(150, 360);
  await expanded(membersButton, 'false', 'a swipe back closes them');
  await swipe(60, 120, 200, 600);
  assert.equal(await menu.getAttribute('aria-expanded'), 'false', 'scrolling opens nothing');
  assert.equal(new URL(p.url()).pathname, randomPath, 'no swipe went back in the history');

  // Guild settings, opened from the drawer's guild menu, fit the phone; closing them leaves the drawer open.
  await menu.click();
  await p.getByRole('button', { name: guildName, exact: true }).click();
  await p.getByRole('menuitem', { name: 'Guild Settings' }).click();
  const guildSettings = p.getByRole('dialog', { name: 'Guild settings' });
  await guildSettings.getByRole('heading', { name: 'Guild Overview' }).waitFor();
  await fitsWidth(p, 'guild settings');
  // The roles page puts its list above the editor, which gets the screen's width, not a sliver.
  await guildSettings.getByRole('button', { name: 'Roles', exact: true }).click();
  await guildSettings.getByRole('button', { name: '@everyone' }).click();
  const editor = guildSettings.getByRole('form', { name: 'Edit role @everyone' });
  const editorBox = await editor.boundingBox();
  assert.ok(editorBox && editorBox.width >= PHONE.width - 40, `the role editor is ${editorBox?.width}px wide on a ${PHONE.width}px screen`);
  await fitsWidth(p, 'guild settings, roles');
  await p.getByRole('button', { name: 'Close guild settings' }).click();
  await guildSettings.waitFor({ state: 'hidden' });
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');

  // So do the user settings, behind the gear of the drawer's account panel.
  await p.getByRole('link', { name: 'User settings' }).click();
  await p.getByRole('heading', { name: 'My Account' }).waitFor();
  await fitsWidth(p, 'user settings');
  await p.goBack();
  await composer.waitFor();

  // Threads take the screen, with focus on their close button, and give focus back when closed.
  const threads = p.getByRole('button', { name: 'Threads' });
  await threads.click();
  const threadPanel = p.getByRole('complementary', { name: 'Threads' });
  await threadPanel.waitFor();
  await fullWidth(threadPanel, 'the thread panel');
  await until(async () => (await focusedLabel(p)) === 'Close threads', 'focus on "Close threads"');
  assert.equal(await composer.isVisible(), false, 'the chat is covered');
  await fitsWidth(p, 'threads open');
  await p.getByRole('button', { name: 'Close threads' }).click();
  await threadPanel.waitFor({ state: 'detached' });
  await until(async () => (await focusedLabel(p)) === 'Threads', 'focus back on the Threads button');
  await composer.waitFor();

  // Search folds into a button; its results take the screen.
  const searchButton = p.getByRole('button', { name: 'Search messages' });
  await searchButton.click();
  const searchBox = p.getByRole('searchbox', { name: 'Search messages' });
  await until(async () => (await searchBox.evaluate((e) => e === document.activeElement)), 'the search field takes focus');
  await searchBox.fill('téléphone');
  await searchBox.press('Enter');
  const results = p.getByRole('complementary', { name: 'Search results' });
  await results.waitFor();
  await fullWidth(results, 'the search results');
  await fitsWidth(p, 'search results');
  await p.getByRole('button', { name: 'Close search' }).click();
  await results.waitFor({ state: 'detached' });
  await until(async () => (await focusedLabel(p)) === 'Search messages', 'focus back on the search button');

  // Pins too, with a close button of their own.
  await p.getByRole('button', { name: 'Pinned messages' }).click();
  const pins = p.getByRole('dialog', { name: 'Pinned messages in #random' });
  await pins.waitFor();
  await fullWidth(pins, 'the pins');
  await until(async () => (await focusedLabel(p)) === 'Close pinned messages', 'focus on "Close pinned messages"');
  await p.getByRole('button', { name: 'Close pinned messages' }).click();
  await pins.waitFor({ state: 'detached' });
  await composer.waitFor();

  // The narrowest phones in use: still no sideways scroll, drawer included.
  await p.setViewportSize({ width: 360, height: 740 });
  await fitsWidth(p, '#random at 360px');
  await menu.click();
  await random.waitFor();
  await fitsWidth(p, 'the drawer at 360px');
  await p.keyboard.press('Escape');
  await random.waitFor({ state: 'hidden' });

  // Wider again, the columns come back and the drawer buttons go away.
  await p.setViewportSize({ width: 1280, height: 800 });
  await p.getByRole('navigation', { name: 'Guilds' }).waitFor();
  await p.getByRole('complementary', { name: 'Members' }).waitFor();
  assert.equal(await menu.isVisible(), false, 'no menu button on a wide screen');
  assert.equal(await membersButton.isVisible(), false, 'no member list button on a wide screen');
  await p.getByRole('searchbox', { name: 'Search messages' }).waitFor();
  phone.assertClean();
});

test('on a phone the role editor keeps its actions on one line, labels unbroken, inside the screen', async () => {
  const phone = await newDevice(browser, { viewport: PHONE, hasTouch: true });
  const p = phone.page;
  await register(p, 'Rita Roles');
  const guild = await apiCall(p, 'POST', '/api/guilds', { name: 'Phone roles' });
  await p.goto(`${BASE_URL}/channels/${guild.body.id}`);
  await p.getByRole('button', { name: 'Guilds and channels', exact: true }).click();
  await p.getByRole('button', { name: 'Phone roles', exact: true }).click();
  await p.getByRole('menuitem', { name: 'Guild Settings' }).click();
  const settings = p.getByRole('dialog', { name: 'Guild settings' });
  await settings.getByRole('button', { name: 'Roles', exact: true }).click();
  await settings.getByRole('button', { name: 'Create Role' }).click();
  await settings.getByLabel('Role name').fill('Night moderators');
  const actions = ['Delete Role', 'Reset', 'Save Changes'].map((name) => settings.getByRole('button', { name, exact: true }));
  const boxes = await Promise.all(actions.map((a) => a.evaluate((e) => e.getBoundingClientRect().toJSON())));
  const lineHeight = await actions[2].evaluate((e) => parseFloat(getComputedStyle(e).lineHeight) || 20);
  for (const [i, b] of boxes.entries()) {
    assert.ok(Math.abs(b.top - boxes[0].top) < 1, `action ${i} is on the first action's line: ${JSON.stringify(boxes)}`);
    assert.ok(b.height < 2 * lineHeight, `action ${i} has a one-line label: ${JSON.stringify(b)}`);
  }
  await fitsWidth(p, 'the role editor');
  phone.assertClean();
});

test('on a phone, direct messages: conversations in the drawer, a conversation that fills the screen', { skip: dmSkip }, async () => {
  const desk = await newDevice(browser);
  const bobName = randomUsername();
  await register(desk.page, 'Bob Brisk', { username: bobName });
  await dmReady(desk.page, 30_000);
  const phone = await newDevice(browser, { viewport: PHONE, hasTouch: true });
  const p = phone.page;
  await register(p, 'Paula Phone');
  await dmReady(p, 30_000);

  // Starting a conversation from the drawer opens it and closes the drawer.
  const menu = p.getByRole('button', { name: 'Guilds and conversations', exact: true });
  await menu.click();
  const id = await startConversation(p, [bobName], { timeout: 30_000 });
  await until(async () => (await menu.getAttribute('aria-expanded')) === 'false', 'starting a conversation closes the drawer');
  await p.getByTestId('dm-title').filter({ hasText: 'Bob Brisk' }).waitFor();
  const composer = p.getByRole('textbox', { name: /^Message @/ });
  await composer.fill('Coucou depuis le téléphone');
  await composer.press('Enter');
  await p.getByTestId('dm-messages').getByText('Coucou depuis le téléphone').waitFor({ timeout: LIVE });
  await fullWidth(p.locator('main'), 'the conversation');
  await fitsWidth(p, 'a conversation');

  // Search opens over the header from its button, and its results fit the screen.
  await p.getByRole('button', { name: 'Open search' }).click();
  const box = p.getByRole('searchbox', { name: 'Search direct messages' });
  await box.fill('téléphone');
  await box.press('Enter');
  await p.getByTestId('dm-search-results').getByRole('heading', { name: '1 result' }).waitFor();
  await fitsWidth(p, 'search results in a conversation');
  await p.getByTestId('dm-search-results').getByRole('button', { name: 'Close search' }).click();
  await box.press('Escape');
  await p.getByTestId('dm-title').filter({ hasText: 'Bob Brisk' }).waitFor();

  // Bob reads it on his computer.
  await openConversation(desk.page, id, 30_000);
  await desk.page.getByTestId('dm-messages').getByText('Coucou depuis le téléphone').waitFor({ timeout: 30_000 });

  // Back in the drawer, focus is on the open conversation; picking it closes the drawer.
  await menu.click();
  await until(() => p.evaluate((id) => document.activeElement?.getAttribute('data-conversation-id') === id, id), 'focus on the open conversation');
  await fitsWidth(p, 'the conversations drawer');
  await p.locator(`[data-conversation-id="${id}"]`).click();
  await until(async () => (await menu.getAttribute('aria-expanded')) === 'false', 'picking a conversation closes the drawer');
  await composer.waitFor();
  desk.assertClean();
  phone.assertClean();
});
