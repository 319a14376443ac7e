// A device driven by the official libsignal-client (Node only, test-only dependency): the
// reference the TypeScript implementation is checked against.
import * as S from '@signalapp/libsignal-client';
import type { PreKeyBundle } from '../../src/crypto/index.ts';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const key = (a: S.ProtocolAddress) => `${a.name()}.${a.deviceId()}`;

class Sessions extends S.SessionStore {
  readonly map = new Map<string, Uint8Array<ArrayBuffer>>();
  async saveSession(a: S.ProtocolAddress, r: S.SessionRecord) {
    this.map.set(key(a), r.serialize());
  }
  async getSession(a: S.ProtocolAddress) {
    const r = this.map.get(key(a));
    return r ? S.SessionRecord.deserialize(r) : null;
  }
  async getExistingSessions(addresses: S.ProtocolAddress[]) {
    return addresses.map((a) => S.SessionRecord.deserialize(this.map.get(key(a))!));
  }
}

class Identities extends S.IdentityKeyStore {
  readonly known = new Map<string, S.PublicKey>();
  constructor(
    readonly pair: S.IdentityKeyPair,
    readonly registrationId: number,
  ) {
    super();
  }
  async getIdentityKey() {
    return this.pair.privateKey;
  }
  async getLocalRegistrationId() {
    return this.registrationId;
  }
  async saveIdentity(a: S.ProtocolAddress, k: S.PublicKey) {
    const old = this.known.get(key(a));
    this.known.set(key(a), k);
    return old && !old.equals(k) ? S.IdentityChange.ReplacedExisting : S.IdentityChange.NewOrUnchanged;
  }
  async isTrustedIdentity(a: S.ProtocolAddress, k: S.PublicKey) {
    const old = this.known.get(key(a));
    return !old || old.equals(k);
  }
  async getIdentity(a: S.ProtocolAddress) {
    return this.known.get(key(a)) ?? null;
  }
}

class PreKeys extends S.PreKeyStore {
  readonly map = new Map<number, S.PreKeyRecord>();
  async savePreKey(id: number, r: S.PreKeyRecord) {
    this.map.set(id, r);
  }
  async getPreKey(id: number) {
    const r = this.map.get(id);
    if (!r) throw new Error(`no prekey ${id}`);
    return r;
  }
  async removePreKey(id: number) {
    this.map.delete(id);
  }
}

class SignedPreKeys extends S.SignedPreKeyStore {
  readonly map = new Map<number, S.SignedPreKeyRecord>();
  async saveSignedPreKey(id: number, r: S.SignedPreKeyRecord) {
    this.map.set(id, r);
  }
  async getSignedPreKey(id: number) {
    const r = this.map.get(id);
    if (!r) throw new Error(`no signed prekey ${id}`);
    return r;
  }
}

class KyberPreKeys extends S.KyberPreKeyStore {
  readonly map = new Map<number, S.KyberPreKeyRecord>();
  readonly used: number[] = [];
  async saveKyberPreKey(id: number, r: S.KyberPreKeyRecord) {
    this.map.set(id, r);
  }
  async getKyberPreKey(id: number) {
    const r = this.map.get(id);
    if (!r) throw new Error(`no kyber prekey ${id}`);
    return r;
  }
  async markKyberPreKeyUsed(id: number) {
    this.used.push(id);
  }
}

/** Raw protobuf fields (tag, bytes of the whole field) so a message can be re-emitted minus some. */
function fields(buf: Uint8Array): { n: number; raw: Uint8Array; payload: Uint8Array | undefined }[] {
  const out = [];
  let at = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[at++]!;
      v += (b & 0x7f) * mul;
      mul *= 128;
      if ((b & 0x80) === 0) return v;
    }
  };
  while (at < buf.length) {
    const start = at;
    const key = varint();
    const wire = key & 7;
    let payload: Uint8Array | undefined;
    if (wire === 0) varint();
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const len = varint();
      payload = buf.subarray(at, at + len);
      at += len;
    } else throw new Error(`wire type ${wire}`);
    out.push({ n: Math.floor(key / 8), raw: buf.subarray(start, at), payload });
  }
  return out;
}

function lengthDelimited(n: number, payload: Uint8Array): Uint8Array {
  const head: number[] = [(n << 3) | 2];
  let len = payload.length;
  while (len >= 0x80) {
    head.push((len & 0x7f) | 0x80);
    len >>>= 7;
  }
  head.push(len);
  return Buffer.concat([Buffer.from(head), payload]);
}

/**
 * libsignal 0.103 starts every new session with the sparse post-quantum ratchet (SPQR) and refuses
 * peers that do not speak it. Dropping `pq_ratchet_state` (SessionStructure field 15) from its
 * current session makes the oracle treat the session like one created before SPQR existed: plain
 * Double Ratchet on the same PQXDH keys, which is what the TypeScript implementation speaks.
 */
export function withoutPqRatchet(record: Uint8Array): Uint8Array<ArrayBuffer> {
  const parts = fields(record).map((f) => {
    if (f.n !== 1 || !f.payload) return f.raw;
    const session = fields(f.payload).filter((g) => g.n !== 15).map((g) => g.raw);
    return lengthDelimited(1, Buffer.concat(session));
  });
  return new Uint8Array(Buffer.concat(parts)) as Uint8Array<ArrayBuffer>;
}

