import assert from 'node:assert/strict';
import { test } from 'node:test';
import { conversationTargets, switcherResults, type ConversationSummary, type SwitchTarget } from '../../src/lib/chat/switcher.ts';

const t = (kind: Exclude<SwitchTarget['kind'], 'dm'>, name: string, o: Partial<SwitchTarget> = {}): SwitchTarget => ({
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

// Direct messages, as the DM engine describes them (dm/engine.ts → lib/stores/dm-directory.ts).
const conv = (id: string, title: string, o: Partial<ConversationSummary> = {}): ConversationSummary => ({
  id, title, memberNames: [title], avatarId: `u-${id}`, group: false, unread: 0, muted: false, ...o,
});
const withDms = [
  ...all,
  t('channel', 'alicante'),
  ...conversationTargets([
    conv('c1', 'Alice Ardent', { memberNames: ['Alice Ardent', 'alice_a'], unread: 3 }),
    conv('c2', 'Trio', { group: true, memberNames: ['Alice Ardent', 'alice_a', 'Bob Brisk', 'bobby'] }),
    conv('c3', 'Zoé Quiet', { memberNames: ['Zoé Quiet', 'zq'], unread: 5, muted: true }),
    conv('c4', 'Bob Brisk', { memberNames: ['Bob Brisk', 'bobby'] }),
  ]),
];
const found = (q: string) => switcherResults(q, withDms).map((r) => `${r.kind}:${r.name}`);

test('conversations are listed by the name the DM list shows, and Enter goes to /channels/@me/<id>', () => {
  // Both names start with "ali": Alice's unread messages put her first; Trio only has her as a member.
  assert.deepEqual(found('ali'), ['dm:Alice Ardent', 'channel:alicante', 'dm:Trio']);
  assert.deepEqual(found('zoe'), ['dm:Zoé Quiet']);
  assert.equal(switcherResults('alice', withDms)[0]?.path, '/channels/@me/c1');
  assert.equal(switcherResults('trio', withDms)[0]?.path, '/channels/@me/c2');
});

test('a conversation is also found by a member\'s name or username, after the matches on names', () => {
  // "Brisk": Bob's 1:1 by its name (a word starts with it), the group only through Bob.
  assert.deepEqual(found('brisk'), ['dm:Bob Brisk', 'dm:Trio']);
  assert.deepEqual(found('bobby'), ['dm:Trio', 'dm:Bob Brisk']);
  assert.deepEqual(found('zq'), ['dm:Zoé Quiet']);
});

test('a leading @ keeps conversations only', () => {
  assert.deepEqual(found('@ali'), ['dm:Alice Ardent', 'dm:Trio']);
  assert.deepEqual(found('@ gen'), []);
  assert.deepEqual(found('@'), ['dm:Alice Ardent', 'dm:Bob Brisk', 'dm:Trio', 'dm:Zoé Quiet']);
  assert.deepEqual(found('#ali'), ['channel:alicante']);
});

test('a conversation\'s unread messages are its badge; a muted one waits for nothing', () => {
  const [alice, , zoe] = conversationTargets([
    conv('c1', 'Alice Ardent', { unread: 3 }),
    conv('c2', 'Trio', { group: true }),
    conv('c3', 'Zoé Quiet', { unread: 5, muted: true }),
  ]);
  assert.deepEqual({ unread: alice?.unread, mentions: alice?.mentions }, { unread: true, mentions: 3 });
  assert.deepEqual({ unread: zoe?.unread, mentions: zoe?.mentions }, { unread: false, mentions: 0 });
  // Without text: Alice's 3 messages before #dev-general's 2 mentions; Zoé is muted, Trio has nothing.
  assert.deepEqual(found(''), ['dm:Alice Ardent', 'channel:dev-general', 'channel:random']);
});

test('followed threads are found like channels, after a channel of the same name, and # keeps them with the channels', () => {
  const withThreads = [
    ...all,
    t('thread', 'general', { guildName: 'Copains › #random' }),
    t('thread', 'gear list', { guildName: 'Copains › #general', mentions: 1, unread: true }),
  ];
  const found = (q: string) => switcherResults(q, withThreads).map((r) => `${r.kind}:${r.name}`);
  assert.deepEqual(found('gen'), ['channel:general', 'thread:general', 'voice:General', 'channel:dev-general', 'channel:regen']);
  assert.deepEqual(found('#ge'), ['thread:gear list', 'channel:general', 'thread:general', 'channel:dev-general', 'channel:regen']);
  assert.deepEqual(found('!ge'), ['voice:General']);
  // Without text: a thread with a mention waits like a channel.
  assert.ok(found('').includes('thread:gear list'));
});
