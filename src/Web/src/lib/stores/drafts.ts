import { get } from 'svelte/store';
import { createDrafts, draftStorageKey, type Drafts } from '../chat/drafts.ts';
import { session } from './session.ts';

/**
 * The signed-in account's drafts (lib/chat/drafts.ts): guild channels' kept in localStorage,
 * direct messages' in memory only. Another account in this tab gets its own; signing out removes
 * the stored ones (stores/session.ts).
 */
function browserStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

let owner: string | null = null;
let channels: Drafts = createDrafts();
let direct: Drafts = createDrafts();

function forUser(id: string | null): void {
  if (id === owner) {
    return;
  }
  channels.flush();
  owner = id;
  channels = id ? createDrafts({ storage: browserStorage(), storageKey: draftStorageKey(id) }) : createDrafts();
  direct = createDrafts();
}

forUser(get(session).user?.id ?? null);
session.subscribe((s) => forUser(s.user?.id ?? null));

if (typeof document !== 'undefined') {
  // A tab being hidden may never come back (closed, discarded): write what is pending.
  document.addEventListener('visibilitychange', () => channels.flush());
  addEventListener('pagehide', () => channels.flush());
}

/** Drafts of guild channels and threads (kept across reloads). */
export const channelDrafts: Drafts = {
  get: (key) => channels.get(key),
  set: (key, text) => channels.set(key, text),
  flush: () => channels.flush(),
};

/** Drafts of direct-message conversations (this page only: never stored in clear). */
export const directDrafts: Drafts = {
  get: (key) => direct.get(key),
  set: (key, text) => direct.set(key, text),
  flush: () => direct.flush(),
};
