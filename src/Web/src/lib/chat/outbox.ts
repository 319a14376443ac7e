import type { Attachment, Message } from '../types.ts';

/**
 * Sends that are not acknowledged yet, as pure state transitions (the store in
 * stores/outbox.ts does the I/O). An entry is keyed by its nonce, which a retry reuses so the
 * server stores the message once however often it is sent.
 *
 *   enqueue → pending ──ack / seen──→ (gone, the message is in the list)
 *                │
 *              fail → failed ──retry──→ pending
 *                       └──discard──→ (gone)
 */

export interface OutboxEntry {
  nonce: string;
  channelId: string;
  content: string;
  replyTo: string | null;
  /** A reply mentions the author it answers unless this is false (the reply bar's "@" toggle). */
  mentionReplied?: boolean;
  /** Uploaded files this message carries (already stored, pending on the server). */
  attachments?: Attachment[];
  status: 'pending' | 'failed';
  /** Why the last attempt failed, for the person. */
  error: string | null;
  /** When it was written, to place and stamp it like a message. */
  createdAt: string;
}

export function enqueue(list: readonly OutboxEntry[], entry: Omit<OutboxEntry, 'status' | 'error'>): OutboxEntry[] {
  if (list.some((e) => e.nonce === entry.nonce)) {
    return list as OutboxEntry[];
  }
  return [...list, { ...entry, status: 'pending', error: null }];
}

export function fail(list: readonly OutboxEntry[], nonce: string, error: string): OutboxEntry[] {
  return list.map((e) => (e.nonce === nonce ? { ...e, status: 'failed', error } : e));
}

/** Back to pending for another attempt; only a failed entry can be retried. */
export function retry(list: readonly OutboxEntry[], nonce: string): OutboxEntry[] {
  return list.map((e) => (e.nonce === nonce && e.status === 'failed' ? { ...e, status: 'pending', error: null } : e));
}

/** The send is done (acknowledged, or its message arrived as an event first): forget it. */
export function settle(list: readonly OutboxEntry[], nonce: string): OutboxEntry[] {
  return list.some((e) => e.nonce === nonce) ? list.filter((e) => e.nonce !== nonce) : (list as OutboxEntry[]);
}

/** Drops every entry whose message is already among `messages` (same author and nonce). */
export function settleSeen(list: readonly OutboxEntry[], messages: readonly Message[], authorId: string): OutboxEntry[] {
  const seen = new Set(messages.filter((m) => m.author.id === authorId && m.nonce).map((m) => m.nonce));
  return list.some((e) => seen.has(e.nonce)) ? list.filter((e) => !seen.has(e.nonce)) : (list as OutboxEntry[]);
}

export function forChannel(list: readonly OutboxEntry[], channelId: string): OutboxEntry[] {
  return list.filter((e) => e.channelId === channelId);
}

/** A nonce for a send; crypto.randomUUID only exists in secure contexts (not plain http on a LAN). */
export function newNonce(c: Pick<Crypto, 'getRandomValues'> & { randomUUID?: () => string } = globalThis.crypto): string {
  if (typeof c.randomUUID === 'function') {
    return c.randomUUID();
  }
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The longest message the server accepts (UTF-16 code units, like .NET's string length). */
export const MAX_LENGTH = 4000;

/** An error code and text from a hub method failure ("… HubException: rate_limited: …"). */
export function parseHubError(err: unknown): { code: string; message: string } {
  const raw = err instanceof Error ? err.message : typeof err === 'string' ? err : '';
  if (/connection (being|was) closed|underlying connection|not connected/i.test(raw)) {
    return { code: 'connection_lost', message: raw };
  }
  const text = raw.includes('HubException: ') ? raw.slice(raw.lastIndexOf('HubException: ') + 14) : raw;
  const m = /^([a-z][a-z_]*): ?(.*)$/s.exec(text.trim());
  return m ? { code: m[1]!, message: m[2]! || m[1]! } : { code: 'unknown', message: text.trim() };
}
