// The hub connection of a quiet tab: the server pings it every WS_PING_INTERVAL (announced in
// `ready.keepAliveMs`), and the client must not give up on the server between two pings. A tab
// that dropped and reopened its connection every half minute would restart voice sessions and
// turn cameras off. Needs the real stack: the mock has no keep-alive.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, needsRealStack as skip, newDevice, register } from './browser.mjs';

let browser;
before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

test('an idle tab keeps its one hub connection past the server keep-alive', { skip }, async () => {
  const device = await newDevice(browser);
  const page = device.page;
  const sockets = [];
  let keepAliveMs = null;
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/hubs/gateway')) {
      return;
    }
    const socket = { url: ws.url(), closed: false };
    sockets.push(socket);
    ws.on('close', () => (socket.closed = true));
    ws.on('framereceived', (f) => {
      const m = /"target":"ready","arguments":\[(\{.*\})\]/.exec(String(f.payload));
      if (m) {
        keepAliveMs = JSON.parse(m[1]).keepAliveMs;
      }
    });
  });
  await register(page, 'Idle Ida');
  assert.equal(typeof keepAliveMs, 'number', 'ready announces the server keep-alive');
  // Quiet for one and a half keep-alive periods: the old client gave up after 30 s whatever the
  // server's period, so with the default 30 s pings it reconnected before the first one came.
  await page.waitForTimeout(Math.max(keepAliveMs, 30_000) * 1.5);
  assert.equal(await page.locator('[data-connection]').getAttribute('data-connection'), 'connected');
  assert.deepEqual(
    sockets.map((s) => s.closed),
    [false],
    'one connection, never closed',
  );
  device.assertClean();
});
