/**
 * Frame encryption for voice and screen share, after SFrame (RFC 9605): every encoded frame is
 *
 *   [codec bytes in clear][SFrame header: config byte, key id, counter][AES-GCM ciphertext + tag]
 *
 * The leading codec bytes stay readable because the SFU and the receiver's depacketiser look at
 * them (VP8 payload header, Opus TOC byte); they and the header are authenticated as AAD, so a
 * tampered frame fails to decrypt and is dropped. The nonce is the per-key salt XOR the counter,
 * as in RFC 9605 §4.4.3, so a (key, counter) pair is never reused as long as the sender never
 * repeats a counter under one key (it counts up from 0 and a new key starts again at 0).
 *
 * Pure and dependency-free: runs in the transform worker, the page and node (unit tests).
 */

export const NONCE_LENGTH = 12;
export const TAG_LENGTH = 16;
/** Counters are at most 8 bytes; key ids too. */
const MAX_FIELD = 8;

export interface SFrameHeader {
  kid: bigint;
  ctr: bigint;
}

function minimalBytes(v: bigint): number {
  let n = 1;
  while (v >> BigInt(8 * n) !== 0n) {
    n++;
  }
  return n;
}

function writeBigEndian(out: Uint8Array, offset: number, v: bigint, len: number): void {
  for (let i = len - 1; i >= 0; i--) {
    out[offset + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

function readBigEndian(buf: Uint8Array, offset: number, len: number): bigint {
  let v = 0n;
  for (let i = 0; i < len; i++) {
    v = (v << 8n) | BigInt(buf[offset + i]!);
  }
  return v;
}

/**
 * Encodes an SFrame header (RFC 9605 §4.3): config byte `X KKK Y CCC`; a value below 8 is
 * stored in the three bits, a larger one in 1–8 following bytes (the bits then hold length − 1).
 */
export function encodeHeader({ kid, ctr }: SFrameHeader): Uint8Array {
  if (kid < 0n || ctr < 0n || kid >> 64n !== 0n || ctr >> 64n !== 0n) {
    throw new RangeError('SFrame key id and counter must fit in 64 unsigned bits');
  }
  const kidLen = kid < 8n ? 0 : minimalBytes(kid);
  const ctrLen = ctr < 8n ? 0 : minimalBytes(ctr);
  const out = new Uint8Array(1 + kidLen + ctrLen);
  let config = 0;
  config |= kidLen === 0 ? Number(kid) << 4 : 0x80 | ((kidLen - 1) << 4);
  config |= ctrLen === 0 ? Number(ctr) : 0x08 | (ctrLen - 1);
  out[0] = config;
  if (kidLen > 0) {
    writeBigEndian(out, 1, kid, kidLen);
  }
  if (ctrLen > 0) {
    writeBigEndian(out, 1 + kidLen, ctr, ctrLen);
  }
  return out;
}

/** Decodes the header at `offset`; returns null when the buffer is too short for it. */
export function decodeHeader(buf: Uint8Array, offset = 0): (SFrameHeader & { length: number }) | null {
  if (buf.length <= offset) {
    return null;
  }
  const config = buf[offset]!;
  const kidLen = config & 0x80 ? ((config >> 4) & 0x07) + 1 : 0;
  const ctrLen = config & 0x08 ? (config & 0x07) + 1 : 0;
  const length = 1 + kidLen + ctrLen;
  if (kidLen > MAX_FIELD || ctrLen > MAX_FIELD || buf.length < offset + length) {
    return null;
  }
  const kid = kidLen === 0 ? BigInt((config >> 4) & 0x07) : readBigEndian(buf, offset + 1, kidLen);
  const ctr = ctrLen === 0 ? BigInt(config & 0x07) : readBigEndian(buf, offset + 1 + kidLen, ctrLen);
  return { kid, ctr, length };
}

/** RFC 9605 §4.4.3: nonce = salt XOR counter (counter big-endian, right-aligned in 12 bytes). */
export function deriveNonce(salt: Uint8Array, ctr: bigint): Uint8Array {
  if (salt.length !== NONCE_LENGTH) {
    throw new RangeError(`salt must be ${NONCE_LENGTH} bytes`);
  }
  const nonce = new Uint8Array(salt);
  for (let i = NONCE_LENGTH - 1; i >= NONCE_LENGTH - 8; i--) {
    nonce[i]! ^= Number(ctr & 0xffn);
    ctr >>= 8n;
  }
  return nonce;
}

export type MediaKind = 'audio' | 'video';

/**
 * How many leading bytes of an encoded frame stay in clear, so that the SFU and depacketisers cope:
 * Opus 1 (the TOC byte), VP8 10 on a key frame (payload header + start code + dimensions) and
 * 3 on a delta frame. A VP8 key frame is recognised from the bitstream itself (bit 0 of the first
 * byte is 0), so sender and receiver agree without relying on frame metadata.
 */
export function clearByteCount(kind: MediaKind, frame: Uint8Array): number {
  if (frame.length === 0) {
    return 0;
  }
  if (kind === 'audio') {
    return 1;
  }
  const keyFrame = (frame[0]! & 0x01) === 0;
  return Math.min(frame.length, keyFrame ? 10 : 3);
}

/** Splits a frame into the clear codec bytes and the part to encrypt. */
export function splitFrame(kind: MediaKind, frame: Uint8Array): { clear: Uint8Array; payload: Uint8Array } {
  const n = clearByteCount(kind, frame);
  return { clear: frame.subarray(0, n), payload: frame.subarray(n) };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A sender's media key expanded for use: the AES-GCM key and the nonce salt. */
export interface FrameKey {
  kid: bigint;
  key: CryptoKey;
  salt: Uint8Array;
}

const encoder = new TextEncoder();

/**
 * Expands a 32-byte base key into the AES-128-GCM key and salt for key id `kid` with HKDF-SHA256
 * (RFC 9605 §4.4.2 derivation: the key id is part of the info, so one base key never yields the
 * same key/salt under two ids).
 */
export async function deriveFrameKey(subtle: SubtleCrypto, baseKey: Uint8Array, kid: bigint): Promise<FrameKey> {
  if (baseKey.length !== 32) {
    throw new RangeError('a media base key is 32 bytes');
  }
  const ikm = await subtle.importKey('raw', baseKey as BufferSource, 'HKDF', false, ['deriveBits']);
  const kidBytes = new Uint8Array(8);
  writeBigEndian(kidBytes, 0, kid, 8);
  const salt = new Uint8Array(0);
  const keyBits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt, info: concat(encoder.encode('LesCopains SFrame 1.0 key'), kidBytes) as BufferSource },
    ikm,
    128,
  );
  const saltBits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt, info: concat(encoder.encode('LesCopains SFrame 1.0 salt'), kidBytes) as BufferSource },
    ikm,
    NONCE_LENGTH * 8,
  );
  const key = await subtle.importKey('raw', keyBits, { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  return { kid, key, salt: new Uint8Array(saltBits) };
}

/** Encrypts one encoded frame with counter `ctr`; returns the wire form. */
export async function encryptFrame(
  subtle: SubtleCrypto,
  kind: MediaKind,
  k: FrameKey,
  ctr: bigint,
  frame: Uint8Array,
): Promise<Uint8Array> {
  const { clear, payload } = splitFrame(kind, frame);
  const header = encodeHeader({ kid: k.kid, ctr });
  const aad = concat(clear, header);
  const sealed = await subtle.encrypt(
    { name: 'AES-GCM', iv: deriveNonce(k.salt, ctr) as BufferSource, additionalData: aad as BufferSource, tagLength: TAG_LENGTH * 8 },
    k.key,
    payload as BufferSource,
  );
  return concat(aad, new Uint8Array(sealed));
}

/** Reads the key id of a wire frame (to pick the key) without decrypting it. */
export function peekHeader(kind: MediaKind, wire: Uint8Array): (SFrameHeader & { clearLength: number; length: number }) | null {
  const clearLength = clearByteCount(kind, wire);
  const h = decodeHeader(wire, clearLength);
  if (!h || wire.length < clearLength + h.length + TAG_LENGTH) {
    return null;
  }
  return { ...h, clearLength };
}

/**
 * Decrypts a wire frame with `k`; returns null when it is malformed, uses another key id or fails
 * authentication — the caller must then drop the frame, never play it.
 */
export async function decryptFrame(subtle: SubtleCrypto, kind: MediaKind, k: FrameKey, wire: Uint8Array): Promise<Uint8Array | null> {
  const h = peekHeader(kind, wire);
  if (!h || h.kid !== k.kid) {
    return null;
  }
  const aadLength = h.clearLength + h.length;
  try {
    const plain = await subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: deriveNonce(k.salt, h.ctr) as BufferSource,
        additionalData: wire.subarray(0, aadLength) as BufferSource,
        tagLength: TAG_LENGTH * 8,
      },
      k.key,
      wire.subarray(aadLength) as BufferSource,
    );
    return concat(wire.subarray(0, h.clearLength), new Uint8Array(plain));
  } catch {
    return null;
  }
}
