// Keeping this device's keys on the server fresh: the signed prekey is rotated on a schedule (the
// replaced one stays usable for a grace period, see SIGNED_PREKEY_GRACE_MS in crypto/device.ts)
// and the one-time prekey pools are refilled when the server holds fewer than
// PREKEY_REFILL_BELOW of a kind.
import { PREKEY_BATCH, PREKEY_REFILL_BELOW, type PublicPreKey, type PublicSignedPreKey, type SignalDevice } from '../crypto/index.ts';

/** Signal rotates about weekly. */
export const SIGNED_PREKEY_ROTATION_MS = 7 * 24 * 3600 * 1000;
/** How often an open tab checks (rotation is due at most this late). */
export const KEY_CHECK_INTERVAL_MS = 6 * 3600 * 1000;

/** The key directory routes this needs (docs/API.md, "Direct messages"). */
export interface KeyServer {
  counts(): Promise<{ preKeys: number; kyberPreKeys: number }>;
  uploadPreKeys(preKeys: PublicPreKey[], kyberPreKeys: PublicSignedPreKey[]): Promise<void>;
  uploadSignedPreKey(key: PublicSignedPreKey): Promise<void>;
}

export interface MaintenanceResult {
  rotated: boolean;
  /** Id of the signed prekey the server now has (undefined if the upload failed). */
  uploadedSignedPreKeyId: number | undefined;
  preKeysUploaded: number;
  kyberPreKeysUploaded: number;
}

/**
 * Rotates the signed prekey when it is `rotateEveryMs` old and uploads it; uploads the current one
 * again when `uploadedSignedPreKeyId` says the server does not have it (an earlier upload failed);
 * then refills the one-time prekey pools. A failed signed prekey upload does not stop the refill.
 */
export async function maintainKeys(
  device: SignalDevice,
  server: KeyServer,
  options: { now: () => number; uploadedSignedPreKeyId: number | undefined; rotateEveryMs?: number },
): Promise<MaintenanceResult> {
  const rotateEvery = options.rotateEveryMs ?? SIGNED_PREKEY_ROTATION_MS;
  let uploaded = options.uploadedSignedPreKeyId;
  let rotated = false;
  let key: PublicSignedPreKey | undefined;
  if (options.now() - device.signedPreKeyCreatedAt >= rotateEvery) {
    key = await device.rotateSignedPreKey();
    rotated = true;
  } else if (uploaded !== device.signedPreKeyId) {
    key = await device.currentSignedPreKey();
  }
  if (key) {
    try {
      await server.uploadSignedPreKey(key);
      uploaded = key.id;
    } catch (err) {
      console.warn('dm: the signed prekey could not be uploaded; trying again later', err);
      uploaded = undefined;
    }
  }

  const counts = await server.counts();
  const preKeys = counts.preKeys < PREKEY_REFILL_BELOW ? await device.generateOneTimePreKeys(PREKEY_BATCH) : [];
  const kyber = counts.kyberPreKeys < PREKEY_REFILL_BELOW ? await device.generateOneTimeKyberPreKeys(PREKEY_BATCH) : [];
  if (preKeys.length > 0 || kyber.length > 0) {
    await server.uploadPreKeys(preKeys, kyber);
  }
  return { rotated, uploadedSignedPreKeyId: uploaded, preKeysUploaded: preKeys.length, kyberPreKeysUploaded: kyber.length };
}
