import { writable, type Readable } from 'svelte/store';
import { describeError } from '../messages.ts';
import type { Member } from '../types.ts';
import { api } from './session.ts';

/** The member list of a guild, loaded page by page (the Api pages by user id). */
export interface MemberList {
  members: Member[];
  loading: boolean;
  /** True once a page came back short: there is nothing after the last member. */
  complete: boolean;
  error: string | null;
}

export const MEMBER_PAGE = 200;

const state = writable<Record<string, MemberList>>({});
export const members: Readable<Record<string, MemberList>> = { subscribe: state.subscribe };

const empty = (): MemberList => ({ members: [], loading: false, complete: false, error: null });

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
  const after = more ? (list?.members.at(-1)?.userId ?? null) : null;
  patch(guildId, (l) => ({ ...l, loading: true, error: null }));
  try {
    const page = (await api.listMembers(guildId, after, MEMBER_PAGE)).members;
    patch(guildId, (l) => {
      const known = new Set(l.members.map((m) => m.userId));
      return { members: [...l.members, ...page.filter((m) => !known.has(m.userId))], loading: false, complete: page.length < MEMBER_PAGE, error: null };
    });
  } catch (err) {
    patch(guildId, (l) => ({ ...l, loading: false, error: describeError(err) }));
  }
}

export function upsertMember(guildId: string, member: Member): void {
  if (!current[guildId]) {
    return; // Not loaded yet: the first load brings it.
  }
  patch(guildId, (l) => {
    const i = l.members.findIndex((m) => m.userId === member.userId);
    if (i >= 0) {
      return { ...l, members: l.members.map((m) => (m.userId === member.userId ? member : m)) };
    }
    // Pages are ordered by user id; a member past the loaded pages arrives with the next page.
    const last = l.members.at(-1)?.userId;
    return l.complete || (last !== undefined && member.userId < last) ? { ...l, members: [...l.members, member] } : l;
  });
}

export function removeMember(guildId: string, userId: string): void {
  if (current[guildId]) {
    patch(guildId, (l) => ({ ...l, members: l.members.filter((m) => m.userId !== userId) }));
  }
}

export function dropMembers(guildId?: string): void {
  state.update((s) => {
    if (guildId === undefined) {
      return {};
    }
    const { [guildId]: _gone, ...rest } = s;
    return rest;
  });
}
