import type { AuthResponse, User } from './types.ts';

/** What the client keeps between reloads (localStorage) for one signed-in session. */
export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  /** Epoch ms at which the access token expires. */
  accessExpiresAt: number;
  /** Lifetime of the access token in ms, as the server announced it. */
  accessLifetime: number;
  /** Epoch ms after which the refresh token is useless (the server's 7 days). */
  refreshExpiresAt: number;
  sessionId: string;
  user: User;
}

export const REFRESH_TOKEN_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
const MIN_MARGIN_MS = 5_000;
const MAX_MARGIN_MS = 60_000;
/** setTimeout overflows past 2^31-1 ms and fires at once. */
const MAX_TIMER_MS = 2_147_483_647;

export function sessionFromAuth(
  auth: AuthResponse,
  now: number,
  previous?: Pick<StoredSession, 'refreshExpiresAt'>,
): StoredSession {
  const lifetime = Math.max(0, auth.expiresIn) * 1000;
  return {
    accessToken: auth.accessToken,
    refreshToken: auth.refreshToken,
    accessExpiresAt: now + lifetime,
    accessLifetime: lifetime,
    // A rotated refresh token gets a fresh 7 days on the server as well.
    refreshExpiresAt: previous ? Math.max(previous.refreshExpiresAt, now + REFRESH_TOKEN_LIFETIME_MS) : now + REFRESH_TOKEN_LIFETIME_MS,
    sessionId: auth.sessionId,
    user: auth.user,
  };
}

/**
 * How long before expiry the access token is renewed: a tenth of its lifetime,
 * between 5 s and 60 s, so a 15 min token is renewed a minute early and a short
 * test token still leaves room for a round trip.
 */
export function refreshMargin(lifetimeMs: number): number {
  return Math.min(MAX_MARGIN_MS, Math.max(MIN_MARGIN_MS, lifetimeMs / 10));
}

/** Milliseconds to wait before renewing the access token (0 = now). */
export function refreshDelay(session: Pick<StoredSession, 'accessExpiresAt' | 'accessLifetime'>, now: number): number {
  const at = session.accessExpiresAt - refreshMargin(session.accessLifetime);
  return Math.min(MAX_TIMER_MS, Math.max(0, at - now));
}

/** True when the access token should not be sent any more without renewing it first. */
export function needsRefresh(session: Pick<StoredSession, 'accessExpiresAt' | 'accessLifetime'>, now: number): boolean {
  return refreshDelay(session, now) === 0;
}

/** Reads what localStorage holds; anything malformed or past the refresh token's life is dropped. */
export function parseStoredSession(raw: string | null, now: number): StoredSession | null {
  if (!raw) {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!isStoredSession(value)) {
    return null;
  }
  return value.refreshExpiresAt > now ? value : null;
}

function isStoredSession(v: unknown): v is StoredSession {
  if (typeof v !== 'object' || v === null) {
    return false;
  }
  const s = v as Record<string, unknown>;
  const user = s.user as Record<string, unknown> | null | undefined;
  return (
    typeof s.accessToken === 'string' &&
    typeof s.refreshToken === 'string' &&
    s.refreshToken.length > 0 &&
    typeof s.accessExpiresAt === 'number' &&
    typeof s.accessLifetime === 'number' &&
    typeof s.refreshExpiresAt === 'number' &&
    typeof s.sessionId === 'string' &&
    typeof user === 'object' &&
    user !== null &&
    typeof user.id === 'string' &&
    typeof user.username === 'string' &&
    typeof user.displayName === 'string'
  );
}
