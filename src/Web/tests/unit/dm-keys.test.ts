// The DM engine's key upkeep and local state, with a controllable clock: signed prekey rotation
// (schedule, grace period, retried uploads), one-time prekey refill, the sealed local state that
// replaced localStorage, and per-device trust (one safety number per contact device).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDevice, MemoryStore, ProtocolError, type PreKeyBundle, type PublicPreKey, type PublicSignedPreKey, type SignalDevice } from '../../src/crypto/index.ts';
import { SIGNED_PREKEY_GRACE_MS } from '../../src/crypto/device.ts';
import { DmLocalState, type LegacyStorage } from '../../src/dm/local-state.ts';
import { maintainKeys, SIGNED_PREKEY_ROTATION_MS, type KeyServer } from '../../src/dm/prekeys.ts';
import {
  acknowledgeChanges,
  deviceTrust,
  emptyTrust,
  hasChanges,
  migrateTrust,
  observeDevices,
  pruneDevices,
  setDeviceVerified,
  userTrust,
} from '../../src/dm/trust.ts';

const DAY = 24 * 3600 * 1000;
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** A key directory in memory: what the server keeps for one device, with counts like GET …/prekeys. */
class Directory implements KeyServer {
  signed: PublicSignedPreKey;
  preKeys: PublicPreKey[] = [];
  kyber: PublicSignedPreKey[] = [];
  signedUploads = 0;
  failSignedUploads = false;
  constructor(
    readonly registrationId: number,
    readonly identityKey: string,
    signed: PublicSignedPreKey,
    readonly lastResort: PublicSignedPreKey,
  ) {
    this.signed = signed;
  }
  async counts() {
    return { preKeys: this.preKeys.length, kyberPreKeys: this.kyber.length };
  }
  async uploadPreKeys(preKeys: PublicPreKey[], kyber: PublicSignedPreKey[]) {
    this.preKeys.push(...preKeys);
    this.kyber.push(...kyber);
  }
  async uploadSignedPreKey(key: PublicSignedPreKey) {
    if (this.failSignedUploads) {
      throw new Error('network down');
    }
    this.signedUploads++;
    this.signed = key;
  }
  /** A bundle as the server hands it out (claims one one-time key of each kind). */
  bundle(): PreKeyBundle {
    const oneTime = this.preKeys.shift();
    return {
      deviceId: 1,
      registrationId: this.registrationId,
      identityKey: this.identityKey,
      signedPreKey: this.signed,
      kyberPreKey: this.kyber.shift() ?? this.lastResort,
      ...(oneTime ? { oneTimePreKey: oneTime } : {}),
    };
  }
}

async function setup(oneTime = 30) {
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now, advance: (ms: number) => (now += ms) };
  const { device: bob, upload } = await createDevice(new MemoryStore(), { oneTimePreKeys: oneTime, oneTimeKyberPreKeys: oneTime, now: clock.now });
  const server = new Directory(upload.registrationId, upload.identityKey, upload.signedPreKey, upload.lastResortKyberPreKey);
  server.preKeys.push(...upload.oneTimePreKeys);
  server.kyber.push(...upload.oneTimeKyberPreKeys);
  const { device: alice } = await createDevice(new MemoryStore(), { oneTimePreKeys: 1, oneTimeKyberPreKeys: 1, now: clock.now });
  return { clock, bob, server, alice, firstSigned: upload.signedPreKey };
}

/** `sender` opens a session from `bundle` and sends `text`; Bob decrypts it. */
async function deliver(from: SignalDevice, bob: SignalDevice, bundle: PreKeyBundle, text: string, sender = 'alice') {
  const [m] = await from.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc(text), async () => [bundle]);
  return dec((await bob.decrypt({ senderUserId: sender, senderDeviceId: 1, type: m!.type, body: m!.body })).plaintext);
}

