import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  applyPositions, buildChannelTree, firstTextChannel, moveCategory, moveChannel, normalizeChannelName, placeChannel,
} from '../../src/lib/guild/channels.ts';
import { inviteLink, parseInviteCode } from '../../src/lib/guild/invites.ts';
import {
  bit, bitsOf, can, canOpenSettings, formatBits, parseBits, permissionNames, overwriteState, setOverwriteState, withBit,
} from '../../src/lib/guild/permissions.ts';
import {
  canActOnMember, canManageRole, colorHex, compareMembers, groupMembers, memberMatches, memberColor, parseColor, sortRolesDesc, topPosition,
} from '../../src/lib/guild/roles.ts';
import type { Channel, Guild, Member, Role } from '../../src/lib/types.ts';

function ch(id: string, type: Channel['type'], position: number, parentId: string | null = null): Channel {
  return { id, guildId: 'g', type, name: id, topic: null, parentId, position, permissionsSynced: true, overwrites: [] };
}

// Text Channels › #general #random, Voice Channels › General, plus a top-level #rules.
const channels: Channel[] = [
  ch('voice-cat', 'category', 1),
  ch('text-cat', 'category', 0),
  ch('random', 'text', 1, 'text-cat'),
  ch('general', 'text', 0, 'text-cat'),
  ch('lounge', 'voice', 0, 'voice-cat'),
  ch('rules', 'text', 0),
];

test('permission bits parse and format as decimal strings through BigInt, beyond 2^53', () => {
  assert.equal(parseBits('2251799813685248'), 1n << 51n);
  assert.equal(bit('PIN_MESSAGES'), 1n << 51n);
  assert.equal(bit('MODERATE_MEMBERS'), 1n << 40n);
  assert.equal(formatBits((1n << 51n) | 1n), '2251799813685249');
  assert.equal(parseBits(''), 0n);
  assert.equal(parseBits('-5'), 0n);
  assert.equal(parseBits('1e3'), 0n);
  assert.equal(parseBits(null), 0n);
  assert.deepEqual(permissionNames(parseBits('1040')), ['VIEW_CHANNEL', 'MANAGE_CHANNELS']);
  assert.equal(bitsOf(['VIEW_CHANNEL', 'SEND_MESSAGES']), 3072n);
  assert.equal(withBit(3072n, 'SEND_MESSAGES', false), 1024n);
  assert.equal(withBit(0n, 'PIN_MESSAGES', true).toString(), '2251799813685248');
});

test('ADMINISTRATOR implies every permission', () => {
  assert.ok(can('8', 'MANAGE_ROLES'));
  assert.ok(can(bit('PIN_MESSAGES'), 'PIN_MESSAGES'));
  assert.ok(!can('1024', 'MANAGE_ROLES'));
  assert.ok(canOpenSettings(bit('VIEW_AUDIT_LOG')));
  assert.ok(!canOpenSettings(bitsOf(['VIEW_CHANNEL', 'SEND_MESSAGES', 'CREATE_INVITE'])));
});

test('overwrite states are three-way and allow/deny never overlap', () => {
  let ow = setOverwriteState(0n, 0n, 'VIEW_CHANNEL', 'deny');
  assert.equal(overwriteState(ow.allow, ow.deny, 'VIEW_CHANNEL'), 'deny');
  ow = setOverwriteState(ow.allow, ow.deny, 'VIEW_CHANNEL', 'allow');
  assert.deepEqual(ow, { allow: 1024n, deny: 0n });
  ow = setOverwriteState(ow.allow, ow.deny, 'VIEW_CHANNEL', 'neutral');
  assert.deepEqual(ow, { allow: 0n, deny: 0n });
  assert.equal(overwriteState(0n, 0n, 'SPEAK'), 'neutral');
});

test('channels group under their categories in position order; orphans go to the top level', () => {
  const tree = buildChannelTree([...channels, ch('orphan', 'text', 5, 'hidden-cat')]);
  assert.deepEqual(
    tree.map((g) => [g.category?.id ?? null, g.channels.map((c) => c.id)]),
    [
      [null, ['rules', 'orphan']],
      ['text-cat', ['general', 'random']],
      ['voice-cat', ['lounge']],
    ],
  );
  assert.equal(firstTextChannel(channels)?.id, 'rules');
  assert.equal(firstTextChannel(channels.filter((c) => c.id !== 'rules'))?.id, 'general');
  assert.deepEqual(buildChannelTree([]), [{ category: null, channels: [] }]);
});

