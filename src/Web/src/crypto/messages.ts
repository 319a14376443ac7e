// libsignal's wire messages: SignalMessage and PreKeySignalMessage (wire.proto), each prefixed by
// a version byte (message version << 4 | current version); a SignalMessage ends with an 8-byte
// truncated HMAC-SHA256 over sender identity ‖ receiver identity ‖ the message before the MAC.
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, ProtocolError } from './bytes.ts';
import { decode, encode, type Field } from './proto.ts';

/** Message version of PQXDH sessions; libsignal 0.103's current version. */
export const CURRENT_VERSION = 4;
const MAC_LENGTH = 8;

export interface SignalMessage {
  version: number;
  /** 33-byte serialized ratchet public key. */
  ratchetKey: Uint8Array;
  counter: number;
  previousCounter: number;
  ciphertext: Uint8Array;
  /** Sparse post-quantum ratchet payload from libsignal peers; carried, never required. */
  pqRatchet: Uint8Array | undefined;
  /** The whole serialized message, MAC included. */
  serialized: Uint8Array;
}

export function serializeSignalMessage(
  m: Omit<SignalMessage, 'serialized' | 'pqRatchet'>,
  macKey: Uint8Array,
  senderIdentity: Uint8Array,
  receiverIdentity: Uint8Array,
): Uint8Array {
  const body = concat(
    new Uint8Array([(m.version << 4) | CURRENT_VERSION]),
    encode([
      { n: 1, b: m.ratchetKey },
      { n: 2, v: m.counter },
      { n: 3, v: m.previousCounter },
      { n: 4, b: m.ciphertext },
    ]),
  );
  return concat(body, mac(macKey, senderIdentity, receiverIdentity, body));
}

function mac(macKey: Uint8Array, sender: Uint8Array, receiver: Uint8Array, body: Uint8Array): Uint8Array {
  return hmac(sha256, macKey, concat(sender, receiver, body)).slice(0, MAC_LENGTH);
}

export function verifyMac(
  m: SignalMessage,
  macKey: Uint8Array,
  senderIdentity: Uint8Array,
  receiverIdentity: Uint8Array,
): boolean {
  const body = m.serialized.subarray(0, m.serialized.length - MAC_LENGTH);
  const theirs = m.serialized.subarray(m.serialized.length - MAC_LENGTH);
  return equalBytes(mac(macKey, senderIdentity, receiverIdentity, body), theirs);
}

function checkVersion(byte: number): number {
  const version = byte >> 4;
  if (version < 3) {
    throw new ProtocolError('legacy-message', `message version ${version} is no longer supported`);
  }
  if (version > CURRENT_VERSION) {
    throw new ProtocolError('invalid-message', `unknown message version ${version}`);
  }
  return version;
}

export function parseSignalMessage(serialized: Uint8Array): SignalMessage {
  if (serialized.length < 1 + MAC_LENGTH) {
    throw new ProtocolError('invalid-message', 'message too short');
  }
  const version = checkVersion(serialized[0]!);
  const p = decode(serialized.subarray(1, serialized.length - MAC_LENGTH));
  const ratchetKey = p.bytes(1);
  const counter = p.uint(2);
  const ciphertext = p.bytes(4);
  if (!ratchetKey || counter === undefined || !ciphertext) {
    throw new ProtocolError('invalid-message', 'incomplete SignalMessage');
  }
  if (counter > 0xffffffff) {
    throw new ProtocolError('invalid-message', 'counter out of range');
  }
  return {
    version,
    ratchetKey,
    counter,
    previousCounter: p.uint(3) ?? 0,
    ciphertext,
    pqRatchet: p.bytes(5),
    serialized: serialized.slice(),
  };
}

export interface PreKeySignalMessage {
  version: number;
  registrationId: number;
  preKeyId: number | undefined;
  signedPreKeyId: number;
  kyberPreKeyId: number | undefined;
  kyberCiphertext: Uint8Array | undefined;
  /** 33-byte serialized base (ephemeral) key. */
  baseKey: Uint8Array;
  /** 33-byte serialized identity key of the sender. */
  identityKey: Uint8Array;
  message: SignalMessage;
}

export function serializePreKeyMessage(m: Omit<PreKeySignalMessage, 'message'> & { message: Uint8Array }): Uint8Array {
  const fields: Field[] = [];
  if (m.preKeyId !== undefined) {
    fields.push({ n: 1, v: m.preKeyId });
  }
  fields.push({ n: 2, b: m.baseKey }, { n: 3, b: m.identityKey }, { n: 4, b: m.message });
  fields.push({ n: 5, v: m.registrationId }, { n: 6, v: m.signedPreKeyId });
  if (m.kyberPreKeyId !== undefined && m.kyberCiphertext) {
    fields.push({ n: 7, v: m.kyberPreKeyId }, { n: 8, b: m.kyberCiphertext });
  }
  return concat(new Uint8Array([(m.version << 4) | CURRENT_VERSION]), encode(fields));
}

export function parsePreKeyMessage(serialized: Uint8Array): PreKeySignalMessage {
  if (serialized.length < 2) {
    throw new ProtocolError('invalid-message', 'message too short');
  }
  const version = checkVersion(serialized[0]!);
  const p = decode(serialized.subarray(1));
  const baseKey = p.bytes(2);
  const identityKey = p.bytes(3);
  const message = p.bytes(4);
  const signedPreKeyId = p.uint(6);
  if (!baseKey || !identityKey || !message || signedPreKeyId === undefined) {
    throw new ProtocolError('invalid-message', 'incomplete PreKeySignalMessage');
  }
  return {
    version,
    registrationId: p.uint(5) ?? 0,
    preKeyId: p.uint(1),
    signedPreKeyId,
    kyberPreKeyId: p.uint(7),
    kyberCiphertext: p.bytes(8),
    baseKey,
    identityKey,
    message: parseSignalMessage(message),
  };
}
