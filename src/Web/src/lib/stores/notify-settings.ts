import { derived, get, writable, type Readable } from 'svelte/store';
import { defaultNotify, isMuted, muteOn, nextMuteEnd, type GuildNotify, type NotifyChange } from '../chat/notify-rules.ts';
import { onGatewayEvent } from '../gateway.ts';
import { channels } from './channels.ts';
import { tickingAt } from './clock.ts';
import { syncWithAccount } from './account-sync.ts';
import { api } from './session.ts';

/**
 * The reader's notification settings per guild (docs/API.md "Notification settings"), from the
 * server on every connect and live from `notifications:update` (changes made in another tab or on
 * another device). lib/chat/notify-rules.ts says what they mean.
 */
const state = writable<Record<string, GuildNotify>>({});
export const notifySettings: Readable<Record<string, GuildNotify>> = { subscribe: state.subscribe };

/** The settings of one guild (the default until loaded, or where nothing was changed). */
export function notifyFor(guildId: string): GuildNotify {
  return get(state)[guildId] ?? defaultNotify(guildId);
}

/** The time as of the last settings change or mute end: read it to follow mutes as they run out. */
export const notifyClock: Readable<number> = tickingAt(state, (all, now) => nextMuteEnd(Object.values(all), now));

export interface Muted {
  /** Guilds muted as a whole. */
  guilds: Set<string>;
  /** Channels muted now: their own mute, their category's, or their guild's; and threads muted on their own. */
  channels: Set<string>;
}

/** What is muted now (it changes when a mute runs out, without a reload). */
export const muted: Readable<Muted> = derived([state, channels, notifyClock], ([all, byGuild, now]) => {
  const out: Muted = { guilds: new Set(), channels: new Set() };
  for (const s of Object.values(all)) {
    if (muteOn(s.muted, s.muteUntil, now)) {
      out.guilds.add(s.guildId);
    }
    const list = byGuild[s.guildId] ?? [];
    for (const c of list) {
      if (isMuted(s, c, now)) {
        out.channels.add(c.id);
      }
    }
    // Choices for an id that is not in the channel list are a thread's.
    for (const t of s.channels) {
      if (muteOn(t.muted, t.muteUntil, now) && !list.some((c) => c.id === t.channelId)) {
        out.channels.add(t.channelId);
      }
    }
  }
  return out;
});

export async function loadNotifySettings(): Promise<void> {
  try {
    const { guilds } = await api.notificationSettings();
    state.set(Object.fromEntries(guilds.map((g) => [g.guildId, g])));
  } catch {
    // The defaults hold until the next connect.
  }
}

/** Saves a change for one guild; returns an error message, or null when saved. */
export async function updateNotify(guildId: string, change: NotifyChange): Promise<string | null> {
  try {
    const saved = await api.updateNotificationSettings(guildId, change);
    state.update((s) => ({ ...s, [guildId]: saved }));
    return null;
  } catch {
    return 'The notification settings could not be saved.';
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

onGatewayEvent('notifications:update', (p) => {
  if (isObj(p) && typeof p.guildId === 'string' && typeof p.level === 'string' && Array.isArray(p.channels)) {
    const s = p as unknown as GuildNotify;
    state.update((all) => ({ ...all, [s.guildId]: s }));
  }
});

syncWithAccount(() => void loadNotifySettings(), () => {
  state.set({});
});
