// Kyber-1024 prekeys for PQXDH, as libsignal's key type 0x08 (CRYSTALS-Kyber round 3, the
// variant libsignal-client 0.103 generates and accepts).
//
// Kyber round 3 and ML-KEM (FIPS 203) share key formats and K-PKE; they differ only around it:
// round 3 hashes the encapsulation seed first (m = SHA3-256(seed)) and derives the shared secret
// as SHAKE256(K̄ ‖ SHA3-256(c)), where K̄ is exactly what ML-KEM returns for the same m. So the
// audited ML-KEM-1024 of @noble/post-quantum gives round-3 Kyber with two hash calls around it.
// (Implicit rejection values differ, but a rejected ciphertext fails the session MAC either way.)
import { ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import { sha3_256, shake256 } from '@noble/hashes/sha3.js';
import { concat, ProtocolError, randomBytes } from './bytes.ts';

export const KYBER1024_TYPE = 0x08;
const PUBLIC_LEN = 1568;
const SECRET_LEN = 3168;
const CIPHERTEXT_LEN = 1568;

export interface KemKeyPair {
  /** 1568 raw bytes. */
  publicKey: Uint8Array;
  /** 3168 raw bytes. */
  secretKey: Uint8Array;
}

export function generateKemKeyPair(): KemKeyPair {
  const { publicKey, secretKey } = ml_kem1024.keygen(randomBytes(64));
  return { publicKey, secretKey };
}

export function serializeKemPublic(raw: Uint8Array): Uint8Array {
  return concat(new Uint8Array([KYBER1024_TYPE]), raw);
}

export function deserializeKemPublic(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== PUBLIC_LEN + 1 || bytes[0] !== KYBER1024_TYPE) {
    throw new ProtocolError('invalid-key', 'not a serialized Kyber-1024 public key');
  }
  return bytes.slice(1);
}

/** Returns the shared secret and the serialized ciphertext (0x08 ‖ 1568 bytes). */
export function encapsulate(publicKey: Uint8Array): { sharedSecret: Uint8Array; ciphertext: Uint8Array } {
  const m = sha3_256(randomBytes(32));
  const { cipherText, sharedSecret: kBar } = ml_kem1024.encapsulate(publicKey, m);
  const sharedSecret = shake256(concat(kBar, sha3_256(cipherText)), { dkLen: 32 });
  return { sharedSecret, ciphertext: concat(new Uint8Array([KYBER1024_TYPE]), cipherText) };
}

export function decapsulate(secretKey: Uint8Array, serializedCiphertext: Uint8Array): Uint8Array {
  if (serializedCiphertext.length !== CIPHERTEXT_LEN + 1 || serializedCiphertext[0] !== KYBER1024_TYPE) {
    throw new ProtocolError('invalid-message', 'bad Kyber ciphertext');
  }
  if (secretKey.length !== SECRET_LEN) {
    throw new ProtocolError('invalid-key', 'bad Kyber secret key');
  }
  const c = serializedCiphertext.subarray(1);
  const kBar = ml_kem1024.decapsulate(c, secretKey);
  return shake256(concat(kBar, sha3_256(c)), { dkLen: 32 });
}
