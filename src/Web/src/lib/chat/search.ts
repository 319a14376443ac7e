import type { Channel, Message } from '../types.ts';

/** Pure rules of message search in the client: the search box's filters and highlights. */

export interface SearchInput {
  text: string;
  channelId: string | null;
  /** `from:me` — the only author the box resolves without a member lookup. */
  fromMe: boolean;
  hasAttachment: boolean;
  before: string | null;
  after: string | null;
  /** Filters that could not be understood (shown to the person, not sent). */
  unknown: string[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads the search box: free text plus `in:#channel`, `from:me`, `has:attachment`,
 * `before:YYYY-MM-DD`, `after:YYYY-MM-DD` (Discord-like).
 */
export function parseSearchInput(input: string, channels: readonly Pick<Channel, 'id' | 'name' | 'type'>[]): SearchInput {
  const out: SearchInput = { text: '', channelId: null, fromMe: false, hasAttachment: false, before: null, after: null, unknown: [] };
  const words: string[] = [];
  for (const token of input.trim().split(/\s+/).filter(Boolean)) {
    const m = /^(in|from|has|before|after):(.+)$/i.exec(token);
    if (!m) {
      words.push(token);
      continue;
    }
    const key = (m[1] ?? '').toLowerCase();
    const value = m[2] ?? '';
    if (key === 'in') {
      const name = value.replace(/^#/, '').toLowerCase();
      const channel = channels.find((c) => c.type === 'text' && c.name.toLowerCase() === name);
      if (channel) {
        out.channelId = channel.id;
      } else {
        out.unknown.push(token);
      }
    } else if (key === 'from' && value.toLowerCase() === 'me') {
      out.fromMe = true;
    } else if (key === 'has' && /^attachments?$/i.test(value)) {
      out.hasAttachment = true;
    } else if ((key === 'before' || key === 'after') && DATE.test(value) && !Number.isNaN(Date.parse(value))) {
      out[key as 'before' | 'after'] = value;
    } else {
      out.unknown.push(token);
    }
  }
  out.text = words.join(' ');
  return out;
}

/** The query string of GET /api/guilds/{id}/messages/search; null when there is nothing to search. */
export function searchParams(input: SearchInput, me: string, limit: number, offset: number): URLSearchParams | null {
  const p = new URLSearchParams();
  if (input.text) {
    p.set('q', input.text);
  }
  if (input.channelId) {
    p.set('channel', input.channelId);
  }
  if (input.fromMe) {
    p.set('author', me);
  }
  if (input.hasAttachment) {
    p.set('has', 'attachment');
  }
  if (input.before) {
    p.set('before', input.before);
  }
  if (input.after) {
    p.set('after', input.after);
  }
  if ([...p.keys()].length === 0) {
    return null;
  }
  p.set('limit', String(limit));
  p.set('offset', String(offset));
  return p;
}

export const MARK_START = '\uE000';
export const MARK_END = '\uE001';

const MENTION_TOKEN = /<@(&)?([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})>/gi;

/**
 * A result's text with the mentions the server found in it (`mentions`, `mentionRoles`: not those
 * in code) as "@name", or "@user"/"@role" while the name is unknown; other tokens stay as written.
 */
export function nameMentions(
  text: string,
  message: Pick<Message, 'mentions' | 'mentionRoles'>,
  name: (kind: 'user' | 'role', id: string) => string | null,
): string {
  const users = new Set((message.mentions ?? []).map((id) => id.toLowerCase()));
  const roles = new Set((message.mentionRoles ?? []).map((id) => id.toLowerCase()));
  return text.replace(MENTION_TOKEN, (token, role: string | undefined, raw: string) => {
    const id = raw.toLowerCase();
    const kind = role ? 'role' : 'user';
    if (!(kind === 'role' ? roles : users).has(id)) {
      return token;
    }
    return `@${name(kind, id) ?? kind}`;
  });
}

/** Splits a highlight into plain and matched parts, to render as text (never as HTML). */
export function splitHighlight(highlight: string): { text: string; mark: boolean }[] {
  const parts: { text: string; mark: boolean }[] = [];
  let mark = false;
  let buf = '';
  for (const ch of highlight) {
    if (ch === MARK_START || ch === MARK_END) {
      if (buf) {
        parts.push({ text: buf, mark });
      }
      buf = '';
      mark = ch === MARK_START;
    } else {
      buf += ch;
    }
  }
  if (buf) {
    parts.push({ text: buf, mark });
  }
  return parts;
}
