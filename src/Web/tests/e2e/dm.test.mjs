// End-to-end-encrypted direct messages in real browsers against the real stack: a 1:1 exchange
// both ways, the zero-knowledge check (no plaintext anywhere in PostgreSQL or the server logs),
// a group of three, safety numbers, a key change after a reset, and a second device.
// Needs E2E_DATABASE_URL (and E2E_LOG_DIR for the log check), which scripts/test.sh passes.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { BASE_URL, launch, newDevice, password, register, screenshot, until } from './browser.mjs';

const DATABASE_URL = process.env.E2E_DATABASE_URL;
const LOG_DIR = process.env.E2E_LOG_DIR;
const PSQL = process.env.E2E_PSQL ?? 'psql';
const skip = DATABASE_URL ? false : 'needs the real stack (E2E_DATABASE_URL)';
const LIVE = 20_000;
const SECRET = 'Secret plaintext 42';

let browser;
/** @type {Record<string, {username: string, displayName: string, device: Awaited<ReturnType<typeof newDevice>>}>} */
const people = {};

before(async () => {
  if (!skip) {
    browser = await launch();
  }
});
after(async () => {
  await browser?.close();
});

/** A new person on a device of their own, ready for direct messages. */
async function newPerson(name) {
  const device = await newDevice(browser);
  const username = await register(device.page, name, { connected: false });
  await dmReady(device.page);
  people[name] = { username, displayName: name, device };
  return people[name];
}

/** The DM engine registered (or loaded) this browser's device and listens for envelopes. */
async function dmReady(page) {
  await page.locator('[data-connection="connected"]').waitFor({ state: 'attached', timeout: LIVE });
  await page.getByTestId('dm-list').waitFor({ state: 'attached', timeout: LIVE });
  await until(async () => (await page.getByText('Setting up encryption for this device…').count()) === 0, 'device set up', LIVE);
}

async function startConversation(page, usernames, groupName = '') {
  const from = new URL(page.url()).pathname;
  await page.getByTestId('dm-target').fill(usernames.join(' '));
  await page.getByTestId('dm-group-name').fill(groupName);
  await page.getByTestId('dm-start').click();
  await until(() => {
    const path = new URL(page.url()).pathname;
    return path !== from && /\/channels\/@me\/[0-9a-f-]{36}$/.test(path);
  }, 'conversation opened', LIVE);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
}

async function openConversation(page, id) {
  await page.locator(`[data-conversation-id="${id}"]`).click({ timeout: LIVE });
  await until(() => new URL(page.url()).pathname.endsWith(id), 'conversation selected', LIVE);
}

async function send(page, text) {
  const box = page.getByRole('textbox', { name: /^Message @/ });
  await until(async () => !(await box.isDisabled()), 'composer ready', LIVE);
  await box.fill(text);
  await box.press('Enter');
  try {
    await page.getByTestId('dm-messages').locator('.msg:not(.sending):not(.failed)', { hasText: text }).waitFor({ timeout: LIVE });
  } catch (err) {
    const shown = await page.locator('.callout-danger').allTextContents();
    throw new Error(`"${text}" was not sent: ${shown.join(' | ') || err}`);
  }
}

const shows = (page, text) => page.getByTestId('dm-messages').getByText(text, { exact: true }).waitFor({ timeout: LIVE });

function sql(query) {
  return execFileSync(PSQL, [DATABASE_URL, '-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-c', query], { encoding: 'utf8' });
}

/**
 * Every column of every table in the database, whatever its type (text, json, bytea: the JSON grain
 * state lives in bytea), searched for `needle`: a NOTICE "HIT table.column" per hit, and
 * "COLUMN table.column" per column scanned (NOTICEs go to psql's stderr).
 */
