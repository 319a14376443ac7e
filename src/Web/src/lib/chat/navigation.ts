import { buildChannelTree } from '../guild/channels.ts';
import type { Channel } from '../types.ts';

/**
 * Keyboard navigation as in Discord (Home.svelte's window keys): Alt+↑/↓ to the previous or next
 * text channel in sidebar order, Alt+Shift+↑/↓ to the previous or next one with something unread,
 * Ctrl+Alt+↑/↓ to the previous or next guild. Every step wraps around.
 */

export type NavStep = { kind: 'channel' | 'unread' | 'guild'; dir: 1 | -1 };

/** The step a key press asks for, or null for any other key. */
export function navStep(e: Pick<KeyboardEvent, 'key' | 'altKey' | 'shiftKey' | 'ctrlKey' | 'metaKey'>): NavStep | null {
  if (!e.altKey || e.metaKey || (e.key !== 'ArrowUp' && e.key !== 'ArrowDown')) {
    return null;
  }
  const dir = e.key === 'ArrowUp' ? -1 : 1;
  if (e.ctrlKey) {
    return e.shiftKey ? null : { kind: 'guild', dir };
  }
  return { kind: e.shiftKey ? 'unread' : 'channel', dir };
}

/** The text channels in sidebar order (top level first, then each category's). */
export function textChannelOrder(channels: readonly Channel[]): string[] {
  return buildChannelTree(channels).flatMap((g) => g.channels.filter((c) => c.type === 'text').map((c) => c.id));
}

/**
 * The id `dir` steps away from `current` in `order` among those `pick` accepts (all by default),
 * wrapping around; null when none other qualifies. From an id not in the order (nothing open, a
 * voice channel), down starts at the first and up at the last.
 */
export function stepIn(order: readonly string[], current: string | null, dir: 1 | -1, pick: (id: string) => boolean = () => true): string | null {
  const n = order.length;
  const at = current === null ? -1 : order.indexOf(current);
  for (let k = 1; k <= n; k++) {
    const i = at === -1 ? (dir === 1 ? k - 1 : n - k) : (((at + dir * k) % n) + n) % n;
    const id = order[i]!;
    if (id !== current && pick(id)) {
      return id;
    }
  }
  return null;
}
