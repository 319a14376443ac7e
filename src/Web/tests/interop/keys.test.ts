// XEdDSA signatures and safety numbers against libsignal-client and libsignal's published vectors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as S from '@signalapp/libsignal-client';
import { compareScannable, FINGERPRINT_ITERATIONS, safetyNumber } from '../../src/crypto/index.ts';
import { generateKeyPair, serializePublic, xeddsaSign, xeddsaVerify } from '../../src/crypto/curve.ts';

const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const ab = (b: Uint8Array) => new Uint8Array(b) as Uint8Array<ArrayBuffer>;
const random = (n: number) => crypto.getRandomValues(new Uint8Array(n));

test('libsignal verifies XEdDSA signatures made here, and the other way round', () => {
  for (let i = 0; i < 50; i++) {
    const msg = random(1 + i * 7);
    const ours = generateKeyPair();
    const sig = xeddsaSign(ours.privateKey, msg);
    assert.equal(sig.length, 64);
    const pub = S.PublicKey.deserialize(ab(serializePublic(ours.publicKey)));
    assert.ok(pub.verify(ab(msg), ab(sig)));
    const tampered = sig.slice();
    tampered[i % 64]! ^= 1 << (i % 8);
    assert.equal(pub.verify(ab(msg), ab(tampered)), false);
    assert.equal(xeddsaVerify(ours.publicKey, msg, tampered), false);

    const theirs = S.PrivateKey.generate();
    const theirSig = theirs.sign(ab(msg));
    const theirPub = theirs.getPublicKey().getPublicKeyBytes();
    assert.ok(xeddsaVerify(theirPub, msg, theirSig));
    assert.equal(xeddsaVerify(theirPub, random(8), theirSig), false);
  }
});

test('XEdDSA: libsignal test vector verifies and every single-bit change fails', () => {
  // From libsignal's curve25519 tests (Alice's identity key signing an ephemeral key).
  const pub = hex('ab7e717d4a163b7d9a1d8071dfe9dcf8cdcd1cea3339b6356be84d887e322c64');
  const msg = hex('05edce9d9c415ca78cb7252e72c2c4a554d3eb29485a0e1d503118d1a82d99fb4a');
  const sig = hex(
    '5de88ca9a89b4a115da79109c67c9c7464a3e4180274f1cb8c63c2984e286dfbede82deb9dcd9fae0bfbb821569b3d9001bd8130cd11d486cef047bd60b86e88',
  );
  assert.ok(xeddsaVerify(pub, msg, sig));
  for (let i = 0; i < 64; i++) {
    const copy = sig.slice();
    copy[i]! ^= 1;
    assert.equal(xeddsaVerify(pub, msg, copy), false, `byte ${i}`);
  }
});

test('safety number matches libsignal\'s published vector (5200 iterations, scannable version 1)', () => {
  const aliceKey = hex('0506863bc66d02b40d27b8d49ca7c09e9239236f9d7d25d6fcca5ce13c7064d868');
  const bobKey = hex('05f781b6fb32fed9ba1cf2de978d4d5da28dc34046ae814402b5c0dbd96fda907b');
  const alice = { id: '+14152222222', identityKey: aliceKey };
  const bob = { id: '+14153333333', identityKey: bobKey };
  const a = safetyNumber(alice, bob, FINGERPRINT_ITERATIONS, 1);
  const b = safetyNumber(bob, alice, FINGERPRINT_ITERATIONS, 1);
  const expected = '300354477692869396892869876765458257569162576843440918079131';
  assert.equal(a.digits, expected);
  assert.equal(b.digits, expected);
  assert.equal(a.display, expected.match(/.{5}/g)!.join(' '));
  const aliceScannable =
    '080112220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df1a220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d';
  assert.equal(Buffer.from(a.scannable).toString('hex'), aliceScannable);
  const bobScannable =
    '080112220a20d62cbf73a11592015b6b9f1682ac306fea3aaf3885b84d12bca631e9d4fb3a4d1a220a201e301a0353dce3dbe7684cb8336e85136cdc0ee96219494ada305d62a7bd61df';
  assert.equal(Buffer.from(b.scannable).toString('hex'), bobScannable);
  assert.ok(compareScannable(a.scannable, b.scannable));
  assert.ok(compareScannable(b.scannable, a.scannable));
  assert.equal(compareScannable(a.scannable, a.scannable), false);
});

test('safety numbers equal libsignal-client\'s Fingerprint on random keys (5200 iterations)', () => {
  for (let i = 0; i < 3; i++) {
    const mine = S.IdentityKeyPair.generate().publicKey;
    const theirs = S.IdentityKeyPair.generate().publicKey;
    const myId = `user-${i}-${Buffer.from(random(6)).toString('hex')}`;
    const theirId = `peer-${i}`;
    for (const version of [0, 1]) {
      const ref = S.Fingerprint.new(FINGERPRINT_ITERATIONS, version, ab(new TextEncoder().encode(myId)), mine, ab(new TextEncoder().encode(theirId)), theirs);
      const ours = safetyNumber({ id: myId, identityKey: mine.serialize() }, { id: theirId, identityKey: theirs.serialize() }, FINGERPRINT_ITERATIONS, version);
      assert.equal(ours.digits, ref.displayableFingerprint().toString());
      assert.equal(ours.digits.length, 60);
      assert.deepEqual(Buffer.from(ours.scannable), Buffer.from(ref.scannableFingerprint().toBuffer()));
      // Their side, computed by libsignal, compares equal with ours both ways.
      const refTheirs = S.Fingerprint.new(FINGERPRINT_ITERATIONS, version, ab(new TextEncoder().encode(theirId)), theirs, ab(new TextEncoder().encode(myId)), mine);
      const theirBytes = refTheirs.scannableFingerprint().toBuffer();
      assert.ok(compareScannable(ours.scannable, theirBytes));
      assert.ok(ref.scannableFingerprint().compare(refTheirs.scannableFingerprint()));
    }
  }
});

test('a scannable fingerprint of another pair or another version does not match', () => {
  const k = () => serializePublic(generateKeyPair().publicKey);
  const [a, b, c] = [k(), k(), k()];
  const ab1 = safetyNumber({ id: 'a', identityKey: a }, { id: 'b', identityKey: b }, 2, 1);
  const ba1 = safetyNumber({ id: 'b', identityKey: b }, { id: 'a', identityKey: a }, 2, 1);
  const ca1 = safetyNumber({ id: 'c', identityKey: c }, { id: 'a', identityKey: a }, 2, 1);
  const ba0 = safetyNumber({ id: 'b', identityKey: b }, { id: 'a', identityKey: a }, 2, 0);
  assert.ok(compareScannable(ab1.scannable, ba1.scannable));
  assert.equal(compareScannable(ab1.scannable, ca1.scannable), false);
  assert.throws(() => compareScannable(ab1.scannable, ba0.scannable), /version/);
});
