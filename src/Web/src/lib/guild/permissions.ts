/**
 * Permission bits (docs/API.md). They travel as decimal strings because some exceed 2^53, so
 * the client works on BigInt and never on Number.
 */

export type PermissionName =
  | 'CREATE_INVITE' | 'KICK_MEMBERS' | 'BAN_MEMBERS' | 'ADMINISTRATOR' | 'MANAGE_CHANNELS' | 'MANAGE_GUILD'
  | 'ADD_REACTIONS' | 'VIEW_AUDIT_LOG' | 'STREAM' | 'VIEW_CHANNEL' | 'SEND_MESSAGES' | 'MANAGE_MESSAGES'
  | 'ATTACH_FILES' | 'READ_MESSAGE_HISTORY' | 'MENTION_EVERYONE' | 'CONNECT' | 'SPEAK' | 'MUTE_MEMBERS'
  | 'MOVE_MEMBERS' | 'MANAGE_ROLES' | 'MANAGE_GUILD_EXPRESSIONS' | 'MANAGE_THREADS' | 'CREATE_THREADS' | 'SEND_MESSAGES_IN_THREADS'
  | 'MODERATE_MEMBERS' | 'PIN_MESSAGES';

export interface PermissionInfo {
  name: PermissionName;
  bit: number;
  label: string;
  group: 'General' | 'Membership' | 'Text' | 'Voice' | 'Advanced';
  /** Meaningful as a channel overwrite (guild-only permissions are not offered there). */
  channel: boolean;
}

export const PERMISSIONS: readonly PermissionInfo[] = [
  { name: 'VIEW_CHANNEL', bit: 10, label: 'View Channels', group: 'General', channel: true },
  { name: 'MANAGE_CHANNELS', bit: 4, label: 'Manage Channels', group: 'General', channel: true },
  { name: 'MANAGE_ROLES', bit: 28, label: 'Manage Roles', group: 'General', channel: true },
  { name: 'VIEW_AUDIT_LOG', bit: 7, label: 'View Audit Log', group: 'General', channel: false },
  { name: 'MANAGE_GUILD', bit: 5, label: 'Manage Server', group: 'General', channel: false },
  { name: 'MANAGE_GUILD_EXPRESSIONS', bit: 30, label: 'Manage Expressions', group: 'General', channel: false },
  { name: 'CREATE_INVITE', bit: 0, label: 'Create Invite', group: 'Membership', channel: true },
  { name: 'KICK_MEMBERS', bit: 1, label: 'Kick Members', group: 'Membership', channel: false },
  { name: 'BAN_MEMBERS', bit: 2, label: 'Ban Members', group: 'Membership', channel: false },
  { name: 'MODERATE_MEMBERS', bit: 40, label: 'Timeout Members', group: 'Membership', channel: false },
  { name: 'SEND_MESSAGES', bit: 11, label: 'Send Messages', group: 'Text', channel: true },
  { name: 'CREATE_THREADS', bit: 35, label: 'Create Threads', group: 'Text', channel: true },
  { name: 'SEND_MESSAGES_IN_THREADS', bit: 38, label: 'Send Messages in Threads', group: 'Text', channel: true },
  { name: 'MANAGE_THREADS', bit: 34, label: 'Manage Threads', group: 'Text', channel: true },
  { name: 'ATTACH_FILES', bit: 15, label: 'Attach Files', group: 'Text', channel: true },
  { name: 'ADD_REACTIONS', bit: 6, label: 'Add Reactions', group: 'Text', channel: true },
  { name: 'MENTION_EVERYONE', bit: 17, label: 'Mention @everyone', group: 'Text', channel: true },
  { name: 'MANAGE_MESSAGES', bit: 13, label: 'Manage Messages', group: 'Text', channel: true },
  { name: 'PIN_MESSAGES', bit: 51, label: 'Pin Messages', group: 'Text', channel: true },
  { name: 'READ_MESSAGE_HISTORY', bit: 16, label: 'Read Message History', group: 'Text', channel: true },
  { name: 'CONNECT', bit: 20, label: 'Connect', group: 'Voice', channel: true },
  { name: 'SPEAK', bit: 21, label: 'Speak', group: 'Voice', channel: true },
  { name: 'STREAM', bit: 9, label: 'Video', group: 'Voice', channel: true },
  { name: 'MUTE_MEMBERS', bit: 22, label: 'Mute Members', group: 'Voice', channel: true },
  { name: 'MOVE_MEMBERS', bit: 24, label: 'Move Members', group: 'Voice', channel: true },
  { name: 'ADMINISTRATOR', bit: 3, label: 'Administrator', group: 'Advanced', channel: false },
];

const BITS = new Map(PERMISSIONS.map((p) => [p.name, 1n << BigInt(p.bit)]));

/** The bit of a permission. */
export function bit(name: PermissionName): bigint {
  return BITS.get(name)!;
}

/** Parses a decimal string (or nothing) into bits; anything malformed counts as no permission. */
export function parseBits(value: string | null | undefined): bigint {
  if (typeof value !== 'string' || !/^\d{1,30}$/.test(value.trim())) {
    return 0n;
  }
  return BigInt(value.trim());
}

export function formatBits(bits: bigint): string {
  return (bits < 0n ? 0n : bits).toString();
}

/** True when `bits` carry `name` — or ADMINISTRATOR, which implies everything. */
export function can(bits: bigint | string, name: PermissionName): boolean {
  const b = typeof bits === 'string' ? parseBits(bits) : bits;
  return (b & bit('ADMINISTRATOR')) !== 0n || (b & bit(name)) !== 0n;
}

/** `name` exactly as set in `bits` (no ADMINISTRATOR shortcut): what a toggle shows. */
export function hasBit(bits: bigint, name: PermissionName): boolean {
  return (bits & bit(name)) !== 0n;
}

export function withBit(bits: bigint, name: PermissionName, on: boolean): bigint {
  return on ? bits | bit(name) : bits & ~bit(name);
}

/** Names of the known permissions set in `bits`, in table order. */
export function permissionNames(bits: bigint): PermissionName[] {
  return PERMISSIONS.filter((p) => hasBit(bits, p.name)).map((p) => p.name);
}

export function bitsOf(names: readonly PermissionName[]): bigint {
  return names.reduce((acc, n) => acc | bit(n), 0n);
}

/** One permission's state in a channel overwrite. */
export type OverwriteState = 'allow' | 'neutral' | 'deny';

export function overwriteState(allow: bigint, deny: bigint, name: PermissionName): OverwriteState {
  return hasBit(allow, name) ? 'allow' : hasBit(deny, name) ? 'deny' : 'neutral';
}

/** Sets one permission of an overwrite; allow and deny never both carry a bit. */
export function setOverwriteState(
  allow: bigint,
  deny: bigint,
  name: PermissionName,
  state: OverwriteState,
): { allow: bigint; deny: bigint } {
  return {
    allow: withBit(allow, name, state === 'allow'),
    deny: withBit(deny, name, state === 'deny'),
  };
}

/** Any of the permissions that open guild settings. */
export const SETTINGS_PERMISSIONS: readonly PermissionName[] = [
  'MANAGE_GUILD', 'MANAGE_ROLES', 'MANAGE_CHANNELS', 'KICK_MEMBERS', 'BAN_MEMBERS', 'MODERATE_MEMBERS', 'VIEW_AUDIT_LOG',
  'MANAGE_GUILD_EXPRESSIONS',
];

export function canOpenSettings(bits: bigint | string): boolean {
  return SETTINGS_PERMISSIONS.some((p) => can(bits, p));
}
