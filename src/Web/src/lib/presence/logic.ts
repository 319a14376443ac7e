/** Presence rules the client needs (docs/API.md "Presence"), free of stores and the DOM so they are unit-tested. */

export type PresenceStatus = 'online' | 'idle' | 'dnd' | 'invisible' | 'offline';
export type ChosenStatus = 'online' | 'idle' | 'dnd' | 'invisible';

export interface PresenceEntry {
  userId: string;
  status: PresenceStatus;
}

/** The user's own status: `status` as they see it (may be "invisible"), `chosen` their preference. */
export interface SelfPresence {
  status: PresenceStatus;
  chosen: ChosenStatus;
}

export const CHOSEN_STATUSES: readonly { value: ChosenStatus; label: string; hint: string }[] = [
  { value: 'online', label: 'Online', hint: '' },
  { value: 'idle', label: 'Idle', hint: '' },
  { value: 'dnd', label: 'Do Not Disturb', hint: 'You will not receive notifications.' },
  { value: 'invisible', label: 'Invisible', hint: 'You will appear offline to others.' },
];

const LABELS: Record<PresenceStatus, string> = {
  online: 'Online',
  idle: 'Idle',
  dnd: 'Do Not Disturb',
  invisible: 'Invisible',
  offline: 'Offline',
};

export function statusLabel(status: PresenceStatus): string {
  return LABELS[status];
}

/** Applies one `presence:update` batch to a guild's map of non-offline members (offline ones are dropped). */
export function applyBatch(current: Readonly<Record<string, PresenceStatus>>, batch: readonly PresenceEntry[]): Record<string, PresenceStatus> {
  const next = { ...current };
  for (const { userId, status } of batch) {
    if (status === 'offline' || status === 'invisible') {
      delete next[userId];
    } else {
      next[userId] = status;
    }
  }
  return next;
}

/**
 * A member's status as this client shows it. Its own entry comes from its own presence (so
 * "invisible" shows); pass `self` only while connected (online until the server says more).
 */
export function statusOf(
  map: Readonly<Record<string, PresenceStatus>> | undefined,
  userId: string,
  self: { id: string; presence: SelfPresence | null } | null = null,
): PresenceStatus {
  if (self && userId === self.id) {
    return self.presence?.status ?? 'online';
  }
  return map?.[userId] ?? 'offline';
}

/** Splits a member list for the "Online" and "Offline" sections; invisible (only ever oneself) counts as online. */
export function splitByPresence<T extends { userId: string }>(members: readonly T[], status: (userId: string) => PresenceStatus): { online: T[]; offline: T[] } {
  const online: T[] = [];
  const offline: T[] = [];
  for (const m of members) {
    (status(m.userId) === 'offline' ? offline : online).push(m);
  }
  return { online, offline };
}

/**
 * Automatic idle: `idle` turns true after `timeoutMs` without `activity()`, false on the next activity.
 * The caller feeds it input events and calls `check()` on a timer; `onChange` fires on each flip only.
 */
export class IdleDetector {
  private last: number;
  private idle = false;

  constructor(
    private readonly timeoutMs: number,
    private readonly onChange: (idle: boolean) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.last = now();
  }

  get isIdle(): boolean {
    return this.idle;
  }

  activity(): void {
    this.last = this.now();
    if (this.idle) {
      this.idle = false;
      this.onChange(false);
    }
  }

  check(): void {
    if (!this.idle && this.now() - this.last >= this.timeoutMs) {
      this.idle = true;
      this.onChange(true);
    }
  }
}
