// One browser install = one device (Sesame): its keys, a session per remote (user, device), and
// the fan-out of a message to every device of the recipients.
import { fromBase64, ProtocolError, randomBytes, toBase64 } from './bytes.ts';
import { deserializePublic, generateKeyPair, serializePublic, xeddsaSign, xeddsaVerify, type KeyPair } from './curve.ts';
import { decapsulate, deserializeKemPublic, encapsulate, generateKemKeyPair, serializeKemPublic, type KemKeyPair } from './kem.ts';
import { CURRENT_VERSION, parsePreKeyMessage } from './messages.ts';
import {
  decryptWithRecord,
  emptyRecord,
  encryptWithState,
  initializeAlice,
  initializeBob,
  MAX_UNACKNOWLEDGED_SESSION_AGE_MS,
  promote,
  type SessionRecord,
} from './session.ts';
import { decodeRecord, encodeRecord, type ProtocolStore, type StoreKind, type StoreWrite } from './store.ts';
import type {
  BundleSource,
  Decrypted,
  DeviceAddress,
  DeviceKeysUpload,
  Envelope,
  IncomingEnvelope,
  PreKeyBundle,
  PublicPreKey,
  PublicSignedPreKey,
} from './types.ts';

/** One-time prekeys of each kind created with a device. */
export const DEFAULT_PREKEYS = 100;
/** libsignal prekey ids are 24-bit. */
const MAX_PREKEY_ID = 0xffffff;

interface LocalRecord {
  identity: KeyPair;
  registrationId: number;
  nextPreKeyId: number;
  nextSignedPreKeyId: number;
  nextKyberPreKeyId: number;
  signedPreKeyId: number;
  lastResortKyberPreKeyId: number;
  /**
   * Signed prekeys still accepted: the current one and the ones it replaced less than
   * SIGNED_PREKEY_GRACE_MS ago (`replacedAt`; records from before that field use `createdAt`).
   */
  signedPreKeys: { id: number; createdAt: number; replacedAt?: number }[];
}

interface SignedPreKeyRecord {
  keyPair: KeyPair;
  signature: Uint8Array;
  createdAt: number;
}

interface KyberPreKeyRecord {
  keyPair: KemKeyPair;
  signature: Uint8Array;
  lastResort: boolean;
  /**
   * Base keys (base64) of the sessions a last-resort key opened: a PreKeySignalMessage replayed
   * after its session was dropped from the archive must not open it again.
   */
  usedBaseKeys?: string[];
}

export interface DeviceOptions {
  oneTimePreKeys?: number;
  oneTimeKyberPreKeys?: number;
  /** Clock for tests. */
  now?: () => number;
}

/**
 * A replaced signed prekey stays usable this long after its replacement, for session set-ups
 * made from a bundle fetched before the rotation that arrive late (an offline device's mailbox).
 */
export const SIGNED_PREKEY_GRACE_MS = 30 * 24 * 3600 * 1000;

const addressKey = (userId: string, deviceId: number) => `${userId}.${deviceId}`;
const nextId = (id: number) => (id % MAX_PREKEY_ID) + 1;
const randomId = () => 1 + (new DataView(randomBytes(4).buffer).getUint32(0) % (MAX_PREKEY_ID - 1));

