/**
 * Media keys of a voice session: who sends with which key, and how keys reach the other
 * participants' devices.
 *
 * Each participant encrypts everything it sends with its own random 32-byte key. When the room's
 * membership changes (the server's `voice:rekey` event carries a new epoch and the member list),
 * every participant draws a fresh key, sends it to the members present — so a newcomer cannot
 * decrypt what was said before it joined, and someone who left cannot decrypt what is said
 * after — and switches to it once the others had a moment to receive it.
 */

export type VerificationState = 'verified' | 'unverified' | 'unknown';

export interface MediaKeyRecipient {
  userId: string;
}

export interface ReceivedMediaKey {
  /** The user the key came from, as authenticated by the key exchange (not by the server). */
  fromUserId: string;
  roomId: string;
  kid: number;
  key: Uint8Array;
}

/**
 * Carries media keys between participants' devices. The only acceptable implementation is an
 * end-to-end-encrypted one (the Signal sessions of the direct messages): the server relays
 * ciphertext it cannot read. There is deliberately no plaintext fallback — without an exchange,
 * voice refuses to start rather than claim an encryption it does not have.
 */
export interface MediaKeyExchange {
  /** Shown in the encryption badge, e.g. "Signal". */
  readonly name: string;
  /** Sends `key` (id `kid`) for room `roomId` to every device of every recipient. */
  sendKey(roomId: string, recipients: MediaKeyRecipient[], kid: number, key: Uint8Array): Promise<void>;
  /** Calls `fn` for each key received; returns the function that stops listening. */
  onKey(fn: (key: ReceivedMediaKey) => void): () => void;
  /** Whether the user's identity key was verified (safety number) on this device. */
  verification(userId: string): Promise<VerificationState>;
}

let factory: (() => Promise<MediaKeyExchange | null>) | null = null;

/** Installed by the end-to-end encryption module once it is loaded and this device is registered. */
export function registerMediaKeyExchange(f: () => Promise<MediaKeyExchange | null>): void {
  factory = f;
}

/** Whether an exchange is installed already (the first one installed stays). */
export function hasMediaKeyExchange(): boolean {
  return factory !== null;
}

export async function mediaKeyExchange(): Promise<MediaKeyExchange | null> {
  return factory ? factory() : null;
}

/** Key ids: a random per-session sender tag in the high bits, the key generation in the low 16. */
export function makeKid(senderTag: number, generation: number): number {
  return senderTag * 0x10000 + (generation & 0xffff);
}

export function randomSenderTag(random: (n: Uint32Array) => Uint32Array = (n) => crypto.getRandomValues(n)): number {
  // 31 bits of tag + 16 of generation stay below 2^53 (exact as a JS number) and 2^64 (SFrame KID).
  return random(new Uint32Array(1))[0]! >>> 1;
}

export interface KeySink {
  setSendKey(kid: number, key: Uint8Array): void;
  setReceiveKey(participantId: string, kid: number, key: Uint8Array): void;
  forget(participantId: string): void;
}

/**
 * The key schedule of one participant in one room. `rekey` is called with each server epoch;
 * `switchDelayMs` lets receivers install the new key before frames use it (they keep the previous
 * ones for frames in flight).
 */
export class MediaKeyRing {
  private generation = 0;
  private lastEpoch = -1;
  private switchTimer: ReturnType<typeof setTimeout> | null = null;
  readonly senderTag: number;
  currentKid: number | null = null;

  constructor(
    private readonly roomId: string,
    private readonly selfUserId: string,
    private readonly exchange: MediaKeyExchange,
    private readonly sink: KeySink,
    private readonly switchDelayMs = 500,
    senderTag = randomSenderTag(),
  ) {
    this.senderTag = senderTag;
  }

  /** Draws a new key for `epoch` and sends it to `userIds` (self excluded); stale epochs are ignored. */
  async rekey(epoch: number, userIds: string[]): Promise<void> {
    if (epoch <= this.lastEpoch) {
      return;
    }
    this.lastEpoch = epoch;
    const kid = makeKid(this.senderTag, ++this.generation);
    const key = crypto.getRandomValues(new Uint8Array(32));
    const recipients = userIds.filter((u) => u !== this.selfUserId).map((userId) => ({ userId }));
    if (recipients.length > 0) {
      await this.exchange.sendKey(this.roomId, recipients, kid, key);
    }
    if (this.switchTimer !== null) {
      clearTimeout(this.switchTimer);
    }
    const apply = () => {
      this.switchTimer = null;
      this.currentKid = kid;
      this.sink.setSendKey(kid, key);
    };
    // The first key is used at once: nobody has frames from us under an older one.
    if (this.currentKid === null || recipients.length === 0) {
      apply();
    } else {
      this.switchTimer = setTimeout(apply, this.switchDelayMs);
    }
  }

  received(k: ReceivedMediaKey): void {
    if (k.roomId === this.roomId && k.fromUserId !== this.selfUserId) {
      this.sink.setReceiveKey(k.fromUserId, k.kid, k.key);
    }
  }

  left(userId: string): void {
    this.sink.forget(userId);
  }

  close(): void {
    if (this.switchTimer !== null) {
      clearTimeout(this.switchTimer);
    }
  }
}
