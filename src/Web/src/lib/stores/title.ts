import { derived, writable } from 'svelte/store';
import { attentionTitle } from '../chat/attention.ts';

/**
 * The page title: what the screen shows ("#general · Guild · LesCopains"), with the number of
 * unread mentions in front, as "(3) …", so a background tab says when someone needs you. The
 * count comes from the read states (stores/social.ts, loaded with the home screen), so this
 * module stays small for the shell.
 */
const base = writable('LesCopains');
const mentions = writable(0);

/** Sets what the title says about the screen; the mention count is added in front of it. */
export function setTitle(title: string): void {
  base.set(title);
}

/** The unread mentions over every channel (from stores/social.ts). */
export function setMentionCount(count: number): void {
  mentions.set(count);
}

if (typeof document !== 'undefined') {
  derived([base, mentions], ([b, n]) => attentionTitle(b, n)).subscribe((t) => {
    document.title = t;
  });
}
