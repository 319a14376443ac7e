import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDevice, MemoryStore } from '../../src/crypto/index.ts';
import { address, LibsignalPeer } from './libsignal-peer.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

test('smoke libsignal->ts', async () => {
  const bob = new LibsignalPeer('bob', 1);
  const { device: alice, upload } = await createDevice(new MemoryStore(), { oneTimePreKeys: 2, oneTimeKyberPreKeys: 1 });
  await bob.processBundle(address('alice', 7), {
    deviceId: 7, registrationId: upload.registrationId, identityKey: upload.identityKey, signedPreKey: upload.signedPreKey,
    kyberPreKey: upload.oneTimeKyberPreKeys[0]!, oneTimePreKey: upload.oneTimePreKeys[0],
  });
  const m = await bob.encrypt(address('alice', 7), 'hello from libsignal');
  const d = await alice.decrypt({ senderUserId: 'bob', senderDeviceId: 1, ...m });
  assert.equal(dec(d.plaintext), 'hello from libsignal');
  const [e2] = await alice.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc('reply'));
  assert.equal(await bob.decrypt(address('alice', 7), e2!.type, e2!.body), 'reply');
  for (let i = 0; i < 5; i++) {
    const m = await bob.encrypt(address('alice', 7), 'x' + i);
    assert.equal(dec((await alice.decrypt({ senderUserId: 'bob', senderDeviceId: 1, ...m })).plaintext), 'x' + i);
    const [e] = await alice.encryptForDevices([{ userId: 'bob', deviceId: 1 }], enc('y' + i));
    assert.equal(await bob.decrypt(address('alice', 7), e!.type, e!.body), 'y' + i);
  }
});
