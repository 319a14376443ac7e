import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultNotify, isMuted, levelIn, mentionCounts, muteLabel, muteUntilFor, nextMuteEnd, wantsNotice, type GuildNotify,
} from '../../src/lib/chat/notify-rules.ts';
import { mentionsMe } from '../../src/lib/chat/social.ts';
import { mentionNotice } from '../../src/lib/chat/notices.ts';
import { newMessagesLabel } from '../../src/lib/chat/timeline.ts';

const NOW = Date.parse('2026-11-27T12:00:00Z');
const at = (minutes: number) => new Date(NOW + minutes * 60_000).toISOString();
const general = { id: 'c1', parentId: 'cat' };
const random = { id: 'c2', parentId: null };
const settings = (o: Partial<GuildNotify>): GuildNotify => ({ ...defaultNotify('g'), ...o });

test('a mute holds on the guild, the channel or its category until its time, and one without a time lasts', () => {
  assert.equal(isMuted(settings({}), general, NOW), false);
  assert.equal(isMuted(settings({ muted: true, muteUntil: null }), random, NOW), true);
  assert.equal(isMuted(settings({ muted: true, muteUntil: at(5) }), random, NOW), true);
  assert.equal(isMuted(settings({ muted: true, muteUntil: at(5) }), random, NOW + 5 * 60_000), false, 'ran out');
  const byCategory = settings({ channels: [{ channelId: 'cat', level: null, muted: true, muteUntil: null }] });
  assert.equal(isMuted(byCategory, general, NOW), true);
  assert.equal(isMuted(byCategory, random, NOW), false);
  const byChannel = settings({ channels: [{ channelId: 'c2', level: null, muted: true, muteUntil: at(-1) }] });
  assert.equal(isMuted(byChannel, random, NOW), false, 'ran out');
  // The server leaves null fields out of its JSON: a mute without muteUntil lasts.
  const asSent = JSON.parse('{"guildId":"g","level":"mentions","suppressEveryone":false,"suppressRoles":false,"muted":false,"channels":[{"channelId":"cat","muted":true}]}') as GuildNotify;
  assert.equal(isMuted(asSent, general, NOW), true);
  assert.equal(isMuted(asSent, { id: 'cat', parentId: null }, NOW), true);
  assert.equal(levelIn({ ...asSent, level: 'all' }, general), 'all');
  assert.equal(muteLabel(undefined, NOW), 'Muted');
  // A thread (not in the channel list) follows its guild.
  assert.equal(isMuted(settings({ muted: true, muteUntil: null }), null, NOW), true);
});

test('the level of a channel is its own, else its category\'s, else the guild\'s', () => {
  const s = settings({ level: 'nothing', channels: [{ channelId: 'cat', level: 'all', muted: false, muteUntil: null }, { channelId: 'c2', level: 'mentions', muted: false, muteUntil: null }] });
  assert.equal(levelIn(s, general), 'all');
  assert.equal(levelIn(s, random), 'mentions');
  assert.equal(levelIn(s, { id: 'c3', parentId: null }), 'nothing');
  assert.equal(levelIn(s, null), 'nothing');
});

test('notifications follow the level; a mute silences all but mentions; "nothing" silences mentions too', () => {
  const cases: [Partial<GuildNotify>, boolean, boolean][] = [
    [{ level: 'mentions' }, false, false],
    [{ level: 'mentions' }, true, true],
    [{ level: 'all' }, false, true],
    [{ level: 'all', muted: true, muteUntil: null }, false, false],
    [{ level: 'all', muted: true, muteUntil: null }, true, true],
    [{ level: 'mentions', muted: true, muteUntil: null }, true, true],
    [{ level: 'nothing' }, true, false],
    [{ level: 'nothing' }, false, false],
  ];
  for (const [s, mention, expected] of cases) {
    assert.equal(wantsNotice(settings(s), random, mention, NOW), expected, JSON.stringify({ s, mention }));
  }
});

test('suppressed @everyone/@here and role mentions do not count; a mention by name always does', () => {
  const s = settings({ suppressEveryone: true, suppressRoles: true });
  assert.deepEqual((['user', 'role', 'everyone'] as const).map((v) => mentionCounts(s, v)), [true, false, false]);
  assert.deepEqual((['user', 'role', 'everyone'] as const).map((v) => mentionCounts(defaultNotify('g'), v)), [true, true, true]);

  const everyone = { mentionEveryone: true };
  const here = { mentionHere: true };
  const role = { mentionRoles: ['r1'] };
  const named = { mentions: ['me'], mentionEveryone: true };
  const check = (m: object, sup: { suppressEveryone: boolean; suppressRoles: boolean }) => mentionsMe(m, 'me', ['r1'], sup);
  assert.deepEqual([everyone, here, role, named].map((m) => check(m, { suppressEveryone: false, suppressRoles: false })), [true, true, true, true]);
  assert.deepEqual([everyone, here, role, named].map((m) => check(m, { suppressEveryone: true, suppressRoles: true })), [false, false, false, true]);
});

