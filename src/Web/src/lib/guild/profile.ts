/**
 * The member card (a click on a name or an avatar, as in Discord): where it goes, and the dates it
 * shows. Pure; `components/guild/MemberCard.svelte` draws it.
 */

export interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

const GAP = 8;

/**
 * Where the card's top-left corner goes: beside what was clicked (to its right, or to its left when
 * there is no room on the right), its top level with it, moved up as far as needed to stay inside
 * the window, never above its top edge.
 */
export function cardPlacement(anchor: Box, card: { width: number; height: number }, view: { width: number; height: number }): { left: number; top: number } {
  const right = anchor.right + GAP;
  const left = right + card.width + GAP <= view.width ? right : Math.max(GAP, anchor.left - GAP - card.width);
  const top = Math.max(GAP, Math.min(anchor.top, view.height - card.height - GAP));
  return { left: Math.round(left), top: Math.round(top) };
}

/** "28 Nov 2026": a day, for "Member since". */
export function dayLabel(iso: string, locale?: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleDateString(locale, { day: 'numeric', month: 'short', year: 'numeric' });
}
