import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConnectionWatchdog } from '../../src/lib/voice/watchdog.ts';

const { ConnectMs, SilenceMs } = ConnectionWatchdog;

test('subscriber watchdog: a failed or closed connection is replaced at once, a missing one never', () => {
  const w = new ConnectionWatchdog();
  assert.equal(w.check(0, { connection: null, audioPackets: 0, expectAudio: true }), false);
  assert.equal(w.check(1000, { connection: 'failed', audioPackets: 0, expectAudio: false }), true);
  assert.equal(w.check(1500, { connection: 'closed', audioPackets: 0, expectAudio: false }), true, 'closed under the session');
  // It starts counting again after firing: the new connection gets its own time to connect.
  assert.equal(w.check(2000, { connection: 'new', audioPackets: 0, expectAudio: false }), false);
  assert.equal(w.check(2000 + ConnectMs - 1, { connection: 'connecting', audioPackets: 0, expectAudio: false }), false);
});

test('subscriber watchdog: a connection that does not connect in time is replaced; one that recovers is kept', () => {
  const w = new ConnectionWatchdog();
  assert.equal(w.check(0, { connection: 'connecting', audioPackets: 0, expectAudio: false }), false);
  assert.equal(w.check(ConnectMs - 1, { connection: 'connecting', audioPackets: 0, expectAudio: false }), false);
  assert.equal(w.check(ConnectMs, { connection: 'connecting', audioPackets: 0, expectAudio: false }), true);

  const v = new ConnectionWatchdog();
  v.check(0, { connection: 'connected', audioPackets: 10, expectAudio: false });
  assert.equal(v.check(1000, { connection: 'disconnected', audioPackets: 10, expectAudio: false }), false);
  assert.equal(v.check(1000 + ConnectMs - 1, { connection: 'connected', audioPackets: 10, expectAudio: false }), false, 'back in time');
  assert.equal(v.check(1000 + ConnectMs + 1, { connection: 'disconnected', audioPackets: 10, expectAudio: false }), false, 'the clock starts again at the new drop');
});

test('subscriber watchdog: silence is a fault only while someone we hear speaks', () => {
  const w = new ConnectionWatchdog();
  // Nobody speaks (muted, push-to-talk released): no packets for a minute is normal.
  for (let t = 0; t <= 60_000; t += 1000) {
    assert.equal(w.check(t, { connection: 'connected', audioPackets: 5, expectAudio: false }), false);
  }
  // Someone speaks and packets flow.
  for (let t = 61_000, n = 5; t <= 90_000; t += 1000, n += 50) {
    assert.equal(w.check(t, { connection: 'connected', audioPackets: n, expectAudio: true }), false);
  }
  // Someone speaks and nothing arrives: replaced after SilenceMs, counted from the last packet.
  const last = 90_000 + 1000;
  w.check(last, { connection: 'connected', audioPackets: 9999, expectAudio: true });
  assert.equal(w.check(last + SilenceMs - 1, { connection: 'connected', audioPackets: 9999, expectAudio: true }), false);
  assert.equal(w.check(last + SilenceMs, { connection: 'connected', audioPackets: 9999, expectAudio: true }), true);
});