function scanSql(needle) {
  const literal = needle.replaceAll("'", "''");
  return `
    DO $$
    DECLARE c record; hits bigint;
    BEGIN
      FOR c IN SELECT col.table_schema, col.table_name, col.column_name, col.data_type
                 FROM information_schema.columns col
                 JOIN information_schema.tables t ON t.table_schema = col.table_schema AND t.table_name = col.table_name
                WHERE col.table_schema NOT IN ('pg_catalog', 'information_schema') AND t.table_type = 'BASE TABLE'
      LOOP
        IF c.data_type = 'bytea' THEN
          EXECUTE format('SELECT count(*) FROM %I.%I WHERE position(convert_to(%L, ''UTF8'') IN %I) > 0',
                         c.table_schema, c.table_name, '${literal}', c.column_name) INTO hits;
        ELSE
          EXECUTE format('SELECT count(*) FROM %I.%I WHERE %I::text LIKE %L',
                         c.table_schema, c.table_name, c.column_name, '%${literal}%') INTO hits;
        END IF;
        IF hits > 0 THEN RAISE NOTICE 'HIT %.%', c.table_name, c.column_name; END IF;
        RAISE NOTICE 'COLUMN %.%', c.table_name, c.column_name;
      END LOOP;
    END $$;`;
}

