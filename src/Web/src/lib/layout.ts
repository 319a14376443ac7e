import { readable, type Readable } from 'svelte/store';

/**
 * At this width and below the app shows one column at a time (a phone): the chat fills the
 * screen, the guild rail with the channel list and the member list become drawers, and the
 * thread, pins and search panels take the whole screen. Every `@media (max-width: …)` rule of
 * the one-column layout uses this same number (tests/unit/layout.test.ts checks it).
 */
export const NARROW_MAX_WIDTH = 760;
export const NARROW_QUERY = `(max-width: ${NARROW_MAX_WIDTH}px)`;

/** True while the window is at most NARROW_MAX_WIDTH wide; follows resizes and rotations. */
export const narrow: Readable<boolean> = readable(false, (set) => {
  if (typeof matchMedia !== 'function') {
    return;
  }
  const query = matchMedia(NARROW_QUERY);
  set(query.matches);
  const changed = (e: MediaQueryListEvent) => set(e.matches);
  query.addEventListener('change', changed);
  return () => query.removeEventListener('change', changed);
});

/** The two drawers of the one-column layout: guilds with channels (or conversations), and members. */
export type Drawer = 'nav' | 'members';

/** One drawer at a time: its button opens it (closing the other) or closes it again. */
export function toggleDrawer(open: Drawer | null, pressed: Drawer): Drawer | null {
  return open === pressed ? null : pressed;
}

/** A touch from where it started to where it ended, in CSS pixels. */
export interface Swipe {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Shorter moves are taps or wobble, not swipes. */
export const SWIPE_MIN = 64;

/**
 * The drawer after a swipe, as in Discord's app: rightwards opens the guilds and channels, leftwards
 * the member list (where there is one); against an open drawer's side it closes it. Mostly vertical
 * moves scroll the messages and change nothing.
 */
export function swipeDrawer(open: Drawer | null, s: Swipe, hasMembers: boolean): Drawer | null {
  const dx = s.x1 - s.x0;
  const dy = s.y1 - s.y0;
  if (Math.abs(dx) < SWIPE_MIN || Math.abs(dy) > Math.abs(dx) / 2) {
    return open;
  }
  if (open === null) {
    return dx > 0 ? 'nav' : hasMembers ? 'members' : null;
  }
  const closing = open === 'nav' ? dx < 0 : dx > 0;
  return closing ? null : open;
}

/**
 * Whether a touch there may be a drawer swipe: not in a dialog, and not on what a finger drags for
 * itself (text fields, sliders such as a voice volume, the screen-share drawing canvas).
 */
export function swipeStartsAt(target: EventTarget | null): boolean {
  const el = target as { closest?: (selector: string) => unknown } | null;
  return !el?.closest?.('dialog, input, textarea, select, canvas');
}

/**
 * Whether a key press closes the open drawer: Escape, unless something inside it already used
 * that Escape (a menu, a dialog opened from the drawer, the status menu).
 */
export function dismissesDrawer(e: { key: string; defaultPrevented: boolean; target: EventTarget | null }): boolean {
  if (e.key !== 'Escape' || e.defaultPrevented) {
    return false;
  }
  const target = e.target as { closest?: (selector: string) => unknown } | null;
  return !target?.closest?.('dialog, [role="menu"]');
}

/**
 * Where focus goes when a drawer opens: the most specific "current page" link in it (the open
 * channel or conversation, which comes after the selected guild), else the drawer itself.
 */
export function drawerFocus(drawer: FocusContainer): Focusable {
  const current = drawer.querySelectorAll('a[aria-current="page"]');
  return current.length > 0 ? current[current.length - 1]! : drawer;
}

interface Focusable {
  focus(): void;
}

interface FocusContainer extends Focusable {
  querySelectorAll(selector: string): ArrayLike<Focusable>;
}
