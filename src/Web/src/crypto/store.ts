// Where a device keeps its keys and sessions. Values are opaque bytes (serialized records) so a
// store can encrypt them at rest; `commit` applies several writes together.
import { fromBase64, toBase64 } from './bytes.ts';

/** `app`: the application's own records (decrypted DM history, trust marks), sealed like the rest. */
export type StoreKind = 'local' | 'preKey' | 'signedPreKey' | 'kyberPreKey' | 'session' | 'identity' | 'app';

export interface StoreWrite {
  kind: StoreKind;
  key: string;
  /** `undefined` deletes. */
  value: Uint8Array | undefined;
}

export interface ProtocolStore {
  get(kind: StoreKind, key: string): Promise<Uint8Array | undefined>;
  /** Applies all writes, atomically where the backend allows. */
  commit(writes: StoreWrite[]): Promise<void>;
}

/** Keeps everything in memory (tests, and a device that must not persist anything). */
export class MemoryStore implements ProtocolStore {
  private readonly data = new Map<string, Uint8Array>();

  async get(kind: StoreKind, key: string): Promise<Uint8Array | undefined> {
    return this.data.get(`${kind}/${key}`)?.slice();
  }

  async commit(writes: StoreWrite[]): Promise<void> {
    for (const w of writes) {
      if (w.value === undefined) {
        this.data.delete(`${w.kind}/${w.key}`);
      } else {
        this.data.set(`${w.kind}/${w.key}`, w.value.slice());
      }
    }
  }

  /** Number of stored entries of a kind (tests). */
  count(kind: StoreKind): number {
    return [...this.data.keys()].filter((k) => k.startsWith(`${kind}/`)).length;
  }
}

/** JSON with byte arrays as base64: the record format of every store. */
export function encodeRecord(value: unknown): Uint8Array {
  const json = JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? { $b: toBase64(v) } : v));
  return new TextEncoder().encode(json);
}

export function decodeRecord<T>(bytes: Uint8Array): T {
  return JSON.parse(new TextDecoder().decode(bytes), (_k, v: unknown) =>
    v !== null && typeof v === 'object' && '$b' in v && typeof (v as { $b: unknown }).$b === 'string'
      ? fromBase64((v as { $b: string }).$b)
      : v,
  ) as T;
}
