// What a person expects of a chat left open or half-written: a background tab does not mark
// messages read and its title counts the mentions waiting; unsent text survives switching channels
// and reloading (and goes at sign-out); a pasted image is attached. Runs against BASE_URL (the real
// stack; the mock has no read states or uploads).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  acceptInvite, apiCall, BASE_URL, controllableVisibility, createGuild, launch, mockLacks, newDevice, notes, png, recordedNotifications, register, screenshot, setHidden, until,
} from './browser.mjs';

const LIVE = 10_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const list = (page, channel = 'general') => page.getByRole('list', { name: `Messages in #${channel}` });
const row = (page, text, channel = 'general') => list(page, channel).locator('[data-message-id]').filter({ hasText: text });
const composer = (page, channel = 'general') => page.getByRole('textbox', { name: `Message #${channel}` });
const channelLink = (page, name) => page.getByRole('navigation', { name: 'Channels' }).locator('a', { has: page.locator('.cname', { hasText: new RegExp(`^${name}$`) }) });

/** Alice's guild with #general and #random, Bob a member on #general. */
async function twoMembers() {
  const alice = await newDevice(browser);
  const a = alice.page;
  await register(a, 'Alice Ardent');
  const guildName = `Attention ${Math.random().toString(36).slice(2, 6)}`;
  const { guildId, generalId } = await createGuild(a, guildName);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  // Above #general in the list: Bob still lands in the invite's channel.
  const random = await apiCall(a, 'POST', `/api/guilds/${guildId}/channels`, { name: 'random', type: 'text' });
  assert.equal(random.status, 201);

  const bob = await newDevice(browser);
  await controllableVisibility(bob.context);
  await recordedNotifications(bob.context);
  const b = bob.page;
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  const bobId = (await apiCall(b, 'GET', '/api/users/@me')).body.id;
  return { alice, a, bob, b, guildName, guildId, generalId, randomId: random.body.id, bobId };
}

const send = (page, channelId, content) => apiCall(page, 'POST', '/api/messages', { channelId, content });
const readState = async (page, channelId) => (await apiCall(page, 'GET', '/api/users/@me/read-states')).body.readStates.find((r) => r.channelId === channelId);

