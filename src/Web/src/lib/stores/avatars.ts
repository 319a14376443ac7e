import { get, writable, type Readable } from 'svelte/store';
import { onGatewayEvent } from '../gateway.ts';
import { ensureMediaCookie } from '../media.ts';
import { api, session } from './session.ts';

/**
 * People's profile pictures (docs/API.md "Avatars"): looked up as faces appear on screen, many ids
 * per request (`GET /api/users/avatars`), and kept for the page's life. Each is the SHA-256 of
 * the picture, so its address never changes and the browser caches it for good; null means
 * initials. A change reaches everyone who shares a guild with the person (`user:update`).
 */
const state = writable<Readonly<Record<string, string | null>>>({});
export const avatars: Readable<Readonly<Record<string, string | null>>> = { subscribe: state.subscribe };

const BATCH = 100;
const waiting = new Set<string>();
const asked = new Set<string>();
let timer: ReturnType<typeof setTimeout> | null = null;

/** Asks for these people's pictures (once per page; the next tick sends one request per 100). */
export function wantAvatar(userId: string): void {
  if (asked.has(userId) || !get(session).user) {
    return;
  }
  asked.add(userId);
  waiting.add(userId);
  timer ??= setTimeout(() => void flush(), 0);
}

async function flush(): Promise<void> {
  timer = null;
  const ids = [...waiting];
  waiting.clear();
  for (let i = 0; i < ids.length; i += BATCH) {
    const part = ids.slice(i, i + BATCH);
    try {
      const { avatars: found } = await api.avatars(part);
      if (Object.values(found).some((a) => a)) {
        await ensureMediaCookie().catch(() => {});
      }
      state.update((s) => ({ ...s, ...Object.fromEntries(part.map((id) => [id, found[id] ?? null])) }));
    } catch {
      // Offline or refused: initials stay, and the next face asked for tries these again.
      part.forEach((id) => asked.delete(id));
    }
  }
}

/** The address of a picture. */
export const avatarUrl = (sha: string): string => `/api/attachments/avatars/${sha}`;

/** Someone's picture changed (here, or `user:update`): every face of theirs follows at once. */
export function setAvatar(userId: string, sha: string | null): void {
  asked.add(userId);
  state.update((s) => ({ ...s, [userId]: sha }));
  if (sha) {
    void ensureMediaCookie().catch(() => {});
  }
}

onGatewayEvent('user:update', (p) => {
  const user = typeof p === 'object' && p !== null ? (p as { user?: { id?: unknown; avatar?: unknown } }).user : undefined;
  if (user && typeof user.id === 'string' && (typeof user.avatar === 'string' || user.avatar === null)) {
    setAvatar(user.id, user.avatar);
  }
});

let lastUser = get(session).user?.id ?? null;
session.subscribe((s) => {
  const id = s.user?.id ?? null;
  if (id !== lastUser) {
    lastUser = id;
    asked.clear();
    waiting.clear();
    state.set({});
  }
});
