// Attachments are encrypted once with a fresh AES-256-GCM key; the key, nonce and digest travel
// inside the Signal message, the ciphertext goes to ordinary storage.
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes, fromBase64, ProtocolError, randomBytes, toBase64 } from './bytes.ts';
import type { AttachmentKey } from './types.ts';

const buf = (b: Uint8Array): ArrayBuffer => b.slice().buffer as ArrayBuffer;

export async function encryptAttachment(plaintext: Uint8Array): Promise<{ ciphertext: Uint8Array; key: AttachmentKey }> {
  const raw = randomBytes(32);
  const iv = randomBytes(12);
  const key = await crypto.subtle.importKey('raw', buf(raw), 'AES-GCM', false, ['encrypt']);
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: buf(iv) }, key, buf(plaintext)));
  return { ciphertext, key: { key: toBase64(raw), iv: toBase64(iv), digest: toBase64(sha256(ciphertext)) } };
}

/** Throws if the blob is not the one the key was made for or was modified. */
export async function decryptAttachment(ciphertext: Uint8Array, key: AttachmentKey): Promise<Uint8Array> {
  if (!equalBytes(sha256(ciphertext), fromBase64(key.digest))) {
    throw new ProtocolError('invalid-mac', 'attachment digest mismatch');
  }
  const k = await crypto.subtle.importKey('raw', buf(fromBase64(key.key)), 'AES-GCM', false, ['decrypt']);
  try {
    return new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: buf(fromBase64(key.iv)) }, k, buf(ciphertext)));
  } catch {
    throw new ProtocolError('invalid-mac', 'attachment authentication failed');
  }
}
