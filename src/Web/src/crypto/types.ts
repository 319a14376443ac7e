// Public shapes of the end-to-end encryption module. Everything that crosses the network is
// base64 (standard alphabet, padded) of the exact bytes libsignal puts on the wire, so a server
// never needs to understand them and a libsignal client could read them.

/** Standard base64 of raw bytes. */
export type B64 = string;

/** A one-time Curve25519 prekey: `publicKey` is the 33-byte serialized key (0x05 ‖ 32 bytes). */
export interface PublicPreKey {
  id: number;
  publicKey: B64;
}

/**
 * A prekey signed by the identity key with XEdDSA (64-byte signature over the serialized public
 * key). Used for the signed Curve25519 prekey (33 bytes) and for Kyber-1024 prekeys
 * (1569 bytes: 0x08 ‖ 1568).
 */
export interface PublicSignedPreKey {
  id: number;
  publicKey: B64;
  signature: B64;
}

/** What a device uploads once when it is created (all public). */
export interface DeviceKeysUpload {
  /** 14-bit random number, 1..16380, as libsignal. */
  registrationId: number;
  /** 33-byte serialized identity public key. */
  identityKey: B64;
  signedPreKey: PublicSignedPreKey;
  /** Kyber prekey served when the one-time Kyber pool is empty (never deleted by the server). */
  lastResortKyberPreKey: PublicSignedPreKey;
  oneTimePreKeys: PublicPreKey[];
  oneTimeKyberPreKeys: PublicSignedPreKey[];
}

/**
 * What the server hands out for one device of a user. The server deletes the one-time prekeys it
 * returns; `oneTimePreKey` is absent when the pool is empty (X3DH still works), `kyberPreKey` is
 * a one-time Kyber prekey or else the last-resort one (PQXDH always needs one).
 */
export interface PreKeyBundle {
  deviceId: number;
  registrationId: number;
  identityKey: B64;
  signedPreKey: PublicSignedPreKey;
  kyberPreKey: PublicSignedPreKey;
  oneTimePreKey?: PublicPreKey;
}

/** A device of a user: sessions are per (user, device) pair. */
export interface DeviceAddress {
  userId: string;
  deviceId: number;
}

/**
 * libsignal's ciphertext message types: `prekey` (type 3, PreKeySignalMessage: opens a session)
 * and `message` (type 2, SignalMessage).
 */
export type EnvelopeType = 'prekey' | 'message';

/** One ciphertext for one recipient device. */
export interface Envelope {
  userId: string;
  deviceId: number;
  type: EnvelopeType;
  /** The serialized libsignal message (version byte ‖ protobuf ‖ MAC). */
  body: B64;
}

/** An envelope as it arrives: who sent it (from the server's authenticated mailbox) and the body. */
export interface IncomingEnvelope {
  senderUserId: string;
  senderDeviceId: number;
  type: EnvelopeType;
  body: B64;
}

export interface Decrypted {
  senderUserId: string;
  senderDeviceId: number;
  plaintext: Uint8Array;
  /** The sender device's identity key (33 bytes, base64): what its safety number is made of. */
  senderIdentityKey: B64;
}

/** Fetches bundles for the devices that have no session yet (the server hands them out). */
export type BundleSource = (userId: string, deviceIds: number[]) => Promise<PreKeyBundle[]>;

/** Key and nonce of an encrypted attachment: they travel inside the Signal message. */
export interface AttachmentKey {
  /** 32-byte AES-256-GCM key, base64. */
  key: B64;
  /** 12-byte nonce, base64. */
  iv: B64;
  /** SHA-256 of the ciphertext, base64, so a swapped blob is detected before decrypting. */
  digest: B64;
}
