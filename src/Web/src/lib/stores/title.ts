import { derived, writable, type Readable } from 'svelte/store';
import { attentionTitle } from '../chat/attention.ts';
import { session } from './session.ts';

/**
 * The home screen's page title: what it shows ("#general · Guild · LesCopains"), with the number of
 * unread mentions and direct messages in front, as "(3) …" (Discord counts the same), so a
 * background tab says when someone needs you. Loaded with the home screen, which owns the title
 * while it is shown (`setTitle(null)` when it goes); the shell names the other screens itself.
 */
const base = writable<string | null>(null);
const mentions = writable(0);
const direct = writable(0);

/** Sets what the title says about the screen (the counts are added in front); null: another screen owns the title. */
export function setTitle(title: string | null): void {
  base.set(title);
}

/** The unread mentions over every channel (from stores/social.ts). */
export function setMentionCount(count: number): void {
  mentions.set(count);
}

/** The unread direct messages over every conversation (for the Home button's badge). */
export const directUnread: Readable<number> = { subscribe: direct.subscribe };

/** The unread direct messages over every conversation (from the DM engine). */
export function setDirectCount(count: number): void {
  direct.set(count);
}

// Signed out, or another account: the counts were the previous account's.
let owner: string | null | undefined;
session.subscribe((s) => {
  const id = s.user?.id ?? null;
  if (owner !== undefined && id !== owner) {
    mentions.set(0);
    direct.set(0);
  }
  owner = id;
});

if (typeof document !== 'undefined') {
  derived([base, mentions, direct], ([b, n, d]) => (b === null ? null : attentionTitle(b, n + d))).subscribe((t) => {
    if (t !== null) {
      document.title = t;
    }
  });
}
