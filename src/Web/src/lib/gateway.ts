import { writable, type Readable } from 'svelte/store';
import type { HubConnection } from '@microsoft/signalr';
import { noteServedBuild } from './build.ts';
import type { User } from './types.ts';

/**
 * The single hub connection of this tab. `@microsoft/signalr` is imported on first start only,
 * so it is a lazy chunk that signed-out visitors never download.
 */

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'reconnecting';

const state = writable<ConnectionState>('disconnected');
export const connectionState: Readable<ConnectionState> = { subscribe: state.subscribe };

/** Why the server refused or closed this tab's connection, when it said (docs/API.md); null otherwise. */
export type ConnectionProblem = 'too_many_connections';

const problem = writable<ConnectionProblem | null>(null);
export const connectionProblem: Readable<ConnectionProblem | null> = { subscribe: problem.subscribe };

/** The server's reason in a close or start error (`"…HubException: too_many_connections: …"`), if it is one the UI explains. */
export function problemOf(error: unknown): ConnectionProblem | null {
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : '';
  return /\btoo_many_connections:/.test(message) ? 'too_many_connections' : null;
}

export interface GatewayOptions {
  /** Returns a valid access token (renewing it if needed); called on every (re)connect. */
  accessToken: () => Promise<string>;
  onReady: (ready: { user: User; sessionId: string }) => void;
  onSessionRevoked: (sessionId: string) => void;
  /**
   * The connection was lost and is being re-established. The caller checks whether the
   * session still exists (the server drops connections of revoked sessions).
   */
  onConnectionLost: () => void;
}

/**
 * Delay before reconnect attempt `attempt` (0-based): quick at first, then every 15–20 s,
 * forever — a chat client must come back on its own after a long outage.
 */
export function reconnectDelay(attempt: number, random: () => number = Math.random): number {
  const steps = [0, 2_000, 5_000, 10_000];
  const base = steps[attempt] ?? 15_000;
  // Jitter keeps a restarted server from being hit by every client at the same instant.
  return base === 0 ? 0 : Math.round(base + random() * base * 0.3);
}

/** Domain events the hub pushes (docs/API.md); stores subscribe with onGatewayEvent. */
export const GATEWAY_EVENTS = [
  'guild:create', 'guild:update', 'guild:delete',
  'channel:create', 'channel:update', 'channel:delete',
  'role:create', 'role:update', 'role:delete',
  'member:join', 'member:update', 'member:leave', 'user:update',
  'emoji:create', 'emoji:update', 'emoji:delete',
  'message:create', 'message:update', 'message:delete',
  'thread:create', 'thread:update', 'thread:member:update',
  'mention:create', 'mention:dismiss', 'reaction:add', 'reaction:remove', 'poll:vote', 'poll:end', 'pin:add', 'pin:remove', 'typing:start', 'readstate:update', 'notifications:update',
  'presence:update', 'presence:self',
  'dm:envelope', 'dm:conversation', 'dm:removed', 'dm:devices', 'dm:typing', 'blocks:update',
  'relationship:update', 'presence:friend',
  'voice:state', 'voice:rekey', 'voice:kicked', 'voice:moved', 'voice:rejoin', 'voice:republish', 'voice:key', 'voice:offer', 'voice:annotation',
] as const;
export type GatewayEvent = (typeof GATEWAY_EVENTS)[number];

const handlers = new Map<GatewayEvent, Set<(payload: unknown) => void>>();

/**
 * Listens to one hub event; returns the function that stops listening. Works before the
 * connection exists: the connection dispatches to whoever listens at the time.
 */
export function onGatewayEvent(name: GatewayEvent, fn: (payload: unknown) => void): () => void {
  const set = handlers.get(name) ?? new Set();
  set.add(fn);
  handlers.set(name, set);
  return () => set.delete(fn);
}

/**
 * A `messages:create` (several messages of one channel the server had queued together, in
 * order) as the `message:create` payloads it stands for. Anything malformed yields nothing.
 */
export function expandMessages(payload: unknown): { guildId: unknown; channelId: unknown; message: unknown }[] {
  if (typeof payload !== 'object' || payload === null) {
    return [];
  }
  const { guildId, messages } = payload as { guildId?: unknown; messages?: unknown };
  if (!Array.isArray(messages)) {
    return [];
  }
  return messages.map((message: unknown) => ({
    guildId,
    channelId: typeof message === 'object' && message !== null ? (message as { channelId?: unknown }).channelId : undefined,
    message,
  }));
}

function dispatch(name: GatewayEvent, payload: unknown): void {
  for (const fn of handlers.get(name) ?? []) {
    try {
      fn(payload);
    } catch (e) {
      // One broken listener must not starve the others or the connection.
      console.error(`gateway: ${name} listener failed`, e);
    }
  }
}

/**
 * Matches the connection's timers to the server's keep-alive (`ready.keepAliveMs`): the server
 * pings a quiet connection that often, so the client waits twice as long before it gives up on
 * the server (the library's fixed 30 s would drop every idle connection when the server pings
 * every 30 s), and pings the server as often, well inside the server's own limit of twice that.
 */
