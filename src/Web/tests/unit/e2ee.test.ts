// The E2EE module between two TypeScript devices: what libsignal 0.103 cannot be asked to do
// (sessions opened from this side) and the device-level rules (fan-out, trust, key lifecycle).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  createDevice,
  decryptAttachment,
  encryptAttachment,
  loadDevice,
  MemoryStore,
  ProtocolError,
  type PreKeyBundle,
  type SignalDevice,
} from '../../src/crypto/index.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

interface Dev {
  userId: string;
  deviceId: number;
  device: SignalDevice;
  store: MemoryStore;
  bundles: PreKeyBundle[];
}

async function dev(userId: string, deviceId: number, oneTime = 3): Promise<Dev> {
  const store = new MemoryStore();
  const { device, upload } = await createDevice(store, { oneTimePreKeys: oneTime, oneTimeKyberPreKeys: oneTime });
  const bundles: PreKeyBundle[] = [];
  for (let i = 0; i < oneTime + 2; i++) {
    const b: PreKeyBundle = {
      deviceId,
      registrationId: upload.registrationId,
      identityKey: upload.identityKey,
      signedPreKey: upload.signedPreKey,
      kyberPreKey: upload.oneTimeKyberPreKeys[i] ?? upload.lastResortKyberPreKey,
    };
    if (upload.oneTimePreKeys[i]) b.oneTimePreKey = upload.oneTimePreKeys[i];
    bundles.push(b);
  }
  return { userId, deviceId, device, store, bundles };
}

/** A directory of devices that serves each bundle once, like the server. */
function directory(...devs: Dev[]) {
  return async (userId: string, deviceIds: number[]) =>
    devs.filter((d) => d.userId === userId && deviceIds.includes(d.deviceId)).map((d) => d.bundles.shift()!);
}

async function send(from: Dev, to: Dev[], text: string, all: Dev[]) {
  const envs = await from.device.encryptForDevices(
    to.map((d) => ({ userId: d.userId, deviceId: d.deviceId })),
    enc(text),
    directory(...all),
  );
  assert.equal(envs.length, to.length);
  return envs.map((e) => ({ senderUserId: from.userId, senderDeviceId: from.deviceId, type: e.type, body: e.body, to: e }));
}

const code = (c: ProtocolError['code']) => (e: unknown) => e instanceof ProtocolError && e.code === c;

test('a session opened here works both ways, over ratchet steps', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1);
  for (let i = 0; i < 10; i++) {
    const [m] = await send(a, [b], `a${i}`, [a, b]);
    assert.equal(m!.type, i === 0 ? 'prekey' : i === 1 ? 'prekey' : 'message');
    assert.equal(dec((await b.device.decrypt(m!)).plaintext), `a${i}`);
    if (i >= 1) {
      const [r] = await send(b, [a], `b${i}`, [a, b]);
      assert.equal(dec((await a.device.decrypt(r!)).plaintext), `b${i}`);
    }
  }
  assert.equal(b.store.count('preKey'), 2);
});

test('no one-time prekey left: the session still opens (signed + last-resort Kyber prekey)', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1, 0);
  const [m] = await send(a, [b], 'hi', [a, b]);
  assert.equal(dec((await b.device.decrypt(m!)).plaintext), 'hi');
  assert.equal(b.store.count('kyberPreKey'), 1);
});

test('a replayed PreKeySignalMessage fails and consumes nothing more', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1);
  const [m] = await send(a, [b], 'once', [a, b]);
  await b.device.decrypt(m!);
  await assert.rejects(b.device.decrypt(m!), code('duplicate-message'));
  const [m2] = await send(a, [b], 'twice', [a, b]);
  assert.equal(dec((await b.device.decrypt(m2!)).plaintext), 'twice');
});

test('one message goes to every device of the recipients and to my other devices', async () => {
  const a1 = await dev('alice', 1);
  const a2 = await dev('alice', 2);
  const b1 = await dev('bob', 1);
  const b2 = await dev('bob', 2);
  const c1 = await dev('carol', 5);
  const all = [a1, a2, b1, b2, c1];
  const envs = await send(a1, [b1, b2, c1, a2], 'group hello', all);
  const byDevice = new Map(all.map((d) => [`${d.userId}.${d.deviceId}`, d]));
  for (const e of envs) {
    const target = byDevice.get(`${e.to.userId}.${e.to.deviceId}`)!;
    assert.equal(dec((await target.device.decrypt(e)).plaintext), 'group hello');
    // An envelope for one device is useless to another.
    const other = target === b1 ? b2 : b1;
    await assert.rejects(other.device.decrypt(e), ProtocolError);
  }
  // Each ciphertext is different.
  assert.equal(new Set(envs.map((e) => e.body)).size, 4);
});

