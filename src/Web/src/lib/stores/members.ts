import { writable, type Readable } from 'svelte/store';
import { describeError } from '../messages.ts';
import { compareMembers } from '../guild/roles.ts';
import type { Member } from '../types.ts';
import { onGatewayEvent } from '../gateway.ts';
import { api, namePatch, ownProfileChanged, type NamePatch } from './session.ts';

/** The member list of a guild, loaded page by page (the Api pages by shown name, `compareMembers`). */
export interface MemberList {
  members: Member[];
  /** Where the next page starts (the Api's cursor); null before the first page and after the last. */
  next: string | null;
  /** Members looked up by id (online ones past the loaded pages); not part of the pages. */
  extra: Record<string, Member>;
  /** Ids looked up that are not members (a presence entry that outlived its membership for a moment): not asked again until they join. */
  absent: Record<string, true>;
  loading: boolean;
  /** True once a page came back without a `next`: there is nothing after the last member. */
  complete: boolean;
  error: string | null;
}

export const MEMBER_PAGE = 200;

/** User ids per lookup (`GET …/members?ids=`), the Api's limit. */
export const MEMBER_LOOKUP = 100;

const state = writable<Record<string, MemberList>>({});
export const members: Readable<Record<string, MemberList>> = { subscribe: state.subscribe };

const empty = (): MemberList => ({ members: [], next: null, extra: {}, absent: {}, loading: false, complete: false, error: null });

/** Per guild: the ids being looked up. */
const lookingUp = new Map<string, Set<string>>();

/** Every member known in a guild: the loaded pages and the ones looked up. */
export function knownMembers(list: MemberList | undefined): Map<string, Member> {
  const known = new Map<string, Member>(Object.entries(list?.extra ?? {}));
  for (const m of list?.members ?? []) {
    known.set(m.userId, m);
  }
  return known;
}

function patch(guildId: string, fn: (l: MemberList) => MemberList): void {
  state.update((s) => ({ ...s, [guildId]: fn(s[guildId] ?? empty()) }));
}

let current: Record<string, MemberList> = {};
state.subscribe((s) => (current = s));

/** Loads the first page, or the next one with `more`. */
export async function loadMembers(guildId: string, more = false): Promise<void> {
  const list = current[guildId];
  if (list?.loading || (!more && list && list.members.length > 0) || (more && list?.complete)) {
    return;
  }
  const after = more ? (list?.next ?? null) : null;
  patch(guildId, (l) => ({ ...l, loading: true, error: null }));
  try {
    // `next` is left out after the last member (the Api omits nulls).
    const { members: page, next = null } = await api.listMembers(guildId, after, MEMBER_PAGE);
    patch(guildId, (l) => {
      const known = new Set(l.members.map((m) => m.userId));
      const paged = new Set(page.map((m) => m.userId));
      const extra = Object.fromEntries(Object.entries(l.extra).filter(([id]) => !paged.has(id)));
      return { ...l, members: [...l.members, ...page.filter((m) => !known.has(m.userId))], next, extra, loading: false, complete: next === null, error: null };
    });
  } catch (err) {
    patch(guildId, (l) => ({ ...l, loading: false, error: describeError(err) }));
  }
}

/** Looks up the members among `ids` not known yet, at most 100 per request; the list shows them as they come. */
export async function loadMembersById(guildId: string, ids: readonly string[]): Promise<void> {
  const known = knownMembers(current[guildId]);
  const absent = current[guildId]?.absent ?? {};
  const busy = lookingUp.get(guildId) ?? new Set<string>();
  lookingUp.set(guildId, busy);
  const wanted = [...new Set(ids)].filter((id) => !known.has(id) && !busy.has(id) && !absent[id]);
  for (let i = 0; i < wanted.length; i += MEMBER_LOOKUP) {
    const chunk = wanted.slice(i, i + MEMBER_LOOKUP);
    chunk.forEach((id) => busy.add(id));
    try {
      const found = (await api.findMembers(guildId, chunk)).members;
      const got = new Set(found.map((m) => m.userId));
      patch(guildId, (l) => ({
        ...l,
        extra: { ...l.extra, ...Object.fromEntries(found.map((m) => [m.userId, m])) },
        absent: { ...l.absent, ...Object.fromEntries(chunk.filter((id) => !got.has(id)).map((id) => [id, true as const])) },
      }));
    } catch {
      // Offline or not a member any more: the next render asks again.
    } finally {
      chunk.forEach((id) => busy.delete(id));
    }
  }
}