test('equal positions sort by id so every client shows the same order', () => {
  const tree = buildChannelTree([ch('b', 'text', 0), ch('a', 'text', 0)]);
  assert.deepEqual(tree[0]!.channels.map((c) => c.id), ['a', 'b']);
});

test('placing a channel renumbers its siblings and moves it between categories', () => {
  // Within a category: #random above #general.
  assert.deepEqual(placeChannel(channels, 'random', 'text-cat', 0), [
    { id: 'random', position: 0 },
    { id: 'general', position: 1 },
  ]);
  // Into the voice category, after "lounge": the parent travels with the move.
  assert.deepEqual(placeChannel(channels, 'general', 'voice-cat', 1), [
    { id: 'random', position: 0 },
    { id: 'general', position: 1, parentId: 'voice-cat' },
  ]);
  // To the top level.
  assert.deepEqual(placeChannel(channels, 'random', null, 0), [
    { id: 'rules', position: 1 },
    { id: 'random', position: 0, parentId: null },
  ]);
  assert.deepEqual(placeChannel(channels, 'general', 'text-cat', 0), [], 'no change, nothing sent');
  assert.deepEqual(placeChannel(channels, 'text-cat', null, 0), [], 'categories are not placed as channels');
});

test('keyboard moves step through categories', () => {
  assert.deepEqual(moveChannel(channels, 'general', 1), [
    { id: 'random', position: 0 },
    { id: 'general', position: 1 },
  ]);
  // Up from the top of "Text Channels" lands at the end of the top level.
  assert.deepEqual(moveChannel(channels, 'general', -1), [
    { id: 'random', position: 0 },
    { id: 'general', position: 1, parentId: null },
  ]);
  // Down from the end of "Text Channels" lands first in "Voice Channels".
  assert.deepEqual(moveChannel(channels, 'random', 1), [
    { id: 'lounge', position: 1 },
    { id: 'random', position: 0, parentId: 'voice-cat' },
  ]);
  assert.equal(moveChannel(channels, 'rules', -1), null);
  assert.equal(moveChannel(channels, 'lounge', 1), null);
  assert.deepEqual(moveCategory(channels, 'voice-cat', -1), [
    { id: 'voice-cat', position: 0 },
    { id: 'text-cat', position: 1 },
  ]);
  assert.equal(moveCategory(channels, 'text-cat', -1), null);
});

test('position changes apply locally', () => {
  const moved = applyPositions(channels, moveChannel(channels, 'random', 1)!);
  const tree = buildChannelTree(moved);
  assert.deepEqual(tree[2]!.channels.map((c) => c.id), ['random', 'lounge']);
  assert.deepEqual(tree[1]!.channels.map((c) => c.id), ['general']);
});

test('channel names are normalised like Discord text channels', () => {
  assert.equal(normalizeChannelName('  Staff Room ', 'text'), 'staff-room');
  assert.equal(normalizeChannelName('#staff', 'text'), 'staff');
  assert.equal(normalizeChannelName(' Gaming Room ', 'voice'), 'Gaming Room');
});

test('invite codes are taken from bare codes and links', () => {
  assert.equal(parseInviteCode('  aB3xY9 '), 'aB3xY9');
  assert.equal(parseInviteCode('https://chat.example.org/invite/aB3xY9'), 'aB3xY9');
  assert.equal(parseInviteCode('http://127.0.0.1:3000/invite/aB3xY9/'), 'aB3xY9');
  assert.equal(parseInviteCode('chat.example.org/invite/aB3xY9'), 'aB3xY9');
  assert.equal(parseInviteCode('https://chat.example.org/other/aB3xY9'), null);
  assert.equal(parseInviteCode('javascript:alert(1)'), null);
  assert.equal(parseInviteCode('ftp://host/invite/abc'), null);
  assert.equal(parseInviteCode(''), null);
  assert.equal(parseInviteCode('has spaces'), null);
  assert.equal(inviteLink('https://chat.example.org', 'aB3xY9'), 'https://chat.example.org/invite/aB3xY9');
});

