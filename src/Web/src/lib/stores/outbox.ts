import { get, writable, type Readable } from 'svelte/store';
import { enqueue, fail, newNonce, parseHubError, retry, settle, settleSeen, type OutboxEntry } from '../chat/outbox.ts';
import { invoke, onGatewayEvent } from '../gateway.ts';
import { describeSendError } from '../messages.ts';
import type { Attachment, Message } from '../types.ts';
import { receive } from './messages.ts';
import { session } from './session.ts';

/**
 * Messages being sent: shown at once as pending, replaced by the stored message when the hub
 * acknowledges (or its `message:create` comes first), failed with Retry/Delete otherwise.
 */
const state = writable<OutboxEntry[]>([]);
export const outbox: Readable<OutboxEntry[]> = { subscribe: state.subscribe };

export function sendMessage(channelId: string, content: string, replyTo: string | null, attachments: Attachment[] = [], mentionReplied = true): void {
  const entry = { nonce: newNonce(), channelId, content, replyTo, mentionReplied, attachments, createdAt: new Date().toISOString() };
  state.update((list) => enqueue(list, entry));
  void attempt(entry.nonce);
}

/** Sends a failed entry again with the same nonce, so the server stores it at most once. */
export function retrySend(nonce: string): void {
  state.update((list) => retry(list, nonce));
  void attempt(nonce);
}

export function discard(nonce: string): void {
  state.update((list) => settle(list, nonce));
}

/** A send without an answer by then is shown as failed; Retry reuses the nonce, so it is safe. */
const ACK_TIMEOUT_MS = 20_000;
/** The latest attempt per nonce: an earlier attempt that fails late must not undo a retry. */
const attempts = new Map<string, number>();

async function attempt(nonce: string): Promise<void> {
  const entry = get(state).find((e) => e.nonce === nonce);
  if (!entry || entry.status !== 'pending') {
    return;
  }
  const n = (attempts.get(nonce) ?? 0) + 1;
  attempts.set(nonce, n);
  const failLatest = (text: string) => {
    if (attempts.get(nonce) === n) {
      state.update((list) => fail(list, nonce, text));
    }
  };
  const timer = setTimeout(() => failLatest(describeSendError('timeout', '')), ACK_TIMEOUT_MS);
  try {
    const message = await invoke<Message>('SendMessage', {
      channelId: entry.channelId,
      content: entry.content,
      nonce: entry.nonce,
      replyTo: entry.replyTo,
      ...(entry.replyTo && entry.mentionReplied === false ? { mentionReplied: false } : {}),
      ...(entry.attachments?.length ? { attachments: entry.attachments.map((a) => a.id) } : {}),
    });
    // Stored, even when this answer comes after a timeout: show it and forget the entry.
    receive(message);
    state.update((list) => settle(list, nonce));
    attempts.delete(nonce);
  } catch (err) {
    const { code, message } = parseHubError(err);
    failLatest(describeSendError(code, message));
  } finally {
    clearTimeout(timer);
  }
}

// Our message came back as an event before the acknowledgement: the pending copy goes.
onGatewayEvent('message:create', (p) => {
  const m = (p as { message?: Message } | null)?.message;
  const me = get(session).user?.id;
  if (m && typeof m.nonce === 'string' && typeof m.author === 'object' && me) {
    state.update((list) => settleSeen(list, [m], me));
  }
});

// Another account in this tab does not inherit the previous one's unsent messages.
let lastUser = get(session).user?.id ?? null;
session.subscribe((s) => {
  const id = s.user?.id ?? null;
  if (id !== lastUser) {
    lastUser = id;
    state.set([]);
  }
});
