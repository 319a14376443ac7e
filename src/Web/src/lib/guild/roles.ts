import { fold } from '../chat/social.ts';
import type { Guild, Member, Role } from '../types.ts';

/** Highest first, like the role list and the member list show them. */
export function sortRolesDesc(roles: readonly Role[]): Role[] {
  return [...roles].sort((a, b) => b.position - a.position || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** `#rrggbb` for a colour int, or null for 0 (no colour). */
export function colorHex(color: number): string | null {
  if (!Number.isInteger(color) || color <= 0) {
    return null;
  }
  return '#' + (color & 0xffffff).toString(16).padStart(6, '0');
}

/** The int for `#rrggbb` (or `rrggbb`); null when malformed. */
export function parseColor(hex: string): number | null {
  const m = /^#?([0-9a-f]{6})$/i.exec(hex.trim());
  return m ? parseInt(m[1]!, 16) : null;
}

/** The member's roles, highest first (@everyone excluded). */
export function memberRoles(roleIds: readonly string[], roles: readonly Role[]): Role[] {
  const ids = new Set(roleIds);
  return sortRolesDesc(roles.filter((r) => ids.has(r.id) && r.position > 0));
}

/** The colour a member's name shows in: their highest role that has one. */
export function memberColor(roleIds: readonly string[], roles: readonly Role[]): string | null {
  for (const r of memberRoles(roleIds, roles)) {
    const hex = colorHex(r.color);
    if (hex) {
      return hex;
    }
  }
  return null;
}

/** Position of the member's highest role; 0 with none (only @everyone). */
export function topPosition(roleIds: readonly string[], roles: readonly Role[]): number {
  return memberRoles(roleIds, roles)[0]?.position ?? 0;
}

/** The parts of a guild view the hierarchy rules read. */
type Ranked = Pick<Guild, 'ownerId' | 'roles' | 'me'>;

/** How high the current user stands: the owner above everything. */
export function myRank(guild: Ranked): number {
  return guild.me.userId === guild.ownerId ? Number.POSITIVE_INFINITY : topPosition(guild.me.roles, guild.roles);
}

/** The hierarchy rule: a role strictly below your highest one (the owner manages all). */
export function canManageRole(guild: Ranked, role: Role): boolean {
  return role.position < myRank(guild);
}

/** Nobody acts on the owner or on themselves; others only on members strictly below them. */
export function canActOnMember(guild: Ranked, member: Pick<Member, 'userId' | 'roles'>): boolean {
  if (member.userId === guild.ownerId || member.userId === guild.me.userId) {
    return false;
  }
  return topPosition(member.roles, guild.roles) < myRank(guild);
}

/** The name shown for a member in this guild. */
export function memberName(member: Pick<Member, 'nickname' | 'displayName' | 'username'>): string {
  return member.nickname || member.displayName || member.username;
}

/** Whether a member's shown name or username contains `filter`, case and accents aside (an empty filter matches everyone). */
export function memberMatches(member: Pick<Member, 'nickname' | 'displayName' | 'username'>, filter: string): boolean {
  const q = fold(filter.trim());
  return q === '' || fold(`${memberName(member)} ${member.username}`).includes(q);
}

/**
 * The member list's order: by shown name as the browser compares text, then by user id. The Api pages
 * members in this order (ICU's root collation, as `localeCompare`).
 */
export function compareMembers(a: Pick<Member, 'userId' | 'nickname' | 'displayName' | 'username'>, b: Pick<Member, 'userId' | 'nickname' | 'displayName' | 'username'>): number {
  return memberName(a).localeCompare(memberName(b)) || (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0);
}

/** Members grouped Discord-style under their highest role (all shown, roleless under "Members"). */
export function groupMembers(members: readonly Member[], roles: readonly Role[]): { role: Role | null; members: Member[] }[] {
  const groups = new Map<string | null, Member[]>();
  for (const m of members) {
    const top = memberRoles(m.roles, roles)[0] ?? null;
    const key = top?.id ?? null;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const out: { role: Role | null; members: Member[] }[] = [];
  for (const r of sortRolesDesc(roles)) {
    const list = groups.get(r.id);
    if (list && r.position > 0) {
      out.push({ role: r, members: list.sort(compareMembers) });
    }
  }
  const rest = groups.get(null);
  if (rest) {
    out.push({ role: null, members: rest.sort(compareMembers) });
  }
  return out;
}
