import type { CustomStatus, PresenceStatus } from './presence/logic.ts';
import type { MessageAuthor } from './types.ts';

/**
 * Friends and friend requests (docs/API.md "Friends"), as the Friends page lists them: pure
 * functions over the relationships by user id, applied to `GET /api/users/@me/relationships` and
 * then to `relationship:update`, `presence:friend` and `user:update` (lib/stores/friends.ts).
 */
export type RelationshipType = 'friend' | 'incoming' | 'outgoing';

export interface Relationship {
  user: MessageAuthor;
  type: RelationshipType;
  since: string;
  /** Friends only: what they show others (never invisible). */
  status?: PresenceStatus;
  customStatus?: CustomStatus | null;
}

export type Relationships = ReadonlyMap<string, Relationship>;

export type FriendsTab = 'online' | 'all' | 'pending' | 'add';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const TYPES: readonly string[] = ['friend', 'incoming', 'outgoing'];
const STATUSES: readonly string[] = ['online', 'idle', 'dnd', 'offline'];

function parseUser(v: unknown): MessageAuthor | null {
  if (!isObj(v) || typeof v.id !== 'string') {
    return null;
  }
  return { id: v.id, username: typeof v.username === 'string' ? v.username : '', displayName: typeof v.displayName === 'string' ? v.displayName : '' };
}

/** One relationship from the server, or null when it is not one. */
export function parseRelationship(v: unknown): Relationship | null {
  const user = isObj(v) ? parseUser(v.user) : null;
  if (!isObj(v) || !user || typeof v.type !== 'string' || !TYPES.includes(v.type)) {
    return null;
  }
  const r: Relationship = { user, type: v.type as RelationshipType, since: typeof v.since === 'string' ? v.since : '' };
  if (r.type === 'friend') {
    r.status = typeof v.status === 'string' && STATUSES.includes(v.status) ? (v.status as PresenceStatus) : 'offline';
    r.customStatus = isObj(v.customStatus) ? (v.customStatus as CustomStatus) : null;
  }
  return r;
}

export function fromList(list: readonly unknown[]): Map<string, Relationship> {
  const map = new Map<string, Relationship>();
  for (const item of list) {
    const r = parseRelationship(item);
    if (r) {
      map.set(r.user.id, r);
    }
  }
  return map;
}

/** `relationship:update`: `{user, type, …}` sets it, `{user: {id}, type: null}` ends it. */
export function applyRelationship(map: Relationships, payload: unknown): Relationships {
  if (!isObj(payload)) {
    return map;
  }
  if (payload.type === null) {
    const id = parseUser(payload.user)?.id;
    if (!id || !map.has(id)) {
      return map;
    }
    const next = new Map(map);
    next.delete(id);
    return next;
  }
  const r = parseRelationship(payload);
  if (!r) {
    return map;
  }
  return new Map(map).set(r.user.id, r);
}

/** `presence:friend` `{userId, status, customStatus?}`: only for someone who is a friend here. */
export function applyFriendPresence(map: Relationships, payload: unknown): Relationships {
  if (!isObj(payload) || typeof payload.userId !== 'string' || typeof payload.status !== 'string' || !STATUSES.includes(payload.status)) {
    return map;
  }
  const r = map.get(payload.userId);
  if (!r || r.type !== 'friend') {
    return map;
  }
  const customStatus = payload.status !== 'offline' && isObj(payload.customStatus) ? (payload.customStatus as CustomStatus) : null;
  return new Map(map).set(r.user.id, { ...r, status: payload.status as PresenceStatus, customStatus });
}

/** `user:update` with a new display name: the Friends page follows. */
export function applyUserUpdate(map: Relationships, payload: unknown): Relationships {
  const u = isObj(payload) && isObj(payload.user) ? payload.user : null;
  const r = u && typeof u.id === 'string' ? map.get(u.id) : undefined;
  if (!r || !u) {
    return map;
  }
  const displayName = typeof u.displayName === 'string' ? u.displayName : r.user.displayName;
  const username = typeof u.username === 'string' ? u.username : r.user.username;
  if (displayName === r.user.displayName && username === r.user.username) {
    return map;
  }
  return new Map(map).set(r.user.id, { ...r, user: { ...r.user, displayName, username } });
}

/** Requests received, waiting for an answer: the count on the Friends tab and the home button. */
export function pendingCount(map: Relationships): number {
  let n = 0;
  for (const r of map.values()) {
    if (r.type === 'incoming') {
      n++;
    }
  }
  return n;
}

const byName = (a: Relationship, b: Relationship) =>
  (a.user.displayName || a.user.username).localeCompare(b.user.displayName || b.user.username, undefined, { sensitivity: 'base' }) ||
  a.user.username.localeCompare(b.user.username);

/**
 * What a tab lists, by name, filtered by `query` (display name or username, case- and
 * accent-insensitive prefix of a word): Online = friends not offline, All = friends, Pending =
 * requests received first, then those sent.
 */
export function listFor(map: Relationships, tab: FriendsTab, query = ''): Relationship[] {
  const q = fold(query.trim());
  const matches = (r: Relationship) =>
    !q || [r.user.displayName, r.user.username].some((name) => fold(name).split(/[\s_.]+/).some((w) => w.startsWith(q)) || fold(name).startsWith(q));
  const all = [...map.values()].filter(matches);
  switch (tab) {
    case 'online':
      return all.filter((r) => r.type === 'friend' && (r.status ?? 'offline') !== 'offline').sort(byName);
    case 'all':
      return all.filter((r) => r.type === 'friend').sort(byName);
    case 'pending':
      return [...all.filter((r) => r.type === 'incoming').sort(byName), ...all.filter((r) => r.type === 'outgoing').sort(byName)];
    default:
      return [];
  }
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
