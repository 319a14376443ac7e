/**
 * Per-guild notification settings (docs/API.md "Notification settings"): what a mute hides and
 * which messages raise a desktop notification. The server keeps the settings and applies the two
 * suppressions to its mention counts; everything else here is the client's to apply.
 */

export type NotifyLevel = 'all' | 'mentions' | 'nothing';

export interface ChannelNotify {
  channelId: string;
  /** null: follow the category, then the guild. */
  level: NotifyLevel | null;
  muted: boolean;
  muteUntil: string | null;
}

export interface GuildNotify {
  guildId: string;
  level: NotifyLevel;
  suppressEveryone: boolean;
  suppressRoles: boolean;
  muted: boolean;
  muteUntil: string | null;
  channels: ChannelNotify[];
}

/** A change: what is left out stays. A channel's level 'default' follows the guild again. */
export interface NotifyChange {
  level?: NotifyLevel;
  suppressEveryone?: boolean;
  suppressRoles?: boolean;
  muted?: boolean;
  muteUntil?: string | null;
  channels?: { channelId: string; level?: NotifyLevel | 'default'; muted?: boolean; muteUntil?: string | null }[];
}

/** How a mention reaches the reader (`mention:create`'s `via`). */
export type MentionVia = 'user' | 'role' | 'everyone';

export function defaultNotify(guildId: string): GuildNotify {
  return { guildId, level: 'mentions', suppressEveryone: false, suppressRoles: false, muted: false, muteUntil: null, channels: [] };
}

/**
 * Where a message was written, as far as the rules need it: a channel (`id`) with its category
 * (`parentId`), and, for a message in a thread, the thread (`thread`): its own choices come first.
 */
export interface Place {
  id: string;
  parentId: string | null;
  thread?: string | null;
}

/** Whether a mute is on at `now`. The server leaves out a `muteUntil` that is null: both mean "until turned back on". */
export function muteOn(muted: boolean, until: string | null | undefined, now: number): boolean {
  return muted && (until == null || Date.parse(until) > now);
}

const own = (s: GuildNotify, id: string | null | undefined) => (id ? s.channels.find((c) => c.channelId === id) : undefined);

/** Whether the guild, the thread, the channel itself or its category is muted now. */
export function isMuted(s: GuildNotify, place: Place | null, now: number): boolean {
  if (muteOn(s.muted, s.muteUntil, now)) {
    return true;
  }
  return [own(s, place?.thread), own(s, place?.id), own(s, place?.parentId)].some((c) => !!c && muteOn(c.muted, c.muteUntil, now));
}

/** Whether the channel's (or its category's) own mute is on, whatever the guild's. */
export function ownMuteOn(s: GuildNotify, channelId: string, now: number): boolean {
  const c = own(s, channelId);
  return !!c && muteOn(c.muted, c.muteUntil, now);
}

/** The level that applies: the thread's own, else its channel's, else the category's, else the guild's. */
export function levelIn(s: GuildNotify, place: Place | null): NotifyLevel {
  return own(s, place?.thread)?.level ?? own(s, place?.id)?.level ?? own(s, place?.parentId)?.level ?? s.level;
}

/** Whether a mention that reaches the reader this way counts (badge, highlight, notification). */
export function mentionCounts(s: GuildNotify, via: MentionVia): boolean {
  return via === 'user' || (via === 'role' ? !s.suppressRoles : !s.suppressEveryone);
}

/**
 * Whether a new message should raise a desktop notification, as in Discord: never at level
 * "nothing"; a mention at the other two, muted or not; any other message only at level "all" and
 * where nothing is muted.
 */
export function wantsNotice(s: GuildNotify, place: Place | null, mention: boolean, now: number): boolean {
  const level = levelIn(s, place);
  if (level === 'nothing') {
    return false;
  }
  return mention || (level === 'all' && !isMuted(s, place, now));
}

/** When the next mute among `all` runs out (ms since the epoch), or null. */
export function nextMuteEnd(all: readonly GuildNotify[], now: number): number | null {
  let next: number | null = null;
  for (const s of all) {
    for (const m of [s, ...s.channels]) {
      const t = m.muted && m.muteUntil ? Date.parse(m.muteUntil) : NaN;
      if (t > now && (next === null || t < next)) {
        next = t;
      }
    }
  }
  return next;
}

/** The choices offered for a mute; minutes null is "until I turn it back on". */
export const MUTE_CHOICES: readonly { label: string; minutes: number | null }[] = [
  { label: 'For 15 minutes', minutes: 15 },
  { label: 'For 1 hour', minutes: 60 },
  { label: 'For 3 hours', minutes: 180 },
  { label: 'For 8 hours', minutes: 480 },
  { label: 'For 24 hours', minutes: 1440 },
  { label: 'Until I turn it back on', minutes: null },
];

export function muteUntilFor(minutes: number | null, now: number): string | null {
  return minutes === null ? null : new Date(now + minutes * 60_000).toISOString();
}

/** "Muted until 14:30", "Muted until Fri 09:00", or "Muted" for a mute without an end. */
export function muteLabel(until: string | null | undefined, now: number, locale?: string): string {
  if (until == null) {
    return 'Muted';
  }
  const end = new Date(until);
  const sameDay = new Date(now).toDateString() === end.toDateString();
  const time = end.toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
  return sameDay ? `Muted until ${time}` : `Muted until ${end.toLocaleDateString(locale, { weekday: 'short' })} ${time}`;
}
