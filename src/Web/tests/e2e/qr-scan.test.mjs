// Scanning a safety code with the camera, in Chromium with a fake camera that plays a video of a
// QR code (--use-file-for-fake-video-capture). Self-contained: it builds src/dm/qr-scan.ts and the
// crypto module with Vite and serves them from its own loopback server (no stack needed). The
// full flow in the app (scan → device marked verified) is in dm.test.mjs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createServer } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import qrcode from 'qrcode-generator';
import { build } from 'vite';
import { launch } from './browser.mjs';
import { fakeCameraArgs, writeQrY4m } from './qr-video.mjs';

let dir;
let server;
let origin;
let browser;
let video;
const files = {};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lc-qr-'));
  for (const [name, entry] of [
    ['qr-scan', '../../src/dm/qr-scan.ts'],
    ['e2ee', '../../src/crypto/index.ts'],
  ]) {
    const out = join(dir, name);
    await build({
      configFile: false,
      logLevel: 'warn',
      build: {
        outDir: out,
        emptyOutDir: true,
        target: 'es2022',
        lib: { entry: new URL(entry, import.meta.url).pathname, formats: ['es'], fileName: name },
      },
    });
    // The lib build may split jsQR into its own chunk: serve every file it wrote.
    for (const f of (await import('node:fs')).readdirSync(out)) {
      files[`/${f}`] = readFileSync(join(out, f));
    }
  }
  server = createServer((req, res) => {
    const body = files[req.url];
    if (body) {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(body);
    } else {
      res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': "default-src 'self'" });
      res.end('<!doctype html><title>qr</title><video id="v"></video>');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  video = join(dir, 'camera.y4m');
  writeQrY4m(video, '');
  browser = await launch(fakeCameraArgs(video));
});

after(async () => {
  await browser?.close();
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a safety code shown to the fake camera is read and matches crosswise; another code does not', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(origin);

  // Two real safety numbers from Alice's and Bob's points of view.
  const codes = await page.evaluate(async () => {
    const m = await import('/e2ee.js');
    const a = await m.createDevice(new m.MemoryStore(), { oneTimePreKeys: 0, oneTimeKyberPreKeys: 0 });
    const b = await m.createDevice(new m.MemoryStore(), { oneTimePreKeys: 0, oneTimeKyberPreKeys: 0 });
    const c = await m.createDevice(new m.MemoryStore(), { oneTimePreKeys: 0, oneTimeKyberPreKeys: 0 });
    const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
    const alice = { id: 'alice', identityKey: a.device.identityKey };
    const bob = { id: 'bob', identityKey: b.device.identityKey };
    const mallory = { id: 'bob', identityKey: c.device.identityKey };
    return {
      aliceView: b64((await m.safetyNumber(alice, bob)).scannable),
      bobView: b64((await m.safetyNumber(bob, alice)).scannable),
      malloryView: b64((await m.safetyNumber(mallory, alice)).scannable),
    };
  });

  const scanAndCompare = (mine) =>
    page.evaluate(async (mine) => {
      const { scanQr } = await import('/qr-scan.js');
      const { compareScannable } = await import('/e2ee.js');
      const v = document.getElementById('v');
      const scan = await scanQr(v, (t) => t.length > 20, { forceFallback: !('BarcodeDetector' in window) });
      const timeout = setTimeout(() => scan.stop(), 15000);
      const text = await scan.result;
      clearTimeout(timeout);
      const bytes = (s) => Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
      return {
        text,
        decoder: scan.decoder,
        match: compareScannable(bytes(mine), bytes(text)),
        cameraReleased: v.srcObject === null,
      };
    }, mine);

  // Bob's screen in front of Alice's camera.
  writeQrY4m(video, codes.bobView);
  const good = await scanAndCompare(codes.aliceView);
  assert.equal(good.text, codes.bobView);
  assert.equal(good.match, true);
  assert.equal(good.cameraReleased, true);
  console.log(`decoder used: ${good.decoder}`);

  // A man in the middle's code (another identity for "bob"): read, but no match.
  writeQrY4m(video, codes.malloryView);
  const bad = await scanAndCompare(codes.aliceView);
  assert.equal(bad.text, codes.malloryView);
  assert.equal(bad.match, false);
  assert.deepEqual(errors, []);
  await context.close();
});

test('the jsQR fallback decodes a rendered safety-code image (the path used where BarcodeDetector is missing)', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(origin);
  // libsignal's published vector, Alice's scannable bytes, as the screen encodes them (base64).
  const text = Buffer.from(
    '080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d',
    'hex',
  ).toString('base64');
  const q = qrcode(0, 'M');
  q.addData(text);
  q.make();
  const modules = Array.from({ length: q.getModuleCount() }, (_, r) => Array.from({ length: q.getModuleCount() }, (_, c) => (q.isDark(r, c) ? 1 : 0)));
  const decoded = await page.evaluate(async (modules) => {
    const { decodeImageData } = await import('/qr-scan.js');
    const cell = 6;
    const size = (modules.length + 8) * cell;
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = size;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, size, size);
    const blank = await decodeImageData(ctx.getImageData(0, 0, size, size));
    ctx.fillStyle = '#000';
    modules.forEach((row, r) => row.forEach((dark, c) => dark && ctx.fillRect((c + 4) * cell, (r + 4) * cell, cell, cell)));
    return { blank, text: await decodeImageData(ctx.getImageData(0, 0, size, size)) };
  }, modules);
  assert.equal(decoded.blank, null);
  assert.equal(decoded.text, text);
  await context.close();
});
