import { fold } from './social.ts';

/**
 * The quick switcher (Ctrl+K, as in Discord): jump to any text or voice channel, followed thread,
 * guild, or direct message conversation, by typing part of its name. Conversations come from the DM part of the
 * client once it has loaded (lib/stores/dm-directory.ts), with the names its list shows.
 */
export interface SwitchTarget {
  kind: 'channel' | 'thread' | 'voice' | 'guild' | 'dm';
  id: string;
  name: string;
  /** Where a channel is (its guild; a thread's guild and channel); for a guild or a conversation: null. */
  guildName: string | null;
  path: string;
  unread: boolean;
  mentions: number;
  /** Other names that find it, after the matches on names: a conversation's members' names and usernames. */
  aliases?: readonly string[];
  /** Whose colour and initials a conversation's avatar takes: the other person of a 1:1, else the conversation. */
  avatarId?: string;
  /** A conversation with more than one other person. */
  group?: boolean;
}

/** A DM conversation as the DM list shows it (filled by the DM engine, dm/engine.ts). */
export interface ConversationSummary {
  id: string;
  /** The conversation's name, or its other members' names (engine.ts `titleOf`). */
  title: string;
  /** The other members' display names and usernames. */
  memberNames: string[];
  avatarId: string;
  group: boolean;
  /** Others' messages not seen yet. */
  unread: number;
  /** Muted on this device. */
  muted: boolean;
}

export const SWITCHER_LIMIT = 12;

/**
 * The switcher's entries for DM conversations. A conversation's unread messages are its badge, as a
 * channel's mentions are (every message there is for you; the Home button and the title count them
 * the same way); a muted conversation shows neither.
 */
export function conversationTargets(conversations: readonly ConversationSummary[]): SwitchTarget[] {
  return conversations.map((c) => ({
    kind: 'dm',
    id: c.id,
    name: c.title,
    guildName: null,
    path: `/channels/@me/${encodeURIComponent(c.id)}`,
    unread: c.unread > 0 && !c.muted,
    mentions: c.muted ? 0 : c.unread,
    aliases: c.memberNames,
    avatarId: c.avatarId,
    group: c.group,
  }));
}

const PREFIX: Record<string, SwitchTarget['kind']> = { '#': 'channel', '!': 'voice', '*': 'guild', '@': 'dm' };
const ORDER: Record<SwitchTarget['kind'], number> = { channel: 0, thread: 1, dm: 2, voice: 3, guild: 4 };

/** How well `name` matches `q` (both folded): starts with it 0, a word starts with it 1, contains it 2; -1 not at all. */
function matchRank(name: string, q: string): number {
  return name.startsWith(q) ? 0 : name.split(/[\s\-_]+/).some((w) => w.startsWith(q)) ? 1 : name.includes(q) ? 2 : -1;
}

/**
 * The targets matching `query`, best first. "#" keeps text channels and the threads the person
 * follows, "!" voice channels, "*" guilds, "@" conversations. A name that starts with the text comes first, then one with a word
 * that does, then one that contains it, then a conversation found only through a member's name or
 * username (in the same three steps); ties go to mentions, then unread, then the shorter name, text
 * channels before threads before conversations before voice channels before guilds. Without text: the channels
 * and conversations where something waits (mentions, unread messages), the most pressing first; with
 * only a prefix, everything of that kind.
 */
export function switcherResults(query: string, targets: readonly SwitchTarget[], limit = SWITCHER_LIMIT): SwitchTarget[] {
  const trimmed = query.trim();
  const kind = PREFIX[trimmed.charAt(0)] ?? null;
  const q = fold(kind ? trimmed.slice(1).trim() : trimmed);
  const pool = kind ? targets.filter((t) => t.kind === kind || (kind === 'channel' && t.kind === 'thread')) : targets;
  const urgency = (t: SwitchTarget) => (t.mentions > 0 ? 2 : t.unread ? 1 : 0);
  if (q === '') {
    // A guild waits through its channels, which are listed themselves.
    const pressing = kind ? pool : pool.filter((t) => t.kind !== 'guild' && urgency(t) > 0);
    return [...pressing].sort((a, b) => urgency(b) - urgency(a) || b.mentions - a.mentions || a.name.localeCompare(b.name)).slice(0, limit);
  }
  const scored: { t: SwitchTarget; rank: number }[] = [];
  for (const t of pool) {
    let rank = matchRank(fold(t.name), q);
    if (rank < 0 && t.aliases) {
      const best = Math.min(...t.aliases.map((a) => matchRank(fold(a), q)).filter((r) => r >= 0));
      rank = Number.isFinite(best) ? 3 + best : -1;
    }
    if (rank >= 0) {
      scored.push({ t, rank });
    }
  }
  scored.sort(
    (a, b) => a.rank - b.rank || urgency(b.t) - urgency(a.t) || a.t.name.length - b.t.name.length || ORDER[a.t.kind] - ORDER[b.t.kind] || a.t.name.localeCompare(b.t.name),
  );
  return scored.slice(0, limit).map((s) => s.t);
}