function noticesOf(query) {
  const r = spawnSync(PSQL, [DATABASE_URL, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-c', query], { encoding: 'utf8' });
  assert.equal(r.status, 0, `psql failed: ${r.stderr}`);
  return r.stderr.split('\n').map((l) => l.replace(/^NOTICE:\s*/, '').trim()).filter(Boolean);
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

test('a 1:1 conversation works both ways, and neither the database nor the logs ever see the plaintext', { skip }, async () => {
  const alice = await newPerson('Alice');
  const bob = await newPerson('Bob');
  const a = alice.device.page;
  const b = bob.device.page;

  const conversation = await startConversation(a, [bob.username]);
  await send(a, SECRET);

  // Bob's client learns about the conversation live and decrypts the message.
  await openConversation(b, conversation);
  await shows(b, SECRET);
  await send(b, 'Hello back 7');
  await shows(a, 'Hello back 7');
  await screenshot(a, 'dm-conversation');

  // Zero knowledge: every column of every table, and every server log line, lacks the plaintext…
  const notices = noticesOf(scanSql(SECRET));
  const scanned = notices.filter((n) => n.startsWith('COLUMN '));
  assert.ok(scanned.some((n) => n === 'COLUMN dm_messages.content'), 'the scan covered dm_messages.content');
  assert.ok(scanned.some((n) => n.startsWith('COLUMN orleansstorage.')), 'the scan covered the grain state');
  assert.deepEqual(notices.filter((n) => n.startsWith('HIT ')), [], 'plaintext found in the database');
  // …(the scan does find text it should: the display name is stored in plain text)…
  assert.ok((noticesOf(scanSql(alice.username))).some((n) => n.startsWith('HIT ')), 'the scan finds what is there');
  if (LOG_DIR) {
    for (const file of filesUnder(LOG_DIR)) {
      assert.ok(!readFileSync(file, 'utf8').includes(SECRET), `plaintext found in the log ${file}`);
    }
  }

  // …while dm_messages.content holds base64 ciphertext for this conversation.
  const rows = sql(`SELECT content FROM dm_messages WHERE conversation_id = '${conversation}'`).trim().split('\n').filter(Boolean);
  assert.ok(rows.length >= 2, 'one envelope per message and recipient device');
  for (const content of rows) {
    assert.match(content, /^[A-Za-z0-9+/]+=*$/);
    const bytes = Buffer.from(content, 'base64');
    assert.ok(bytes.length > SECRET.length);
    assert.ok(!bytes.includes(Buffer.from(SECRET)) && !bytes.includes(Buffer.from('Hello back 7')));
  }
  alice.device.assertClean();
  bob.device.assertClean();
  people.conversation = conversation;
});

test('a group of three: everyone reads everyone', { skip }, async () => {
  const carol = await newPerson('Carol');
  const a = people.Alice.device.page;
  const b = people.Bob.device.page;
  const c = carol.device.page;
  const group = await startConversation(a, [people.Bob.username, carol.username], 'Trio');
  await send(a, 'Hello trio from Alice');
  await openConversation(c, group);
  await shows(c, 'Hello trio from Alice');
  await send(c, 'Carol here');
  await openConversation(b, group);
  await shows(b, 'Hello trio from Alice');
  await shows(b, 'Carol here');
  await shows(a, 'Carol here');
  assert.equal(await c.getByTestId('dm-title').textContent(), 'Trio');
  carol.device.assertClean();
});

test('safety numbers are the same on both sides and the scannable codes match', { skip }, async () => {
  const a = people.Alice.device.page;
  const b = people.Bob.device.page;
  await openConversation(a, people.conversation);
  await openConversation(b, people.conversation);
  const numbers = [];
  const codes = [];
  for (const page of [a, b]) {
    await page.getByTestId('dm-safety-open').click();
    const digits = (await page.getByTestId('dm-safety-number').textContent({ timeout: LIVE })).trim();
    assert.match(digits, /^(\d{5} ){11}\d{5}$/);
    numbers.push(digits);
    await page.getByTestId('dm-safety-qr').locator('svg').waitFor({ timeout: LIVE });
    await page.getByText('Compare codes as text').click();
    codes.push((await page.getByTestId('dm-safety-code').textContent()).trim());
  }
  assert.equal(numbers[0], numbers[1]);
  await screenshot(a, 'dm-safety-number');

  // Bob pastes Alice's code: a match; then marks Alice verified.
  await b.getByTestId('dm-safety-paste').fill(codes[0]);
  await b.getByTestId('dm-safety-compare').click();
  assert.equal((await b.getByTestId('dm-safety-result').textContent()).trim(), 'The codes match.');
  await b.getByTestId('dm-safety-paste').fill(codes[1]);
  await b.getByTestId('dm-safety-compare').click();
  assert.match(await b.getByTestId('dm-safety-result').textContent(), /do not match/);
  await a.getByTestId('dm-mark-verified').click();
  await a.getByTestId('dm-verified').waitFor();
  for (const page of [a, b]) {
    await page.keyboard.press('Escape');
  }
});

test('after Bob resets his keys, Alice sees the key-change warning and the verified mark is gone', { skip }, async () => {
  const a = people.Alice.device.page;
  const b = people.Bob.device.page;
  // A reset: this browser forgets its keys and its old device, and registers a new identity.
  await b.evaluate(async () => {
    const { accessToken, user } = JSON.parse(localStorage.getItem('lescopains.session'));
    const headers = { Authorization: `Bearer ${accessToken}` };
    const { devices } = await (await fetch('/api/dm/devices', { headers })).json();
    for (const d of devices) {
      await fetch(`/api/dm/devices/${d.deviceId}`, { method: 'DELETE', headers });
    }
    for (const key of Object.keys(localStorage).filter((k) => k.startsWith('lc-dm:'))) {
      localStorage.removeItem(key);
    }
    await new Promise((resolve) => {
      const r = indexedDB.deleteDatabase(`lescopains-e2ee-${user.id}`);
      r.onsuccess = r.onerror = r.onblocked = resolve;
    });
  });
  await b.goto(BASE_URL + '/');
  await dmReady(b);
  await a.getByTestId('dm-key-changed').waitFor({ timeout: LIVE });
  await a.getByTestId('dm-safety-open').click();
  await a.getByTestId('dm-mark-verified').waitFor({ timeout: LIVE });
  await a.keyboard.press('Escape');

  // Messages flow again with the new keys.
  await send(a, 'Still there, Bob?');
  await openConversation(b, people.conversation);
  await shows(b, 'Still there, Bob?');
});

test("a second device of Alice receives the conversation from the moment it was added", { skip }, async () => {
  const second = await newDevice(browser);
  const page = second.page;
  await page.goto(BASE_URL + '/login');
  await page.getByLabel('Username').fill(people.Alice.username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log In' }).click();
  await dmReady(page);

  const b = people.Bob.device.page;
  await send(b, 'For both of your devices');
  await openConversation(page, people.conversation);
  await shows(page, 'For both of your devices');
  await shows(people.Alice.device.page, 'For both of your devices');
  // What was sent before this device existed was never encrypted for it.
  assert.equal(await page.getByTestId('dm-messages').getByText(SECRET, { exact: true }).count(), 0);

  // Alice's own message from the second device reaches her first device too.
  await send(page, 'Sent from my second browser');
  await shows(people.Alice.device.page, 'Sent from my second browser');
  await shows(b, 'Sent from my second browser');
  second.assertClean();
});