export class SignalDevice {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly store: ProtocolStore,
    private local: LocalRecord,
    private readonly now: () => number,
  ) {}

  /** Creates a new device identity in `store` and returns what to upload to the key directory. */
  static async create(store: ProtocolStore, options: DeviceOptions = {}): Promise<{ device: SignalDevice; upload: DeviceKeysUpload }> {
    const now = options.now ?? Date.now;
    const regBytes = randomBytes(2);
    const local: LocalRecord = {
      identity: generateKeyPair(),
      // libsignal: 14 bits, never 0.
      registrationId: 1 + (((regBytes[0]! << 8) | regBytes[1]!) % 16380),
      nextPreKeyId: randomId(),
      nextSignedPreKeyId: randomId(),
      nextKyberPreKeyId: randomId(),
      signedPreKeyId: 0,
      lastResortKyberPreKeyId: 0,
      signedPreKeys: [],
    };
    const device = new SignalDevice(store, local, now);
    const writes: StoreWrite[] = [];
    const signedPreKey = device.newSignedPreKey(writes);
    const [lastResortKyberPreKey] = device.newKyberPreKeys(1, true, writes);
    const oneTimePreKeys = device.newPreKeys(options.oneTimePreKeys ?? DEFAULT_PREKEYS, writes);
    const oneTimeKyberPreKeys = device.newKyberPreKeys(options.oneTimeKyberPreKeys ?? DEFAULT_PREKEYS, false, writes);
    writes.push(device.localWrite());
    await store.commit(writes);
    return {
      device,
      upload: {
        registrationId: local.registrationId,
        identityKey: device.identityKey,
        signedPreKey,
        lastResortKyberPreKey: lastResortKyberPreKey!,
        oneTimePreKeys,
        oneTimeKyberPreKeys,
      },
    };
  }

  /** The device stored in `store`, if one was created. */
  static async load(store: ProtocolStore, options: Pick<DeviceOptions, 'now'> = {}): Promise<SignalDevice | undefined> {
    const bytes = await store.get('local', 'device');
    return bytes ? new SignalDevice(store, decodeRecord<LocalRecord>(bytes), options.now ?? Date.now) : undefined;
  }

  get registrationId(): number {
    return this.local.registrationId;
  }

  /** 33-byte serialized identity public key, base64. */
  get identityKey(): string {
    return toBase64(serializePublic(this.local.identity.publicKey));
  }

  /** More one-time prekeys for the server's pool (upload them). */
  generateOneTimePreKeys(count: number): Promise<PublicPreKey[]> {
    return this.exclusive(async () => {
      const writes: StoreWrite[] = [];
      const keys = this.newPreKeys(count, writes);
      writes.push(this.localWrite());
      await this.store.commit(writes);
      return keys;
    });
  }

  /** More one-time Kyber prekeys for the server's pool (upload them). */
  generateOneTimeKyberPreKeys(count: number): Promise<PublicSignedPreKey[]> {
    return this.exclusive(async () => {
      const writes: StoreWrite[] = [];
      const keys = this.newKyberPreKeys(count, false, writes);
      writes.push(this.localWrite());
      await this.store.commit(writes);
      return keys;
    });
  }

  /** Id of the current signed prekey (the one in this device's bundle). */
  get signedPreKeyId(): number {
    return this.local.signedPreKeyId;
  }

  /** When the current signed prekey was made (this device's clock, ms). */
  get signedPreKeyCreatedAt(): number {
    return this.local.signedPreKeys.find((k) => k.id === this.local.signedPreKeyId)?.createdAt ?? 0;
  }

  /** Ids of the signed prekeys this device still accepts, current one included. */
  get acceptedSignedPreKeyIds(): number[] {
    return this.local.signedPreKeys.map((k) => k.id);
  }

  /** The public half of the current signed prekey (to upload it again). */
  async currentSignedPreKey(): Promise<PublicSignedPreKey> {
    const id = this.local.signedPreKeyId;
    const record = await this.read<SignedPreKeyRecord>('signedPreKey', String(id));
    if (!record) {
      throw new ProtocolError('missing-prekey', 'the current signed prekey is gone');
    }
    return { id, publicKey: toBase64(serializePublic(record.keyPair.publicKey)), signature: toBase64(record.signature) };
  }

  /**
   * A new signed prekey (upload it). The one it replaces keeps working for SIGNED_PREKEY_GRACE_MS;
   * replaced keys older than that are deleted now.
   */
  rotateSignedPreKey(): Promise<PublicSignedPreKey> {
    return this.exclusive(async () => {
      const writes: StoreWrite[] = [];
      const now = this.now();
      for (const k of this.local.signedPreKeys) {
        if (k.id === this.local.signedPreKeyId) {
          k.replacedAt = now;
        }
      }
      const key = this.newSignedPreKey(writes);
      const cutoff = now - SIGNED_PREKEY_GRACE_MS;
      const [keep, drop] = [[], []] as [typeof this.local.signedPreKeys, typeof this.local.signedPreKeys];
      for (const k of this.local.signedPreKeys) {
        (k.id === key.id || (k.replacedAt ?? k.createdAt) >= cutoff ? keep : drop).push(k);
      }
      this.local.signedPreKeys = keep;
      for (const k of drop) {
        writes.push({ kind: 'signedPreKey', key: String(k.id), value: undefined });
      }
      writes.push(this.localWrite());
      await this.store.commit(writes);
      return key;
    });
  }

  async hasSession(address: DeviceAddress): Promise<boolean> {
    const record = await this.getRecord(address.userId, address.deviceId);
    return record.current !== undefined;
  }

  /**
   * Accepts a new identity key for a remote device after the user confirmed it (for example by
   * comparing safety numbers). Until then a changed key is refused.
   */
  async trustIdentity(address: DeviceAddress, identityKey: string): Promise<void> {
    await this.exclusive(() =>
      this.store.commit([{ kind: 'identity', key: addressKey(address.userId, address.deviceId), value: fromBase64(identityKey) }]),
    );
  }

  /** Drops the sessions with a device the server says is gone (Sesame: stale device list). */
  async forgetDevice(address: DeviceAddress): Promise<void> {
    await this.exclusive(() =>
      this.store.commit([{ kind: 'session', key: addressKey(address.userId, address.deviceId), value: undefined }]),
    );
  }

  /** The identity key last trusted for a remote device (base64), if any. */
  async remoteIdentity(address: DeviceAddress): Promise<string | undefined> {
    const bytes = await this.store.get('identity', addressKey(address.userId, address.deviceId));
    return bytes ? toBase64(bytes) : undefined;
  }

  /** Opens a session from a bundle (X3DH/PQXDH as Alice). Verifies both prekey signatures. */
  processBundle(userId: string, bundle: PreKeyBundle): Promise<void> {
    return this.exclusive(async () => {
      await this.store.commit(await this.sessionFromBundle(userId, bundle));
    });
  }

  /**
   * Encrypts `plaintext` separately for every listed device (include the sender's own other
   * devices). Devices without a session get one from `bundles`; a device the server returns no
   * bundle for is left out.
   */
  encryptForDevices(recipients: DeviceAddress[], plaintext: Uint8Array, bundles?: BundleSource): Promise<Envelope[]> {
    return this.exclusive(async () => {
      const missing = new Map<string, number[]>();
      for (const r of recipients) {
        const record = await this.getRecord(r.userId, r.deviceId);
        if (!record.current || this.expired(record)) {
          missing.set(r.userId, [...(missing.get(r.userId) ?? []), r.deviceId]);
        }
      }
      if (missing.size > 0) {
        if (!bundles) {
          throw new ProtocolError('no-session', 'no session with some devices and no bundle source');
        }
        const writes: StoreWrite[] = [];
        for (const [userId, deviceIds] of missing) {
          for (const bundle of await bundles(userId, deviceIds)) {
            if (deviceIds.includes(bundle.deviceId)) {
              writes.push(...(await this.sessionFromBundle(userId, bundle)));
            }
          }
        }
        await this.store.commit(writes);
      }
      const envelopes: Envelope[] = [];
      const writes: StoreWrite[] = [];
      for (const r of recipients) {
        const record = await this.getRecord(r.userId, r.deviceId);
        if (!record.current || this.expired(record)) {
          continue;
        }
        await this.checkTrusted(r.userId, r.deviceId, record.current.remoteIdentity);
        const { state, out } = encryptWithState(record.current, plaintext);
        writes.push(this.recordWrite(r.userId, r.deviceId, { current: state, previous: record.previous }));
        envelopes.push({ userId: r.userId, deviceId: r.deviceId, type: out.type, body: toBase64(out.body) });
      }
      await this.store.commit(writes);
      return envelopes;
    });
  }

  /**
   * Decrypts one envelope. Throws a ProtocolError (and changes nothing) for a tampered, replayed,
   * foreign or too-far-ahead message.
   */
  decrypt(envelope: IncomingEnvelope): Promise<Decrypted> {
    return this.exclusive(async () => {
      const { senderUserId: userId, senderDeviceId: deviceId } = envelope;
      const body = fromBase64(envelope.body);
      let record = await this.getRecord(userId, deviceId);
      const writes: StoreWrite[] = [];
      if (envelope.type === 'prekey') {
        const pm = parsePreKeyMessage(body);
        await this.checkTrusted(userId, deviceId, pm.identityKey);
        const all = record.current ? [record.current, ...record.previous] : record.previous;
        const existing = all.find((s) => equalB(s.aliceBaseKey, pm.baseKey) && equalB(s.remoteIdentity, pm.identityKey));
        if (existing) {
          // A repeat of a PreKeySignalMessage already processed: decrypt in its session.
          if (existing !== record.current) {
            record = promote({ current: record.current, previous: record.previous.filter((s) => s !== existing) }, existing);
          }
        } else {
          if (pm.version !== CURRENT_VERSION || pm.kyberPreKeyId === undefined || !pm.kyberCiphertext) {
            throw new ProtocolError('legacy-message', 'session set-up without a Kyber prekey is refused');
          }
          const signed = await this.read<SignedPreKeyRecord>('signedPreKey', String(pm.signedPreKeyId));
          const kyber = await this.read<KyberPreKeyRecord>('kyberPreKey', String(pm.kyberPreKeyId));
          const oneTime = pm.preKeyId === undefined ? undefined : await this.read<KeyPair>('preKey', String(pm.preKeyId));
          if (!signed || !kyber || (pm.preKeyId !== undefined && !oneTime)) {
            throw new ProtocolError('missing-prekey', 'the prekey this message was made for is gone');
          }
          const state = initializeBob({
            identity: this.local.identity,
            signedPreKey: signed.keyPair,
            oneTimePreKey: oneTime,
            kyberSharedSecret: decapsulate(kyber.keyPair.secretKey, pm.kyberCiphertext),
            localRegistrationId: this.local.registrationId,
            remoteRegistrationId: pm.registrationId,
            theirIdentity: pm.identityKey,
            theirBaseKey: pm.baseKey,
          });
          record = promote(record, state);
          if (pm.preKeyId !== undefined) {
            writes.push({ kind: 'preKey', key: String(pm.preKeyId), value: undefined });
          }
          if (!kyber.lastResort) {
            writes.push({ kind: 'kyberPreKey', key: String(pm.kyberPreKeyId), value: undefined });
          } else {
            const baseKey = toBase64(pm.baseKey);
            if (kyber.usedBaseKeys?.includes(baseKey)) {
              throw new ProtocolError('duplicate-message', 'this session set-up was already used');
            }
            const used: KyberPreKeyRecord = { ...kyber, usedBaseKeys: [...(kyber.usedBaseKeys ?? []), baseKey] };
            writes.push({ kind: 'kyberPreKey', key: String(pm.kyberPreKeyId), value: encodeRecord(used) });
          }
        }
        const result = decryptWithRecord(record, pm.message.serialized);
        writes.push(
          this.recordWrite(userId, deviceId, result.record),
          { kind: 'identity', key: addressKey(userId, deviceId), value: pm.identityKey },
        );
        await this.store.commit(writes);
        return { senderUserId: userId, senderDeviceId: deviceId, plaintext: result.plaintext, senderIdentityKey: toBase64(pm.identityKey) };
      }
      const result = decryptWithRecord(record, body);
      const identity = result.record.current!.remoteIdentity;
      await this.checkTrusted(userId, deviceId, identity);
      await this.store.commit([this.recordWrite(userId, deviceId, result.record)]);
      return { senderUserId: userId, senderDeviceId: deviceId, plaintext: result.plaintext, senderIdentityKey: toBase64(identity) };
    });
  }

  // --- internals -------------------------------------------------------------------------------

  private async sessionFromBundle(userId: string, bundle: PreKeyBundle): Promise<StoreWrite[]> {
    const identitySer = fromBase64(bundle.identityKey);
    const identity = deserializePublic(identitySer);
    const signedSer = fromBase64(bundle.signedPreKey.publicKey);
    const kyberSer = fromBase64(bundle.kyberPreKey.publicKey);
    if (!xeddsaVerify(identity, signedSer, fromBase64(bundle.signedPreKey.signature))) {
      throw new ProtocolError('invalid-signature', 'signed prekey signature is invalid');
    }
    if (!xeddsaVerify(identity, kyberSer, fromBase64(bundle.kyberPreKey.signature))) {
      throw new ProtocolError('invalid-signature', 'Kyber prekey signature is invalid');
    }
    await this.checkTrusted(userId, bundle.deviceId, identitySer);
    const kem = encapsulate(deserializeKemPublic(kyberSer));
    const state = initializeAlice({
      identity: this.local.identity,
      localRegistrationId: this.local.registrationId,
      remoteRegistrationId: bundle.registrationId,
      theirIdentity: identity,
      theirSignedPreKey: deserializePublic(signedSer),
      theirSignedPreKeyId: bundle.signedPreKey.id,
      theirOneTimePreKey: bundle.oneTimePreKey
        ? { id: bundle.oneTimePreKey.id, key: deserializePublic(fromBase64(bundle.oneTimePreKey.publicKey)) }
        : undefined,
      kyber: { id: bundle.kyberPreKey.id, sharedSecret: kem.sharedSecret, ciphertext: kem.ciphertext },
      now: this.now(),
    });
    const record = await this.getRecord(userId, bundle.deviceId);
    return [
      this.recordWrite(userId, bundle.deviceId, promote(record, state)),
      { kind: 'identity', key: addressKey(userId, bundle.deviceId), value: identitySer },
    ];
  }

  private expired(record: SessionRecord): boolean {
    const p = record.current?.pending;
    return p !== undefined && this.now() - p.createdAt > MAX_UNACKNOWLEDGED_SESSION_AGE_MS;
  }

  /** Trust on first use: a device's identity key may not change without `trustIdentity`. */
  private async checkTrusted(userId: string, deviceId: number, identity: Uint8Array): Promise<void> {
    const known = await this.store.get('identity', addressKey(userId, deviceId));
    if (known && !equalB(known, identity)) {
      throw new ProtocolError('untrusted-identity', `identity key of ${userId}.${deviceId} changed`);
    }
  }

  private newPreKeys(count: number, writes: StoreWrite[]): PublicPreKey[] {
    const out: PublicPreKey[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.local.nextPreKeyId;
      this.local.nextPreKeyId = nextId(id);
      const kp = generateKeyPair();
      writes.push({ kind: 'preKey', key: String(id), value: encodeRecord(kp) });
      out.push({ id, publicKey: toBase64(serializePublic(kp.publicKey)) });
    }
    return out;
  }

  private newKyberPreKeys(count: number, lastResort: boolean, writes: StoreWrite[]): PublicSignedPreKey[] {
    const out: PublicSignedPreKey[] = [];
    for (let i = 0; i < count; i++) {
      const id = this.local.nextKyberPreKeyId;
      this.local.nextKyberPreKeyId = nextId(id);
      const keyPair = generateKemKeyPair();
      const serialized = serializeKemPublic(keyPair.publicKey);
      const signature = xeddsaSign(this.local.identity.privateKey, serialized);
      const record: KyberPreKeyRecord = { keyPair, signature, lastResort };
      writes.push({ kind: 'kyberPreKey', key: String(id), value: encodeRecord(record) });
      if (lastResort) {
        this.local.lastResortKyberPreKeyId = id;
      }
      out.push({ id, publicKey: toBase64(serialized), signature: toBase64(signature) });
    }
    return out;
  }

  private newSignedPreKey(writes: StoreWrite[]): PublicSignedPreKey {
    const id = this.local.nextSignedPreKeyId;
    this.local.nextSignedPreKeyId = nextId(id);
    const keyPair = generateKeyPair();
    const serialized = serializePublic(keyPair.publicKey);
    const signature = xeddsaSign(this.local.identity.privateKey, serialized);
    const record: SignedPreKeyRecord = { keyPair, signature, createdAt: this.now() };
    writes.push({ kind: 'signedPreKey', key: String(id), value: encodeRecord(record) });
    this.local.signedPreKeyId = id;
    this.local.signedPreKeys.push({ id, createdAt: record.createdAt });
    return { id, publicKey: toBase64(serialized), signature: toBase64(signature) };
  }

  private localWrite(): StoreWrite {
    return { kind: 'local', key: 'device', value: encodeRecord(this.local) };
  }

  private recordWrite(userId: string, deviceId: number, record: SessionRecord): StoreWrite {
    return { kind: 'session', key: addressKey(userId, deviceId), value: encodeRecord(record) };
  }

  private async getRecord(userId: string, deviceId: number): Promise<SessionRecord> {
    return (await this.read<SessionRecord>('session', addressKey(userId, deviceId))) ?? emptyRecord();
  }

  private async read<T>(kind: StoreKind, key: string): Promise<T | undefined> {
    const bytes = await this.store.get(kind, key);
    return bytes ? decodeRecord<T>(bytes) : undefined;
  }

  /**
   * One operation at a time: sessions are read, advanced and written back as a unit. Across tabs
   * sharing the same IndexedDB store, a Web Lock does the same.
   */
  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
    const guarded = locks ? () => locks.request('lescopains-e2ee', op) as Promise<T> : op;
    const run = this.queue.then(guarded, guarded);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function equalB(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
