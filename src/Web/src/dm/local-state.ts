// What the DM engine keeps in this browser besides the Signal keys: decrypted history, the
// identity keys seen per contact device, verification marks, this browser's device id. All of it
// lives in the device's sealed IndexedDB store (AES-256-GCM under a non-extractable key, see
// crypto/idb-store.ts), never in localStorage. Reads are served from memory once loaded; writes
// go to the store in order, in the background.
import { decodeRecord, encodeRecord, type ProtocolStore } from '../crypto/index.ts';

/** The part of `Storage` this module uses (localStorage in the browser). */
export interface LegacyStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
  removeItem(key: string): void;
}

export class DmLocalState {
  private readonly cache = new Map<string, unknown>();
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly store: ProtocolStore) {}

  /**
   * Opens the state of account `userId` in `store`. Values an older version kept in clear in
   * `legacy` (localStorage keys `lc-dm:<userId>:<name>`) are moved into the store once and deleted.
   */
  static async open(store: ProtocolStore, userId: string, legacy?: LegacyStorage): Promise<DmLocalState> {
    const state = new DmLocalState(store);
    if (legacy) {
      await state.migrate(`lc-dm:${userId}:`, legacy);
    }
    return state;
  }

  /** Loads `names` from the store into memory (names already loaded are kept). */
  async load(names: string[]): Promise<void> {
    await this.writing;
    for (const name of names) {
      if (!this.cache.has(name)) {
        const bytes = await this.store.get('app', name);
        this.cache.set(name, bytes ? decodeRecord<unknown>(bytes) : undefined);
      }
    }
  }

  /** A loaded value, or `fallback`. */
  get<T>(name: string, fallback: T): T {
    const v = this.cache.get(name);
    return v === undefined ? fallback : (v as T);
  }

  /** Sets a value now in memory; it reaches the store after the writes before it. */
  set(name: string, value: unknown): Promise<void> {
    this.cache.set(name, value);
    const bytes = value === undefined ? undefined : encodeRecord(value);
    this.writing = this.writing
      .then(() => this.store.commit([{ kind: 'app', key: name, value: bytes }]))
      .catch((err: unknown) => console.warn('dm: could not save local state', err));
    return this.writing;
  }

  /** Resolves when every write so far has reached the store. */
  flush(): Promise<void> {
    return this.writing;
  }

  private async migrate(prefix: string, legacy: LegacyStorage): Promise<void> {
    const keys: string[] = [];
    for (let i = 0; i < legacy.length; i++) {
      const k = legacy.key(i);
      if (k?.startsWith(prefix)) {
        keys.push(k);
      }
    }
    for (const k of keys) {
      const name = k.slice(prefix.length);
      const raw = legacy.getItem(k);
      let value: unknown;
      try {
        value = raw === null ? undefined : JSON.parse(raw);
      } catch {
        value = undefined;
      }
      // A value already in the store is newer than a leftover in localStorage.
      if (value !== undefined && (await this.store.get('app', name)) === undefined) {
        await this.store.commit([{ kind: 'app', key: name, value: encodeRecord(value) }]);
      }
      legacy.removeItem(k);
    }
  }
}
