import { get, writable, type Readable } from 'svelte/store';
import { connectionState, invoke, onGatewayEvent } from '../gateway.ts';
import { route } from '../router.ts';
import {
  applyBatch,
  applyCustomStatuses,
  customStatusActive,
  IdleDetector,
  type ChosenStatus,
  type CustomStatus,
  type PresenceGroups,
  type PresenceStatus,
  type SelfPresence,
} from '../presence/logic.ts';
import { tickingAt } from './clock.ts';
import { api, session } from './session.ts';

/** Who is not offline in each loaded guild, and the user's own presence. */
export interface PresenceState {
  guilds: Record<string, Record<string, PresenceStatus>>;
  self: SelfPresence | null;
  /** Custom statuses of the people online in the loaded guilds, by user id (a person has one, whatever the guild). */
  custom: Record<string, CustomStatus>;
}

/** No input for this long marks the tab idle; the user is idle once every tab is. */
export const IDLE_AFTER_MS = 5 * 60_000;

const state = writable<PresenceState>({ guilds: {}, self: null, custom: {} });
export const presence: Readable<PresenceState> = { subscribe: state.subscribe };

/** Updates that arrived while a guild's snapshot was loading, replayed on top of it. */
const buffered = new Map<string, PresenceGroups[]>();

/** Loads a guild's non-offline members (once; again after a reconnect with `force`). */
export async function loadPresences(guildId: string, force = false): Promise<void> {
  if (buffered.has(guildId) || (!force && get(state).guilds[guildId])) {
    return;
  }
  buffered.set(guildId, []);
  try {
    const snapshot = await api.request<PresenceGroups>('GET', `/api/guilds/${encodeURIComponent(guildId)}/presences`);
    const late = buffered.get(guildId) ?? [];
    state.update((s) => ({
      ...s,
      guilds: { ...s.guilds, [guildId]: late.reduce(applyBatch, applyBatch({}, snapshot)) },
      custom: late.reduce(applyCustomStatuses, applyCustomStatuses(s.custom, snapshot)),
    }));
  } catch {
    // Not a member any more, or offline: the member list shows everyone offline until the next load.
  } finally {
    buffered.delete(guildId);
  }
}

/** Sets the status the user chose; every tab of theirs hears `presence:self`. */
export async function setStatus(chosen: ChosenStatus): Promise<void> {
  const self = await invoke<SelfPresence>('SetPresence', chosen);
  state.update((s) => ({ ...s, self }));
}

onGatewayEvent('presence:update', (p) => {
  const { guildId, ...batch } = p as PresenceGroups & { guildId: string };
  buffered.get(guildId)?.push(batch);
  state.update((s) =>
    s.guilds[guildId]
      ? { ...s, guilds: { ...s.guilds, [guildId]: applyBatch(s.guilds[guildId], batch) }, custom: applyCustomStatuses(s.custom, batch) }
      : s,
  );
});

/** The time, ticking again when a custom status on screen runs out. */
export const customStatusClock: Readable<number> = tickingAt(presence, (s, now) => {
  let next: number | null = null;
  for (const custom of [...Object.values(s.custom), s.self?.customStatus]) {
    const end = custom?.expiresAt ? Date.parse(custom.expiresAt) : NaN;
    if (end > now && (next === null || end < next)) {
      next = end;
    }
  }
  return next;
});

/** Someone's custom status as this client shows it: their own from their presence (even while invisible), others' while online. */
export function customStatusOf(s: PresenceState, userId: string, now: number): CustomStatus | null {
  const custom = userId === get(session).user?.id ? s.self?.customStatus : s.custom[userId];
  return customStatusActive(custom, now) ? custom : null;
}

/** Sets (or with null clears) the user's custom status; every tab of theirs hears `presence:self`. */
export async function setCustomStatus(custom: CustomStatus | null): Promise<void> {
  if (custom) {
    const self = await api.request<SelfPresence>('PUT', '/api/users/@me/custom-status', { body: custom });
    state.update((s) => ({ ...s, self: s.self ? { ...s.self, customStatus: self.customStatus ?? null } : self }));
  } else {
    await api.request<void>('DELETE', '/api/users/@me/custom-status');
    state.update((s) => ({ ...s, self: s.self ? { ...s.self, customStatus: null } : s.self }));
  }
}

onGatewayEvent('presence:self', (p) => {
  state.update((s) => ({ ...s, self: p as SelfPresence }));
});

// Automatic idle for this tab, told to the server (which aggregates all tabs).
const detector = new IdleDetector(IDLE_AFTER_MS, (idle) => void reportActivity(idle));

async function reportActivity(idle: boolean): Promise<void> {
  try {
    const self = await invoke<SelfPresence>('SetActivity', idle ? 'idle' : 'active');
    state.update((s) => ({ ...s, self }));
  } catch {
    // Disconnected: the new connection reports again.
  }
}

if (typeof window !== 'undefined') {
  let last = 0;
  const onInput = () => {
    // Input events come in floods; a few per second are plenty.
    const now = Date.now();
    if (now - last > 1000 || detector.isIdle) {
      last = now;
      detector.activity();
    }
  };
  for (const name of ['pointerdown', 'pointermove', 'keydown', 'wheel', 'touchstart', 'focus']) {
    window.addEventListener(name, onInput, { passive: true, capture: true });
  }
  setInterval(() => detector.check(), 15_000);

  // After a reconnect the snapshots may be stale and the new connection starts as active. Only the
  // open guild's is loaded again now; the others are dropped and load when their member list shows.
  // (A snapshot is one entry per member online: when an Api node restarts, all of its users
  // reconnect at once, and a big guild's snapshot times the guilds each of them had opened would
  // be a storm.)
  let wasConnected = false;
  connectionState.subscribe((c) => {
    if (c === 'connected' && !wasConnected) {
      const here = get(route);
      const open = here.name === 'guild' ? here.guildId : null;
      state.update((s) => {
        const kept = open ? s.guilds[open] : undefined;
        return { ...s, guilds: open && kept ? { [open]: kept } : {} };
      });
      if (open) {
        void loadPresences(open, true);
      }
      if (detector.isIdle) {
        void reportActivity(true);
      }
    }
    if (c !== 'connected') {
      state.update((s) => ({ ...s, self: null }));
    }
    wasConnected = c === 'connected';
  });
}