test('the signed prekey is rotated when it is a week old, uploaded, and sessions open on the new one', async () => {
  const { clock, bob, server, alice, firstSigned } = await setup();
  clock.advance(SIGNED_PREKEY_ROTATION_MS - DAY);
  let r = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: firstSigned.id });
  assert.equal(r.rotated, false);
  assert.equal(server.signedUploads, 0);
  assert.equal(server.signed.id, firstSigned.id);

  clock.advance(DAY);
  r = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: r.uploadedSignedPreKeyId });
  assert.equal(r.rotated, true);
  assert.equal(server.signedUploads, 1);
  assert.notEqual(server.signed.id, firstSigned.id);
  assert.notEqual(server.signed.publicKey, firstSigned.publicKey);
  assert.equal(r.uploadedSignedPreKeyId, server.signed.id);
  assert.equal(bob.signedPreKeyId, server.signed.id);
  assert.equal(bob.signedPreKeyCreatedAt, clock.now());
  // The uploaded signature is a valid XEdDSA signature by Bob's identity: Alice checks it.
  assert.equal(await deliver(alice, bob, server.bundle(), 'on the new key'), 'on the new key');

  // Not due again for another week.
  clock.advance(3 * DAY);
  r = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: r.uploadedSignedPreKeyId });
  assert.equal(r.rotated, false);
  assert.equal(server.signedUploads, 1);
});

test('a session set-up made from the old bundle still decrypts during the grace period, not after', async () => {
  const { clock, bob, server, firstSigned } = await setup();
  // Two senders fetch a bundle before the rotation; their messages arrive late.
  const early = server.bundle();
  const late = server.bundle();
  assert.equal(early.signedPreKey.id, firstSigned.id);
  // Bob's device was offline for two months: the key it replaces is older than the grace period,
  // but the grace period runs from the replacement.
  clock.advance(60 * DAY);
  const r1 = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: firstSigned.id });
  assert.equal(r1.rotated, true);
  assert.deepEqual(bob.acceptedSignedPreKeyIds.sort(), [firstSigned.id, server.signed.id].sort());

  clock.advance(SIGNED_PREKEY_GRACE_MS - DAY);
  const carol = (await createDevice(new MemoryStore(), { oneTimePreKeys: 1, oneTimeKyberPreKeys: 1, now: clock.now })).device;
  assert.equal(await deliver(carol, bob, early, 'late but in time', 'carol'), 'late but in time');

  // The next rotations, after the grace period: the first key is deleted, the one replaced just now stays.
  clock.advance(2 * DAY);
  const second = server.signed.id;
  const r2 = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: r1.uploadedSignedPreKeyId });
  assert.equal(r2.rotated, true);
  assert.ok(!bob.acceptedSignedPreKeyIds.includes(firstSigned.id));
  assert.ok(bob.acceptedSignedPreKeyIds.includes(second));
  const dave = (await createDevice(new MemoryStore(), { oneTimePreKeys: 1, oneTimeKyberPreKeys: 1, now: clock.now })).device;
  await assert.rejects(deliver(dave, bob, late, 'too late', 'dave'), (e: unknown) => e instanceof ProtocolError && e.code === 'missing-prekey');
});

test('a failed signed prekey upload is retried on the next run, and the refill still happens', async () => {
  const { clock, bob, server, firstSigned } = await setup(5);
  clock.advance(SIGNED_PREKEY_ROTATION_MS);
  server.failSignedUploads = true;
  const r1 = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: firstSigned.id });
  assert.equal(r1.rotated, true);
  assert.equal(r1.uploadedSignedPreKeyId, undefined);
  assert.equal(server.signed.id, firstSigned.id);
  assert.equal(r1.preKeysUploaded, 100);

  server.failSignedUploads = false;
  clock.advance(3600 * 1000);
  const r2 = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: r1.uploadedSignedPreKeyId });
  assert.equal(r2.rotated, false);
  assert.equal(server.signed.id, bob.signedPreKeyId);
  assert.equal(r2.uploadedSignedPreKeyId, bob.signedPreKeyId);
  // Unknown upload state (a device from before this was tracked): the current key is sent once.
  const before = server.signedUploads;
  await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: undefined });
  assert.equal(server.signedUploads, before + 1);
});

