import { get, writable, type Readable } from 'svelte/store';
import type { Box } from '../guild/profile.ts';

/** The member card on screen: whose, in which guild, beside what (one at a time). */
export interface ProfileTarget {
  guildId: string;
  userId: string;
  anchor: Box;
  /** What the message said of its author, while the member is being looked up. */
  fallback: { displayName: string; username: string } | null;
}

const state = writable<ProfileTarget | null>(null);
export const profileCard: Readable<ProfileTarget | null> = { subscribe: state.subscribe };

/** The element that opened the card gets the focus back when it closes. */
let opener: HTMLElement | null = null;

/** Opens the card of `userId` beside `from`; a second click on the same opener closes it. */
export function openProfile(guildId: string, userId: string, from: HTMLElement, fallback: ProfileTarget['fallback'] = null): void {
  if (opener === from && get(state)?.userId === userId) {
    closeProfile(false);
    return;
  }
  const r = from.getBoundingClientRect();
  opener = from;
  state.set({ guildId, userId, anchor: { left: r.left, top: r.top, right: r.right, bottom: r.bottom }, fallback });
}

export function closeProfile(returnFocus = true): void {
  state.set(null);
  const back = opener;
  opener = null;
  if (returnFocus && back?.isConnected) {
    back.focus();
  }
}

/** Whether `el` opened the card on screen (its second click closes it rather than reopening). */
export function isProfileOpener(el: EventTarget | null): boolean {
  return !!opener && el instanceof Node && opener.contains(el);
}
