import { derived, get, writable, type Readable } from 'svelte/store';
import { onGatewayEvent } from '../gateway.ts';
import type { MessageAuthor } from '../types.ts';
import { syncWithAccount } from './account-sync.ts';
import { api } from './session.ts';

/**
 * The people the reader blocked (docs/API.md "Blocking"): from the server on every connect, live
 * from `blocks:update` (a block made in another tab or on another device). The server stops their
 * direct messages; the client hides their messages in channels behind "Blocked messages"
 * (lib/chat/blocked.ts), and raises no notification for them.
 */
const state = writable<ReadonlyMap<string, MessageAuthor>>(new Map());
export const blockedUsers: Readable<ReadonlyMap<string, MessageAuthor>> = { subscribe: state.subscribe };
/** The ids alone, for quick checks. */
export const blocked: Readable<ReadonlySet<string>> = derived(state, (m) => new Set(m.keys()));

export function isBlocked(userId: string): boolean {
  return get(state).has(userId);
}

export async function loadBlocks(): Promise<void> {
  try {
    const { users } = await api.listBlocks();
    state.set(new Map(users.map((u) => [u.id, u])));
  } catch {
    // What was known holds until the next connect.
  }
}

function set(user: MessageAuthor, on: boolean): void {
  state.update((m) => {
    if (m.has(user.id) === on) {
      return m;
    }
    const next = new Map(m);
    if (on) {
      next.set(user.id, user);
    } else {
      next.delete(user.id);
    }
    return next;
  });
}

export async function blockUser(user: MessageAuthor): Promise<void> {
  await api.block(user.id);
  set(user, true);
}

export async function unblockUser(user: MessageAuthor): Promise<void> {
  await api.unblock(user.id);
  set(user, false);
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

onGatewayEvent('blocks:update', (p) => {
  if (isObj(p) && isObj(p.user) && typeof p.user.id === 'string' && typeof p.blocked === 'boolean') {
    const u = p.user;
    set({ id: u.id as string, username: typeof u.username === 'string' ? u.username : '', displayName: typeof u.displayName === 'string' ? u.displayName : '' }, p.blocked);
  }
});

syncWithAccount(() => void loadBlocks(), () => {
  state.set(new Map());
});
