import { fold } from './social.ts';

/**
 * The quick switcher (Ctrl+K, as in Discord): jump to any text or voice channel, or guild, by
 * typing part of its name. Direct messages are not listed: their names live in the end-to-end
 * encrypted part of the client, which loads on its own.
 */
export interface SwitchTarget {
  kind: 'channel' | 'voice' | 'guild';
  id: string;
  name: string;
  /** The guild a channel is in (for a guild: null). */
  guildName: string | null;
  path: string;
  unread: boolean;
  mentions: number;
}

export const SWITCHER_LIMIT = 12;

/**
 * The targets matching `query`, best first. "#" keeps channels only, "!" voice channels, "*"
 * guilds. A name that starts with the text comes first, then one with a word that does, then one
 * that contains it; ties go to mentions, then unread, then the shorter name, text channels before
 * voice channels before guilds. Without text: the channels where something
 * waits (mentions, unread messages), the most pressing first.
 */
export function switcherResults(query: string, targets: readonly SwitchTarget[], limit = SWITCHER_LIMIT): SwitchTarget[] {
  const trimmed = query.trim();
  const kind = trimmed.startsWith('#') ? 'channel' : trimmed.startsWith('!') ? 'voice' : trimmed.startsWith('*') ? 'guild' : null;
  const q = fold(kind ? trimmed.slice(1).trim() : trimmed);
  const pool = kind ? targets.filter((t) => t.kind === kind) : targets;
  const urgency = (t: SwitchTarget) => (t.mentions > 0 ? 2 : t.unread ? 1 : 0);
  if (q === '') {
    // A guild waits through its channels, which are listed themselves.
    const pressing = kind ? pool : pool.filter((t) => t.kind !== 'guild' && urgency(t) > 0);
    return [...pressing].sort((a, b) => urgency(b) - urgency(a) || b.mentions - a.mentions || a.name.localeCompare(b.name)).slice(0, limit);
  }
  const scored: { t: SwitchTarget; rank: number }[] = [];
  for (const t of pool) {
    const name = fold(t.name);
    const rank = name.startsWith(q) ? 0 : name.split(/[\s\-_]+/).some((w) => w.startsWith(q)) ? 1 : name.includes(q) ? 2 : -1;
    if (rank >= 0) {
      scored.push({ t, rank });
    }
  }
  const order = { channel: 0, voice: 1, guild: 2 };
  scored.sort(
    (a, b) => a.rank - b.rank || urgency(b.t) - urgency(a.t) || a.t.name.length - b.t.name.length || order[a.t.kind] - order[b.t.kind] || a.t.name.localeCompare(b.t.name),
  );
  return scored.slice(0, limit).map((s) => s.t);
}