export function applyKeepAlive(conn: Pick<HubConnection, 'serverTimeoutInMilliseconds' | 'keepAliveIntervalInMilliseconds'>, keepAliveMs: unknown): void {
  if (typeof keepAliveMs !== 'number' || !Number.isFinite(keepAliveMs) || keepAliveMs <= 0) {
    return;
  }
  conn.keepAliveIntervalInMilliseconds = keepAliveMs;
  conn.serverTimeoutInMilliseconds = 2 * keepAliveMs;
}

let connection: HubConnection | null = null;
let options: GatewayOptions | null = null;
let generation = 0;
let restartTimer: ReturnType<typeof setTimeout> | null = null;

export async function startGateway(opts: GatewayOptions): Promise<void> {
  if (options) {
    return; // One connection per tab.
  }
  options = opts;
  const mine = ++generation;
  state.set('connecting');
  const signalR = await import('@microsoft/signalr');
  if (mine !== generation) {
    return; // Stopped while the chunk was loading.
  }
  const conn = new signalR.HubConnectionBuilder()
    .withUrl('/hubs/gateway', { accessTokenFactory: () => opts.accessToken() })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => reconnectDelay(ctx.previousRetryCount) })
    .configureLogging(signalR.LogLevel.None)
    .build();
  conn.on('ready', (ready: { user: User; sessionId: string; keepAliveMs?: number; build?: string | null }) => {
    applyKeepAlive(conn, ready.keepAliveMs);
    noteServedBuild(ready.build);
    opts.onReady(ready);
  });
  conn.on('session:revoked', (e: { sessionId: string }) => opts.onSessionRevoked(e.sessionId));
  for (const name of GATEWAY_EVENTS) {
    conn.on(name, (payload: unknown) => dispatch(name, payload));
  }
  conn.on('messages:create', (payload: unknown) => {
    for (const one of expandMessages(payload)) {
      dispatch('message:create', one);
    }
  });
  conn.onreconnecting((error) => {
    console.warn('gateway: connection lost, reconnecting', error?.message ?? '');
    problem.set(problemOf(error));
    state.set('reconnecting');
    opts.onConnectionLost();
  });
  conn.onreconnected(() => {
    problem.set(null);
    state.set('connected');
  });
  // Closed for good by the client library (e.g. the server refused a reconnect): start over.
  conn.onclose((error) => {
    if (mine === generation) {
      console.warn('gateway: connection closed, starting over', error?.message ?? '');
      problem.set(problemOf(error));
      state.set('reconnecting');
      opts.onConnectionLost();
      scheduleStart(conn, mine, 1);
    }
  });
  connection = conn;
  await tryStart(conn, mine, 0);
}

// Closing the tab says goodbye over the connection, so the server sees it at once (presence
// turns offline now, not when the keep-alive notices a dead socket).
if (typeof window !== 'undefined') {
  window.addEventListener('pagehide', (e) => {
    if (!e.persisted && isConnected(connection)) {
      void connection.stop();
    }
  });
}

async function tryStart(conn: HubConnection, mine: number, attempt: number): Promise<void> {
  try {
    await conn.start();
    if (mine === generation) {
      problem.set(null);
      state.set('connected');
    }
  } catch (error) {
    if (mine === generation) {
      problem.set(problemOf(error));
      state.set('reconnecting');
      // Each failed attempt asks whether the session still exists: a revoked one never reconnects.
      options?.onConnectionLost();
      scheduleStart(conn, mine, attempt + 1);
    }
  }
}

function scheduleStart(conn: HubConnection, mine: number, attempt: number): void {
  if (restartTimer !== null) {
    clearTimeout(restartTimer);
  }
  restartTimer = setTimeout(() => {
    restartTimer = null;
    if (mine === generation) {
      void tryStart(conn, mine, attempt);
    }
  }, Math.max(1_000, reconnectDelay(attempt)));
}

export async function stopGateway(): Promise<void> {
  generation++;
  options = null;
  if (restartTimer !== null) {
    clearTimeout(restartTimer);
    restartTimer = null;
  }
  const conn = connection;
  connection = null;
  state.set('disconnected');
  if (conn) {
    try {
      await conn.stop();
    } catch {
      // Stopping a connection that never started is fine.
    }
  }
}

/** Hands the server the renewed token; it closes connections whose token has expired. */
export async function reauthenticate(accessToken: string): Promise<void> {
  if (isConnected(connection)) {
    try {
      await connection.invoke('Reauthenticate', accessToken);
    } catch {
      // If this fails the server closes the connection and the reconnect uses the new token.
    }
  }
}

/**
 * Calls a hub method; fails at once when the connection is down (a send must not wait for a
 * reconnect that may never come: the outbox shows it as failed with Retry).
 */
export async function invoke<T>(method: string, ...args: unknown[]): Promise<T> {
  if (!isConnected(connection)) {
    throw new Error('Not connected.');
  }
  return connection.invoke<T>(method, ...args);
}

/** Round trip to the server; returns its clock as an ISO string. */
export async function ping(): Promise<string> {
  if (!isConnected(connection)) {
    throw new Error('Not connected.');
  }
  return connection.invoke<string>('Ping');
}

function isConnected(conn: HubConnection | null): conn is HubConnection {
  return String(conn?.state) === 'Connected';
}
