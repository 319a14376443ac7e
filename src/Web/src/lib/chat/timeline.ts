import type { Message } from '../types.ts';

/** Pure rules of a channel's message list: ordering, merging, grouping, gaps, the window. */

/** Ids are time-ordered UUIDs (v7) of one length and case, so string order is time order. */
export const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * `list` with `incoming` merged in, oldest first, without duplicates: a message already held
 * (same id) is replaced by the incoming copy (an edit, or the same message seen twice).
 */
export function mergeMessages(list: readonly Message[], incoming: readonly Message[]): Message[] {
  if (incoming.length === 0) {
    return list as Message[];
  }
  const map = new Map(list.map((m) => [m.id, m]));
  for (const m of incoming) {
    const held = map.get(m.id);
    // An older copy must not undo an edit (a page fetched before an update event lands after it).
    if (!held || !held.editedAt || (m.editedAt !== null && m.editedAt >= held.editedAt)) {
      // Edits and events carry no thread summary: the one held stays (thread events update it).
      map.set(m.id, held?.thread && !m.thread ? { ...m, thread: held.thread } : m);
    }
  }
  return [...map.values()].sort(byId);
}

export function removeMessage(list: readonly Message[], id: string): Message[] {
  return list.filter((m) => m.id !== id);
}

/** What a new `seq` means given the highest one held: already seen, the next one, or a gap. */
export type SeqCheck = 'seen' | 'next' | 'gap';

export function checkSeq(lastSeq: number | null, seq: number): SeqCheck {
  if (lastSeq === null) {
    return 'next';
  }
  if (seq <= lastSeq) {
    return 'seen';
  }
  return seq === lastSeq + 1 ? 'next' : 'gap';
}

export function maxSeq(list: readonly Message[], start: number | null = null): number | null {
  let max = start;
  for (const m of list) {
    if (max === null || m.seq > max) {
      max = m.seq;
    }
  }
  return max;
}

/** How many messages a channel view keeps; beyond this the far end is dropped. */
export const WINDOW = 200;

/**
 * Trims a window grown by a page: after loading older messages the newest are dropped, after
 * loading newer ones the oldest. Says whether anything went so the view knows it can refetch.
 */
export function trimWindow(list: Message[], keep: 'older' | 'newer', size = WINDOW): { list: Message[]; dropped: boolean } {
  if (list.length <= size) {
    return { list, dropped: false };
  }
  return { list: keep === 'older' ? list.slice(0, size) : list.slice(list.length - size), dropped: true };
}

/** Messages from one author within this time join the group above (Discord's 7 minutes). */
export const GROUP_MS = 7 * 60 * 1000;

/** A row of the list: the message, whether it starts a group, and a day separator before it. */
export interface Row<M extends Pick<Message, 'id' | 'author' | 'createdAt' | 'replyTo'> = Message> {
  message: M;
  /** Shows avatar, name and time (first of a group). */
  head: boolean;
  /** The local day (YYYY-MM-DD) when a separator goes before this row. */
  day: string | null;
}

export function localDay(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/**
 * Groups consecutive messages of one author within GROUP_MS on the same day. A reply always
 * starts a group (its quote sits above the name, as in Discord). The REST API leaves a null
 * `replyTo` out of its JSON (the hub sends it): both mean "not a reply".
 */
export function groupRows<M extends Pick<Message, 'id' | 'author' | 'createdAt' | 'replyTo'>>(list: readonly M[]): Row<M>[] {
  const rows: Row<M>[] = [];
  let prev: M | null = null;
  let prevDay: string | null = null;
  for (const m of list) {
    const day = localDay(m.createdAt);
    const newDay = day !== prevDay;
    const head =
      newDay ||
      prev === null ||
      prev.author.id !== m.author.id ||
      m.replyTo != null ||
      Date.parse(m.createdAt) - Date.parse(prev.createdAt) > GROUP_MS ||
      Date.parse(m.createdAt) < Date.parse(prev.createdAt);
    rows.push({ message: m, head, day: newDay ? day : null });
    prev = m;
    prevDay = day;
  }
  return rows;
}

/** "Today", "Yesterday" or a long date, for day separators. */
export function dayLabel(day: string, now: Date = new Date(), locale?: string): string {
  const today = localDay(now.toISOString());
  const yesterday = localDay(new Date(now.getTime() - 86_400_000).toISOString());
  if (day === today) {
    return 'Today';
  }
  if (day === yesterday) {
    return 'Yesterday';
  }
  const [y, mo, d] = day.split('-').map(Number);
  return new Date(y!, mo! - 1, d!).toLocaleDateString(locale, { weekday: 'long', year: 'numeric', month: 'long', day: 'numeric' });
}

/** "Today at 14:05", "Yesterday at 09:12", or "03/02/2025 14:05" for a message head. */
export function stampLabel(iso: string, now: Date = new Date(), locale?: string): string {
  const time = timeLabel(iso, locale);
  const day = localDay(iso);
  const label = dayLabel(day, now, locale);
  if (label === 'Today' || label === 'Yesterday') {
    return `${label} at ${time}`;
  }
  return `${new Date(iso).toLocaleDateString(locale)} ${time}`;
}

export function timeLabel(iso: string, locale?: string): string {
  return new Date(iso).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/**
 * Where the "New" line goes (oldest first `list`): above the first message someone else wrote after
 * `after` (the last one read), or, when nothing was ever read there, above the `unread`-th newest
 * message of someone else. Null when none of them is in `list`.
 */
export function firstUnreadId(list: readonly Pick<Message, 'id' | 'author'>[], after: string | null, unread: number, me: string): string | null {
  if (unread <= 0) {
    return null;
  }
  if (after) {
    return list.find((m) => m.id > after && m.author.id !== me)?.id ?? null;
  }
  let seen = 0;
  let first: string | null = null;
  for (let i = list.length - 1; i >= 0 && seen < unread; i--) {
    if (list[i]!.author.id !== me) {
      seen++;
      first = list[i]!.id;
    }
  }
  return first;
}

/**
 * The bar over a channel whose "New" line is scrolled out of view: "3 new messages since 14:05"
 * (the day too when it was not today). `list` oldest first; `first` is the line's message.
 */
export function newMessagesLabel(list: readonly { id: string; author: { id: string }; createdAt: string }[], first: string, me: string, now: Date = new Date(), locale?: string): string | null {
  const start = list.findIndex((m) => m.id === first);
  if (start < 0) {
    return null;
  }
  const count = list.slice(start).filter((m) => m.author.id !== me).length;
  if (count === 0) {
    return null;
  }
  const at = list[start]!.createdAt;
  const when = localDay(at) === localDay(now.toISOString()) ? timeLabel(at, locale) : stampLabel(at, now, locale);
  return `${count > 99 ? '99+' : count} new message${count === 1 ? '' : 's'} since ${when}`;
}
