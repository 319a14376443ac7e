// Session state and the Double Ratchet (https://signal.org/docs/specifications/doubleratchet/),
// with PQXDH session set-up (https://signal.org/docs/specifications/pqxdh/), in libsignal's key
// schedule so both ends interoperate. Everything here is synchronous and works on copies: a
// message that fails (bad MAC, replay, limits) leaves the caller's state untouched.
import { cbc } from '@noble/ciphers/aes.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, ProtocolError, utf8 } from './bytes.ts';
import { agree, deserializePublic, generateKeyPair, serializePublic, type KeyPair } from './curve.ts';
import {
  CURRENT_VERSION,
  parseSignalMessage,
  serializePreKeyMessage,
  serializeSignalMessage,
  verifyMac,
  type SignalMessage,
} from './messages.ts';

/** Skipped message keys kept per receiving chain (libsignal MAX_MESSAGE_KEYS). */
export const MAX_MESSAGE_KEYS = 2000;
/** Largest accepted jump ahead in one chain (libsignal MAX_FORWARD_JUMPS). */
export const MAX_FORWARD_JUMPS = 25_000;
/** Receiving chains kept per session state (libsignal MAX_RECEIVER_CHAINS). */
export const MAX_RECEIVER_CHAINS = 5;
/** Older session states kept per device (libsignal ARCHIVED_STATES_MAX_LENGTH). */
export const MAX_ARCHIVED_STATES = 40;
/** An unacknowledged outgoing session is dropped after this long (libsignal). */
export const MAX_UNACKNOWLEDGED_SESSION_AGE_MS = 30 * 24 * 3600 * 1000;

const INFO_PQXDH = utf8('WhisperText_X25519_SHA-256_CRYSTALS-KYBER-1024');
const INFO_RATCHET = utf8('WhisperRatchet');
const INFO_MESSAGE_KEYS = utf8('WhisperMessageKeys');

interface ReceiverChain {
  /** Their ratchet public key, 32 raw bytes. */
  ratchetKey: Uint8Array;
  chainKey: Uint8Array;
  index: number;
  /** Skipped message-key seeds, oldest first. */
  skipped: { index: number; seed: Uint8Array }[];
}

export interface PendingPreKey {
  preKeyId: number | undefined;
  signedPreKeyId: number;
  kyberPreKeyId: number;
  kyberCiphertext: Uint8Array;
  /** 33-byte serialized base key. */
  baseKey: Uint8Array;
  createdAt: number;
}

export interface SessionState {
  version: number;
  /** 33-byte serialized identity keys. */
  localIdentity: Uint8Array;
  remoteIdentity: Uint8Array;
  localRegistrationId: number;
  remoteRegistrationId: number;
  rootKey: Uint8Array;
  sender: { keyPair: KeyPair; chainKey: Uint8Array; index: number };
  receivers: ReceiverChain[];
  previousCounter: number;
  /** Alice's base key (33 bytes): identifies the session a repeated PreKeySignalMessage belongs to. */
  aliceBaseKey: Uint8Array;
  pending: PendingPreKey | undefined;
}

/** One remote device: the current session and older ones still able to decrypt late messages. */
export interface SessionRecord {
  current: SessionState | undefined;
  previous: SessionState[];
}

export const emptyRecord = (): SessionRecord => ({ current: undefined, previous: [] });

export function promote(record: SessionRecord, state: SessionState): SessionRecord {
  const previous = record.current ? [record.current, ...record.previous] : [...record.previous];
  return { current: state, previous: previous.slice(0, MAX_ARCHIVED_STATES) };
}

// --- key schedule ------------------------------------------------------------------------------

function deriveInitial(secret: Uint8Array): { rootKey: Uint8Array; chainKey: Uint8Array } {
  // 96 bytes as libsignal: root key, chain key, and the post-quantum ratchet's auth key (unused:
  // the sparse PQ ratchet is not spoken here, see docs/e2ee.md).
  const out = hkdf(sha256, secret, undefined, INFO_PQXDH, 96);
  return { rootKey: out.slice(0, 32), chainKey: out.slice(32, 64) };
}

function createChain(rootKey: Uint8Array, theirRatchet: Uint8Array, ourPrivate: Uint8Array) {
  const out = hkdf(sha256, agree(ourPrivate, theirRatchet), rootKey, INFO_RATCHET, 64);
  return { rootKey: out.slice(0, 32), chainKey: out.slice(32, 64) };
}

const messageSeed = (chainKey: Uint8Array) => hmac(sha256, chainKey, new Uint8Array([1]));
const nextChainKey = (chainKey: Uint8Array) => hmac(sha256, chainKey, new Uint8Array([2]));

function messageKeys(seed: Uint8Array) {
  const out = hkdf(sha256, seed, undefined, INFO_MESSAGE_KEYS, 80);
  return { cipherKey: out.slice(0, 32), macKey: out.slice(32, 64), iv: out.slice(64, 80) };
}

