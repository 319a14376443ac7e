/**
 * Two-factor authentication with an authenticator app (docs/API.md, "Password and two-factor
 * authentication"): the secret is made here, shown as a QR code and as text, and sent to the
 * server once with the app's first code.
 */

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as authenticator apps take it. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) {
    out += ALPHABET[(value << (5 - bits)) & 31];
  }
  return out;
}

/** A fresh 160-bit secret (RFC 4226's recommended length), base32. */
export function newTotpSecret(random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): string {
  return base32(random(new Uint8Array(20)));
}

/** The key-uri an authenticator app scans: `otpauth://totp/LesCopains:name?secret=…&issuer=LesCopains`. */
export function otpauthUri(secret: string, account: string, issuer = 'LesCopains'): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({ secret, issuer, algorithm: 'SHA1', digits: '6', period: '30' });
  return `otpauth://totp/${label}?${query.toString()}`;
}

/** "JBSW Y3DP EHPK …": the secret in groups of four, for typing into an app by hand. */
export function groupSecret(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

/** What a person typed into a code box, as the server takes it: "123 456" → "123456", "ABCD EFGH" → "abcd-efgh". */
export function normalizeCode(raw: string): string {
  const compact = raw.replace(/[\s-]/g, '');
  if (/^\d{6}$/.test(compact)) {
    return compact;
  }
  return compact.length === 8 ? `${compact.slice(0, 4)}-${compact.slice(4)}`.toLowerCase() : raw.trim();
}

/** A file of backup codes to save, one per line, with what they are for. */
export function backupCodesText(codes: readonly string[], username: string, origin: string): string {
  return [
    `LesCopains backup codes for ${username} (${origin})`,
    'Each code signs you in once when you cannot use your authenticator app.',
    '',
    ...codes.map((c) => `* ${c}`),
    '',
  ].join('\n');
}
