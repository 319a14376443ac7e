// Shared set-up for the interop tests: a TypeScript device and libsignal peers around it.
import { createDevice, MemoryStore, SignalDevice, type DeviceKeysUpload, type PreKeyBundle } from '../../src/crypto/index.ts';
import { address, LibsignalPeer } from './libsignal-peer.ts';

export const enc = (s: string) => new TextEncoder().encode(s);
export const dec = (b: Uint8Array) => new TextDecoder().decode(b);

export interface TsDevice {
  userId: string;
  deviceId: number;
  device: SignalDevice;
  store: MemoryStore;
  upload: DeviceKeysUpload;
  /** Hands out bundles like the server: each one-time key once, then the last-resort Kyber key. */
  bundle(withOneTime?: boolean): PreKeyBundle;
}

export async function tsDevice(userId: string, deviceId: number, oneTime = 4): Promise<TsDevice> {
  const store = new MemoryStore();
  const { device, upload } = await createDevice(store, { oneTimePreKeys: oneTime, oneTimeKyberPreKeys: oneTime });
  const preKeys = [...upload.oneTimePreKeys];
  const kyberKeys = [...upload.oneTimeKyberPreKeys];
  return {
    userId,
    deviceId,
    device,
    store,
    upload,
    bundle(withOneTime = true) {
      const b: PreKeyBundle = {
        deviceId,
        registrationId: upload.registrationId,
        identityKey: upload.identityKey,
        signedPreKey: upload.signedPreKey,
        kyberPreKey: (withOneTime ? kyberKeys.shift() : undefined) ?? upload.lastResortKyberPreKey,
      };
      const pk = withOneTime ? preKeys.shift() : undefined;
      if (pk) {
        b.oneTimePreKey = pk;
      }
      return b;
    },
  };
}

/** A libsignal peer with a session to `ts` that it opened from `ts`'s bundle. */
export async function libsignalTo(ts: TsDevice, userId = 'bob', deviceId = 1, withOneTime = true): Promise<LibsignalPeer> {
  const peer = new LibsignalPeer(userId, deviceId);
  await peer.processBundle(address(ts.userId, ts.deviceId), ts.bundle(withOneTime));
  return peer;
}

/** libsignal -> TypeScript. */
export async function toTs(peer: LibsignalPeer, ts: TsDevice, text: string) {
  const m = await peer.encrypt(address(ts.userId, ts.deviceId), text);
  return { senderUserId: peer.userId, senderDeviceId: peer.deviceId, ...m };
}

/** TypeScript -> libsignal: the envelope for `peer`. */
export async function fromTs(ts: TsDevice, peer: LibsignalPeer, text: string) {
  const [e] = await ts.device.encryptForDevices([{ userId: peer.userId, deviceId: peer.deviceId }], enc(text));
  if (!e) {
    throw new Error('no envelope');
  }
  return e;
}

export async function libsignalReads(peer: LibsignalPeer, ts: TsDevice, e: { type: 'prekey' | 'message'; body: string }) {
  return peer.decrypt(address(ts.userId, ts.deviceId), e.type, e.body);
}

export function flipBit(b64: string, index: number): string {
  const b = Buffer.from(b64, 'base64');
  const i = index < 0 ? b.length + index : index;
  b[i]! ^= 0x01;
  return b.toString('base64');
}

export function shuffle<T>(items: T[]): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
