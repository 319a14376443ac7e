// Threads and search end to end: a thread started from a message in the side panel, a reply in
// it shown on the starter message, archiving it (the panel's header restacks rather than crowd),
// and a search that shows the reply with its
// reactions and jumps to it. Following threads: posting in one lists it under its channel, where
// its new messages show, until the person leaves it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { acceptInvite, apiCall, createGuild, launch, mockLacks, newDevice, register, screenshot, until } from './browser.mjs';

const LIVE = 10_000;

let browser;

/**
 * Every part of the thread panel's header (name, badge, controls) is inside it, none covers
 * another, and the name keeps a readable width.
 */
async function headerFits(panel, what) {
  const parts = await panel.locator('header').evaluate((head) => {
    const box = head.getBoundingClientRect();
    return [...head.querySelectorAll('h2, .badge, select, button')].map((e) => {
      const r = e.getBoundingClientRect();
      return {
        name: e.getAttribute('aria-label') ?? e.textContent.trim(),
        title: e.tagName === 'H2',
        inside: r.left >= box.left && r.right <= box.right && r.top >= box.top && r.bottom <= box.bottom,
        r: { left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width },
      };
    });
  });
  for (const p of parts) {
    assert.ok(p.inside, `${what}: "${p.name}" leaves the header`);
    assert.ok(p.r.width >= (p.title ? 48 : 1), `${what}: "${p.name}" is squeezed to ${p.r.width}px`);
  }
  for (const [i, p] of parts.entries()) {
    for (const q of parts.slice(i + 1)) {
      const apart = p.r.right <= q.r.left || q.r.right <= p.r.left || p.r.bottom <= q.r.top || q.r.bottom <= p.r.top;
      assert.ok(apart, `${what}: "${p.name}" and "${q.name}" overlap`);
    }
  }
}
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a thread from a message: panel, reply, summary on the starter, archive; search jumps into it', { skip: mockLacks('threads or search') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  await a.getByRole('button', { name: 'Create a guild' }).click();
  await a.getByLabel('Guild name').fill(`Threads ${Math.random().toString(36).slice(2, 6)}`);
  await a.getByRole('button', { name: 'Create', exact: true }).click();
  await a.getByRole('heading', { name: 'Welcome to #general!' }).waitFor();

  const general = a.getByRole('textbox', { name: 'Message #general' });
  await general.fill('Planning the picnic on Sunday');
  await general.press('Enter');
  const starter = a.getByRole('list', { name: 'Messages in #general' }).locator('[data-message-id]').filter({ hasText: 'Planning the picnic' });
  await until(async () => !(await starter.getAttribute('class')).includes('pending'), 'starter acknowledged', LIVE);

  // Create thread from the message's actions: the name is proposed from its text.
  await starter.hover();
  await starter.getByRole('button', { name: 'Create thread' }).click();
  const panel = a.getByRole('complementary', { name: 'Threads', exact: true });
  await panel.getByLabel('Thread name').waitFor();
  assert.equal(await panel.getByLabel('Thread name').inputValue(), 'Planning the picnic on Sunday');
  await panel.getByLabel('Thread name').fill('Picnic');
  await panel.getByRole('button', { name: 'Create Thread' }).click();
  await panel.getByRole('heading', { name: 'Picnic', level: 2 }).first().waitFor();

  // The panel is the same chat: composer, list, live acknowledgement.
  const threadBox = panel.getByRole('textbox', { name: 'Message #Picnic' });
  await threadBox.fill('I will bring fresh baguettes');
  await threadBox.press('Enter');
  const reply = panel.getByRole('list', { name: 'Messages in #Picnic' }).locator('[data-message-id]').filter({ hasText: 'baguettes' });
  await until(async () => !(await reply.getAttribute('class')).includes('pending'), 'reply acknowledged', LIVE);

  // The starter message shows the thread with its message count (from the live thread:update).
  const chip = starter.getByRole('button', { name: 'Open thread Picnic' });
  await until(async () => (await chip.textContent())?.includes('1 message'), 'thread summary on the starter message', LIVE);
  await screenshot(a, 'thread-panel');
  // On a wide window the header is one row, as it always was.
  await headerFits(panel, 'thread header');
  assert.equal((await panel.locator('header').boundingBox()).height, 48);

  // Archived: read-only.
  await panel.getByRole('button', { name: 'Archive' }).click();
  await panel.getByText('Archived', { exact: true }).waitFor();
  await until(async () => await threadBox.isDisabled(), 'composer disabled in an archived thread', LIVE);
  // The badge, the inactivity choice and Unarchive do not fit beside the name: they take a second
  // row, also in a panel squeezed by a narrower window.
  await headerFits(panel, 'archived thread header');
  await screenshot(a, 'thread-panel-archived', panel);
  await a.setViewportSize({ width: 820, height: 800 });
  await headerFits(panel, 'archived thread header, 820px window');
  await a.setViewportSize({ width: 1280, height: 800 });
  await panel.getByRole('button', { name: 'Unarchive' }).click();
  await until(async () => !(await threadBox.isDisabled()), 'composer enabled again', LIVE);

  // The thread list of #general shows it.
  await panel.getByRole('button', { name: 'All threads' }).click();
  await panel.getByRole('button', { name: /Picnic/ }).waitFor();

  // A reaction on the reply, to find again on its search result.
  await panel.getByRole('button', { name: /Picnic/ }).click();
  await reply.hover();
  await reply.getByRole('button', { name: 'Add reaction' }).click();
  await reply.getByRole('button', { name: 'React with 🎉' }).click();
  await reply.getByRole('button', { name: /^🎉: 1 reaction, including yours$/ }).waitFor({ timeout: LIVE });

  // Search from the header: the hit is in the thread, with its reactions (read-only: the result is
  // the button); opening it shows the thread around it.
  await panel.getByRole('button', { name: 'Close threads' }).click();
  await a.getByRole('searchbox', { name: 'Search messages' }).fill('baguettes');
  await a.getByRole('searchbox', { name: 'Search messages' }).press('Enter');
  const results = a.getByRole('complementary', { name: 'Search results' });
  await results.getByRole('heading', { name: '1 result' }).waitFor({ timeout: LIVE });
  const hit = results.getByRole('button', { name: /Picnic in #general/ });
  assert.equal(await hit.locator('mark').textContent(), 'baguettes');
  await hit.getByTitle('🎉: 1 reaction, including yours').waitFor();
  assert.equal(await hit.getByRole('button').count(), 0);
  await screenshot(a, 'search-results');
  await hit.click();
  await a.getByRole('complementary', { name: 'Threads', exact: true }).getByRole('list', { name: 'Messages in #Picnic' })
    .locator('[data-message-id]').filter({ hasText: 'baguettes' }).waitFor({ timeout: LIVE });
});