// --- session set-up ----------------------------------------------------------------------------

export interface AliceParams {
  identity: KeyPair;
  localRegistrationId: number;
  remoteRegistrationId: number;
  /** Raw 32-byte keys from the verified bundle. */
  theirIdentity: Uint8Array;
  theirSignedPreKey: Uint8Array;
  theirSignedPreKeyId: number;
  theirOneTimePreKey: { id: number; key: Uint8Array } | undefined;
  kyber: { id: number; sharedSecret: Uint8Array; ciphertext: Uint8Array };
  now: number;
}

export function initializeAlice(p: AliceParams): SessionState {
  const base = generateKeyPair();
  const parts = [
    new Uint8Array(32).fill(0xff),
    agree(p.identity.privateKey, p.theirSignedPreKey),
    agree(base.privateKey, p.theirIdentity),
    agree(base.privateKey, p.theirSignedPreKey),
  ];
  if (p.theirOneTimePreKey) {
    parts.push(agree(base.privateKey, p.theirOneTimePreKey.key));
  }
  parts.push(p.kyber.sharedSecret);
  const { rootKey, chainKey } = deriveInitial(concat(...parts));
  const sending = generateKeyPair();
  const sendChain = createChain(rootKey, p.theirSignedPreKey, sending.privateKey);
  const baseKey = serializePublic(base.publicKey);
  return {
    version: CURRENT_VERSION,
    localIdentity: serializePublic(p.identity.publicKey),
    remoteIdentity: serializePublic(p.theirIdentity),
    localRegistrationId: p.localRegistrationId,
    remoteRegistrationId: p.remoteRegistrationId,
    rootKey: sendChain.rootKey,
    sender: { keyPair: sending, chainKey: sendChain.chainKey, index: 0 },
    receivers: [{ ratchetKey: p.theirSignedPreKey, chainKey, index: 0, skipped: [] }],
    previousCounter: 0,
    aliceBaseKey: baseKey,
    pending: {
      preKeyId: p.theirOneTimePreKey?.id,
      signedPreKeyId: p.theirSignedPreKeyId,
      kyberPreKeyId: p.kyber.id,
      kyberCiphertext: p.kyber.ciphertext,
      baseKey,
      createdAt: p.now,
    },
  };
}

export interface BobParams {
  identity: KeyPair;
  signedPreKey: KeyPair;
  oneTimePreKey: KeyPair | undefined;
  kyberSharedSecret: Uint8Array;
  localRegistrationId: number;
  remoteRegistrationId: number;
  /** 33-byte serialized keys from the PreKeySignalMessage. */
  theirIdentity: Uint8Array;
  theirBaseKey: Uint8Array;
}

export function initializeBob(p: BobParams): SessionState {
  const theirIdentity = deserializePublic(p.theirIdentity);
  const theirBase = deserializePublic(p.theirBaseKey);
  const parts = [
    new Uint8Array(32).fill(0xff),
    agree(p.signedPreKey.privateKey, theirIdentity),
    agree(p.identity.privateKey, theirBase),
    agree(p.signedPreKey.privateKey, theirBase),
  ];
  if (p.oneTimePreKey) {
    parts.push(agree(p.oneTimePreKey.privateKey, theirBase));
  }
  parts.push(p.kyberSharedSecret);
  const { rootKey, chainKey } = deriveInitial(concat(...parts));
  return {
    version: CURRENT_VERSION,
    localIdentity: serializePublic(p.identity.publicKey),
    remoteIdentity: p.theirIdentity.slice(),
    localRegistrationId: p.localRegistrationId,
    remoteRegistrationId: p.remoteRegistrationId,
    rootKey,
    sender: { keyPair: p.signedPreKey, chainKey, index: 0 },
    receivers: [],
    previousCounter: 0,
    aliceBaseKey: p.theirBaseKey.slice(),
    pending: undefined,
  };
}

// --- encrypt -----------------------------------------------------------------------------------

export interface Encrypted {
  type: 'prekey' | 'message';
  body: Uint8Array;
}

