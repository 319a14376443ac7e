import { get, writable, type Readable } from 'svelte/store';
import { ApiClient, ApiError, type AuthLostReason, type SessionStorage } from '../api.ts';
import { reauthenticate, startGateway, stopGateway } from '../gateway.ts';
import { ACCOUNT_DELETED_NOTICE, EXPIRED_NOTICE, SIGNED_OUT_NOTICE } from '../messages.ts';
import { draftStorageKey } from '../chat/draft-key.ts';
import { parseStoredSession, type StoredSession } from '../tokens.ts';
import type { User } from '../types.ts';

/** Who is signed in in this tab. Tokens live in localStorage so a reload keeps the session. */
export interface SessionState {
  user: User | null;
  sessionId: string | null;
  /** Shown on the login screen once, e.g. after the session was revoked elsewhere. */
  notice: string | null;
}

const STORAGE_KEY = 'lescopains.session';

function read(): StoredSession | null {
  try {
    return parseStoredSession(localStorage.getItem(STORAGE_KEY), Date.now());
  } catch {
    return null; // Storage disabled: behave as signed out.
  }
}

const initial = read();
const state = writable<SessionState>({ user: initial?.user ?? null, sessionId: initial?.sessionId ?? null, notice: null });
export const session: Readable<SessionState> = { subscribe: state.subscribe };

const storage: SessionStorage = {
  get: read,
  set(s) {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(s));
    state.update((cur) => ({ ...cur, user: s.user, sessionId: s.sessionId }));
  },
  lost(reason) {
    // Revoked: signed out (here or from another device), so what was typed goes too. Expired:
    // the person signs in again and finds their drafts.
    signedOut(reason === 'revoked' ? SIGNED_OUT_NOTICE : EXPIRED_NOTICE, reason === 'revoked');
  },
};

const webLock =
  typeof navigator !== 'undefined' && 'locks' in navigator
    ? <T>(name: string, fn: () => Promise<T>) => navigator.locks.request(name, fn) as Promise<T>
    : undefined;

export const api = new ApiClient({
  storage,
  ...(webLock ? { lock: webLock } : {}),
  onRenewed: (s) => void reauthenticate(s.accessToken),
});

/** Forgets the session locally and tells the user why on the login screen. */
/** Ends the session in this tab; `forget` also removes what this account left in the browser (drafts). */
function signedOut(notice: string | null, forget: boolean): void {
  const userId = get(state).user?.id ?? null;
  const wasSignedIn = userId !== null;
  api.cancelSchedule();
  try {
    localStorage.removeItem(STORAGE_KEY);
  } catch {
    // Nothing stored.
  }
  void stopGateway();
  state.set({ user: null, sessionId: null, notice: wasSignedIn ? notice : get(state).notice });
  // After the state change, so the drafts store has written what it held for this account.
  if (forget && userId) {
    try {
      localStorage.removeItem(draftStorageKey(userId));
    } catch {
      // Nothing stored.
    }
  }
}

function connect(): void {
  void startGateway({
    accessToken: () => api.accessToken(),
    onReady: ({ user }) => state.update((s) => ({ ...s, user })),
    onSessionRevoked: (id) => {
      if (id === get(state).sessionId) {
        signedOut(SIGNED_OUT_NOTICE, true);
      }
    },
    // A revoked session also loses its connection; asking the Api tells us for sure.
    onConnectionLost: () => void refreshUser(),
  });
}

/** Reloads the profile from the Api (a 401 here signs the tab out). */
export async function refreshUser(): Promise<void> {
  try {
    const user = await api.me();
    state.update((s) => ({ ...s, user }));
  } catch {
    // 401s already signed the user out through storage.lost(); other failures are transient.
  }
}

/** Starts the background work of a signed-in tab: token renewal, the hub, a fresh profile. */
export function resume(): void {
  if (read()) {
    api.schedule();
    connect();
    void refreshUser();
  }
}

