import { writable } from 'svelte/store';

/** A message to scroll to once its conversation is on screen (a search result in another conversation). */
export const pendingJump = writable<string | null>(null);
