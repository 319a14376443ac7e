// The E2EE module in a real browser: IndexedDB store with a non-extractable storage key, records
// sealed at rest, sessions surviving a reload. Self-contained: it builds src/crypto with Vite and
// serves it from its own loopback server (no stack needed).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { launch } from './browser.mjs';

let dir;
let server;
let origin;
let browser;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lc-e2ee-'));
  await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: dir,
      emptyOutDir: true,
      target: 'es2022',
      lib: { entry: new URL('../../src/crypto/index.ts', import.meta.url).pathname, formats: ['es'], fileName: 'e2ee' },
    },
  });
  const js = readFileSync(join(dir, 'e2ee.js'));
  server = createServer((req, res) => {
    if (req.url === '/e2ee.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(js);
    } else {
      res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': "default-src 'self'" });
      res.end('<!doctype html><title>e2ee</title>');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('devices in IndexedDB: sealed records, non-extractable key, sessions survive a reload', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(origin);

  const first = await page.evaluate(async () => {
    const m = await import('/e2ee.js');
    const enc = (s) => new TextEncoder().encode(s);
    const dec = (b) => new TextDecoder().decode(b);
    const a = await m.createDevice(await m.openIndexedDbStore('alice'), { oneTimePreKeys: 2, oneTimeKyberPreKeys: 2 });
    const b = await m.createDevice(await m.openIndexedDbStore('bob'), { oneTimePreKeys: 2, oneTimeKyberPreKeys: 2 });
    const bundle = {
      deviceId: 1,
      registrationId: b.upload.registrationId,
      identityKey: b.upload.identityKey,
      signedPreKey: b.upload.signedPreKey,
      kyberPreKey: b.upload.oneTimeKyberPreKeys[0],
      oneTimePreKey: b.upload.oneTimePreKeys[0],
    };
    const [e] = await a.device.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc('hello bob'), async () => [bundle]);
    const got = await b.device.decrypt({ senderUserId: 'alice', senderDeviceId: 1, type: e.type, body: e.body });
    const [r] = await b.device.encryptForDevices([{ userId: 'alice', deviceId: 1 }], enc('hello alice'));
    const back = await a.device.decrypt({ senderUserId: 'bob', senderDeviceId: 1, type: r.type, body: r.body });
    return { type: e.type, got: dec(got.plaintext), back: dec(back.plaintext), alice: a.device.identityKey, bob: b.device.identityKey };
  });
  assert.deepEqual([first.type, first.got, first.back], ['prekey', 'hello bob', 'hello alice']);

  await page.reload();
  const second = await page.evaluate(async () => {
    const m = await import('/e2ee.js');
    const enc = (s) => new TextEncoder().encode(s);
    const dec = (b) => new TextDecoder().decode(b);
    const a = await m.loadDevice(await m.openIndexedDbStore('alice'));
    const b = await m.loadDevice(await m.openIndexedDbStore('bob'));
    const [e] = await a.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc('after reload'));
    const got = await b.decrypt({ senderUserId: 'alice', senderDeviceId: 1, type: e.type, body: e.body });
    let replay = 'accepted';
    try {
      await b.decrypt({ senderUserId: 'alice', senderDeviceId: 1, type: e.type, body: e.body });
    } catch (err) {
      replay = err.code;
    }

    // What is at rest: the storage key and the sealed records, read with raw IndexedDB.
    const db = await new Promise((res, rej) => {
      const r = indexedDB.open('bob');
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
    const get = (store, key) =>
      new Promise((res, rej) => {
        const r = db.transaction(store).objectStore(store).get(key);
        r.onsuccess = () => res(r.result);
        r.onerror = () => rej(r.error);
      });
    const key = await get('keys', 'storage');
    let exported = 'exported';
    try {
      await crypto.subtle.exportKey('raw', key);
    } catch (err) {
      exported = err.name;
    }
    const sealed = await get('values', 'local/device');
    const text = new TextDecoder('latin1').decode(sealed);
    return {
      identityA: a.identityKey,
      identityB: b.identityKey,
      got: dec(got.plaintext),
      type: e.type,
      replay,
      keyType: Object.prototype.toString.call(key),
      extractable: key.extractable,
      exported,
      sealedLooksLikeJson: text.includes('identity') || text.includes('privateKey') || text.startsWith('{'),
    };
  });
  assert.equal(second.identityA, first.alice);
  assert.equal(second.identityB, first.bob);
  assert.equal(second.got, 'after reload');
  assert.equal(second.type, 'message');
  assert.equal(second.replay, 'duplicate-message');
  assert.equal(second.keyType, '[object CryptoKey]');
  assert.equal(second.extractable, false);
  assert.equal(second.exported, 'InvalidAccessError');
  assert.equal(second.sealedLooksLikeJson, false);
  assert.deepEqual(errors, []);
  await context.close();
});