test('the next mute to run out is found across guilds and channels; labels say until when', () => {
  const all = [
    settings({ muted: true, muteUntil: at(90) }),
    { ...settings({ channels: [{ channelId: 'c1', level: null, muted: true, muteUntil: at(15) }, { channelId: 'c2', level: null, muted: true, muteUntil: at(-3) }] }), guildId: 'h' },
    settings({ muted: true, muteUntil: null }),
  ];
  assert.equal(nextMuteEnd(all, NOW), NOW + 15 * 60_000);
  assert.equal(nextMuteEnd([settings({ muted: true, muteUntil: null })], NOW), null);
  assert.equal(muteUntilFor(60, NOW), at(60));
  assert.equal(muteUntilFor(null, NOW), null);
  assert.equal(muteLabel(null, NOW), 'Muted');
  assert.match(muteLabel(at(60), NOW, 'en-GB'), /^Muted until \d\d:\d\d$/);
  assert.match(muteLabel(at(60 * 30), NOW, 'en-GB'), /^Muted until \w{3} \d\d:\d\d$/);
});

test('a notification for a message that is not a mention says "New message" without its text', () => {
  assert.deepEqual(mentionNotice({ author: 'Alice', channel: 'general', guild: 'Copains', text: 'hello', preview: false, mention: false }), { title: 'Alice (#general, Copains)', body: 'New message' });
  assert.deepEqual(mentionNotice({ author: 'Alice', channel: 'general', guild: 'Copains', text: 'hello', preview: true, mention: false }), { title: 'Alice (#general, Copains)', body: 'hello' });
  assert.equal(mentionNotice({ author: 'A', channel: null, guild: 'G', text: null, preview: true }).body, 'Mentioned you');
});

test('the bar over a channel counts the others\' messages from the "New" line on, and says since when', () => {
  const now = new Date('2026-11-27T15:00:00');
  const msg = (id: string, author: string, at: string) => ({ id, author: { id: author }, createdAt: new Date(at).toISOString() });
  const list = [msg('a', 'x', '2026-11-27T13:00:00'), msg('b', 'x', '2026-11-27T14:05:00'), msg('c', 'me', '2026-11-27T14:06:00'), msg('d', 'y', '2026-11-27T14:07:00')];
  assert.match(newMessagesLabel(list, 'b', 'me', now, 'en-GB') ?? '', /^2 new messages since 14:05$/);
  assert.match(newMessagesLabel(list, 'd', 'me', now, 'en-GB') ?? '', /^1 new message since 14:07$/);
  assert.match(newMessagesLabel(list, 'c', 'x', now, 'en-GB') ?? '', /^2 new messages since 14:06$/, 'another reader');
  assert.equal(newMessagesLabel(list, 'zz', 'me', now), null, 'the line is not in the list');
  assert.equal(newMessagesLabel([msg('c', 'me', '2026-11-27T14:06:00')], 'c', 'me', now), null, 'only mine');
  assert.match(newMessagesLabel([msg('e', 'x', '2026-11-25T09:00:00')], 'e', 'me', now, 'en-GB') ?? '', /^1 new message since \d\d\/\d\d\/2026 09:00$/);
});

test('a thread\'s own level and mute come first; without them it follows its channel, category and guild', () => {
  const inThread = { ...general, thread: 't1' };
  const ch = (channelId: string, o: { level?: 'all' | 'mentions' | 'nothing' | null; muted?: boolean; muteUntil?: string | null }) =>
    ({ channelId, level: o.level ?? null, muted: o.muted ?? false, muteUntil: o.muteUntil ?? null });
  // Nothing of its own: the channel's, then the category's.
  assert.equal(levelIn(settings({ channels: [ch('c1', { level: 'all' })] }), inThread), 'all');
  assert.equal(levelIn(settings({ channels: [ch('cat', { level: 'nothing' })] }), inThread), 'nothing');
  // Its own level wins over the channel's, in both directions.
  assert.equal(levelIn(settings({ channels: [ch('c1', { level: 'all' }), ch('t1', { level: 'nothing' })] }), inThread), 'nothing');
  assert.equal(levelIn(settings({ channels: [ch('c1', { level: 'nothing' }), ch('t1', { level: 'all' })] }), inThread), 'all');
  assert.equal(wantsNotice(settings({ channels: [ch('t1', { level: 'all' })] }), inThread, false, NOW), true);
  assert.equal(wantsNotice(settings({ channels: [ch('t1', { level: 'all' })] }), general, false, NOW), false);
  // A muted thread: no notice but for mentions; its channel is not muted by it.
  const mutedThread = settings({ level: 'all', channels: [ch('t1', { muted: true, muteUntil: at(10) })] });
  assert.equal(isMuted(mutedThread, inThread, NOW), true);
  assert.equal(isMuted(mutedThread, general, NOW), false);
  assert.equal(wantsNotice(mutedThread, inThread, false, NOW), false);
  assert.equal(wantsNotice(mutedThread, inThread, true, NOW), true);
  assert.equal(isMuted(mutedThread, inThread, NOW + 11 * 60_000), false);
  // A muted channel mutes its threads.
  assert.equal(isMuted(settings({ channels: [ch('c1', { muted: true })] }), inThread, NOW), true);
});
