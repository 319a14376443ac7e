import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  defaultNotify, isMuted, levelIn, mentionCounts, muteLabel, muteUntilFor, nextMuteEnd, wantsNotice, type GuildNotify,
} from '../../src/lib/chat/notify-rules.ts';
import { mentionsMe } from '../../src/lib/chat/social.ts';
import { mentionNotice } from '../../src/lib/chat/notices.ts';

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
