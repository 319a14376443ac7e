/**
 * What a person has typed but not sent, per channel, as Discord and Signal keep it: switching
 * channels, opening a thread or reloading the page does not lose it. Guild channels' drafts are
 * kept in this browser's localStorage (like the session itself), per account, and removed when
 * the person signs out. Direct messages are end-to-end encrypted and never stored in clear, so
 * their drafts stay in memory only (the open page).
 */

/** The part of `Storage` the drafts use. */
export type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export interface Drafts {
  /** The draft of `key` (a channel id), '' when there is none. */
  get(key: string): string;
  /** Replaces the draft of `key`; '' (or blank) removes it. */
  set(key: string, text: string): void;
  /** Writes what is pending to storage now (the page is being hidden or left). */
  flush(): void;
}

/** At most this many drafts are kept; the oldest go first. */
export const MAX_DRAFTS = 100;
/** A draft not touched for this long is dropped when the drafts are read. */
export const DRAFT_TTL_MS = 30 * 24 * 3600 * 1000;
/** Longer text is cut to this (the composer refuses to send over 4,000 anyway). */
export const MAX_DRAFT_LENGTH = 8_000;
/** Writes are gathered: one per pause in typing. */
export const WRITE_DELAY_MS = 400;

// In a module of its own: the session store (in the initial bundle) removes it at sign-out.
export { draftStorageKey } from './draft-key.ts';

interface Entry {
  t: string;
  at: number;
}

/**
 * Drafts in memory, also written to `storage` under `storageKey` (one pause after the last
 * change) when both are given. Unreadable stored data is ignored, never thrown.
 */
export function createDrafts(options: { storage?: DraftStorage | null; storageKey?: string; now?: () => number } = {}): Drafts {
  const { storage = null, storageKey = '', now = Date.now } = options;
  const entries = new Map<string, Entry>(storage ? load(storage, storageKey, now()) : []);
  let timer: ReturnType<typeof setTimeout> | null = null;

  function write(): void {
    if (timer) {
      clearTimeout(timer);
      timer = null;
    }
    if (!storage) {
      return;
    }
    try {
      if (entries.size === 0) {
        storage.removeItem(storageKey);
      } else {
        storage.setItem(storageKey, JSON.stringify(Object.fromEntries(entries)));
      }
    } catch {
      // Full or unavailable storage: the drafts still live in memory for this page.
    }
  }

  return {
    get: (key) => entries.get(key)?.t ?? '',
    set(key, text) {
      const before = entries.get(key)?.t ?? '';
      const t = text.trim() === '' ? '' : text.slice(0, MAX_DRAFT_LENGTH);
      if (t === before) {
        return;
      }
      entries.delete(key);
      if (t !== '') {
        entries.set(key, { t, at: now() });
        // Map order is insertion order: the first entries are the least recently changed.
        for (const oldest of entries.keys()) {
          if (entries.size <= MAX_DRAFTS) {
            break;
          }
          entries.delete(oldest);
        }
      }
      if (storage) {
        timer ??= setTimeout(write, WRITE_DELAY_MS);
      }
    },
    flush: () => {
      if (timer) {
        write();
      }
    },
  };
}

function load(storage: DraftStorage, key: string, now: number): [string, Entry][] {
  let raw: unknown;
  try {
    raw = JSON.parse(storage.getItem(key) ?? 'null');
  } catch {
    return [];
  }
  if (typeof raw !== 'object' || raw === null) {
    return [];
  }
  const kept: [string, Entry][] = [];
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
    const e = v as Partial<Entry> | null;
    if (e && typeof e.t === 'string' && e.t.trim() !== '' && typeof e.at === 'number' && now - e.at < DRAFT_TTL_MS) {
      kept.push([k, { t: e.t.slice(0, MAX_DRAFT_LENGTH), at: e.at }]);
    }
  }
  kept.sort((a, b) => a[1].at - b[1].at);
  return kept.slice(-MAX_DRAFTS);
}