/** The longest query a member search takes (the Api's limit). */
export const MEMBER_QUERY = 32;

/**
 * Adds the members whose shown name or username starts with `query` (the Api searches the whole
 * guild) to the looked-up ones, for the mention autocomplete of a guild whose pages are not all
 * loaded. Nothing to do once they are.
 */
export async function searchMembers(guildId: string, query: string): Promise<void> {
  const q = query.trim();
  const list = current[guildId];
  if (!list || list.complete || q === '' || q.length > MEMBER_QUERY) {
    return;
  }
  try {
    const found = (await api.searchMembers(guildId, q)).members;
    patch(guildId, (l) => {
      const paged = new Set(l.members.map((m) => m.userId));
      return { ...l, extra: { ...l.extra, ...Object.fromEntries(found.filter((m) => !paged.has(m.userId)).map((m) => [m.userId, m])) } };
    });
  } catch {
    // Offline: the loaded members still match.
  }
}

export function upsertMember(guildId: string, member: Member): void {
  if (!current[guildId]) {
    return; // Not loaded yet: the first load brings it.
  }
  patch(guildId, (l) => {
    if (l.absent[member.userId]) {
      const { [member.userId]: _joined, ...absent } = l.absent;
      l = { ...l, absent };
    }
    const i = l.members.findIndex((m) => m.userId === member.userId);
    if (i >= 0) {
      return { ...l, members: l.members.map((m) => (m.userId === member.userId ? member : m)) };
    }
    // Pages are ordered by shown name; a member past the loaded pages arrives with the next page, and
    // is kept with the looked-up ones meanwhile (it may be online).
    const last = l.members.at(-1);
    return l.complete || (last !== undefined && compareMembers(member, last) < 0)
      ? { ...l, members: [...l.members, member] }
      : { ...l, extra: { ...l.extra, [member.userId]: member } };
  });
}

/** Someone renamed themselves (`user:update` with `displayName` or `username`): their entry in this guild follows. */
export function renameMember(guildId: string, userId: string, names: NamePatch): void {
  if (current[guildId]) {
    patch(guildId, (l) => {
      const renamed = (m: Member): Member => (m.userId === userId ? { ...m, ...names } : m);
      const extra = l.extra[userId] ? { ...l.extra, [userId]: renamed(l.extra[userId]) } : l.extra;
      return { ...l, members: l.members.map(renamed), extra };
    });
  }
}

onGatewayEvent('user:update', (p) => {
  const e = p as { guildId?: unknown; user?: { id?: unknown } } | null;
  const user = e?.user;
  const names = namePatch(user);
  if (typeof e?.guildId === 'string' && typeof user?.id === 'string' && names) {
    renameMember(e.guildId, user.id, names);
    ownProfileChanged(user.id, names);
  }
});

export function removeMember(guildId: string, userId: string): void {
  if (current[guildId]) {
    patch(guildId, (l) => {
      const { [userId]: _gone, ...extra } = l.extra;
      return { ...l, members: l.members.filter((m) => m.userId !== userId), extra };
    });
  }
}

export function dropMembers(guildId?: string): void {
  if (guildId === undefined) {
    lookingUp.clear();
  } else {
    lookingUp.delete(guildId);
  }
  state.update((s) => {
    if (guildId === undefined) {
      return {};
    }
    const { [guildId]: _gone, ...rest } = s;
    return rest;
  });
}
