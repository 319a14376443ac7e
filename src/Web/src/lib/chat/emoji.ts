import { fold } from './social.ts';

/**
 * Emoji by name, as Discord offers them: ":tada" in the composer proposes 🎉, ":tada:" typed whole
 * becomes 🎉 when the message is sent, and the reaction picker searches every emoji. The list
 * (lib/chat/emoji-data.ts, ~20 KB gzip) is a lazy chunk, loaded the first time one of them is used.
 */
export interface Emoji {
  emoji: string;
  /** Shortcodes, the first one the usual name (`thumbsup`, `tada`), then the Unicode name as one word. */
  names: readonly string[];
  group: number;
}

export interface EmojiSet {
  list: readonly Emoji[];
  byName: ReadonlyMap<string, Emoji>;
  groups: readonly (readonly [number, string])[];
}

export function parseEmojiData(raw: string, groups: readonly (readonly [number, string])[]): EmojiSet {
  const list: Emoji[] = [];
  const byName = new Map<string, Emoji>();
  for (const line of raw.split('\n')) {
    const [emoji, names, group] = line.split('\t');
    if (!emoji || !names) {
      continue;
    }
    const e: Emoji = { emoji, names: names.split(' '), group: Number(group) };
    list.push(e);
    for (const n of e.names) {
      if (!byName.has(n)) {
        byName.set(n, e);
      }
    }
  }
  return { list, byName, groups };
}

let loading: Promise<EmojiSet> | null = null;

/** The emoji list, loaded once (a failed load is tried again next time). */
export function loadEmoji(): Promise<EmojiSet> {
  loading ??= import('./emoji-data.ts').then(
    (m) => parseEmojiData(m.EMOJI_DATA, m.EMOJI_GROUPS),
    (err: unknown) => {
      loading = null;
      throw err;
    },
  );
  return loading;
}

/** The shortest name people type before a list is worth showing (":" alone, or ":)" , is not). */
export const EMOJI_QUERY_MIN = 2;

/** What follows ":" before the caret when it starts a word (`{start}` is the colon's index), else null. */
export function emojiQuery(text: string, caret: number): { start: number; query: string } | null {
  const m = /(?:^|[\s(])(:([a-z0-9_+-]{2,32}))$/i.exec(text.slice(0, caret));
  if (!m || m[2]!.length < EMOJI_QUERY_MIN) {
    return null;
  }
  return { start: caret - m[1]!.length, query: m[2]!.toLowerCase() };
}

/**
 * The emoji whose names match `query`, best first: a name equal to it, then one that starts with it,
 * then one with a word (after "_" or "-") that does, then one that contains it; ties keep the
 * list's order (Unicode's: the common faces and hands first).
 */
export function searchEmoji(query: string, set: EmojiSet, limit = 10): { emoji: Emoji; name: string }[] {
  const q = fold(query.trim()).replace(/\s+/g, '_');
  if (q === '') {
    return [];
  }
  const scored: { emoji: Emoji; name: string; rank: number; order: number }[] = [];
  set.list.forEach((e, order) => {
    let best: { name: string; rank: number } | null = null;
    for (const name of e.names) {
      const rank = name === q ? 0 : name.startsWith(q) ? 1 : name.split(/[_-]/).some((w) => w.startsWith(q)) ? 2 : name.includes(q) ? 3 : -1;
      if (rank >= 0 && (!best || rank < best.rank)) {
        best = { name, rank };
      }
    }
    if (best) {
      scored.push({ emoji: e, name: best.name, rank: best.rank, order });
    }
  });
  scored.sort((a, b) => a.rank - b.rank || a.order - b.order);
  return scored.slice(0, limit).map(({ emoji, name }) => ({ emoji, name }));
}

/** A guild's own emoji, as the composer and the markup need it. */
export interface CustomEmoji {
  id: string;
  name: string;
  image: string;
}

/** The address of a guild emoji's picture. */
export const customEmojiUrl = (image: string): string => `/api/attachments/emojis/${image}`;

/** The reaction key of a guild emoji: its id alone, so that a rename keeps its reactions together. */
export const customReaction = (id: string): string => `<:${id}>`;

/** The guild emoji id of a reaction key, or null for a Unicode emoji. */
export function customReactionId(emoji: string): string | null {
  const m = /^<:([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>$/i.exec(emoji);
  return m ? m[1]!.toLowerCase() : null;
}

/** How a guild emoji is written in a message. */
export const customEmojiMarkup = (e: { id: string; name: string }): string => `<:${e.name}:${e.id}>`;

/** A guild's emoji whose names match `query`, ranked as `searchEmoji` ranks names. */
export function searchCustomEmoji(query: string, emojis: readonly CustomEmoji[], limit = 10): CustomEmoji[] {
  const q = fold(query.trim()).replace(/\s+/g, '_');
  if (q === '') {
    return [];
  }
  return emojis
    .map((e, order) => {
      const name = e.name.toLowerCase();
      const rank = name === q ? 0 : name.startsWith(q) ? 1 : name.split('_').some((w) => w.startsWith(q)) ? 2 : name.includes(q) ? 3 : -1;
      return { e, rank, order };
    })
    .filter((x) => x.rank >= 0)
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .slice(0, limit)
    .map((x) => x.e);
}

/**
 * `:name:` written whole becomes its emoji, outside code (inline `code` and ``` blocks keep their
 * text) and only for names the list knows (`:notanemoji:` and times like 12:30:00 stay as typed).
 */
export function replaceShortcodes(text: string, set: EmojiSet | null, custom: readonly CustomEmoji[] = []): string {
  if (!text.includes(':')) {
    return text;
  }
  // A guild's own emoji wins over a Unicode one of the same name, as in Discord.
  const byName = new Map(custom.map((e) => [e.name.toLowerCase(), customEmojiMarkup(e)]));
  const lookup = (name: string) => byName.get(name.toLowerCase()) ?? set?.byName.get(name.toLowerCase())?.emoji;
  // Code blocks, then inline code, are left alone; the rest is searched for :name:.
  return text
    .split(/(```[\s\S]*?```|`[^`\n]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/(?<!<):([a-z0-9_+-]{1,32}):/gi, (whole, name: string) => lookup(name) ?? whole)))
    .join('');
}