/** Encrypts with the current state; returns the new state (the input is not modified). */
export function encryptWithState(input: SessionState, plaintext: Uint8Array): { state: SessionState; out: Encrypted } {
  const state = structuredClone(input);
  const seed = messageSeed(state.sender.chainKey);
  const keys = messageKeys(seed);
  const ciphertext = cbc(keys.cipherKey, keys.iv).encrypt(plaintext);
  const message = serializeSignalMessage(
    {
      version: state.version,
      ratchetKey: serializePublic(state.sender.keyPair.publicKey),
      counter: state.sender.index,
      previousCounter: state.previousCounter,
      ciphertext,
    },
    keys.macKey,
    state.localIdentity,
    state.remoteIdentity,
  );
  state.sender = { ...state.sender, chainKey: nextChainKey(state.sender.chainKey), index: state.sender.index + 1 };
  if (!state.pending) {
    return { state, out: { type: 'message', body: message } };
  }
  const pm = state.pending;
  const body = serializePreKeyMessage({
    version: state.version,
    registrationId: state.localRegistrationId,
    preKeyId: pm.preKeyId,
    signedPreKeyId: pm.signedPreKeyId,
    kyberPreKeyId: pm.kyberPreKeyId,
    kyberCiphertext: pm.kyberCiphertext,
    baseKey: pm.baseKey,
    identityKey: state.localIdentity,
    message,
  });
  return { state, out: { type: 'prekey', body } };
}

// --- decrypt -----------------------------------------------------------------------------------

/** Decrypts with one state; throws without touching it, or returns the advanced copy. */
export function decryptWithState(input: SessionState, message: SignalMessage): { state: SessionState; plaintext: Uint8Array } {
  if (message.version !== input.version) {
    throw new ProtocolError('invalid-message', 'message version does not match the session');
  }
  const state = structuredClone(input);
  const theirRatchet = deserializePublic(message.ratchetKey);
  let chain = state.receivers.find((c) => equalBytes(c.ratchetKey, theirRatchet));
  if (!chain) {
    // A new ratchet key from them: DH ratchet step.
    const recv = createChain(state.rootKey, theirRatchet, state.sender.keyPair.privateKey);
    const ours = generateKeyPair();
    const send = createChain(recv.rootKey, theirRatchet, ours.privateKey);
    state.rootKey = send.rootKey;
    chain = { ratchetKey: theirRatchet, chainKey: recv.chainKey, index: 0, skipped: [] };
    state.receivers.push(chain);
    if (state.receivers.length > MAX_RECEIVER_CHAINS) {
      state.receivers.shift();
    }
    state.previousCounter = Math.max(state.sender.index - 1, 0);
    state.sender = { keyPair: ours, chainKey: send.chainKey, index: 0 };
  }
  const seed = takeMessageSeed(chain, message.counter);
  const keys = messageKeys(seed);
  if (!verifyMac(message, keys.macKey, state.remoteIdentity, state.localIdentity)) {
    throw new ProtocolError('invalid-mac', 'message authentication failed');
  }
  let plaintext: Uint8Array;
  try {
    plaintext = cbc(keys.cipherKey, keys.iv).decrypt(message.ciphertext);
  } catch {
    throw new ProtocolError('invalid-message', 'bad ciphertext');
  }
  state.pending = undefined;
  return { state, plaintext };
}

function takeMessageSeed(chain: ReceiverChain, counter: number): Uint8Array {
  if (counter < chain.index) {
    const at = chain.skipped.findIndex((k) => k.index === counter);
    if (at < 0) {
      throw new ProtocolError('duplicate-message', `message ${counter} already received`);
    }
    const [k] = chain.skipped.splice(at, 1);
    return k!.seed;
  }
  if (counter - chain.index > MAX_FORWARD_JUMPS) {
    throw new ProtocolError('too-far-ahead', `message ${counter} is too far ahead of ${chain.index}`);
  }
  let ck = chain.chainKey;
  for (let i = chain.index; i < counter; i++) {
    chain.skipped.push({ index: i, seed: messageSeed(ck) });
    if (chain.skipped.length > MAX_MESSAGE_KEYS) {
      chain.skipped.shift();
    }
    ck = nextChainKey(ck);
  }
  chain.chainKey = nextChainKey(ck);
  chain.index = counter + 1;
  return messageSeed(ck);
}

/**
 * Decrypts a SignalMessage with a record: the current state first, then archived ones (a late
 * message from before a session reset). The state that decrypts becomes current.
 */
export function decryptWithRecord(record: SessionRecord, serialized: Uint8Array): { record: SessionRecord; plaintext: Uint8Array } {
  const message = parseSignalMessage(serialized);
  const states = record.current ? [record.current, ...record.previous] : [...record.previous];
  if (states.length === 0) {
    throw new ProtocolError('no-session', 'no session with this device');
  }
  let firstError: unknown;
  for (let i = 0; i < states.length; i++) {
    try {
      const { state, plaintext } = decryptWithState(states[i]!, message);
      if (i === 0 && record.current) {
        return { record: { current: state, previous: record.previous }, plaintext };
      }
      const rest = record.previous.filter((s) => s !== states[i]);
      return { record: promote({ current: record.current, previous: rest }, state), plaintext };
    } catch (e) {
      firstError ??= e;
      if (e instanceof ProtocolError && e.code === 'duplicate-message') {
        throw e;
      }
    }
  }
  throw firstError instanceof ProtocolError ? firstError : new ProtocolError('invalid-message', String(firstError));
}
