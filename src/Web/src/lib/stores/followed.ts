import { get, writable, type Readable } from 'svelte/store';
import { isThreadInfo } from '../chat/threads.ts';
import { onGatewayEvent } from '../gateway.ts';
import type { ThreadInfo } from '../types.ts';
import { syncWithAccount } from './account-sync.ts';
import { api } from './session.ts';

/**
 * The threads this person follows (docs/API.md "Thread members"): the ones they created, posted in
 * or joined, and have not left. The sidebar lists them under their channel, and a followed thread
 * counts every unread message where another counts only mentions (stores/social.ts). Loaded on every
 * connect, then kept live from `thread:member:update` (this person's own connections) and the
 * thread events every viewer gets.
 */
const state = writable<Record<string, ThreadInfo>>({});
export const followedThreads: Readable<Record<string, ThreadInfo>> = { subscribe: state.subscribe };

/** Followed threads archived while this page was open: listed again if they are unarchived. */
const dormant = new Set<string>();

export function isFollowed(threadId: string): boolean {
  return threadId in get(state) || dormant.has(threadId);
}


function put(thread: ThreadInfo): void {
  if (thread.archived) {
    dormant.add(thread.id);
    drop(thread.id, true);
    return;
  }
  dormant.delete(thread.id);
  state.update((s) => ({ ...s, [thread.id]: thread }));
}

function drop(threadId: string, keepDormant = false): void {
  if (!keepDormant) {
    dormant.delete(threadId);
  }
  state.update((s) => {
    if (!(threadId in s)) {
      return s;
    }
    const { [threadId]: _gone, ...rest } = s;
    return rest;
  });
}

export async function loadFollowed(): Promise<void> {
  try {
    const { threads } = await api.followedThreads();
    dormant.clear();
    state.set(Object.fromEntries(threads.map((t) => [t.id, t])));
  } catch {
    // The list is a convenience: the next connect tries again.
  }
}

/** Follow or stop following `thread`; null when done, else what to tell the person. */
export async function setFollowing(thread: ThreadInfo, follow: boolean): Promise<string | null> {
  try {
    if (follow) {
      put(await api.joinThread(thread.id));
    } else {
      await api.leaveThread(thread.id);
      drop(thread.id);
    }
    return null;
  } catch {
    return follow ? 'The thread could not be joined.' : 'The thread could not be left.';
  }
}

onGatewayEvent('thread:member:update', (p) => {
  const e = p as { joined?: unknown; thread?: unknown; threadId?: unknown } | null;
  if (e?.joined === true && isThreadInfo(e.thread)) {
    put(e.thread);
  } else if (e?.joined === false && typeof e.threadId === 'string') {
    drop(e.threadId);
  }
});

for (const name of ['thread:create', 'thread:update'] as const) {
  onGatewayEvent(name, (p) => {
    const thread = (p as { thread?: unknown } | null)?.thread;
    if (isThreadInfo(thread) && isFollowed(thread.id)) {
      put(thread);
    }
  });
}

syncWithAccount(() => void loadFollowed(), () => {
  dormant.clear();
  state.set({});
});
