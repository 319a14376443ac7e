import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyKeepAlive, expandMessages, problemOf } from '../../src/lib/gateway.ts';

test('messages:create expands to one message:create per message, in order', () => {
  const a = { id: 'a', channelId: 'c1', seq: 7 };
  const b = { id: 'b', channelId: 'c1', seq: 8 };
  assert.deepEqual(expandMessages({ guildId: 'g', channelId: 'c1', messages: [a, b] }), [
    { guildId: 'g', channelId: 'c1', message: a },
    { guildId: 'g', channelId: 'c1', message: b },
  ]);
});

test('each expanded message keeps its own channel (a thread message names the thread)', () => {
  const inThread = { id: 'x', channelId: 'thread', seq: 1 };
  assert.deepEqual(expandMessages({ guildId: 'g', channelId: 'parent', messages: [inThread] }), [
    { guildId: 'g', channelId: 'thread', message: inThread },
  ]);
});

test('a malformed messages:create yields nothing', () => {
  assert.deepEqual(expandMessages(null), []);
  assert.deepEqual(expandMessages({ guildId: 'g' }), []);
  assert.deepEqual(expandMessages({ guildId: 'g', messages: 'no' }), []);
});

test('the connection waits twice the server keep-alive before giving up, and pings as often as the server', () => {
  const conn = { serverTimeoutInMilliseconds: 30_000, keepAliveIntervalInMilliseconds: 15_000 };
  applyKeepAlive(conn, 30_000);
  assert.deepEqual(conn, { serverTimeoutInMilliseconds: 60_000, keepAliveIntervalInMilliseconds: 30_000 });
  applyKeepAlive(conn, 5_000);
  assert.deepEqual(conn, { serverTimeoutInMilliseconds: 10_000, keepAliveIntervalInMilliseconds: 5_000 });
});

test('a ready without a usable keep-alive (an older server) leaves the timers alone', () => {
  for (const bad of [undefined, null, 0, -1, Number.NaN, '30000']) {
    const conn = { serverTimeoutInMilliseconds: 30_000, keepAliveIntervalInMilliseconds: 15_000 };
    applyKeepAlive(conn, bad);
    assert.deepEqual(conn, { serverTimeoutInMilliseconds: 30_000, keepAliveIntervalInMilliseconds: 15_000 }, String(bad));
  }
});

test('a close for too many connections is recognised, other errors are not', () => {
  const refused = new Error('Server returned an error on close: Connection closed with an error. HubException: too_many_connections: This account already has 20 connections open on this server; close a tab or sign out another device.');
  assert.equal(problemOf(refused), 'too_many_connections');
  assert.equal(problemOf('HubException: too_many_connections: …'), 'too_many_connections');
  for (const other of [new Error('WebSocket closed with status code: 1006'), new Error('rate_limited: Too many requests'), undefined, null, 42]) {
    assert.equal(problemOf(other), null, String(other));
  }
});
