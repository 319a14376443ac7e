// Trust in contacts' devices. Every device has its own identity key (Sesame), so a safety number
// belongs to a pair of devices: this one and one device of the contact. This module decides, from
// what this device has seen, which contact devices are verified and which appeared or changed
// since (a warning until the user verifies them or acknowledges the change). Pure: the engine
// keeps the state in the sealed local store.

export interface TrustState {
  /** Identity key last seen per contact device, keyed "userId.deviceId". */
  seen: Record<string, string>;
  /** Devices the user verified, with the identity key that was verified. */
  verified: Record<string, string>;
  /** Devices that appeared or changed key after their user was known here. */
  changed: Record<string, true>;
}

export interface DeviceKey {
  deviceId: number;
  identityKey: string;
}

export type DeviceTrust = 'verified' | 'changed' | 'unverified';

export const emptyTrust = (): TrustState => ({ seen: {}, verified: {}, changed: {} });

const at = (userId: string, deviceId: number) => `${userId}.${deviceId}`;
const ofUser = (userId: string) => (k: string) => k.startsWith(userId + '.');

/**
 * Records `devices` of `userId` (all of them, or one that just sent a message). The first devices
 * seen of a user are trusted on first use; a device added later, or a known device with another
 * key, is marked changed. `known` says whether the user's device list was known before (default:
 * some device of theirs was seen); the account's own other devices pass it explicitly, since "no
 * other device" is a known list too. Returns the same object when nothing changed.
 */
export function observeDevices(t: TrustState, userId: string, devices: DeviceKey[], known?: boolean): TrustState {
  const knewUser = known ?? Object.keys(t.seen).some(ofUser(userId));
  let next = t;
  for (const d of devices) {
    const k = at(userId, d.deviceId);
    const before = next.seen[k];
    if (before === d.identityKey) {
      continue;
    }
    const flag = before !== undefined || knewUser;
    next = {
      seen: { ...next.seen, [k]: d.identityKey },
      verified: next.verified,
      changed: flag ? { ...next.changed, [k]: true } : next.changed,
    };
  }
  return next;
}

export function deviceTrust(t: TrustState, userId: string, d: DeviceKey): DeviceTrust {
  const k = at(userId, d.deviceId);
  if (t.changed[k]) {
    return 'changed';
  }
  return t.verified[k] === d.identityKey ? 'verified' : 'unverified';
}

/**
 * A user is verified when every one of their current devices is verified with its current key;
 * `changed` when any of them appeared or changed key since and was not verified or acknowledged.
 */
export function userTrust(t: TrustState, userId: string, devices: DeviceKey[]): { verified: boolean; changed: boolean } {
  const states = devices.map((d) => deviceTrust(t, userId, d));
  return { verified: states.length > 0 && states.every((s) => s === 'verified'), changed: states.includes('changed') };
}

/** Marks one device verified with `identityKey` (or clears the mark); either way its warning goes. */
export function setDeviceVerified(t: TrustState, userId: string, d: DeviceKey, verified: boolean): TrustState {
  const k = at(userId, d.deviceId);
  const { [k]: _old, ...others } = t.verified;
  const { [k]: _flag, ...changed } = t.changed;
  return { seen: { ...t.seen, [k]: d.identityKey }, verified: verified ? { ...others, [k]: d.identityKey } : others, changed };
}

/** Forgets marks of `userId`'s devices that are no longer in `devices` (removed devices). */
export function pruneDevices(t: TrustState, userId: string, devices: DeviceKey[]): TrustState {
  const present = new Set(devices.map((d) => at(userId, d.deviceId)));
  const gone = (k: string) => ofUser(userId)(k) && !present.has(k);
  if (!Object.keys(t.verified).some(gone) && !Object.keys(t.changed).some(gone)) {
    return t;
  }
  return {
    seen: t.seen,
    verified: Object.fromEntries(Object.entries(t.verified).filter(([k]) => !gone(k))),
    changed: Object.fromEntries(Object.entries(t.changed).filter(([k]) => !gone(k))) as Record<string, true>,
  };
}

/** Whether any device of `userId` carries a "new or changed" warning. */
export function hasChanges(t: TrustState, userId: string): boolean {
  return Object.keys(t.changed).some(ofUser(userId));
}

/** The user saw the warning and accepts the new devices without verifying them. */
export function acknowledgeChanges(t: TrustState, userId: string): TrustState {
  return { ...t, changed: Object.fromEntries(Object.entries(t.changed).filter(([k]) => !ofUser(userId)(k))) };
}

/**
 * From the older per-user marks: "verified" covered the user's first device only (the one the
 * old safety number was made with), "key changed" applies to all their known devices.
 */
export function migrateTrust(seen: Record<string, string>, verified: Record<string, boolean>, keyChanged: Record<string, boolean>): TrustState {
  const t: TrustState = { seen: { ...seen }, verified: {}, changed: {} };
  const devicesOf = (userId: string) =>
    Object.keys(seen)
      .filter(ofUser(userId))
      .sort((a, b) => Number(a.slice(userId.length + 1)) - Number(b.slice(userId.length + 1)));
  for (const [userId, v] of Object.entries(verified)) {
    const first = devicesOf(userId)[0];
    if (v && first && !keyChanged[userId]) {
      t.verified[first] = seen[first]!;
    }
  }
  for (const [userId, c] of Object.entries(keyChanged)) {
    if (c) {
      for (const k of devicesOf(userId)) {
        t.changed[k] = true;
      }
    }
  }
  return t;
}
