import { writable, type Readable } from 'svelte/store';
import type { ConversationSummary } from '../chat/switcher.ts';

/**
 * The DM conversations of the signed-in account as the DM list shows them, for the quick switcher.
 * The DM engine (a lazy chunk, dm/engine.ts) fills it once its conversations are loaded; until
 * then, or when it could not start, it is null. It holds what that engine already has in memory,
 * never leaves the tab, and is not kept anywhere.
 */
export interface DmDirectory {
  /** Whose conversations these are (a tab can sign out and in as someone else). */
  userId: string;
  conversations: ConversationSummary[];
}

const directory = writable<DmDirectory | null>(null);

export const dmDirectory: Readable<DmDirectory | null> = { subscribe: directory.subscribe };

/** Called by the DM engine whenever a conversation, its name, unread count or mute changes. */
export function setDmDirectory(value: DmDirectory | null): void {
  directory.set(value);
}