const everyone: Role = { id: 'g', name: '@everyone', color: 0, position: 0, permissions: '1024' };
const mod: Role = { id: 'mod', name: 'Mod', color: 0, position: 2, permissions: '2' };
const staff: Role = { id: 'staff', name: 'Staff', color: 0x1abc9c, position: 1, permissions: '0' };
const admin: Role = { id: 'admin', name: 'Admin', color: 0xe74c3c, position: 3, permissions: '8' };
const roles = [everyone, staff, mod, admin];

function member(userId: string, roleIds: string[], nickname: string | null = null): Member {
  return { userId, username: userId, displayName: userId.toUpperCase(), nickname, roles: roleIds, joinedAt: '', timeoutUntil: null };
}

function guildAs(userId: string, roleIds: string[]): Guild {
  return {
    id: 'g', name: 'G', ownerId: 'owner', createdAt: '', memberCount: 3, roles, channels,
    me: { userId, nickname: null, roles: roleIds, joinedAt: '', timeoutUntil: null, permissions: '0', channelPermissions: {} },
  };
}

test('role colours convert between ints and #rrggbb', () => {
  assert.equal(colorHex(0x1abc9c), '#1abc9c');
  assert.equal(colorHex(0xff), '#0000ff');
  assert.equal(colorHex(0), null);
  assert.equal(parseColor('#1ABC9C'), 0x1abc9c);
  assert.equal(parseColor('1abc9c'), 0x1abc9c);
  assert.equal(parseColor('#12345'), null);
});

test('a member shows in the colour of their highest coloured role', () => {
  assert.equal(memberColor(['mod', 'staff'], roles), '#1abc9c', 'Mod has no colour, Staff does');
  assert.equal(memberColor(['admin', 'staff'], roles), '#e74c3c');
  assert.equal(memberColor([], roles), null);
  assert.deepEqual(sortRolesDesc(roles).map((r) => r.id), ['admin', 'mod', 'staff', 'g']);
  assert.equal(topPosition(['staff', 'mod'], roles), 2);
});

test('hierarchy: only roles and members strictly below you; the owner is untouchable', () => {
  const asMod = guildAs('m', ['mod']);
  assert.ok(canManageRole(asMod, staff));
  assert.ok(canManageRole(asMod, everyone));
  assert.ok(!canManageRole(asMod, mod), 'not your own highest role');
  assert.ok(!canManageRole(asMod, admin));
  assert.ok(canActOnMember(asMod, member('x', ['staff'])));
  assert.ok(!canActOnMember(asMod, member('y', ['mod'])));
  assert.ok(!canActOnMember(asMod, member('owner', [])));
  assert.ok(!canActOnMember(asMod, member('m', ['mod'])), 'not yourself');
  const asOwner = guildAs('owner', []);
  assert.ok(canManageRole(asOwner, admin));
  assert.ok(canActOnMember(asOwner, member('z', ['admin'])));
});

test('the member list order: shown name as the browser compares it (case and accents aside), then user id', () => {
  // The Api pages in this order (docs/API.md); code-point order would put "Bravo" before "alpha" and "foxtrot" before "Écho".
  const named = ['Écho', 'foxtrot', 'Bravo', 'alpha', 'delta'].map((n, i) => member(`u${i}`, [], n));
  assert.deepEqual([...named].sort(compareMembers).map((m) => m.nickname), ['alpha', 'Bravo', 'delta', 'Écho', 'foxtrot']);
  assert.ok(compareMembers(member('u1', [], 'Same'), member('u2', [], 'Same')) < 0, 'same name: by user id');
  assert.equal(compareMembers(member('u1', [], 'Same'), member('u1', [], 'Same')), 0);
});

test('the member filter matches shown name and username anywhere, case and accents aside', () => {
  const zoe = { ...member('zm', [], 'Zoé Martin'), username: 'zmartin' };
  assert.ok(memberMatches(zoe, 'zoe'));
  assert.ok(memberMatches(zoe, 'MARTIN'));
  assert.ok(memberMatches(zoe, ' zmart '));
  assert.ok(memberMatches(zoe, ''), 'an empty filter matches everyone');
  assert.ok(!memberMatches(zoe, 'zoey'));
});

test('members group under their highest role, the rest under "Members"', () => {
  const groups = groupMembers([member('b', []), member('a', ['staff']), member('c', ['admin', 'staff']), member('d', [], 'Aa')], roles);
  assert.deepEqual(
    groups.map((g) => [g.role?.name ?? null, g.members.map((m) => m.userId)]),
    [['Admin', ['c']], ['Staff', ['a']], [null, ['d', 'b']]],
  );
});