test('one-time prekeys are refilled by a batch of 100 when the server holds fewer than 20 of a kind', async () => {
  const { clock, bob, server, alice, firstSigned } = await setup(20);
  let r = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: firstSigned.id });
  assert.deepEqual([r.preKeysUploaded, r.kyberPreKeysUploaded], [0, 0]);
  // One claim: 19 of each left.
  assert.equal(await deliver(alice, bob, server.bundle(), 'spend one'), 'spend one');
  server.kyber.push(...(await bob.generateOneTimeKyberPreKeys(1)));
  r = await maintainKeys(bob, server, { now: clock.now, uploadedSignedPreKeyId: firstSigned.id });
  assert.deepEqual([r.preKeysUploaded, r.kyberPreKeysUploaded], [100, 0]);
  assert.equal(server.preKeys.length, 119);
  assert.equal(new Set(server.preKeys.map((k) => k.id)).size, 119);
  // The new keys work: a session made on one of the refilled keys decrypts.
  server.preKeys.splice(0, 19);
  const carol = (await createDevice(new MemoryStore(), { oneTimePreKeys: 1, oneTimeKyberPreKeys: 1, now: clock.now })).device;
  assert.equal(await deliver(carol, bob, server.bundle(), 'refilled', 'carol'), 'refilled');
});

