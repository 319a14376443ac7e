// Safety numbers as libsignal's NumericFingerprintGenerator: iterated SHA-512 over each party's
// identity key and stable identifier, 30 digits per party, sorted; plus the scannable form (the
// CombinedFingerprints protobuf shown as a QR code) compared crosswise in constant time.
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, fromBase64, ProtocolError, utf8 } from './bytes.ts';
import { decode, encode } from './proto.ts';

/** Signal's iteration count. */
export const FINGERPRINT_ITERATIONS = 5200;
/** Version of the numeric fingerprint hash (the 0x0000 prefix). */
const FINGERPRINT_HASH_VERSION = 0;
/** Version written into the scannable form (libsignal's published vector uses 1). */
export const SCANNABLE_VERSION = 1;

export interface SafetyNumberParty {
  /** Stable identifier of the user (e.g. user id), UTF-8 encoded into the hash. */
  id: string;
  /** 33-byte serialized identity key, base64 or bytes. */
  identityKey: string | Uint8Array;
}

export interface SafetyNumber {
  /** 60 digits. */
  digits: string;
  /** The 60 digits in 12 groups of five, space separated. */
  display: string;
  /** Bytes to put in the QR code. */
  scannable: Uint8Array;
}

const keyBytes = (k: string | Uint8Array) => (typeof k === 'string' ? fromBase64(k) : k);

function fingerprintHash(iterations: number, id: string, key: Uint8Array): Uint8Array {
  if (iterations < 2 || iterations > 1_000_000) {
    throw new RangeError('iterations out of range');
  }
  let hash = sha512(concat(new Uint8Array([0, FINGERPRINT_HASH_VERSION]), key, utf8(id), key));
  for (let i = 1; i < iterations; i++) {
    hash = sha512(concat(hash, key));
  }
  return hash;
}

function digits30(hash: Uint8Array): string {
  let out = '';
  for (let chunk = 0; chunk < 6; chunk++) {
    let n = 0;
    for (let i = 0; i < 5; i++) {
      n = n * 256 + hash[chunk * 5 + i]!;
    }
    out += String(n % 100000).padStart(5, '0');
  }
  return out;
}

function scannableBytes(version: number, local: Uint8Array, remote: Uint8Array): Uint8Array {
  return encode([
    { n: 1, v: version },
    { n: 2, b: encode([{ n: 1, b: local.slice(0, 32) }]) },
    { n: 3, b: encode([{ n: 1, b: remote.slice(0, 32) }]) },
  ]);
}

/** The safety number between me (`local`) and them (`remote`); both sides get the same digits. */
export function safetyNumber(
  local: SafetyNumberParty,
  remote: SafetyNumberParty,
  iterations = FINGERPRINT_ITERATIONS,
  scannableVersion = SCANNABLE_VERSION,
): SafetyNumber {
  const localHash = fingerprintHash(iterations, local.id, keyBytes(local.identityKey));
  const remoteHash = fingerprintHash(iterations, remote.id, keyBytes(remote.identityKey));
  const [a, b] = [digits30(localHash), digits30(remoteHash)].sort();
  const digits = a! + b!;
  return {
    digits,
    display: digits.match(/.{5}/g)!.join(' '),
    scannable: scannableBytes(scannableVersion, localHash, remoteHash),
  };
}

/**
 * Compares my scannable fingerprint with the one scanned from their screen: their local must be
 * my remote and the other way round. A different version is an error, not a mismatch.
 */
export function compareScannable(mine: Uint8Array, scanned: Uint8Array): boolean {
  const parse = (bytes: Uint8Array) => {
    const p = decode(bytes);
    const local = p.bytes(2);
    const remote = p.bytes(3);
    const version = p.uint(1);
    if (version === undefined || !local || !remote) {
      throw new ProtocolError('invalid-message', 'not a scannable fingerprint');
    }
    return { version, local: decode(local).bytes(1) ?? new Uint8Array(), remote: decode(remote).bytes(1) ?? new Uint8Array() };
  };
  const m = parse(mine);
  const t = parse(scanned);
  if (m.version !== t.version) {
    throw new ProtocolError('invalid-message', `fingerprint version ${t.version} differs from ${m.version}`);
  }
  // Both comparisons always run: no early exit on the first mismatch.
  const a = equalBytes(m.local, t.remote);
  const b = equalBytes(m.remote, t.local);
  return a && b;
}
