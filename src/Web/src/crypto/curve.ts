// Curve25519 identity and ratchet keys: X25519 agreement and XEdDSA signatures
// (https://signal.org/docs/specifications/xeddsa/), on @noble/curves' field and point arithmetic.
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, ProtocolError, randomBytes } from './bytes.ts';

/** libsignal's key type byte for Curve25519 ("DJB") public keys. */
export const DJB_TYPE = 0x05;

export interface KeyPair {
  /** 32 raw bytes (Montgomery u). */
  publicKey: Uint8Array;
  /** 32 raw bytes. */
  privateKey: Uint8Array;
}

export function generateKeyPair(): KeyPair {
  const privateKey = x25519.utils.randomSecretKey();
  return { privateKey, publicKey: x25519.getPublicKey(privateKey) };
}

export function publicFromPrivate(privateKey: Uint8Array): Uint8Array {
  return x25519.getPublicKey(privateKey);
}

/** 33-byte wire form: 0x05 ‖ u. */
export function serializePublic(raw: Uint8Array): Uint8Array {
  return concat(new Uint8Array([DJB_TYPE]), raw);
}

export function deserializePublic(bytes: Uint8Array): Uint8Array {
  if (bytes.length !== 33 || bytes[0] !== DJB_TYPE) {
    throw new ProtocolError('invalid-key', 'not a serialized Curve25519 public key');
  }
  return bytes.slice(1);
}

export function agree(privateKey: Uint8Array, theirPublic: Uint8Array): Uint8Array {
  try {
    return x25519.getSharedSecret(privateKey, theirPublic);
  } catch {
    // Low-order points give an all-zero secret, which noble refuses.
    throw new ProtocolError('invalid-key', 'invalid Curve25519 public key');
  }
}

const Fn = ed25519.Point.Fn;
const Fp = ed25519.Point.Fp;
const Point = ed25519.Point;

function leToBigint(bytes: Uint8Array): bigint {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) {
    n = (n << 8n) | BigInt(bytes[i]!);
  }
  return n;
}

function bigintToLe(n: bigint, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

function clampScalar(privateKey: Uint8Array): bigint {
  const k = privateKey.slice();
  k[0]! &= 248;
  k[31]! &= 127;
  k[31]! |= 64;
  return leToBigint(k);
}

const reduce = (hash: Uint8Array): bigint => Fn.create(leToBigint(hash));

/** hash_1 prefix of the XEdDSA spec: 2^256 − 1 − 1 as 32 little-endian bytes. */
const HASH1_PREFIX = (() => {
  const p = new Uint8Array(32).fill(0xff);
  p[0] = 0xfe;
  return p;
})();

/**
 * XEdDSA sign as specified: the Edwards key is made to have sign bit 0 (negating the scalar when
 * needed), so the signature's top bit stays 0, which libsignal's verifier accepts.
 */
export function xeddsaSign(privateKey: Uint8Array, message: Uint8Array): Uint8Array {
  let a = Fn.create(clampScalar(privateKey));
  let A = Point.BASE.multiply(a);
  let Abytes = A.toBytes();
  if ((Abytes[31]! & 0x80) !== 0) {
    a = Fn.neg(a);
    A = A.negate();
    Abytes = A.toBytes();
  }
  const aBytes = bigintToLe(a, 32);
  const r = reduce(sha512(concat(HASH1_PREFIX, aBytes, message, randomBytes(64))));
  const R = Point.BASE.multiply(r).toBytes();
  const h = reduce(sha512(concat(R, Abytes, message)));
  const s = Fn.add(r, Fn.mul(h, a));
  return concat(R, bigintToLe(s, 32));
}

/**
 * XEdDSA verify, accepting libsignal's variant: the Edwards sign bit travels in the top bit of
 * the signature (always 0 for signatures made as specified).
 */
export function xeddsaVerify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) {
    return false;
  }
  const u = leToBigint(publicKey) & ((1n << 255n) - 1n);
  if (u >= Fp.ORDER) {
    return false;
  }
  if (Fp.eql(Fp.create(u + 1n), Fp.ZERO)) {
    return false;
  }
  // Birational map Montgomery u -> Edwards y = (u − 1)/(u + 1).
  const y = Fp.div(Fp.create(u - 1n), Fp.create(u + 1n));
  const Abytes = bigintToLe(y, 32);
  Abytes[31]! |= signature[63]! & 0x80;
  const sBytes = signature.slice(32);
  sBytes[31]! &= 0x7f;
  if ((sBytes[31]! & 0xe0) !== 0) {
    return false;
  }
  const s = leToBigint(sBytes);
  if (s >= Fn.ORDER) {
    return false;
  }
  let A;
  try {
    A = Point.fromBytes(Abytes);
  } catch {
    return false;
  }
  const h = reduce(sha512(concat(signature.slice(0, 32), Abytes, message)));
  // R' = sB − hA, compared by encoding like libsignal.
  const check = Point.BASE.multiplyUnsafe(s).subtract(A.multiplyUnsafe(h));
  return equalEncoding(check.toBytes(), signature.slice(0, 32));
}

function equalEncoding(a: Uint8Array, b: Uint8Array): boolean {
  let d = 0;
  for (let i = 0; i < 32; i++) {
    d |= a[i]! ^ b[i]!;
  }
  return d === 0;
}
