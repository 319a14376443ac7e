import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockLabel, lastSent, noteSent, SLOWMODE_CHOICES, slowmodeLabel, waitLeft } from '../../src/lib/chat/slowmode.ts';

test('slowmode values read as Discord shows them', () => {
  assert.deepEqual(SLOWMODE_CHOICES.map(slowmodeLabel), ['Off', '5s', '10s', '15s', '30s', '1m', '2m', '5m', '10m', '15m', '30m', '1h', '2h', '6h']);
  assert.equal(slowmodeLabel(90), '1m 30s');
  assert.equal(slowmodeLabel(3661), '1h 1m 1s');
});

test('the countdown starts at the send, rounds up, and ends at zero', () => {
  assert.equal(waitLeft(null, 10, 5_000), 0);
  assert.equal(waitLeft(1_000, 0, 1_500), 0, 'slowmode off (or exempt)');
  assert.equal(waitLeft(1_000, 10, 1_000), 10);
  assert.equal(waitLeft(1_000, 10, 1_001), 10, 'a part of a second counts as one');
  assert.equal(waitLeft(1_000, 10, 10_999), 1);
  assert.equal(waitLeft(1_000, 10, 11_000), 0);
  assert.equal(waitLeft(1_000, 10, 99_000), 0);
  assert.equal(clockLabel(9), '0:09');
  assert.equal(clockLabel(245), '4:05');
  assert.equal(clockLabel(3600), '1:00:00');
  assert.equal(clockLabel(21_600), '6:00:00');
});

test('each channel keeps its own last send', () => {
  noteSent('a', 1_000);
  noteSent('b', 2_000);
  assert.equal(lastSent('a'), 1_000);
  assert.equal(lastSent('b'), 2_000);
  assert.equal(lastSent('c'), null);
});
