// End-to-end encryption for direct messages: the Signal Protocol (PQXDH, Double Ratchet, XEdDSA,
// Sesame-style per-device sessions), wire-compatible with libsignal. Import this module only
// through a dynamic import() so it stays out of the initial bundle.
export type {
  AttachmentKey,
  B64,
  BundleSource,
  Decrypted,
  DeviceAddress,
  DeviceKeysUpload,
  Envelope,
  EnvelopeType,
  IncomingEnvelope,
  PreKeyBundle,
  PublicPreKey,
  PublicSignedPreKey,
} from './types.ts';
export { SignalDevice, type DeviceOptions } from './device.ts';
export { decodeRecord, encodeRecord, MemoryStore, type ProtocolStore, type StoreKind, type StoreWrite } from './store.ts';
export { openIndexedDbStore } from './idb-store.ts';
export { ProtocolError } from './bytes.ts';
export {
  compareScannable,
  FINGERPRINT_ITERATIONS,
  safetyNumber,
  type SafetyNumber,
  type SafetyNumberParty,
} from './fingerprint.ts';
export { decryptAttachment, encryptAttachment } from './attachments.ts';
export { MAX_FORWARD_JUMPS, MAX_MESSAGE_KEYS } from './session.ts';

import { SignalDevice, type DeviceOptions } from './device.ts';

/** One-time prekeys (each kind) created with a device and per refill. */
export { DEFAULT_PREKEYS as PREKEY_BATCH } from './device.ts';
/** Refill when the server reports fewer one-time prekeys of a kind than this. */
export const PREKEY_REFILL_BELOW = 20;
import type { ProtocolStore } from './store.ts';
import type { DeviceKeysUpload } from './types.ts';

/** Creates this browser's device keys in `store`; upload `upload` to the key directory. */
export function createDevice(store: ProtocolStore, options?: DeviceOptions): Promise<{ device: SignalDevice; upload: DeviceKeysUpload }> {
  return SignalDevice.create(store, options);
}

/** The device previously created in `store`, or undefined. */
export function loadDevice(store: ProtocolStore): Promise<SignalDevice | undefined> {
  return SignalDevice.load(store);
}