test('a channel open in a background tab stays unread, and the title counts the mentions waiting', { skip: mockLacks('read states') }, async () => {
  const { alice, a, bob, b, guildName, generalId, randomId, bobId } = await twoMembers();
  const title = `#general · ${guildName} · LesCopains`;
  await until(async () => (await b.title()) === title, 'the channel in the title', LIVE);

  // Bob's tab goes to the background with #general open; Alice mentions him there.
  await setHidden(b, true);
  assert.equal((await send(a, generalId, `<@${bobId}> are you there?`)).status, 201);
  await row(b, 'are you there?').waitFor({ timeout: LIVE });
  await until(async () => (await b.title()) === `(1) ${title}`, 'the mention counted in the title', LIVE);
  // It stays unread on the server too (his phone would show it): no acknowledgement went out.
  await new Promise((r) => setTimeout(r, 2_500));
  assert.deepEqual(
    (({ unread, mentions }) => ({ unread, mentions }))(await readState(b, generalId)),
    { unread: 1, mentions: 1 },
    'a hidden tab does not mark the open channel read',
  );

  // Bob comes back: the title clears and the channel is read, here and on the server.
  await setHidden(b, false);
  await until(async () => (await b.title()) === title, 'the count gone once the tab is seen', LIVE);
  await until(async () => (await readState(b, generalId))?.unread === 0, 'the channel read on the server', LIVE);
  // A "New" line marks where he left off: right above the message that came while he was away.
  const line = list(b).getByRole('separator', { name: 'New messages' });
  await line.waitFor({ timeout: LIVE });
  assert.match(await line.evaluate((el) => el.nextElementSibling?.textContent ?? ''), /are you there\?/);
  await screenshot(b, 'new-messages-line', list(b));

  // A mention in another channel counts while he stays on #general, and clears when he opens it.
  assert.equal((await send(a, randomId, `<@${bobId}> over here`)).status, 201);
  await until(async () => (await b.title()) === `(1) ${title}`, 'a mention elsewhere counted', LIVE);
  await channelLink(b, 'random').click();
  await until(async () => (await b.title()) === `#random · ${guildName} · LesCopains`, 'read once opened', LIVE);
  // A channel never read before: the line goes above its one unread message.
  await list(b, 'random').getByRole('separator', { name: 'New messages' }).waitFor({ timeout: LIVE });

  // A thread open in the side panel is on screen too: a mention there is read, not counted.
  await channelLink(b, 'general').click();
  await row(b, 'are you there?').waitFor({ timeout: LIVE });
  assert.equal(await list(b).getByRole('separator', { name: 'New messages' }).count(), 0, 'the line goes once the channel is left');
  const starter = (await send(a, generalId, 'Picnic on Sunday?')).body;
  const thread = await apiCall(a, 'POST', `/api/channels/${generalId}/threads`, { name: 'Picnic', messageId: starter.id });
  assert.equal(thread.status, 201);
  await row(b, 'Picnic on Sunday?').getByRole('button', { name: 'Open thread Picnic' }).click();
  const panel = b.getByRole('complementary', { name: 'Threads', exact: true });
  await panel.getByRole('heading', { name: 'Picnic', level: 2 }).first().waitFor();
  assert.equal((await send(a, thread.body.id, `<@${bobId}> bring bread`)).status, 201);
  await panel.getByRole('list', { name: 'Messages in #Picnic' }).getByText('bring bread').waitFor({ timeout: LIVE });
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(await b.title(), title, 'a mention in the open thread is not waiting');

  // "Mark As Read" in the guild menu clears the guild: here, on the server, and the menu item goes.
  await send(a, randomId, `<@${bobId}> one more`);
  await until(async () => (await b.title()) === `(1) ${title}`, 'a mention waiting in #random', LIVE);
  await b.getByRole('button', { name: guildName, exact: true }).click();
  await b.getByRole('menuitem', { name: 'Mark As Read' }).click();
  await until(async () => (await b.title()) === title, 'nothing waiting after Mark As Read', LIVE);
  assert.equal((await readState(b, randomId)).unread, 0);
  assert.doesNotMatch((await channelLink(b, 'random').getAttribute('aria-label')) ?? '', /unread|mention/);
  await b.getByRole('button', { name: guildName, exact: true }).click();
  await b.getByRole('menuitem', { name: 'Invite People' }).waitFor();
  assert.equal(await b.getByRole('menuitem', { name: 'Mark As Read' }).count(), 0, 'nothing left to mark');
  await b.keyboard.press('Escape');

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('unsent text stays with its channel across switches and reloads, and goes at sign-out', { skip: mockLacks('channels') }, async () => {
  const { alice, a, bob, b, bobId } = await twoMembers();

  await composer(b).fill('half a thought');
  await channelLink(b, 'random').click();
  assert.equal(await composer(b, 'random').inputValue(), '', 'another channel has its own draft');
  await composer(b, 'random').fill('line one\nline two');
  await channelLink(b, 'general').click();
  assert.equal(await composer(b).inputValue(), 'half a thought');

  // A reload (or a crash of the tab) keeps both.
  await new Promise((r) => setTimeout(r, 600));
  await b.reload();
  await composer(b).waitFor();
  assert.equal(await composer(b).inputValue(), 'half a thought');
  await channelLink(b, 'random').click();
  assert.equal(await composer(b, 'random').inputValue(), 'line one\nline two');
  await screenshot(b, 'composer-draft');

  // Sending clears the draft for good.
  await composer(b, 'random').press('Enter');
  await row(b, 'line two', 'random').waitFor({ timeout: LIVE });
  assert.equal(await composer(b, 'random').inputValue(), '');
  await b.reload();
  await composer(b, 'random').waitFor();
  assert.equal(await composer(b, 'random').inputValue(), '');

  // Up in the empty composer edits his newest message.
  const sentId = await row(b, 'line two', 'random').getAttribute('data-message-id');
  await composer(b, 'random').press('ArrowUp');
  const editor = list(b, 'random').locator(`[data-message-id="${sentId}"]`).getByRole('textbox');
  await editor.waitFor({ timeout: LIVE });
  assert.equal(await editor.inputValue(), 'line one\nline two');
  await editor.fill('line one, edited');
  await editor.press('Enter');
  await row(b, 'line one, edited', 'random').getByText('(edited)').waitFor({ timeout: LIVE });

  // Signing out removes what this account left in the browser.
  const key = `lescopains.drafts.${bobId}`;
  assert.ok(await b.evaluate((k) => localStorage.getItem(k)?.includes('half a thought'), key));
  await b.getByRole('button', { name: 'Log out' }).click();
  await b.getByRole('heading', { name: 'Welcome back!' }).waitFor();
  assert.equal(await b.evaluate((k) => localStorage.getItem(k), key), null);

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('an image pasted into the composer is attached; text pasted with a picture of it stays text', { skip: mockLacks('uploads') }, async () => {
  const { alice, a, bob, b } = await twoMembers();

  const paste = (page, files, text) =>
    page.evaluate(
      ([files, text]) => {
        const dt = new DataTransfer();
        for (const f of files) {
          dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
        }
        if (text) {
          dt.setData('text/plain', text);
        }
        const e = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
        document.activeElement.dispatchEvent(e);
        return e.defaultPrevented;
      },
      [files, text],
    );
  const shot = { name: 'image.png', type: 'image/png', bytes: [...png(320, 200, 60)] };

  // A spreadsheet's copy: text and a picture of the cells. The text is what is pasted.
  await composer(b).focus();
  assert.equal(await paste(b, [shot], 'A1\tB1'), false, 'the browser pastes the text');
  assert.equal(await b.getByRole('list', { name: 'Files to send' }).count(), 0);

  // A screenshot: attached, uploaded, sent with the text.
  assert.equal(await paste(b, [shot], ''), true);
  const tray = b.getByRole('list', { name: 'Files to send' });
  await until(async () => (await tray.getByText('Ready').count()) === 1, 'the pasted image uploaded', LIVE);
  await composer(b).fill('Look at this');
  await composer(b).press('Enter');
  for (const page of [a, b]) {
    await row(page, 'Look at this').getByRole('img', { name: 'image.png' }).waitFor({ timeout: LIVE });
  }

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('mentions raise a desktop notification when switched on and the person is elsewhere, never in Do Not Disturb', { skip: mockLacks('mentions') }, async () => {
  const { alice, a, bob, b, guildName, guildId, generalId, randomId, bobId } = await twoMembers();

  // Nothing before the person switches it on (the browser is never asked unprompted).
  await setHidden(b, true);
  await send(a, generalId, `<@${bobId}> first`);
  await row(b, 'first').waitFor({ timeout: LIVE });
  assert.deepEqual(await notes(b), []);
  assert.equal(await b.evaluate(() => Notification.permission), 'default');
  await setHidden(b, false);

  await b.goto(`${BASE_URL}/settings/notifications`);
  const toggle = b.getByRole('checkbox', { name: /Desktop notifications/ });
  await toggle.check();
  await until(async () => await b.getByRole('checkbox', { name: /Show the message/ }).isEnabled(), 'switched on', LIVE);
  await screenshot(b, 'settings-notifications');
  await b.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await composer(b).waitFor();
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });

  // Elsewhere: a mention is notified with who, where and the text (mentions by name); a plain
  // message is not.
  await setHidden(b, true);
  await send(a, generalId, 'no mention here');
  const mention = (await send(a, generalId, `<@${bobId}> lunch at noon?`)).body;
  await until(async () => (await notes(b)).length === 1, 'one notification', LIVE);
  assert.deepEqual(await notes(b), [{ title: `Alice Ardent (#general, ${guildName})`, body: '@Bob Brisk lunch at noon?', tag: `message:${mention.id}` }]);

  // Its click brings the tab to the channel.
  await send(a, randomId, `<@${bobId}> come to random`);
  await until(async () => (await notes(b)).length === 2, 'the second notification', LIVE);
  await b.evaluate(() => window.__notes[1].onclick());
  await b.waitForURL(`${BASE_URL}/channels/${guildId}/${randomId}`);

  // Do Not Disturb: nothing.
  await setHidden(b, false);
  await b.getByTestId('status-button').click();
  await b.getByRole('menuitemradio', { name: 'Do Not Disturb' }).click();
  await until(async () => (await b.getByTestId('status-button').getAttribute('title'))?.includes('Do Not Disturb'), 'status set', LIVE);
  await setHidden(b, true);
  const waiting = async () => Number(/^\((\d+)\)/.exec(await b.title())?.[1] ?? 0);
  const before = await waiting();
  await send(a, generalId, `<@${bobId}> are you busy?`);
  await until(async () => (await waiting()) === before + 1, 'the mention arrived', LIVE);
  await new Promise((r) => setTimeout(r, 500));
  assert.equal((await notes(b)).length, 2, 'no notification in Do Not Disturb');

  // Online again, with the text left out by choice.
  await setHidden(b, false);
  await b.getByTestId('status-button').click();
  await b.getByRole('menuitemradio', { name: 'Online' }).click();
  await until(async () => (await b.getByTestId('status-button').getAttribute('title'))?.includes('Online'), 'status set', LIVE);
  await b.goto(`${BASE_URL}/settings/notifications`);
  await b.getByRole('checkbox', { name: /Show the message/ }).uncheck();
  await b.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await setHidden(b, true);
  await send(a, generalId, `<@${bobId}> the secret is 42`);
  // (This page load started a new record.)
  await until(async () => (await notes(b)).length === 1, 'the third notification', LIVE);
  assert.deepEqual((await notes(b))[0], { title: `Alice Ardent (#general, ${guildName})`, body: 'Mentioned you', tag: (await notes(b))[0].tag });

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('a reply mentions the author it answers, unless the reply bar says "@ OFF"', { skip: mockLacks('mentions') }, async () => {
  const { alice, a, bob, b, generalId, bobId } = await twoMembers();
  const question = (await send(b, generalId, 'Who wants pizza?')).body;
  await channelLink(b, 'random').click();
  await composer(b, 'random').waitFor();
  const asked = list(a).locator(`[data-message-id="${question.id}"]`);

  // Alice answers through Reply: Bob is mentioned (his count, the highlight he would see).
  await asked.hover();
  await asked.getByRole('button', { name: 'Reply' }).click();
  const ping = a.getByRole('button', { name: 'Mention Bob Brisk' });
  assert.equal(await ping.getAttribute('aria-pressed'), 'true');
  await screenshot(a, 'reply-mention-toggle', a.locator('form.composer'));
  await composer(a).fill('Me!');
  await composer(a).press('Enter');
  await until(async () => (await readState(b, generalId))?.mentions === 1, 'the reply counted as a mention', LIVE);
  const reply = (await apiCall(b, 'GET', `/api/channels/${generalId}/messages?limit=5`)).body.messages.find((m) => m.content === 'Me!');
  assert.deepEqual(reply.mentions, [bobId]);
  assert.equal(reply.replyTo, question.id);

  // "@ OFF": a reply that does not mention him.
  await asked.hover();
  await asked.getByRole('button', { name: 'Reply' }).click();
  await ping.click();
  assert.equal(await ping.getAttribute('aria-pressed'), 'false');
  await composer(a).fill('Me too, quietly');
  await composer(a).press('Enter');
  await until(async () => (await readState(b, generalId))?.unread === 2, 'the second reply arrived', LIVE);
  assert.equal((await readState(b, generalId)).mentions, 1, 'no mention with "@ OFF"');
  // The next reply mentions again by default.
  await asked.hover();
  await asked.getByRole('button', { name: 'Reply' }).click();
  assert.equal(await ping.getAttribute('aria-pressed'), 'true');

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('a message link opens its channel around the message, also inside a thread; a pasted one opens in place', { skip: mockLacks('threads') }, async () => {
  const { alice, a, bob, b, guildId, generalId, randomId } = await twoMembers();
  await bob.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE_URL });

  // The message is older than the first page of #general (50).
  const statuses = await a.evaluate(async (channelId) => {
    const { accessToken } = JSON.parse(localStorage.getItem('lescopains.session'));
    const out = [];
    for (let i = 1; i <= 60; i++) {
      const res = await fetch('/api/messages', {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channelId, content: i === 1 ? 'The plan, in one place' : `Chatter ${i}`, nonce: `link-${i}` }),
      });
      out.push(res.status);
    }
    return out;
  }, generalId);
  assert.ok(statuses.every((s) => s === 201), `seeded: ${statuses.join()}`);
  await row(b, 'Chatter 60').waitFor({ timeout: LIVE });
  await b.reload();
  await row(b, 'Chatter 60').waitFor({ timeout: LIVE });
  assert.equal(await row(b, 'The plan, in one place').count(), 0, 'not on the first page');

  // Bob scrolls up to it and copies its link from the message's actions.
  const plan = (await apiCall(b, 'GET', `/api/channels/${generalId}/messages?limit=100`)).body.messages.find((m) => m.content === 'The plan, in one place');
  await b.evaluate(async () => {
    for (let i = 0; i < 10 && !document.querySelector('[data-message-id] .content')?.textContent?.includes('The plan'); i++) {
      document.querySelector('.scroller').scrollTop = 0;
      await new Promise((r) => setTimeout(r, 300));
    }
  });
  const target = list(b).locator(`[data-message-id="${plan.id}"]`);
  await target.waitFor({ timeout: LIVE });
  await target.hover();
  await target.getByRole('button', { name: 'Copy message link' }).click();
  await b.getByRole('status').filter({ hasText: 'Link copied' }).waitFor();
  const link = await b.evaluate(() => navigator.clipboard.readText());
  assert.equal(link, `${BASE_URL}/channels/${guildId}/${generalId}/${plan.id}`);

  // Opened in a new tab (a fresh page load), the link shows the message, far back in the history.
  const tab = await bob.context.newPage();
  await tab.goto(link);
  await list(tab).locator(`[data-message-id="${plan.id}"]`).waitFor({ timeout: LIVE });
  await until(async () => await list(tab).locator(`[data-message-id="${plan.id}"]`).isVisible(), 'the message in view', LIVE);
  assert.equal(new URL(tab.url()).pathname, `/channels/${guildId}/${generalId}`, 'the address becomes the channel');
  await tab.close();

  // A link to a message inside a thread opens the parent and the thread panel around it.
  const thread = (await apiCall(a, 'POST', `/api/channels/${generalId}/threads`, { name: 'Logistics' })).body;
  const inThread = (await send(a, thread.id, 'Bring the map')).body;
  await b.goto(`${BASE_URL}/channels/${guildId}/${thread.id}/${inThread.id}`);
  const panel = b.getByRole('complementary', { name: 'Threads', exact: true });
  await panel.getByRole('list', { name: 'Messages in #Logistics' }).locator(`[data-message-id="${inThread.id}"]`).waitFor({ timeout: LIVE });
  assert.equal(new URL(b.url()).pathname, `/channels/${guildId}/${generalId}`);

  // A link into a guild Bob is not in ends on his home screen.
  await b.goto(`${BASE_URL}/channels/${thread.id}/${generalId}/${plan.id}`);
  await b.waitForURL(`${BASE_URL}/`);
  await b.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);

  // Pasted into a message, the link opens in place (same tab, no reload).
  await send(a, randomId, `See ${link}`);
  await channelLink(b, 'random').click();
  const pasted = row(b, 'See ', 'random').getByRole('link');
  await pasted.waitFor({ timeout: LIVE });
  assert.equal(await pasted.getAttribute('target'), null);
  await b.evaluate(() => (window.__samePage = true));
  await pasted.click();
  await list(b).locator(`[data-message-id="${plan.id}"]`).waitFor({ timeout: LIVE });
  assert.equal(await b.evaluate(() => window.__samePage), true, 'no page load');

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('a mention in a thread counts on its parent channel, survives a reload, and shows on the thread in the list until read', { skip: mockLacks('threads') }, async () => {
  const { alice, a, bob, b, generalId, bobId } = await twoMembers();
  const link = (name) => channelLink(b, name);
  await link('random').click();
  await composer(b, 'random').waitFor();

  const thread = (await apiCall(a, 'POST', `/api/channels/${generalId}/threads`, { name: 'Plans' })).body;
  await send(a, thread.id, 'chatter nobody follows');
  await until(async () => !/unread/.test((await link('general').getAttribute('aria-label')) ?? ''), 'a thread never read is not unread for chatter', LIVE);
  await send(a, thread.id, `<@${bobId}> can you bring chairs?`);
  await until(async () => /unread, 1 mention/.test((await link('general').getAttribute('aria-label')) ?? ''), 'the thread mention on #general', LIVE);

  // After a reload the server's read states still carry it (threads have read states now).
  await b.reload();
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await until(async () => /unread, 1 mention/.test((await link('general').getAttribute('aria-label')) ?? ''), 'the mention kept after a reload', LIVE);

  // The thread list marks it; opening the thread reads it everywhere.
  await link('general').click();
  await b.getByRole('button', { name: 'Threads', exact: true }).click();
  const panel = b.getByRole('complementary', { name: 'Threads', exact: true });
  const card = panel.getByRole('button', { name: /Plans.*1 mention/ });
  await card.waitFor({ timeout: LIVE });
  await screenshot(b, 'thread-unread');
  await card.click();
  await panel.getByText('can you bring chairs?').waitFor({ timeout: LIVE });
  await until(async () => (await readState(b, thread.id))?.mentions === 0, 'the thread read on the server', LIVE);
  await until(async () => !/mention/.test((await link('general').getAttribute('aria-label')) ?? ''), 'the mention gone from #general', LIVE);

  // Read once, the thread is followed: later chatter makes it (and #general) unread.
  await link('random').click();
  await composer(b, 'random').waitFor();
  await send(a, thread.id, 'more chatter');
  await until(async () => /unread/.test((await link('general').getAttribute('aria-label')) ?? ''), 'a read thread\'s chatter counts', LIVE);
  assert.equal((await readState(b, thread.id)).unread, 1);

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('a channel opened far below its first unread message offers a bar: jump to the "New" line, or mark as read', { skip: mockLacks('read states') }, async () => {
  const { alice, a, bob, b, randomId } = await twoMembers();
  // Bob is on #general; Alice writes 40 two-line messages in #random (more than a screen).
  for (let i = 1; i <= 40; i++) {
    assert.equal((await send(a, randomId, `filler ${i}\nsecond line`)).status, 201);
  }
  await until(async () => /unread/.test((await channelLink(b, 'random').getAttribute('aria-label')) ?? ''), '#random unread', LIVE);
  await channelLink(b, 'random').click();
  await row(b, 'filler 40', 'random').waitFor({ timeout: LIVE });

  const bar = b.getByRole('button', { name: /^40 new messages since \S/ });
  await bar.waitFor({ timeout: LIVE });
  await screenshot(b, 'new-messages-bar');
  const line = list(b, 'random').getByRole('separator', { name: 'New messages' });
  const inView = () =>
    line.evaluate((el) => {
      const r = el.getBoundingClientRect();
      const s = el.closest('.scroller').getBoundingClientRect();
      return r.top >= s.top && r.bottom <= s.bottom;
    });
  assert.equal(await inView(), false, 'the line is above the view');

  // The bar jumps to the line, and goes while the line is in view.
  await bar.click();
  await until(inView, 'the New line in view', LIVE);
  await until(async () => (await bar.count()) === 0, 'the bar gone', LIVE);

  // Back at the newest messages it is offered again; Mark As Read removes line and bar.
  await line.evaluate((el) => {
    const scroller = el.closest('.scroller');
    scroller.scrollTop = scroller.scrollHeight;
  });
  await bar.waitFor({ timeout: LIVE });
  await b.getByRole('button', { name: 'Mark As Read' }).click();
  await until(async () => (await line.count()) === 0 && (await bar.count()) === 0, 'the line and the bar gone', LIVE);

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('Ctrl+K opens the quick switcher: what waits first, then any channel or guild by name', { skip: mockLacks('read states') }, async () => {
  const { alice, a, bob, b, guildId, guildName, generalId, randomId, bobId } = await twoMembers();
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await send(a, randomId, `<@${bobId}> over here`);
  await until(async () => /1 mention/.test((await channelLink(b, 'random').getAttribute('aria-label')) ?? ''), 'the mention in #random', LIVE);

  await composer(b).click();
  await b.keyboard.press('Control+K');
  const dialog = b.getByRole('dialog', { name: 'Quick switcher' });
  const box = dialog.getByRole('combobox', { name: 'Channel, conversation or guild name' });
  await box.waitFor({ timeout: LIVE });
  assert.equal(await box.evaluate((el) => el === document.activeElement), true, 'the text box has the focus');
  // Without text: what waits for Bob.
  const options = dialog.getByRole('option');
  await until(async () => (await options.first().getAttribute('aria-label'))?.startsWith('random (text channel in'), '#random first', LIVE);
  assert.match((await options.first().getAttribute('aria-label')) ?? '', /1 mention$/);
  await screenshot(b, 'quick-switcher');

  // By name, with the keyboard: "gen" lists #general first, then the voice channel General.
  await box.fill('gen');
  await until(async () => (await options.count()) === 2, 'two matches', LIVE);
  assert.match((await options.nth(0).getAttribute('aria-label')) ?? '', /^general \(text channel/);
  assert.match((await options.nth(1).getAttribute('aria-label')) ?? '', /^General \(voice channel/);
  await box.press('ArrowDown');
  assert.equal(await options.nth(1).getAttribute('aria-selected'), 'true');
  await box.press('ArrowUp');
  await box.press('Enter');
  await b.waitForURL(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await until(async () => !(await dialog.isVisible()), 'closed', LIVE);

  // "*" keeps guilds.
  await b.keyboard.press('Control+K');
  await box.waitFor({ timeout: LIVE });
  await box.fill(`*${guildName.slice(0, 6)}`);
  await until(async () => (await options.count()) === 1, 'the guild', LIVE);
  await box.press('Enter');
  await until(async () => !(await dialog.isVisible()), 'closed', LIVE);
  assert.ok(new URL(b.url()).pathname.startsWith(`/channels/${guildId}`));

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('notification settings: a muted channel shows no unread mark, suppressed @everyone counts for nothing, "All messages" notifies every message', { skip: mockLacks('notification settings') }, async () => {
  const { alice, a, bob, b, guildName, guildId, generalId, randomId, bobId } = await twoMembers();
  const link = (name) => channelLink(b, name);
  const waiting = async () => Number(/^\((\d+)\)/.exec(await b.title())?.[1] ?? 0);

  // Desktop notifications on (this browser's switch).
  await b.goto(`${BASE_URL}/settings/notifications`);
  await b.getByRole('checkbox', { name: /Desktop notifications/ }).check();
  await until(async () => await b.getByRole('checkbox', { name: /Show the message/ }).isEnabled(), 'switched on', LIVE);
  await b.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });

  // The guild's settings, from its menu: suppress @everyone and @here, notify all messages.
  await b.getByRole('button', { name: guildName }).first().click();
  await b.getByRole('menuitem', { name: 'Notification Settings' }).click();
  const dialog = b.getByRole('dialog', { name: 'Notification settings' });
  await dialog.getByRole('radio', { name: /All messages/ }).check();
  await until(async () => (await dialog.getByRole('status').textContent())?.includes('All messages'), 'the level saved', LIVE);
  await dialog.getByRole('checkbox', { name: /Suppress @everyone and @here/ }).check();
  await until(async () => (await dialog.getByRole('status').textContent())?.includes('suppressed'), 'the suppression saved', LIVE);
  await screenshot(b, 'notification-settings');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // @everyone in #random: unread, but no mention (no badge, no count in the title, not on the server).
  await send(a, randomId, '@everyone standup in five');
  await until(async () => /unread/.test((await link('random').getAttribute('aria-label')) ?? ''), '#random unread', LIVE);
  assert.doesNotMatch((await link('random').getAttribute('aria-label')) ?? '', /mention/);
  assert.equal(await waiting(), 0);
  assert.equal((await readState(b, randomId)).mentions, 0);
  // Bob's name still counts.
  await send(a, randomId, `<@${bobId}> you too`);
  await until(async () => /1 mention/.test((await link('random').getAttribute('aria-label')) ?? ''), 'the mention by name counted', LIVE);

  // #random muted for an hour, from its header's bell.
  await link('random').click();
  await b.getByRole('button', { name: 'Notification settings for #random' }).click();
  await dialog.getByLabel('Mute #random').selectOption({ label: 'For 1 hour' });
  await until(async () => (await dialog.getByRole('status').textContent())?.includes('muted'), 'the mute saved', LIVE);
  assert.match((await dialog.getByLabel('Mute #random').locator('option:checked').textContent()) ?? '', /^Muted until/);
  await screenshot(b, 'notification-settings-channel');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await b.getByRole('button', { name: 'Notification settings for #random (muted)' }).waitFor({ timeout: LIVE });
  await link('general').click();
  await composer(b).waitFor();

  // Hidden tab, level "all": a plain message in #general is notified; one in the muted #random is
  // neither notified nor marked unread.
  await setHidden(b, true);
  await send(a, randomId, 'quiet in random');
  const plain = (await send(a, generalId, 'pizza tonight')).body;
  await until(async () => (await notes(b)).some((n) => n.tag === `message:${plain.id}`), 'the plain message notified', LIVE);
  assert.deepEqual((await notes(b)).map((n) => n.body), ['pizza tonight']);
  assert.match((await link('random').getAttribute('aria-label')) ?? '', /, muted/);
  assert.doesNotMatch((await link('random').getAttribute('aria-label')) ?? '', /unread/);
  await setHidden(b, false);

  // The settings are the account's: a reload (or another device) finds them.
  await b.reload();
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await until(async () => /, muted/.test((await link('random').getAttribute('aria-label')) ?? ''), '#random still muted after a reload', LIVE);
  const saved = (await apiCall(a, 'GET', '/api/users/@me/notification-settings')).body.guilds.find((g) => g.guildId === guildId);
  assert.equal(saved.level, 'mentions', 'Alice\'s settings are her own');

  // A category's mute covers its channels (#general is in "Text Channels"), from its bell.
  const general = async () => (await link('general').getAttribute('aria-label')) ?? '';
  assert.doesNotMatch(await general(), /muted/);
  const category = b.getByRole('group', { name: /^Text Channels category$/i });
  await category.hover();
  await category.getByRole('button', { name: /^Notification settings for the Text Channels category$/i }).click();
  await dialog.getByLabel('Mute category').selectOption({ label: 'Until I turn it back on' });
  await until(async () => /, muted/.test(await general()), '#general muted with its category', LIVE);
  await category.getByRole('button', { name: /category \(muted\)$/ }).waitFor({ timeout: LIVE });
  await dialog.getByLabel('Mute category').selectOption({ label: 'Unmute' });
  await until(async () => !/muted/.test(await general()), '#general unmuted with its category', LIVE);
  await dialog.getByRole('button', { name: 'Close' }).click();

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('a thread has notification settings of its own: "All messages" there notifies its messages only; muted, it shows no unread mark', { skip: mockLacks('notification settings') }, async () => {
  const { alice, a, bob, b, guildId, generalId } = await twoMembers();
  const thread = (await apiCall(a, 'POST', `/api/channels/${generalId}/threads`, { name: 'Plans' })).body;
  await apiCall(b, 'PUT', `/api/threads/${thread.id}/members/@me`);

  await b.goto(`${BASE_URL}/settings/notifications`);
  await b.getByRole('checkbox', { name: /Desktop notifications/ }).check();
  await until(async () => await b.getByRole('checkbox', { name: /Show the message/ }).isEnabled(), 'switched on', LIVE);
  await b.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });

  // The thread's bell, in its panel: "All messages" for the thread alone (the guild stays at mentions).
  const threadLink = b.getByRole('navigation', { name: 'Channels' }).locator(`[data-thread-id="${thread.id}"] a`);
  await threadLink.click();
  const panel = b.getByRole('complementary', { name: 'Threads', exact: true });
  await panel.getByRole('button', { name: 'Notification settings for the thread Plans' }).click();
  const dialog = b.getByRole('dialog', { name: 'Notification settings' });
  await dialog.getByText('Plans, a thread in #general').waitFor();
  await dialog.getByRole('radio', { name: /Like its channel/ }).waitFor();
  await dialog.getByRole('radio', { name: /All messages/ }).check();
  await until(async () => (await dialog.getByRole('status').textContent())?.includes('All messages'), 'the level saved', LIVE);
  await screenshot(b, 'notification-settings-thread');
  await dialog.getByRole('button', { name: 'Close' }).click();
  const saved = (await apiCall(b, 'GET', '/api/users/@me/notification-settings')).body.guilds.find((g) => g.guildId === guildId);
  assert.deepEqual(saved.channels, [{ channelId: thread.id, level: 'all', muted: false }]);

  // In a hidden tab: a plain message in the thread is notified, one in #general is not.
  await panel.getByRole('button', { name: 'Close threads' }).click();
  await setHidden(b, true);
  const inGeneral = (await send(a, generalId, 'dans general')).body;
  const inThread = (await send(a, thread.id, 'dans le fil')).body;
  await until(async () => (await notes(b)).some((n) => n.tag === `message:${inThread.id}`), 'the thread message notified', LIVE);
  assert.ok(!(await notes(b)).some((n) => n.tag === `message:${inGeneral.id}`), '#general follows the guild: mentions only');
  await setHidden(b, false);

  // Muted, the followed thread shows no unread mark in the sidebar (its channel stays as it is).
  await threadLink.click();
  await panel.getByRole('button', { name: 'Notification settings for the thread Plans' }).click();
  await dialog.getByLabel('Mute the Plans thread').selectOption({ label: 'For 1 hour' });
  await until(async () => (await dialog.getByRole('status').textContent())?.includes('muted'), 'the mute saved', LIVE);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await panel.getByRole('button', { name: 'Notification settings for the thread Plans (muted)' }).waitFor({ timeout: LIVE });
  await panel.getByRole('button', { name: 'Close threads' }).click();
  await send(a, thread.id, 'encore dans le fil');
  await until(async () => /, muted/.test((await threadLink.getAttribute('aria-label')) ?? ''), 'the thread muted in the sidebar', LIVE);
  await b.waitForTimeout(500);
  assert.doesNotMatch((await threadLink.getAttribute('aria-label')) ?? '', /unread/);
  assert.doesNotMatch((await channelLink(b, 'general').getAttribute('aria-label')) ?? '', /muted/);

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('Alt+arrows step through channels (Shift: unread ones) and Ctrl+Alt+arrows through guilds; Ctrl+/ lists the shortcuts', { skip: mockLacks('read states') }, async () => {
  const { alice, a, bob, b, guildId, generalId, randomId } = await twoMembers();
  const news = (await apiCall(a, 'POST', `/api/guilds/${guildId}/channels`, { name: 'news', type: 'text' })).body;
  const other = await createGuild(b, `Other ${Math.random().toString(36).slice(2, 6)}`);
  await b.goto(`${BASE_URL}/channels/${guildId}/${generalId}`);
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  const at = (channelId) => until(async () => new URL(b.url()).pathname === `/channels/${guildId}/${channelId}`, `on ${channelId}`, LIVE);

  // Sidebar order: #random and #news at the top level, then #general in its category.
  await b.keyboard.press('Alt+ArrowUp');
  await at(news.id);
  await b.keyboard.press('Alt+ArrowUp');
  await at(randomId);
  await b.keyboard.press('Alt+ArrowUp');
  await at(generalId);
  await b.keyboard.press('Alt+ArrowDown');
  await at(randomId);

  // Alt+Shift: only channels with something unread (here #general, skipping #news).
  await b.keyboard.press('Alt+Shift+ArrowDown');
  assert.equal(new URL(b.url()).pathname, `/channels/${guildId}/${randomId}`, 'nothing unread: no move');
  await send(a, generalId, 'du nouveau');
  await until(async () => /unread/.test((await channelLink(b, 'general').getAttribute('aria-label')) ?? ''), '#general unread', LIVE);
  await b.keyboard.press('Alt+Shift+ArrowDown');
  await at(generalId);
  await row(b, 'du nouveau').waitFor({ timeout: LIVE });

  // Ctrl+Alt: the next guild, and back to the channel left there (not the guild's first one).
  // (#news: the guild's first channel is #random.)
  await b.keyboard.press('Alt+ArrowUp');
  await at(news.id);
  await b.keyboard.press('Control+Alt+ArrowDown');
  await until(async () => new URL(b.url()).pathname.startsWith(`/channels/${other.guildId}`), 'in the other guild', LIVE);
  await b.keyboard.press('Control+Alt+ArrowUp');
  await at(news.id);

  // Ctrl+/: the list of shortcuts.
  await b.keyboard.press('Control+/');
  const dialog = b.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await dialog.getByText('Previous or next unread channel').waitFor();
  await screenshot(b, 'keyboard-shortcuts');
  await b.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});
