import assert from 'node:assert/strict';
import { test } from 'node:test';
import { switcherResults, type SwitchTarget } from '../../src/lib/chat/switcher.ts';

const t = (kind: SwitchTarget['kind'], name: string, o: Partial<SwitchTarget> = {}): SwitchTarget => ({
  kind, id: `${kind}-${name}`, name, guildName: kind === 'guild' ? null : 'Copains', path: `/x/${name}`, unread: false, mentions: 0, ...o,
});
const all = [
  t('channel', 'general'),
  t('channel', 'random', { unread: true }),
  t('channel', 'dev-general', { mentions: 2, unread: true }),
  t('channel', 'café-crème'),
  t('voice', 'General'),
  t('guild', 'Les Copains', { mentions: 2, unread: true }),
  t('channel', 'regen'),
];
const names = (q: string) => switcherResults(q, all).map((r) => `${r.kind}:${r.name}`);

test('names that start with the text come first, then a word that does, then any match; case and accents do not matter', () => {
  assert.deepEqual(names('gen'), ['channel:general', 'voice:General', 'channel:dev-general', 'channel:regen']);
  assert.deepEqual(names('CAFE'), ['channel:café-crème']);
  assert.deepEqual(names('creme'), ['channel:café-crème']);
  assert.deepEqual(names('copains'), ['guild:Les Copains']);
  assert.deepEqual(names('zzz'), []);
});

test('a leading # keeps text channels, ! voice channels, * guilds', () => {
  assert.deepEqual(names('#gen'), ['channel:general', 'channel:dev-general', 'channel:regen']);
  assert.deepEqual(names('!gen'), ['voice:General']);
  assert.deepEqual(names('*'), ['guild:Les Copains']);
});

test('without text, the channels where something waits: mentions, then unread; not their guild, nothing else', () => {
  assert.deepEqual(names(''), ['channel:dev-general', 'channel:random']);
  assert.equal(switcherResults('', Array.from({ length: 30 }, (_, i) => t('channel', `c${i}`, { unread: true })), 5).length, 5);
});
