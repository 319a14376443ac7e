// Media keys of voice sessions over the Signal sessions of the direct messages: each key travels
// encrypted to each participant's device through the hub (VoiceSendKeys → voice:key); the server
// relays ciphertext it cannot read. Loaded with the voice screen, never on first load.
import { ApiError } from '../lib/api.ts';
import { invoke, onGatewayEvent } from '../lib/gateway.ts';
import type { User } from '../lib/types.ts';
import { hasMediaKeyExchange, registerMediaKeyExchange, type MediaKeyExchange, type MediaKeyRecipient, type ReceivedMediaKey, type VerificationState } from '../lib/voice/keys.ts';
import { decryptFrom, dm, encryptForUsers, signalDeviceId, startDm, useDeviceOnConnection, verificationOf } from './engine.ts';
import { get } from 'svelte/store';

/** The hub relays at most this many envelopes per participant (their newest devices). */
const DEVICES_PER_USER = 2;
const B64 = /^[A-Za-z0-9+/=]*$/;

interface KeyEvent {
  channelId: string;
  fromUserId: string;
  fromDeviceId: number;
  deviceId: number;
  type: number;
  body: string;
}

function hubCode(err: unknown): string | null {
  if (err instanceof ApiError) {
    return err.code;
  }
  const m = /HubException: ([a-z_]+):/.exec(err instanceof Error ? err.message : String(err));
  return m ? m[1]! : null;
}

export class SignalMediaKeyExchange implements MediaKeyExchange {
  readonly name = 'Signal';
  private readonly listeners = new Set<(k: ReceivedMediaKey) => void>();
  /** The device each participant is in voice with, as the hub named it after a mismatch. */
  private readonly voiceDevices = new Map<string, number>();

  constructor() {
    onGatewayEvent('voice:key', (e) => void this.receive(e as KeyEvent));
  }

  async sendKey(roomId: string, recipients: MediaKeyRecipient[], kid: number, key: Uint8Array): Promise<void> {
    const plaintext = new TextEncoder().encode(JSON.stringify({ v: 1, channelId: roomId, kid, key: btoa(String.fromCharCode(...key)) }));
    const userIds = recipients.map((r) => r.userId);
    for (let attempt = 0; ; attempt++) {
      const envelopes = await encryptForUsers(userIds, plaintext, DEVICES_PER_USER, this.voiceDevices);
      if (envelopes.length === 0) {
        return;
      }
      try {
        await invoke('VoiceSendKeys', { channelId: roomId, envelopes });
        return;
      } catch (err) {
        const code = hubCode(err);
        if (attempt < 2 && code === 'device_required') {
          await useDeviceOnConnection();
          continue;
        }
        if (attempt < 2 && code === 'devices_changed') {
          // A participant is in voice with a device we did not encrypt for: the hub names it.
          const m = /user ([0-9a-f-]{36}) is in voice with device (\d+)/.exec(err instanceof Error ? err.message : '');
          if (m) {
            this.voiceDevices.set(m[1]!, Number(m[2]));
          }
          continue;
        }
        if (attempt < 2 && code === 'member_not_found') {
          // Someone left between the rekey and the send: the next rekey covers who is left.
          return;
        }
        throw err;
      }
    }
  }

  onKey(fn: (key: ReceivedMediaKey) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async verification(userId: string): Promise<VerificationState> {
    return get(dm).status === 'ready' ? verificationOf(userId) : 'unknown';
  }

  private async receive(e: KeyEvent): Promise<void> {
    if (e.deviceId !== signalDeviceId() || typeof e.body !== 'string' || !B64.test(e.body)) {
      return;
    }
    try {
      const plain = await decryptFrom(e.fromUserId, e.fromDeviceId, e.type, e.body);
      const c = JSON.parse(new TextDecoder().decode(plain)) as { v: number; channelId: string; kid: number; key: string };
      // The channel is bound inside the ciphertext: the server cannot move a key to another room.
      if (c.channelId !== e.channelId || !Number.isSafeInteger(c.kid)) {
        return;
      }
      const key = Uint8Array.from(atob(c.key), (ch) => ch.charCodeAt(0));
      if (key.length !== 32) {
        return;
      }
      for (const fn of this.listeners) {
        fn({ fromUserId: e.fromUserId, roomId: c.channelId, kid: c.kid, key });
      }
    } catch (err) {
      console.warn('voice: a media key could not be decrypted', err);
    }
  }
}

let ready: Promise<SignalMediaKeyExchange | null> | null = null;

/** Registers the exchange for `user`: it is offered once this browser's Signal device is ready. */
export function installSignalMediaKeys(user: User): void {
  if (hasMediaKeyExchange()) {
    return;
  }
  registerMediaKeyExchange(() =>
    (ready ??= (async () => {
      await startDm(user);
      if (signalDeviceId() === null) {
        ready = null; // Not set up (yet): asked again later.
        return null;
      }
      await useDeviceOnConnection();
      return new SignalMediaKeyExchange();
    })().catch(() => {
      ready = null;
      return null;
    })),
  );
}