/** Signs in, or returns the ticket of a two-factor challenge to answer with `loginWithCode`. */
export async function login(username: string, password: string): Promise<{ ticket: string } | null> {
  const result = await api.login(username, password);
  if ('mfa' in result) {
    return { ticket: result.ticket };
  }
  state.update((s) => ({ ...s, notice: null }));
  connect();
  return null;
}

export async function loginWithCode(ticket: string, code: string): Promise<void> {
  await api.loginWithCode(ticket, code);
  state.update((s) => ({ ...s, notice: null }));
  connect();
}

export async function register(username: string, password: string, displayName: string): Promise<void> {
  await api.register(username, password, displayName || undefined);
  await login(username, password);
}

export async function logout(): Promise<void> {
  await api.logout();
  // The media cookie holds the (now revoked) access token: drop it too.
  void fetch('/api/attachments/cookie', { method: 'DELETE', credentials: 'same-origin' }).catch(() => {});
  signedOut(null, true);
}

export function updateDisplayName(displayName: string): Promise<User> {
  return updateProfile({ displayName });
}

/** Changes the signed-in person's own profile (display name, "About me"); every tab follows. */
export async function updateProfile(changes: { displayName?: string; bio?: string }): Promise<User> {
  const user = await api.updateMe(changes);
  const stored = read();
  if (stored) {
    storage.set({ ...stored, user });
  }
  return user;
}

/** A new display name or username (`user:update`), e.g. of a person: what `user:update` may change of it. */
export interface NamePatch {
  displayName?: string;
  username?: string;
}

/** The names a `user:update` payload's `user` carries (either may be missing); null when none. */
export function namePatch(user: unknown): NamePatch | null {
  if (typeof user !== 'object' || user === null) {
    return null;
  }
  const u = user as { displayName?: unknown; username?: unknown };
  const patch: NamePatch = {
    ...(typeof u.displayName === 'string' ? { displayName: u.displayName } : {}),
    ...(typeof u.username === 'string' ? { username: u.username } : {}),
  };
  return Object.keys(patch).length > 0 ? patch : null;
}

/** The signed-in person renamed themselves on another device (`user:update`): follow it here. */
export function ownProfileChanged(userId: string, patch: NamePatch): void {
  const stored = read();
  if (
    stored &&
    stored.user.id === userId &&
    ((patch.displayName !== undefined && patch.displayName !== stored.user.displayName) ||
      (patch.username !== undefined && patch.username !== stored.user.username))
  ) {
    storage.set({ ...stored, user: { ...stored.user, ...patch } });
  }
}

/**
 * Deletes the account (password, and a code when two-factor authentication is on), then removes
 * what it kept in this browser: drafts, tokens and its end-to-end encryption store.
 */
export async function deleteAccount(password: string, code?: string): Promise<void> {
  const userId = get(state).user?.id ?? null;
  await api.deleteAccount(password, code);
  // The server's sign-out may have reached this tab first, with its own notice: this one wins.
  signedOut(null, true);
  state.update((s) => ({ ...s, notice: ACCOUNT_DELETED_NOTICE }));
  if (userId) {
    try {
      indexedDB.deleteDatabase(`lescopains-e2ee-${userId}`);
    } catch {
      // No IndexedDB here: nothing was kept.
    }
  }
}

export function clearNotice(): void {
  state.update((s) => ({ ...s, notice: null }));
}

/** Another tab signed in, renewed or signed out: follow it. */
function onStorage(e: StorageEvent): void {
  if (e.key !== STORAGE_KEY && e.key !== null) {
    return;
  }
  const now = read();
  const cur = get(state);
  if (!now && cur.user) {
    signedOut(null, true);
  } else if (now && now.sessionId !== cur.sessionId) {
    state.set({ user: now.user, sessionId: now.sessionId, notice: null });
    api.schedule();
    connect();
  } else if (now) {
    state.update((s) => ({ ...s, user: now.user }));
    api.schedule(); // The other tab renewed; re-arm our timer from its expiry.
  }
}

if (typeof window !== 'undefined') {
  addEventListener('storage', onStorage);
}

export { ApiError };