test('a device without a bundle on the server is left out; no bundle source means no session', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1);
  const envs = await a.device.encryptForDevices([{ userId: 'bob', deviceId: 9 }], enc('x'), directory(a, b));
  assert.deepEqual(envs, []);
  await assert.rejects(a.device.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc('x')), code('no-session'));
});

test('a bundle with a bad signed-prekey or Kyber signature is refused', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1);
  const good = b.bundles[0]!;
  const flip = (s: string) => {
    const x = Buffer.from(s, 'base64');
    x[5]! ^= 1;
    return x.toString('base64');
  };
  await assert.rejects(
    a.device.processBundle('bob', { ...good, signedPreKey: { ...good.signedPreKey, signature: flip(good.signedPreKey.signature) } }),
    code('invalid-signature'),
  );
  await assert.rejects(
    a.device.processBundle('bob', { ...good, kyberPreKey: { ...good.kyberPreKey, publicKey: flip(good.kyberPreKey.publicKey) } }),
    code('invalid-signature'),
  );
  assert.equal(await a.device.hasSession({ userId: 'bob', deviceId: 1 }), false);
});

test('a changed identity key is refused until trusted', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1);
  const [m] = await send(a, [b], 'hi', [a, b]);
  await b.device.decrypt(m!);
  const impostor = await dev('bob', 1);
  await assert.rejects(a.device.processBundle('bob', impostor.bundles[0]!), code('untrusted-identity'));
  await a.device.trustIdentity({ userId: 'bob', deviceId: 1 }, impostor.bundles[0]!.identityKey);
  await a.device.processBundle('bob', impostor.bundles[0]!);
  const [m2] = await a.device.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc('new key'));
  assert.equal(dec((await impostor.device.decrypt({ senderUserId: 'alice', senderDeviceId: 1, ...m2! })).plaintext), 'new key');
});

test('state survives a reload from the store', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1);
  const [m] = await send(a, [b], 'before', [a, b]);
  await b.device.decrypt(m!);
  const b2 = (await loadDevice(b.store))!;
  assert.equal(b2.identityKey, b.device.identityKey);
  assert.equal(b2.registrationId, b.device.registrationId);
  const [m2] = await send(a, [b], 'after', [a, b]);
  assert.equal(dec((await b2.decrypt(m2!)).plaintext), 'after');
  assert.equal(await loadDevice(new MemoryStore()), undefined);
});

test('after rotation the old signed prekey still opens sessions for a while', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1);
  const old = b.bundles[0]!;
  const fresh = await b.device.rotateSignedPreKey();
  assert.notEqual(fresh.id, old.signedPreKey.id);
  const [m] = await a.device.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc('old spk'), async () => [old]);
  assert.equal(dec((await b.device.decrypt({ senderUserId: 'alice', senderDeviceId: 1, ...m! })).plaintext), 'old spk');
  const more = await b.device.generateOneTimePreKeys(5);
  const kyber = await b.device.generateOneTimeKyberPreKeys(2);
  assert.equal(more.length, 5);
  assert.equal(kyber.length, 2);
  assert.equal(new Set([...more.map((k) => k.id)]).size, 5);
});

test('attachments: AES-256-GCM round trip; a modified or swapped blob is refused', async () => {
  const data = crypto.getRandomValues(new Uint8Array(60_000));
  const { ciphertext, key } = await encryptAttachment(data);
  assert.deepEqual(await decryptAttachment(ciphertext, key), data);
  const bad = ciphertext.slice();
  bad[10]! ^= 1;
  await assert.rejects(decryptAttachment(bad, key), ProtocolError);
  const other = await encryptAttachment(data);
  await assert.rejects(decryptAttachment(other.ciphertext, key), ProtocolError);
  await assert.rejects(decryptAttachment(ciphertext, { ...key, digest: other.key.digest }), ProtocolError);
});

test('a PreKeySignalMessage on the last-resort Kyber key cannot open its session twice', async () => {
  const a = await dev('alice', 1);
  const b = await dev('bob', 1, 0);
  const [m] = await send(a, [b], 'once', [a, b]);
  await b.device.decrypt(m!);
  // Even with the session forgotten (as when it falls out of the archive), the replay fails.
  await b.device.forgetDevice({ userId: 'alice', deviceId: 1 });
  await assert.rejects(b.device.decrypt(m!), code('duplicate-message'));
  // A new session on the same last-resort key still opens.
  const a2 = await dev('alice', 2);
  const [m2] = await send(a2, [b], 'other', [a2, b]);
  assert.equal(dec((await b.device.decrypt(m2!)).plaintext), 'other');
});
