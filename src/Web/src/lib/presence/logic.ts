/** Presence rules the client needs (docs/API.md "Presence"), free of stores and the DOM so they are unit-tested. */

export type PresenceStatus = 'online' | 'idle' | 'dnd' | 'invisible' | 'offline';
export type ChosenStatus = 'online' | 'idle' | 'dnd' | 'invisible';

/**
 * User ids grouped by status, as `presence:update` (with its `guildId`) and `GET …/presences` carry
 * them; a group with no ids is left out.
 */
export type PresenceGroups = Partial<Record<'online' | 'idle' | 'dnd' | 'offline', string[]>> & {
  /** The custom statuses of the batch's users who have one running (the others have none). */
  customStatus?: Record<string, CustomStatus>;
};

/** A line a person sets beside their name: a text, an emoji or both, until `expiresAt` (null: until cleared). */
export interface CustomStatus {
  text?: string | null;
  emoji?: string | null;
  expiresAt?: string | null;
}

/** Whether a custom status still runs at `now` (ms). */
export function customStatusActive(custom: CustomStatus | null | undefined, now: number): custom is CustomStatus {
  return !!custom && (!!custom.text || !!custom.emoji) && (!custom.expiresAt || Date.parse(custom.expiresAt) > now);
}

/** Applies a batch (or a snapshot) to the custom statuses by user id: each user it names has the one it gives, or none. */
export function applyCustomStatuses(
  current: Readonly<Record<string, CustomStatus>>,
  batch: Readonly<PresenceGroups>,
): Record<string, CustomStatus> {
  const next = { ...current };
  for (const status of GROUPS) {
    for (const userId of batch[status] ?? []) {
      const custom = batch.customStatus?.[userId];
      if (custom && status !== 'offline') {
        next[userId] = custom;
      } else {
        delete next[userId];
      }
    }
  }
  return next;
}

/** "Clear after" choices, as Discord offers them; `today` ends at the next local midnight. */
export const CLEAR_AFTER = [
  { value: 'today', label: 'Today' },
  { value: '4h', label: '4 hours' },
  { value: '1h', label: '1 hour' },
  { value: '30m', label: '30 minutes' },
  { value: 'never', label: "Don't clear" },
] as const;
export type ClearAfter = (typeof CLEAR_AFTER)[number]['value'];

/** When a custom status set at `now` with this choice ends (ISO), or null for never. */
export function clearAfterTime(choice: ClearAfter, now: Date): string | null {
  const minutes = { '4h': 240, '1h': 60, '30m': 30 } as const;
  if (choice === 'never') {
    return null;
  }
  if (choice === 'today') {
    const midnight = new Date(now);
    midnight.setHours(24, 0, 0, 0);
    return midnight.toISOString();
  }
  return new Date(now.getTime() + minutes[choice] * 60_000).toISOString();
}

const GROUPS = ['online', 'idle', 'dnd', 'offline'] as const;

/** The user's own status: `status` as they see it (may be "invisible"), `chosen` their preference. */
export interface SelfPresence {
  status: PresenceStatus;
  chosen: ChosenStatus;
  /** Theirs, shown to them even while invisible. */
  customStatus?: CustomStatus | null;
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

/** Applies one `presence:update` batch (or a snapshot) to a guild's map of non-offline members (offline ones are dropped). */
export function applyBatch(current: Readonly<Record<string, PresenceStatus>>, batch: Readonly<PresenceGroups>): Record<string, PresenceStatus> {
  const next = { ...current };
  for (const status of GROUPS) {
    for (const userId of batch[status] ?? []) {
      if (status === 'offline') {
        delete next[userId];
      } else {
        next[userId] = status;
      }
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

/** Online members the list shows at first, and how many more each "show more" adds. */
export const ONLINE_SHOWN = 200;

/**
 * The "online" side of a member list. The presence map knows every member who is online, but in a big
 * guild the pages loaded so far (by user id) hold only a few of them. Of the `onlineIds`, it returns
 * the members already `known` (the caller sorts them and shows the first `limit`), and the ids to
 * look up so that `limit` of them are known (in id order, so repeated calls ask for the same ones).
 */
export function onlineMembers<T extends { userId: string }>(
  onlineIds: readonly string[],
  known: ReadonlyMap<string, T>,
  limit: number,
): { members: T[]; missing: string[]; total: number } {
  const members: T[] = [];
  const unknown: string[] = [];
  for (const id of onlineIds) {
    const m = known.get(id);
    if (m) {
      members.push(m);
    } else {
      unknown.push(id);
    }
  }
  unknown.sort();
  return { members, missing: unknown.slice(0, Math.max(0, limit - members.length)), total: onlineIds.length };
}

/** Who is online in a guild's presence map, plus the user while connected (their own invisible included). */
export function onlineIdsOf(
  map: Readonly<Record<string, PresenceStatus>> | undefined,
  self: { id: string; presence: SelfPresence | null } | null,
): string[] {
  const ids = Object.keys(map ?? {}).filter((id) => statusOf(map, id, self) !== 'offline');
  if (self && statusOf(map, self.id, self) !== 'offline' && !(map && self.id in map)) {
    ids.push(self.id);
  }
  return ids;
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
