// Threads and search end to end: a thread started from a message in the side panel, a reply in
// it shown on the starter message, archiving it, and a search that shows the reply with its
// reactions and jumps to it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, newDevice, register, screenshot, until } from './browser.mjs';

const LIVE = 10_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('a thread from a message: panel, reply, summary on the starter, archive; search jumps into it', async () => {
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
  const panel = a.getByRole('complementary', { name: 'Threads' });
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

  // Archived: read-only.
  await panel.getByRole('button', { name: 'Archive' }).click();
  await panel.getByText('Archived', { exact: true }).waitFor();
  await until(async () => await threadBox.isDisabled(), 'composer disabled in an archived thread', LIVE);
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
  await a.getByRole('complementary', { name: 'Threads' }).getByRole('list', { name: 'Messages in #Picnic' })
    .locator('[data-message-id]').filter({ hasText: 'baguettes' }).waitFor({ timeout: LIVE });
});
