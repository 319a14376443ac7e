import type { Channel } from '../types.ts';
import { firstTextChannel } from '../guild/channels.ts';

/**
 * The text channel last open in each guild, so that going back to a guild (its icon, Ctrl+Alt+↑/↓,
 * the quick switcher) lands where the person left it, as in Discord. Kept in `localStorage` (ids
 * only), the newest MAX_GUILDS guilds.
 */
const KEY = 'lescopains.lastChannels';
export const MAX_GUILDS = 200;

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;
const local = (): Storage | null => (typeof localStorage === 'undefined' ? null : localStorage);

function read(storage: Storage | null): [string, string][] {
  try {
    const raw = JSON.parse(storage?.getItem(KEY) ?? '[]') as unknown;
    return Array.isArray(raw) ? raw.filter((e): e is [string, string] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string') : [];
  } catch {
    return [];
  }
}

export function rememberChannel(guildId: string, channelId: string, storage: Storage | null = local()): void {
  const list = read(storage);
  if (list[0]?.[0] === guildId && list[0][1] === channelId) {
    return;
  }
  const next: [string, string][] = [[guildId, channelId] as [string, string], ...list.filter(([g]) => g !== guildId)].slice(0, MAX_GUILDS);
  try {
    storage?.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage full or refused: the guild opens on its first channel.
  }
}

/** Where a guild opens: the text channel last open there if the person still sees it, else the first text channel, else a voice one. */
export function landingChannel(guildId: string, channels: readonly Channel[], storage: Storage | null = local()): Channel | null {
  const last = read(storage).find(([g]) => g === guildId)?.[1];
  return (last ? channels.find((c) => c.id === last && c.type === 'text') : undefined)
    ?? firstTextChannel(channels) ?? channels.find((c) => c.type === 'voice') ?? null;
}
