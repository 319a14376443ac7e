import { get, writable, type Readable } from 'svelte/store';
import { attachThread, isThreadInfo } from '../chat/threads.ts';
import { onGatewayEvent } from '../gateway.ts';
import { navigate, routePath } from '../router.ts';
import type { Message, ThreadInfo } from '../types.ts';
import { patch } from './messages.ts';
import { api, session } from './session.ts';

/**
 * The thread side panel (what it shows) and the live thread events: a thread's summary on its
 * starter message, the open thread's name and archived state, the panel's lists.
 */
export type ThreadPanel =
  | { mode: 'list'; parentId: string }
  | { mode: 'create'; parentId: string; starter: Message | null }
  | { mode: 'thread'; parentId: string; thread: ThreadInfo; jumpTo: string | null };

const panel = writable<ThreadPanel | null>(null);
export const threadPanel: Readable<ThreadPanel | null> = { subscribe: panel.subscribe };

const lastEvent = writable<ThreadInfo | null>(null);
/** The latest thread created or changed (for the panel's lists). */
export const threadEvents: Readable<ThreadInfo | null> = { subscribe: lastEvent.subscribe };

export function showThreadList(parentId: string): void {
  panel.set({ mode: 'list', parentId });
}

export function startThread(parentId: string, starter: Message | null): void {
  panel.set({ mode: 'create', parentId, starter });
}

export function showThread(thread: ThreadInfo, jumpTo: string | null = null): void {
  panel.set({ mode: 'thread', parentId: thread.parentId, thread, jumpTo });
}

export function closeThreadPanel(): void {
  panel.set(null);
}

/** A message to show once its channel has opened (a search result). */
const jump = writable<{ channelId: string; messageId: string } | null>(null);
export const pendingJump: Readable<{ channelId: string; messageId: string } | null> = { subscribe: jump.subscribe };

export function requestJump(channelId: string, messageId: string): void {
  jump.set({ channelId, messageId });
}

/**
 * Opens a message where it was said (a search result, a mention in the inbox): its channel
 * scrolled to it, or, in a thread, the parent channel with the thread beside it.
 */
export async function openMessage(guildId: string, message: Message, threadParentId: string | null | undefined): Promise<void> {
  if (threadParentId) {
    navigate(routePath({ name: 'guild', guildId, channelId: threadParentId }));
    showThread(await api.getThread(message.channelId), message.id);
  } else {
    requestJump(message.channelId, message.id);
    navigate(routePath({ name: 'guild', guildId, channelId: message.channelId }));
  }
}

/** Takes the pending jump for `channelId`, if there is one. */
export function takeJump(channelId: string): string | null {
  const j = get(jump);
  if (j?.channelId !== channelId) {
    return null;
  }
  jump.set(null);
  return j.messageId;
}


function applied(thread: ThreadInfo): void {
  patch(thread.parentId, (messages) => attachThread(messages, thread));
  panel.update((p) => (p?.mode === 'thread' && p.thread.id === thread.id ? { ...p, thread } : p));
  lastEvent.set(thread);
}

/** A thread this client created or changed (the answer may come before or after the event). */
export function threadChanged(thread: ThreadInfo): void {
  applied(thread);
}

for (const name of ['thread:create', 'thread:update'] as const) {
  onGatewayEvent(name, (p) => {
    const thread = (p as { thread?: unknown } | null)?.thread;
    if (isThreadInfo(thread)) {
      applied(thread);
    }
  });
}

let lastUser = get(session).user?.id ?? null;
session.subscribe((s) => {
  const id = s.user?.id ?? null;
  if (id !== lastUser) {
    lastUser = id;
    panel.set(null);
    jump.set(null);
  }
});
