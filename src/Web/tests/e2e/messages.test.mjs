// Messages end to end: two people chat live in #general both ways, with a reply, an edit, a
// delete, markdown and a reload. Runs against BASE_URL (the real stack, or the mock).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { acceptInvite, apiCall, BASE_URL, createGuild, launch, newDevice, register, screenshot, until } from './browser.mjs';

const LIVE = 10_000;

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const list = (page) => page.getByRole('list', { name: 'Messages in #general' });
/** The message whose own text (not a quoted reply) contains `text`. */
const row = (page, text) => list(page).locator('[data-message-id]').filter({ has: page.locator('.content').filter({ hasText: text }) });
const composer = (page) => page.getByRole('textbox', { name: 'Message #general' });

async function send(page, text) {
  await composer(page).fill(text);
  await composer(page).press('Enter');
}

/** A message shows, stored (not pending) on the sender's side. */
async function sent(page, text) {
  const r = row(page, text);
  await r.waitFor({ timeout: LIVE });
  await until(async () => !(await r.first().getAttribute('class')).includes('pending'), `"${text}" acknowledged`, LIVE);
}

test('two members chat live in #general: replies, edits, deletes, markdown, history after a reload', async () => {
  const guildName = `Chat ${Math.random().toString(36).slice(2, 6)}`;
  const alice = await newDevice(browser);
  const a = alice.page;
  await register(a, 'Alice Ardent');
  const { guildId, generalId } = await createGuild(a, guildName);
  await a.getByRole('heading', { name: 'Welcome to #general!' }).waitFor();

  // Bob joins through an invite made with the API.
  const invite = await apiCall(a, 'POST', `/api/guilds/${guildId}/invites`, { channelId: generalId });
  assert.equal(invite.status, 201);
  const bob = await newDevice(browser);
  const b = bob.page;
  await register(b, 'Bob Brisk');
  await acceptInvite(b, invite.body.code);

  // Alice → Bob, Bob → Alice, live.
  await send(a, 'Salut Bob, ça va ?');
  await sent(a, 'Salut Bob, ça va ?');
  await row(b, 'Salut Bob, ça va ?').waitFor({ timeout: LIVE });
  await send(b, 'Très bien, et toi ?');
  await sent(b, 'Très bien, et toi ?');
  await row(a, 'Très bien, et toi ?').waitFor({ timeout: LIVE });
  // Grouped under one head per author: Alice's name shows once on Bob's side.
  assert.equal(await list(b).getByRole('heading', { name: /Alice Ardent/ }).count(), 1);

  // Markdown renders as elements; HTML-looking text stays text.
  await send(a, '**gras** et `code` puis <b>x</b> https://example.org/docs');
  const md = row(b, 'gras et code');
  await md.waitFor({ timeout: LIVE });
  assert.equal(await md.locator('strong').textContent(), 'gras');
  assert.equal(await md.locator('code').textContent(), 'code');
  assert.equal(await md.locator('b').count(), 0, 'no <b> element from the text');
  assert.match(await md.locator('.content').textContent(), /puis <b>x<\/b>/);
  const link = md.getByRole('link', { name: 'https://example.org/docs' });
  assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
  assert.equal(await link.getAttribute('target'), '_blank');


  // Bob replies to Alice's first message: Alice sees the quoted line.
  await row(b, 'Salut Bob, ça va ?').hover();
  await row(b, 'Salut Bob, ça va ?').getByRole('button', { name: 'Reply' }).click();
  await b.getByText('Replying to Alice Ardent').waitFor();
  await send(b, 'Oui, merci !');
  const reply = row(a, 'Oui, merci !');
  await reply.waitFor({ timeout: LIVE });
  await reply.getByRole('button', { name: /^Replying to Alice Ardent: Salut Bob, ça va \?/ }).waitFor();
  await sent(b, 'Oui, merci !');

  // Alice edits her message: Bob sees the new text and "(edited)".
  await row(a, 'Salut Bob, ça va ?').hover();
  await row(a, 'Salut Bob, ça va ?').getByRole('button', { name: 'Edit' }).click();
  const editor = a.getByRole('textbox', { name: 'Edit message' });
  await editor.fill('Salut Bob, tout va bien ?');
  await editor.press('Enter');
  const edited = row(b, 'Salut Bob, tout va bien ?');
  await edited.waitFor({ timeout: LIVE });
  await edited.getByText('(edited)').waitFor();
  // The reply's quote follows the edit.
  await reply.getByRole('button', { name: /Salut Bob, tout va bien \?/ }).waitFor({ timeout: LIVE });

  // Bob deletes his first message (with confirmation): it disappears on Alice's side.
  await row(b, 'Très bien, et toi ?').hover();
  await row(b, 'Très bien, et toi ?').getByRole('button', { name: 'Delete' }).click();
  const dialog = b.getByRole('dialog', { name: 'Delete Message' });
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await row(b, 'Très bien, et toi ?').waitFor({ state: 'detached' });
  await row(a, 'Très bien, et toi ?').waitFor({ state: 'detached', timeout: LIVE });

  // Alice cannot edit or delete Bob's message (no MANAGE_MESSAGES needed: she is the owner, so
  // she may delete it, but never edit it).
  await row(a, 'Oui, merci !').hover();
  assert.equal(await row(a, 'Oui, merci !').getByRole('button', { name: 'Edit' }).count(), 0);

  // A message in another channel marks it unread for Bob until he opens it.
  const random = await apiCall(a, 'POST', `/api/guilds/${guildId}/channels`, { name: 'random', type: 'text' });
  assert.equal(random.status, 201);
  await b.getByRole('link', { name: 'random (text channel)', exact: true }).waitFor({ timeout: LIVE });
  assert.equal((await apiCall(a, 'POST', `/api/channels/${random.body.id}/messages`, { content: 'Ailleurs', nonce: 'n-ailleurs' })).status, 201);
  const unreadLink = b.getByRole('link', { name: 'random (text channel, unread)', exact: true });
  await unreadLink.waitFor({ timeout: LIVE });
  assert.equal(await unreadLink.evaluate((el) => getComputedStyle(el).fontWeight), '700');
  await unreadLink.click();
  await b.getByRole('list', { name: 'Messages in #random' }).getByText('Ailleurs').waitFor();
  await b.getByRole('link', { name: 'random (text channel)', exact: true }).waitFor();
  await b.getByRole('link', { name: 'general (text channel)', exact: true }).click();

  await a.mouse.move(0, 0);
  await screenshot(a, 'chat');

  // A reload keeps the history, in order.
  await b.reload();
  await row(b, 'Oui, merci !').waitFor();
  const texts = await list(b).locator('[data-message-id] .content').allTextContents();
  assert.deepEqual(
    texts.map((t) => t.replace(/\(edited\)$/, '').trim()),
    ['Salut Bob, tout va bien ?', '**gras** et `code` puis <b>x</b> https://example.org/docs'.replace(/\*\*|`/g, ''), 'Oui, merci !'],
  );

  // Lines that start with Discord's markers: a quote, a heading, lists, small text, underline.
  await send(a, '> cité **ici**\n> et là\n# Titre\n- un\n- deux\n1. premier\n-# en petit\n__souligné__ fin');
  const blocks = row(b, 'cité ici');
  await blocks.waitFor({ timeout: LIVE });
  assert.equal((await blocks.locator('blockquote').textContent()).trim(), 'cité ici\net là');
  assert.equal(await blocks.locator('blockquote strong').textContent(), 'ici');
  assert.equal(await blocks.locator('.heading.h1').textContent(), 'Titre');
  assert.deepEqual(await blocks.locator('ul > li').allTextContents(), ['un', 'deux']);
  assert.deepEqual(await blocks.locator('ol > li').allTextContents(), ['premier']);
  assert.equal(await blocks.locator('small.sub').textContent(), 'en petit');
  assert.equal(await blocks.locator('u').textContent(), 'souligné');
  await screenshot(b, 'markdown-blocks');

  // Messages sent in a burst, each before the previous one is acknowledged, are in flight together
  // and still arrive in the order they were typed, on both sides.
  const burst = ['un', 'deux', 'trois', 'quatre', 'cinq', 'six'].map((w) => `Rafale ${w}`);
  for (const text of burst) {
    await send(a, text);
  }
  await sent(a, burst.at(-1));
  await row(b, burst.at(-1)).waitFor({ timeout: LIVE });
  for (const page of [a, b]) {
    const shown = (await list(page).locator('[data-message-id] .content').allTextContents()).map((t) => t.trim());
    assert.deepEqual(shown.slice(-burst.length), burst);
  }

  alice.assertClean();
  bob.assertClean();
  await alice.context.close();
  await bob.context.close();
});

test('history loads upwards in pages keeping the scroll position, and "Jump to present" returns', async () => {
  const device = await newDevice(browser);
  const p = device.page;
  await register(p, 'Carla Chatty');
  const { generalId: channelId } = await createGuild(p, `History ${Math.random().toString(36).slice(2, 6)}`);
  await p.getByRole('heading', { name: 'Welcome to #general!' }).waitFor();

  // 70 messages of a few lines each (the first page holds 50), sent through the seed's route.
  const statuses = await p.evaluate(async (channelId) => {
    const { accessToken } = JSON.parse(localStorage.getItem('lescopains.session'));
    const out = [];
    for (let i = 1; i <= 70; i++) {
      const res = await fetch('/api/messages', {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ channelId, content: `Line ${String(i).padStart(3, '0')}\nmore\nand more`, nonce: `seed-${i}` }),
      });
      out.push(res.status);
    }
    return out;
  }, channelId);
  assert.ok(statuses.every((s) => s === 201), `seeded: ${statuses.join()}`);
  await row(p, 'Line 070').waitFor({ timeout: LIVE });

  await p.reload();
  await row(p, 'Line 070').waitFor();
  const count = () => list(p).locator('[data-message-id]').count();
  assert.equal(await count(), 50, 'the first page');
  assert.equal(await row(p, 'Line 020').count(), 0);
  // Pinned to the bottom: the newest line is in view.
  await until(() => row(p, 'Line 070').isVisible(), 'the newest message is in view');

  // Scrolling up loads the 20 older ones; what was at the top stays in place.
  const scroller = p.locator('.scroller');
  await scroller.evaluate((el) => (el.scrollTop = 0));
  await row(p, 'Line 001').waitFor({ state: 'attached', timeout: LIVE });
  await until(async () => (await count()) === 70, 'all 70 messages', LIVE);
  const gap = await p.evaluate(() => {
    const scroller = document.querySelector('.scroller');
    const line21 = [...document.querySelectorAll('[data-message-id]')].find((el) => el.textContent.includes('Line 021'));
    return line21.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  });
  assert.ok(gap > 100, `Line 21 stays where it was, below the loaded page (${gap}px from the top)`);
  await scroller.evaluate((el) => (el.scrollTop = 0));
  await p.getByRole('heading', { name: 'Welcome to #general!' }).waitFor();

  // Far from the bottom: "Jump to present" brings the newest back.
  await p.getByRole('button', { name: /Jump to present/ }).click();
  await until(() => row(p, 'Line 070').isVisible(), 'back at the newest message');
  await p.getByRole('button', { name: /Jump to present/ }).waitFor({ state: 'detached' });

  // The composer counts down near the limit and refuses too long a message.
  await composer(p).fill('x'.repeat(3900));
  await p.getByTitle('Characters left').filter({ hasText: '100' }).waitFor();
  await composer(p).fill('x'.repeat(4001));
  await composer(p).press('Enter');
  await p.getByRole('alert').filter({ hasText: 'Your message is too long' }).waitFor();
  assert.equal(await count(), 70, 'nothing was sent');

  device.assertClean();
  await device.context.close();
});
