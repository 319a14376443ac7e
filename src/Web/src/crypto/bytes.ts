// Small byte helpers shared by the protocol code.

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Constant-time for equal lengths; different lengths are never equal. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) {
    return false;
  }
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    diff |= a[i]! ^ b[i]!;
  }
  return diff === 0;
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    out[i] = s.charCodeAt(i);
  }
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

export function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  crypto.getRandomValues(out);
  return out;
}

/** Thrown for anything a peer or the network can cause: bad MAC, bad format, replay, limits. */
export class ProtocolError extends Error {
  constructor(
    readonly code:
      | 'invalid-message'
      | 'invalid-mac'
      | 'duplicate-message'
      | 'too-far-ahead'
      | 'no-session'
      | 'invalid-key'
      | 'invalid-signature'
      | 'untrusted-identity'
      | 'missing-prekey'
      | 'legacy-message',
    message: string,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
