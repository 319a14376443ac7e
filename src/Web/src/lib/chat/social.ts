/**
 * Pure helpers of mentions, reactions and typing (docs/API.md "Mentions", "Reactions", "Typing").
 */
import type { Member, Reaction } from '../types.ts';

// --- typing ---------------------------------------------------------------------------------

/** How long a typing notice shows without a new event (the server sends one every 3 s at most). */
export const TYPING_TTL_MS = 8_000;
/** How often the composer tells the server the user is typing. */
export const TYPING_SEND_EVERY_MS = 3_000;

/** "Alice is typing…", "Alice and Bob are typing…", "Alice, Bob and Carol are typing…", then "Several people are typing…". */
export function typingLine(names: readonly string[]): string {
  switch (names.length) {
    case 0:
      return '';
    case 1:
      return `${names[0]} is typing…`;
    case 2:
      return `${names[0]} and ${names[1]} are typing…`;
    case 3:
      return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
    default:
      return 'Several people are typing…';
  }
}

/** Whether the composer should call StartTyping now (throttled on the client too). */
export function shouldSendTyping(lastSentAt: number | null, now: number, text: string): boolean {
  return text.trim() !== '' && !text.startsWith('/') && (lastSentAt === null || now - lastSentAt >= TYPING_SEND_EVERY_MS);
}

// --- mentions ---------------------------------------------------------------------------------

/** The "@query" being typed just before the caret, or null when the caret is not in a mention. */
export function mentionQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(?:^|[\s(])@([\p{L}\p{N}_.]{0,32})$/u.exec(before);
  if (!m) {
    return null;
  }
  return { start: caret - m[1]!.length - 1, query: m[1]! };
}

export interface MentionCandidate {
  /** What the composer inserts: `<@id>`, `@everyone` or `@here`. */
  insert: string;
  label: string;
  detail: string;
  /** A picture shown instead of the label (a guild's own emoji). */
  image?: string;
}

/** Text as name matching compares it: without accents or case (the Api's member search folds alike). */
export const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

/**
 * Members (and @everyone/@here when allowed) matching what follows "@": names that start with the
 * query first, then names containing it; nickname, display name and username all count.
 */
export function matchMentions(query: string, members: readonly Pick<Member, 'userId' | 'username' | 'displayName' | 'nickname'>[], canEveryone: boolean, limit = 8): MentionCandidate[] {
  const q = fold(query);
  const scored: { c: MentionCandidate; score: number }[] = [];
  for (const m of members) {
    const names = [m.nickname ?? '', m.displayName, m.username].filter((n) => n !== '').map(fold);
    const score = names.some((n) => n.startsWith(q)) ? 0 : names.some((n) => n.includes(q)) ? 1 : -1;
    if (score >= 0) {
      scored.push({ c: { insert: `<@${m.userId}>`, label: m.nickname ?? m.displayName, detail: m.username }, score });
    }
  }
  scored.sort((a, b) => a.score - b.score || a.c.label.localeCompare(b.c.label));
  const out = scored.map((s) => s.c);
  if (canEveryone) {
    for (const special of ['everyone', 'here']) {
      if (special.startsWith(q)) {
        out.push({ insert: `@${special}`, label: `@${special}`, detail: special === 'here' ? 'Everyone who can see this channel' : 'Everyone in this channel' });
      }
    }
  }
  return out.slice(0, limit);
}

/** The text with the "@query" at `start` replaced by the mention (and a space), and the new caret. */
export function insertMention(text: string, start: number, caret: number, insert: string): { text: string; caret: number } {
  const next = `${text.slice(0, start)}${insert} ${text.slice(caret)}`;
  return { text: next, caret: start + insert.length + 1 };
}

/**
 * Whether a message mentions this user (directly, through a role, everyone, or @here). Whom @here
 * reached stays on the server, so an @here message counts as mentioning every reader, as Discord
 * highlights it; the unread-mention badge still counts it only for those who were present. The
 * reader's notification settings can make `@everyone`/`@here` and role mentions not count.
 */
export function mentionsMe(
  m: { mentions?: string[] | null; mentionRoles?: string[] | null; mentionEveryone?: boolean; mentionHere?: boolean },
  userId: string,
  roleIds: readonly string[],
  suppress: { suppressEveryone: boolean; suppressRoles: boolean } = { suppressEveryone: false, suppressRoles: false },
): boolean {
  return (
    (m.mentions ?? []).includes(userId) ||
    (!suppress.suppressEveryone && (!!m.mentionEveryone || !!m.mentionHere)) ||
    (!suppress.suppressRoles && (m.mentionRoles ?? []).some((r) => roleIds.includes(r)))
  );
}

// --- reactions --------------------------------------------------------------------------------

export const MAX_EMOJI_LENGTH = 32;
const PICTOGRAPH = /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u;
const EMOJI_PARTS = /^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\p{Emoji_Modifier}|\p{Regional_Indicator}|[\u200d\ufe0e\ufe0f\u20e3])+$/u;

/** One Unicode emoji: a single grapheme cluster of emoji code points (what the server accepts). */
export function isEmoji(text: string): boolean {
  if (text === '' || text.length > MAX_EMOJI_LENGTH || !EMOJI_PARTS.test(text) || !PICTOGRAPH.test(text)) {
    return false;
  }
  const segments = [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)];
  return segments.length === 1;
}

/** The reactions after a live event: the count comes from the server, `me` changes only when it was me. */
export function applyReaction(list: readonly Reaction[], emoji: string, count: number, byMe: boolean, added: boolean): Reaction[] {
  const i = list.findIndex((r) => r.emoji === emoji);
  if (count <= 0) {
    return i < 0 ? [...list] : list.filter((r) => r.emoji !== emoji);
  }
  const me = byMe ? added : (list[i]?.me ?? false);
  return i < 0 ? [...list, { emoji, count, me }] : list.map((r, j) => (j === i ? { emoji, count, me } : r));
}

/** What a reaction chip says to a screen reader: "👍: 2 reactions, including yours". */
export function reactionLabel(r: Reaction, name: string = r.emoji): string {
  return `${name}: ${r.count} reaction${r.count === 1 ? '' : 's'}${r.me ? ', including yours' : ''}`;
}

/** The reaction picker's fixed set. */
export const COMMON_EMOJI = ['👍', '👎', '❤️', '😂', '😮', '😢', '😡', '🎉', '🙏', '👀', '🔥', '✅', '❌', '💯', '🤔', '👏', '🚀', '😍', '🥳', '😎'] as const;
