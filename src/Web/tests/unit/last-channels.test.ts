import assert from 'node:assert/strict';
import { test } from 'node:test';
import { landingChannel, MAX_GUILDS, rememberChannel } from '../../src/lib/stores/last-channels.ts';
import type { Channel } from '../../src/lib/types.ts';

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), raw: m };
}

const ch = (id: string, type: 'text' | 'voice', position: number): Channel =>
  ({ id, guildId: 'g1', name: id, type, position, parentId: null, topic: null, permissionsSynced: true, overwrites: [] });

test('a guild opens on the text channel last open there, while it is still there', () => {
  const s = memory();
  const channels = [ch('general', 'text', 0), ch('random', 'text', 1), ch('talk', 'voice', 2)];
  assert.equal(landingChannel('g1', channels, s)?.id, 'general');
  rememberChannel('g1', 'random', s);
  rememberChannel('g2', 'elsewhere', s);
  assert.equal(landingChannel('g1', channels, s)?.id, 'random');
  // Gone (deleted, or no longer visible): the first text channel; no text channel: a voice one.
  assert.equal(landingChannel('g1', [ch('general', 'text', 0)], s)?.id, 'general');
  assert.equal(landingChannel('g1', [ch('talk', 'voice', 0)], s)?.id, 'talk');
  assert.equal(landingChannel('g1', [], s), null);
});

test('the list keeps the newest guilds only, and bad or missing storage falls back to the first channel', () => {
  const s = memory();
  for (let i = 0; i <= MAX_GUILDS; i++) {
    rememberChannel(`g${i}`, 'random', s);
  }
  const channels = [ch('general', 'text', 0), ch('random', 'text', 1)];
  assert.equal(landingChannel('g0', channels, s)?.id, 'general', 'the oldest went');
  assert.equal(landingChannel(`g${MAX_GUILDS}`, channels, s)?.id, 'random');
  s.raw.set('lescopains.lastChannels', '{not json');
  assert.equal(landingChannel('g1', channels, s)?.id, 'general');
  assert.equal(landingChannel('g1', channels, null)?.id, 'general');
  const full = { getItem: () => null, setItem: () => { throw new Error('full'); } };
  assert.doesNotThrow(() => rememberChannel('g1', 'random', full));
});
