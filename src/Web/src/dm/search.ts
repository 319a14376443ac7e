// Search in direct messages, on this device only: the server holds nothing but envelopes it cannot
// read, so the decrypted history this browser keeps (local-state.ts, sealed at rest) is searched
// here, with the search box's syntax for channels (lib/chat/search.ts): words, `from:me`,
// `has:attachment`, `before:`/`after:` dates (UTC days, `after` ≤ sent < `before`).
import { MARK_END, MARK_START, type SearchInput } from '../lib/chat/search.ts';
import type { DmMessage } from './content.ts';

export interface DmSearchHit {
  conversationId: string;
  message: DmMessage;
  /** The text (shortened around the first match) with each match between U+E000 and U+E001. */
  highlight: string | null;
}

export const DM_SEARCH_LIMIT = 50;
const SNIPPET = 160;

/** Lower case, accents off, one output character per input UTF-16 unit (so positions map back). */
function foldUnits(s: string): string {
  let out = '';
  for (const ch of s) {
    const f = ch.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
    // Keep the length of the original: a fold that changes it (rare ligatures) keeps the original.
    out += f.length === ch.length ? f : ch;
  }
  return out;
}

/** The words to find, folded; quotes are not phrase syntax here, they are just dropped. */
export function searchWords(text: string): string[] {
  return foldUnits(text.replace(/["']/g, ' '))
    .split(/\s+/)
    .filter(Boolean);
}

/**
 * The messages of `messages` (by conversation; only `conversationId` when given) that match
 * `input`: every word somewhere in the text or a file's name, and every filter. Newest first, at
 * most `limit`; `total` counts them all. Deleted messages are never found. Null when there is
 * nothing to search for (no word and no filter).
 */
export function searchDm(
  messages: Readonly<Record<string, readonly DmMessage[]>>,
  input: SearchInput,
  me: string,
  conversationId: string | null = null,
  limit = DM_SEARCH_LIMIT,
): { hits: DmSearchHit[]; total: number } | null {
  const words = searchWords(input.text);
  if (words.length === 0 && !input.fromMe && !input.hasAttachment && !input.before && !input.after) {
    return null;
  }
  const before = input.before ? Date.parse(input.before) : null;
  const after = input.after ? Date.parse(input.after) : null;
  const found: DmSearchHit[] = [];
  for (const [cid, list] of Object.entries(messages)) {
    if (conversationId && cid !== conversationId) {
      continue;
    }
    for (const m of list) {
      if (m.deleted || (input.fromMe && m.authorId !== me) || (input.hasAttachment && !m.files?.length)) {
        continue;
      }
      const at = Date.parse(m.sentAt);
      if ((before !== null && !(at < before)) || (after !== null && !(at >= after))) {
        continue;
      }
      const haystack = foldUnits([m.text, ...(m.files ?? []).map((f) => f.name)].join('\n'));
      if (words.every((w) => haystack.includes(w))) {
        found.push({ conversationId: cid, message: m, highlight: words.length ? highlight(m.text, words) : null });
      }
    }
  }
  found.sort((a, b) => b.message.sentAt.localeCompare(a.message.sentAt) || b.message.id.localeCompare(a.message.id));
  return { hits: found.slice(0, limit), total: found.length };
}

/** `text` around its first match (at most about 160 characters), each match of `words` marked. */
export function highlight(text: string, words: readonly string[]): string {
  const folded = foldUnits(text);
  const marks: [number, number][] = [];
  for (const w of words) {
    for (let i = folded.indexOf(w); i !== -1; i = folded.indexOf(w, i + w.length)) {
      marks.push([i, i + w.length]);
    }
  }
  if (marks.length === 0) {
    // Only a file's name matched: the text as it is, shortened.
    return text.length > SNIPPET ? `${text.slice(0, SNIPPET)}…` : text;
  }
  marks.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const [s, e] of marks) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) {
      last[1] = Math.max(last[1], e);
    } else {
      merged.push([s, e]);
    }
  }
  const first = merged[0]![0];
  const start = text.length > SNIPPET ? Math.max(0, Math.min(first - 40, text.length - SNIPPET)) : 0;
  const end = Math.min(text.length, start + SNIPPET);
  let out = start > 0 ? '…' : '';
  let at = start;
  for (const [s, e] of merged) {
    if (e <= start || s >= end) {
      continue;
    }
    const from = Math.max(s, start);
    const to = Math.min(e, end);
    out += text.slice(at, from) + MARK_START + text.slice(from, to) + MARK_END;
    at = to;
  }
  out += text.slice(at, end) + (end < text.length ? '…' : '');
  return out;
}
