import type { SessionStorage, AuthLostReason } from '../../src/lib/api.ts';
import type { AuthResponse, User } from '../../src/lib/types.ts';
import type { StoredSession } from '../../src/lib/tokens.ts';

export const alice: User = { id: '42', username: 'alice', displayName: 'Alice', createdAt: '2025-01-01T00:00:00Z' };

export function auth(n: number, expiresIn = 900): AuthResponse {
  return { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresIn, sessionId: 's1', user: alice };
}

/** In-memory SessionStorage that records why a session was lost. */
export class MemoryStorage implements SessionStorage {
  session: StoredSession | null = null;
  lostReasons: AuthLostReason[] = [];
  get() {
    return this.session;
  }
  set(s: StoredSession) {
    this.session = s;
  }
  lost(reason: AuthLostReason) {
    this.session = null;
    this.lostReasons.push(reason);
  }
}

export interface Call {
  method: string;
  path: string;
  auth: string | null;
  body: unknown;
}

type Handler = (call: Call) => Response | Promise<Response>;

/** A fetch that answers from `handler` and records every call. */
export function fakeFetch(handler: Handler): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const call: Call = {
      method: init?.method ?? 'GET',
      path: String(input),
      auth: headers.Authorization ?? null,
      body: typeof init?.body === 'string' ? JSON.parse(init.body) : null,
    };
    calls.push(call);
    return handler(call);
  }) as typeof fetch;
  return { fetch: fetchFn, calls };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });
}

export function error(status: number, code: string, message = code, headers: Record<string, string> = {}): Response {
  return json(status, { error: { code, message } }, headers);
}

/**
 * A browser `localStorage` holding a signed-in session, for the stores whose REST client reads it
 * (`stores/session.ts`); set it on `globalThis` before the test's first request.
 */
export function signedInLocalStorage(user: User): Storage {
  const session = { accessToken: 'a', refreshToken: 'r', accessExpiresAt: Date.now() + 600_000, accessLifetime: 900_000, refreshExpiresAt: Date.now() + 3_600_000, sessionId: 's', user };
  return { getItem: () => JSON.stringify(session), setItem() {}, removeItem() {} } as unknown as Storage;
}