test('posting in a thread follows it: listed under its channel, bold with new messages, gone once left', { skip: mockLacks('thread members') }, async () => {
  const { page: a } = await newDevice(browser);
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, `Follow ${Math.random().toString(36).slice(2, 6)}`);
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  const thread = await apiCall(a, 'POST', `/api/channels/${generalId}/threads`, { name: 'Road trip' });
  assert.equal(thread.status, 201);
  const threadId = thread.body.id;
  const nav = (page) => page.getByRole('navigation', { name: 'Channels' });
  const row = (page) => nav(page).locator(`[data-thread-id="${threadId}"]`);

  // The creator follows it: listed under #general at once.
  await row(a).waitFor({ timeout: LIVE });

  const { page: b } = await newDevice(browser);
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);
  assert.equal(await row(b).count(), 0, 'not followed: not listed');

  // Bob opens it from the thread list, sees he does not follow it, and posts: now he does.
  await b.getByRole('button', { name: 'Threads', exact: true }).click();
  const panel = b.getByRole('complementary', { name: 'Threads', exact: true });
  await panel.getByRole('button', { name: /Road trip/ }).click();
  await panel.getByText('Not following').waitFor();
  assert.equal(await panel.getByTestId('thread-members').textContent(), '1 member');
  const box = panel.getByRole('textbox', { name: 'Message #Road trip' });
  await box.fill('Count me in, I can drive');
  await box.press('Enter');
  await panel.getByRole('button', { name: 'Leave Thread' }).waitFor({ timeout: LIVE });
  await until(async () => (await panel.getByTestId('thread-members').textContent()) === '2 members', 'member count 2', LIVE);
  await row(b).waitFor({ timeout: LIVE });

  // With the panel closed, Alice's next message in it makes its row bold, not #general's.
  await panel.getByRole('button', { name: 'Close threads' }).click();
  const sent = await apiCall(a, 'POST', `/api/channels/${threadId}/messages`, { content: 'Great, I bring snacks' });
  assert.equal(sent.status, 201);
  await until(async () => (await row(b).getAttribute('class')).includes('unread'), 'thread row unread', LIVE);
  const generalRow = nav(b).locator(`[data-channel-id="${generalId}"]`);
  assert.ok(!(await generalRow.getAttribute('class')).includes('unread'), '#general stays read');
  await screenshot(b, 'thread-followed-sidebar');

  // The row opens the thread beside #general; reading it clears the row.
  await row(b).getByRole('link').click();
  await panel.getByRole('heading', { name: 'Road trip', level: 2 }).first().waitFor();
  await panel.getByText('Great, I bring snacks').waitFor({ timeout: LIVE });
  await until(async () => !(await row(b).getAttribute('class')).includes('unread'), 'thread row read', LIVE);

  // Leaving: gone from the sidebar (and from Bob's other tabs through the server, after a reload).
  await panel.getByRole('button', { name: 'Leave Thread' }).click();
  await panel.getByRole('button', { name: 'Join Thread' }).waitFor();
  await until(async () => (await row(b).count()) === 0, 'row gone after leaving', LIVE);
  await b.reload();
  await nav(b).waitFor();
  await b.locator('[data-connection="connected"]').waitFor({ state: 'attached' });
  await generalRow.waitFor();
  assert.equal(await row(b).count(), 0, 'still not listed after a reload');
});