export class LibsignalPeer {
  readonly identity = S.IdentityKeyPair.generate();
  readonly registrationId = 1 + Math.floor(Math.random() * 16380);
  readonly address: S.ProtocolAddress;
  readonly sessions = new Sessions();
  readonly identities: Identities;
  readonly preKeys = new PreKeys();
  readonly signedPreKeys = new SignedPreKeys();
  readonly kyberPreKeys = new KyberPreKeys();
  private nextId = 1;

  constructor(
    readonly userId: string,
    readonly deviceId: number,
  ) {
    this.address = S.ProtocolAddress.new(userId, deviceId);
    this.identities = new Identities(this.identity, this.registrationId);
  }

  get identityKey(): string {
    return b64(this.identity.publicKey.serialize());
  }

  /** A fresh bundle in the server's format; `oneTime` false leaves the one-time prekey out. */
  bundle(oneTime = true): PreKeyBundle {
    const id = this.nextId++;
    const signed = S.PrivateKey.generate();
    const signedPub = signed.getPublicKey();
    const signedSig = this.identity.privateKey.sign(signedPub.serialize());
    this.signedPreKeys.map.set(id, S.SignedPreKeyRecord.new(id, Date.now(), signedPub, signed, signedSig));
    const kem = S.KEMKeyPair.generate();
    const kemSig = this.identity.privateKey.sign(kem.getPublicKey().serialize());
    this.kyberPreKeys.map.set(id, S.KyberPreKeyRecord.new(id, Date.now(), kem, kemSig));
    const bundle: PreKeyBundle = {
      deviceId: this.deviceId,
      registrationId: this.registrationId,
      identityKey: this.identityKey,
      signedPreKey: { id, publicKey: b64(signedPub.serialize()), signature: b64(signedSig) },
      kyberPreKey: { id, publicKey: b64(kem.getPublicKey().serialize()), signature: b64(kemSig) },
    };
    if (oneTime) {
      const pk = S.PrivateKey.generate();
      this.preKeys.map.set(id, S.PreKeyRecord.new(id, pk.getPublicKey(), pk));
      bundle.oneTimePreKey = { id, publicKey: b64(pk.getPublicKey().serialize()) };
    }
    return bundle;
  }

  /** Opens a session to a device from its bundle (libsignal as Alice). */
  async processBundle(to: S.ProtocolAddress, b: PreKeyBundle): Promise<void> {
    const bundle = S.PreKeyBundle.new(
      b.registrationId,
      b.deviceId,
      b.oneTimePreKey?.id ?? null,
      b.oneTimePreKey ? S.PublicKey.deserialize(unb64(b.oneTimePreKey.publicKey) as Uint8Array<ArrayBuffer>) : null,
      b.signedPreKey.id,
      S.PublicKey.deserialize(unb64(b.signedPreKey.publicKey) as Uint8Array<ArrayBuffer>),
      unb64(b.signedPreKey.signature) as Uint8Array<ArrayBuffer>,
      S.PublicKey.deserialize(unb64(b.identityKey) as Uint8Array<ArrayBuffer>),
      b.kyberPreKey.id,
      S.KEMPublicKey.deserialize(unb64(b.kyberPreKey.publicKey) as Uint8Array<ArrayBuffer>),
      unb64(b.kyberPreKey.signature) as Uint8Array<ArrayBuffer>,
    );
    await S.processPreKeyBundle(bundle, to, this.address, this.sessions, this.identities);
    this.dropPqRatchet(to);
  }

  /** See withoutPqRatchet. */
  dropPqRatchet(to: S.ProtocolAddress): void {
    const k = key(to);
    this.sessions.map.set(k, withoutPqRatchet(this.sessions.map.get(k)!));
  }

  async encrypt(to: S.ProtocolAddress, plaintext: string): Promise<{ type: 'prekey' | 'message'; body: string }> {
    const m = await S.signalEncrypt(new TextEncoder().encode(plaintext) as Uint8Array<ArrayBuffer>, to, this.address, this.sessions, this.identities);
    const type = m.type() === S.CiphertextMessageType.PreKey ? 'prekey' : 'message';
    return { type, body: b64(m.serialize()) };
  }

  async decrypt(from: S.ProtocolAddress, type: 'prekey' | 'message', body: string): Promise<string> {
    const bytes = unb64(body) as Uint8Array<ArrayBuffer>;
    const plain =
      type === 'prekey'
        ? await S.signalDecryptPreKey(
            S.PreKeySignalMessage.deserialize(bytes),
            from,
            this.address,
            this.sessions,
            this.identities,
            this.preKeys,
            this.signedPreKeys,
            this.kyberPreKeys,
          )
        : await S.signalDecrypt(S.SignalMessage.deserialize(bytes), from, this.address, this.sessions, this.identities);
    return new TextDecoder().decode(plain);
  }
}

export const address = (userId: string, deviceId: number) => S.ProtocolAddress.new(userId, deviceId);
