import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backupCodesText, base32, groupSecret, newTotpSecret, normalizeCode, otpauthUri } from '../../src/lib/totp.ts';

const ascii = (s: string) => new TextEncoder().encode(s);

test('totp: base32 is RFC 4648\'s, without padding', () => {
  // RFC 4648 section 10's vectors, padding removed.
  assert.equal(base32(ascii('')), '');
  assert.equal(base32(ascii('f')), 'MY');
  assert.equal(base32(ascii('fo')), 'MZXQ');
  assert.equal(base32(ascii('foo')), 'MZXW6');
  assert.equal(base32(ascii('foob')), 'MZXW6YQ');
  assert.equal(base32(ascii('fooba')), 'MZXW6YTB');
  assert.equal(base32(ascii('foobar')), 'MZXW6YTBOI');
  // RFC 6238's test secret, as apps show it.
  assert.equal(base32(ascii('12345678901234567890')), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
});

test('totp: a new secret is 160 random bits', () => {
  const secret = newTotpSecret((b) => b.fill(255));
  assert.equal(secret, '7'.repeat(32));
  assert.match(newTotpSecret(), /^[A-Z2-7]{32}$/);
  assert.notEqual(newTotpSecret(), newTotpSecret());
});

test('totp: the key-uri names the issuer and the account, escaped', () => {
  const uri = otpauthUri('GEZDGNBV', 'ana b');
  assert.equal(uri, 'otpauth://totp/LesCopains:ana%20b?secret=GEZDGNBV&issuer=LesCopains&algorithm=SHA1&digits=6&period=30');
});

test('totp: codes are cleaned as the server reads them', () => {
  assert.equal(normalizeCode(' 123 456 '), '123456');
  assert.equal(normalizeCode('ABCD EFGH'), 'abcd-efgh');
  assert.equal(normalizeCode('abcd-efgh'), 'abcd-efgh');
  assert.equal(normalizeCode('12345'), '12345');
  assert.equal(groupSecret('GEZDGNBVGY3T'), 'GEZD GNBV GY3T');
  assert.equal(groupSecret('GEZDG'), 'GEZD G');
});

test('totp: the backup codes file lists every code once', () => {
  const text = backupCodesText(['aaaa-bbbb', 'cccc-dddd'], 'ana', 'https://chat.example');
  assert.match(text, /for ana \(https:\/\/chat\.example\)/);
  assert.equal(text.split('\n').filter((l) => l.startsWith('* ')).length, 2);
});