/** localStorage as the browser has it (the part the migration uses). */
class FakeLocalStorage implements LegacyStorage {
  readonly data = new Map<string, string>();
  get length() {
    return this.data.size;
  }
  key(i: number) {
    return [...this.data.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.data.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.data.set(k, v);
  }
  removeItem(k: string) {
    this.data.delete(k);
  }
}

test('history kept in clear in localStorage moves into the store once and is deleted', async () => {
  const legacy = new FakeLocalStorage();
  const history = [{ id: 'm1', conversationId: 'c1', authorId: 'u2', text: 'old secret', sentAt: '2026-01-01T00:00:00Z', status: 'sent' }];
  legacy.setItem('lc-dm:u1:messages:c1', JSON.stringify(history));
  legacy.setItem('lc-dm:u1:device-id', '4');
  legacy.setItem('lc-dm:u1:broken', '{not json');
  legacy.setItem('lc-dm:u9:messages:c1', '[]');
  legacy.setItem('lescopains.session', '{}');
  const store = new MemoryStore();

  const state = await DmLocalState.open(store, 'u1', legacy);
  assert.deepEqual([...legacy.data.keys()].sort(), ['lc-dm:u9:messages:c1', 'lescopains.session']);
  await state.load(['messages:c1', 'device-id', 'broken']);
  assert.deepEqual(state.get('messages:c1', []), history);
  assert.equal(state.get('device-id', null), 4);
  assert.equal(state.get('broken', 'none'), 'none');
  assert.equal(store.count('app'), 2);

  // Later writes go to the store, never back to localStorage; a reopened state reads them.
  await state.set('messages:c1', [...history, { ...history[0]!, id: 'm2', text: 'new secret' }]);
  assert.equal(legacy.data.size, 2);
  legacy.setItem('lc-dm:u1:messages:c1', JSON.stringify([]));
  const again = await DmLocalState.open(store, 'u1', legacy);
  await again.load(['messages:c1']);
  // A leftover in localStorage never overwrites what the store has; it is deleted all the same.
  assert.equal(again.get<unknown[]>('messages:c1', []).length, 2);
  assert.equal(legacy.getItem('lc-dm:u1:messages:c1'), null);
  await again.set('device-id', undefined);
  assert.equal(await store.get('app', 'device-id'), undefined);
});

test('trust: first devices on first use, then a new device or a changed key warns until verified or acknowledged', () => {
  const phone = { deviceId: 1, identityKey: 'K1' };
  const laptop = { deviceId: 2, identityKey: 'K2' };
  let t = observeDevices(emptyTrust(), 'bob', [phone, laptop]);
  assert.deepEqual(userTrust(t, 'bob', [phone, laptop]), { verified: false, changed: false });
  assert.equal(observeDevices(t, 'bob', [phone, laptop]), t);

  // Verified device by device: the user is verified only when all of them are.
  t = setDeviceVerified(t, 'bob', phone, true);
  assert.equal(deviceTrust(t, 'bob', phone), 'verified');
  assert.deepEqual(userTrust(t, 'bob', [phone, laptop]), { verified: false, changed: false });
  t = setDeviceVerified(t, 'bob', laptop, true);
  assert.deepEqual(userTrust(t, 'bob', [phone, laptop]), { verified: true, changed: false });

  // A third device appears: warning, and Bob as a whole is no longer verified; the others keep their marks.
  const tablet = { deviceId: 3, identityKey: 'K3' };
  t = observeDevices(t, 'bob', [phone, laptop, tablet]);
  assert.equal(deviceTrust(t, 'bob', tablet), 'changed');
  assert.equal(deviceTrust(t, 'bob', phone), 'verified');
  assert.deepEqual(userTrust(t, 'bob', [phone, laptop, tablet]), { verified: false, changed: true });
  t = setDeviceVerified(t, 'bob', tablet, true);
  assert.deepEqual(userTrust(t, 'bob', [phone, laptop, tablet]), { verified: true, changed: false });

  // The laptop's key changes (seen in a message from it): its mark no longer applies.
  const laptop2 = { deviceId: 2, identityKey: 'K2b' };
  t = observeDevices(t, 'bob', [laptop2]);
  assert.equal(deviceTrust(t, 'bob', laptop2), 'changed');
  assert.deepEqual(userTrust(t, 'bob', [phone, laptop2, tablet]), { verified: false, changed: true });
  t = acknowledgeChanges(t, 'bob');
  assert.equal(hasChanges(t, 'bob'), false);
  assert.equal(deviceTrust(t, 'bob', laptop2), 'unverified');
  assert.equal(deviceTrust(t, 'bob', laptop), 'verified', 'the old key stays verified, the new one is not');

  // Removing the tablet drops its marks; another user is untouched throughout.
  t = observeDevices(t, 'carol', [{ deviceId: 1, identityKey: 'C1' }]);
  t = pruneDevices(t, 'bob', [phone, laptop2]);
  assert.equal(deviceTrust(t, 'bob', tablet), 'unverified');
  assert.equal(hasChanges(t, 'carol'), false);
});

test("trust: the account's own other devices warn from the first one added after this device looked", () => {
  const laptop = { deviceId: 2, identityKey: 'L' };
  // This device's first look: no other device yet; that is a known list.
  let t = observeDevices(emptyTrust(), 'me', [], false);
  t = observeDevices(t, 'me', [laptop], true);
  assert.equal(deviceTrust(t, 'me', laptop), 'changed');
  // Whereas a device joining an account that has a laptop trusts it on first use.
  const fresh = observeDevices(emptyTrust(), 'me', [laptop], false);
  assert.equal(deviceTrust(fresh, 'me', laptop), 'unverified');
  assert.equal(hasChanges(fresh, 'me'), false);
});

test('trust: older per-user marks migrate to the first device only', () => {
  const t = migrateTrust({ 'bob.1': 'K1', 'bob.2': 'K2', 'carol.4': 'C4', 'carol.7': 'C7' }, { bob: true, carol: false }, { carol: true });
  assert.deepEqual(t.verified, { 'bob.1': 'K1' });
  assert.deepEqual(t.changed, { 'carol.4': true, 'carol.7': true });
});
