// Direct messages beyond text, in real browsers against the real stack: an encrypted image (the
// server and the disk only ever hold ciphertext), reactions, edits and deletes as encrypted
// control messages (a forged edit is ignored), read receipts ("Seen") and typing in a 1:1.
// Needs E2E_DATABASE_URL; E2E_UPLOADS_DIR (the Api's UPLOADS_DIR) adds the check of the file on disk.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BASE_URL, dmReady, launch, needsRealStack as skip, newDevice, openConversation, png, register as signUp, screenshot, startConversation, until } from './browser.mjs';

const DATABASE_URL = process.env.E2E_DATABASE_URL;
const UPLOADS_DIR = process.env.E2E_UPLOADS_DIR;
const PSQL = process.env.E2E_PSQL ?? 'psql';
const LIVE = Number(process.env.E2E_LIVE_MS ?? 20_000);

let browser;
const people = {};

before(async () => {
  if (!skip) {
    browser = await launch();
  }
});
after(async () => {
  await browser?.close();
});

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function sql(query) {
  return execFileSync(PSQL, [DATABASE_URL, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', query], { encoding: 'utf8' }).trim();
}

async function register(name) {
  const device = await newDevice(browser);
  const { page } = device;
  page.on('dialog', (d) => void d.accept());
  const username = await signUp(page, name, { connected: false });
  await dmReady(page, LIVE);
  people[name] = { username, device, page };
  return people[name];
}

const box = (page) => page.getByRole('textbox', { name: /^Message @/ });
const sent = (page) => page.getByTestId('dm-messages').locator('.msg:not(.sending):not(.failed)');
const row = (page, text) => sent(page).filter({ hasText: text });

async function send(page, text) {
  await until(async () => !(await box(page).isDisabled()), 'composer ready', LIVE);
  await box(page).fill(text);
  await box(page).press('Enter');
  await row(page, text).waitFor({ timeout: LIVE });
}

/** Hovers a message and clicks one of its actions. */
async function action(page, text, name) {
  const r = row(page, text);
  await r.hover();
  await r.getByRole('button', { name, exact: true }).click();
}

test('an image sent by Alice is decrypted by Bob, while the server and its disk hold only ciphertext', { skip }, async () => {
  const alice = await register('Alice');
  const bob = await register('Bob');
  const carol = await register('Carol');
  const a = alice.page;
  const b = bob.page;
  const conversation = await startConversation(a, [bob.username], { timeout: LIVE });
  people.conversation = conversation;
  await send(a, 'A picture is coming');

  const picture = png(96, 64, 90);
  const name = `holiday-${Math.random().toString(36).slice(2, 8)}.png`;
  await a.locator('[data-testid="file-input"]').setInputFiles({ name, mimeType: 'image/png', buffer: picture });
  await a.getByText('Ready', { exact: true }).waitFor({ timeout: LIVE });
  await box(a).fill('Look at this');
  await box(a).press('Enter');
  await row(a, 'Look at this').waitFor({ timeout: LIVE });

  // Bob's browser downloads the ciphertext, checks its digest, decrypts it and shows the picture.
  await openConversation(b, conversation, LIVE);
  const image = b.getByTestId('dm-messages').getByRole('img', { name });
  await until(() => image.evaluate((img) => img.complete && img.naturalWidth === 96 && img.naturalHeight === 64).catch(() => false), 'the decrypted picture', LIVE);
  // The pixels are Alice's gradient (PNG is lossless).
  const pixels = await image.evaluate((img) => {
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d');
    ctx.drawImage(img, 0, 0);
    return [[0, 0], [50, 10], [95, 63]].map(([x, y]) => Array.from(ctx.getImageData(x, y, 1, 1).data.slice(0, 3)));
  });
  const expected = [[0, 0, 90], [(50 * 255) / 96, (10 * 255) / 64, 90], [(95 * 255) / 96, (63 * 255) / 64, 90]];
  assert.ok(
    pixels.every((p, i) => p.every((v, c) => Math.abs(v - Math.trunc(expected[i][c])) <= 3)),
    `Bob sees the picture Alice picked (${JSON.stringify(pixels)})`,
  );
  await screenshot(b, 'dm-encrypted-image');

  // The server holds one opaque blob: not the picture, 16 bytes longer (the GCM tag).
  const [id, stored, size] = sql(`SELECT id, sha256, size FROM dm_attachments WHERE conversation_id = '${conversation}'`).split('|');
  assert.ok(id, 'one upload recorded');
  assert.notEqual(stored, sha256(picture));
  assert.equal(Number(size), picture.length + 16);
  const download = async (page) =>
    page.evaluate(async (url) => {
      const { accessToken } = JSON.parse(localStorage.getItem('lescopains.session'));
      const res = await fetch(url, { headers: { Authorization: `Bearer ${accessToken}` } });
      return { status: res.status, type: res.headers.get('content-type'), bytes: Array.from(new Uint8Array(await res.arrayBuffer())) };
    }, `/api/dm/attachments/${id}`);
  const raw = await download(b);
  assert.equal(raw.status, 200);
  assert.equal(raw.type, 'application/octet-stream');
  const ciphertext = Buffer.from(raw.bytes);
  assert.equal(sha256(ciphertext), stored);
  assert.ok(!ciphertext.includes(picture.subarray(0, 8)) && !ciphertext.includes(picture.subarray(16, 33)), 'no PNG structure in the stored bytes');
  if (UPLOADS_DIR) {
    const onDisk = readFileSync(join(UPLOADS_DIR, stored.slice(0, 2), stored.slice(2, 4), stored));
    assert.ok(onDisk.equals(ciphertext), 'the disk holds the ciphertext');
    assert.ok(!onDisk.includes(picture.subarray(0, 8)));
  }
  // The file name travelled inside the Signal message only.
  assert.equal(sql(`SELECT count(*) FROM dm_messages WHERE content LIKE '%${name}%'`), '0');
  assert.equal(sql(`SELECT count(*) FROM dm_attachments WHERE id::text LIKE '%${name}%' OR sha256 LIKE '%${name}%'`), '0');
  // Someone outside the conversation cannot download it.
  assert.equal((await download(carol.page)).status, 404);

  for (const p of [alice, bob, carol]) {
    p.device.assertClean();
  }
});

test('reactions, edits and deletes reach the other side; only the author can edit', { skip }, async () => {
  const a = people.Alice.page;
  const b = people.Bob.page;
  await send(a, 'Edit me please');
  await row(b, 'Edit me please').waitFor({ timeout: LIVE });

  // Bob reacts; Alice sees it.
  await action(b, 'Edit me please', 'Add reaction');
  await b.getByRole('button', { name: 'React with 👍' }).click();
  await row(a, 'Edit me please').getByRole('button', { name: '👍: 1 reaction' }).waitFor({ timeout: LIVE });
  // Alice adds hers to the same emoji: both see two.
  await row(a, 'Edit me please').getByRole('button', { name: '👍: 1 reaction' }).click();
  await row(b, 'Edit me please').getByRole('button', { name: '👍: 2 reactions, including yours' }).waitFor({ timeout: LIVE });

  // Bob has no edit or delete on Alice's message.
  await row(b, 'Edit me please').hover();
  assert.equal(await row(b, 'Edit me please').getByRole('button', { name: 'Edit', exact: true }).count(), 0);
  assert.equal(await row(b, 'Edit me please').getByRole('button', { name: 'Delete', exact: true }).count(), 0);

  // Alice edits; Bob sees the new text marked as edited.
  await action(a, 'Edit me please', 'Edit');
  await a.getByRole('textbox', { name: 'Edit message' }).fill('Edited by Alice');
  await a.getByRole('textbox', { name: 'Edit message' }).press('Enter');
  await row(b, 'Edited by Alice').getByText('(edited)').waitFor({ timeout: LIVE });
  const messageId = await row(b, 'Edited by Alice').getAttribute('data-message-id');

  // A forged edit: Bob's own client sends an edit of Alice's message through the real encrypted
  // path (the DM module's own send function, found in the loaded chunk). Alice ignores it.
  const forged = await b.evaluate(async ({ conversationId, target }) => {
    const urls = performance.getEntriesByType('resource').map((e) => e.name).filter((u) => /\/assets\/.*\.js$/.test(u));
    for (const url of urls) {
      const mod = await import(url);
      for (const fn of Object.values(mod)) {
        if (typeof fn === 'function' && /kind:\s*["'`]edit["'`]/.test(String(fn)) && fn.length === 3) {
          await fn(conversationId, target, 'Forged by Bob');
          return true;
        }
      }
    }
    return false;
  }, { conversationId: people.conversation, target: messageId });
  assert.ok(forged, 'found the edit function to forge with');
  // Bob's marker after his forged edit reaches Alice after it (same ordered path).
  await send(b, 'After the forgery');
  await row(a, 'After the forgery').waitFor({ timeout: LIVE });
  assert.equal(await row(a, 'Edited by Alice').count(), 1, 'Alice still shows her own text');
  assert.equal(await row(a, 'Forged by Bob').count(), 0);

  // Alice deletes her message: gone on both sides.
  await action(a, 'Edited by Alice', 'Delete');
  await until(async () => (await row(b, 'Edited by Alice').count()) === 0, 'deleted on Bob\'s side', LIVE);
  assert.equal(await row(a, 'Edited by Alice').count(), 0);
  // Nothing of this is readable on the server.
  for (const text of ['Edited by Alice', 'Forged by Bob', '👍']) {
    assert.equal(sql(`SELECT count(*) FROM dm_messages WHERE position(convert_to('${text}', 'UTF8') IN decode(content, 'base64')) > 0`), '0');
  }
  people.Alice.device.assertClean();
  people.Bob.device.assertClean();
});

test('read receipts: Alice sees "Seen" under the last message Bob read; typing shows live', { skip }, async () => {
  const a = people.Alice.page;
  const b = people.Bob.page;
  // Bob leaves the conversation screen; Alice's new message is not read yet.
  await b.goto(BASE_URL + '/channels/@me');
  await b.getByTestId('dm-list').waitFor({ state: 'attached', timeout: LIVE });
  await send(a, 'Did you read this?');
  await a.waitForTimeout(1500);
  assert.equal(await row(a, 'Did you read this?').getByTestId('dm-seen').count(), 0);

  // Bob opens it: his device sends an encrypted receipt, Alice's client moves "Seen" there.
  await openConversation(b, people.conversation, LIVE);
  await row(b, 'Did you read this?').waitFor({ timeout: LIVE });
  await row(a, 'Did you read this?').getByTestId('dm-seen').waitFor({ timeout: LIVE });
  assert.equal(await a.getByTestId('dm-seen').count(), 1, 'one "Seen" only');

  // Typing: Bob types, Alice sees it (nothing of the text is sent).
  await box(b).pressSequentially('typing…');
  await a.getByText('Bob is typing…').waitFor({ timeout: LIVE });
  await screenshot(a, 'dm-seen-and-reactions');
  people.Alice.device.assertClean();
  people.Bob.device.assertClean();
});
