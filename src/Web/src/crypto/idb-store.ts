// The browser's store: IndexedDB, every value sealed with AES-256-GCM under a non-extractable
// CryptoKey kept in the same database: script can use that key but never export it. (The browser
// keeps the key's material in its profile, so this is not disk encryption.) Curve25519 keys
// themselves cannot be non-extractable: XEdDSA and X25519 run in script, on bytes.
import { concat, randomBytes } from './bytes.ts';
import type { ProtocolStore, StoreKind, StoreWrite } from './store.ts';

const VALUES = 'values';
const KEYS = 'keys';

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

const buf = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

class IndexedDbStore implements ProtocolStore {
  constructor(
    private readonly db: IDBDatabase,
    private readonly key: CryptoKey,
  ) {}

  async get(kind: StoreKind, key: string): Promise<Uint8Array | undefined> {
    const tx = this.db.transaction(VALUES, 'readonly');
    const sealed = (await request(tx.objectStore(VALUES).get(`${kind}/${key}`))) as Uint8Array | undefined;
    if (!sealed) {
      return undefined;
    }
    const iv = sealed.subarray(0, 12);
    // The record name is bound in, so a sealed value cannot be moved to another slot.
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(iv), additionalData: buf(new TextEncoder().encode(`${kind}/${key}`)) },
      this.key,
      buf(sealed.subarray(12)),
    );
    return new Uint8Array(plain);
  }

  async commit(writes: StoreWrite[]): Promise<void> {
    // Seal first: an IndexedDB transaction closes when it waits on anything else.
    const sealed = await Promise.all(
      writes.map(async (w) => {
        if (w.value === undefined) {
          return { id: `${w.kind}/${w.key}`, value: undefined };
        }
        const iv = randomBytes(12);
        const ct = await crypto.subtle.encrypt(
          { name: 'AES-GCM', iv: buf(iv), additionalData: buf(new TextEncoder().encode(`${w.kind}/${w.key}`)) },
          this.key,
          buf(w.value),
        );
        return { id: `${w.kind}/${w.key}`, value: concat(iv, new Uint8Array(ct)) };
      }),
    );
    const tx = this.db.transaction(VALUES, 'readwrite');
    const store = tx.objectStore(VALUES);
    for (const s of sealed) {
      if (s.value === undefined) {
        store.delete(s.id);
      } else {
        store.put(s.value, s.id);
      }
    }
    await done(tx);
  }
}

/** Opens (or creates) the device store in IndexedDB database `name`. */
export async function openIndexedDbStore(name = 'lescopains-e2ee'): Promise<ProtocolStore> {
  const open = indexedDB.open(name, 1);
  open.onupgradeneeded = () => {
    open.result.createObjectStore(VALUES);
    open.result.createObjectStore(KEYS);
  };
  const db = await request(open);
  let key = (await request(db.transaction(KEYS, 'readonly').objectStore(KEYS).get('storage'))) as CryptoKey | undefined;
  if (!key) {
    key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const tx = db.transaction(KEYS, 'readwrite');
    // add() fails if another tab stored a key meanwhile; then use theirs.
    tx.objectStore(KEYS).add(key, 'storage');
    try {
      await done(tx);
    } catch {
      key = (await request(db.transaction(KEYS, 'readonly').objectStore(KEYS).get('storage'))) as CryptoKey;
    }
  }
  return new IndexedDbStore(db, key);
}
