import { get, writable, type Readable } from 'svelte/store';
import { mediaKeyExchange } from './keys.ts';
import { VoiceSession } from './session.ts';

/** The tab's voice session (at most one): it outlives the voice view while browsing text channels. */
const state = writable<VoiceSession | null>(null);
export const currentSession: Readable<VoiceSession | null> = { subscribe: state.subscribe };

const DEVICES_KEY = 'lescopains.voice.devices';

export interface VoiceDevices {
  input: string | null;
  output: string | null;
  pushToTalk: string | null;
  camera: string | null;
}

export function storedDevices(): VoiceDevices {
  try {
    const v = JSON.parse(localStorage.getItem(DEVICES_KEY) ?? '{}') as Record<string, unknown>;
    const str = (x: unknown) => (typeof x === 'string' && x.length > 0 ? x : null);
    return { input: str(v.input), output: str(v.output), pushToTalk: str(v.pushToTalk), camera: str(v.camera) };
  } catch {
    return { input: null, output: null, pushToTalk: null, camera: null };
  }
}

export function storeDevices(d: VoiceDevices): void {
  try {
    localStorage.setItem(DEVICES_KEY, JSON.stringify(d));
  } catch {
    // Storage disabled.
  }
}

/** Joins `channelId`, leaving the current voice channel first (switching channels). */
export async function joinVoice(guildId: string, channelId: string, selfUserId: string): Promise<VoiceSession> {
  await leaveVoice();
  const exchange = await mediaKeyExchange();
  if (!exchange) {
    throw new Error('End-to-end encryption keys for this device are not set up: media keys cannot be exchanged.');
  }
  const devices = storedDevices();
  const session = new VoiceSession({ guildId, channelId, selfUserId, exchange, inputDeviceId: devices.input, outputDeviceId: devices.output, cameraDeviceId: devices.camera });
  state.set(session);
  try {
    await session.join();
    if (devices.pushToTalk) {
      await session.setPushToTalk(devices.pushToTalk);
    }
  } catch (e) {
    state.set(null);
    throw e;
  }
  return session;
}

export async function leaveVoice(): Promise<void> {
  const s = get(state);
  state.set(null);
  await s?.leave();
}

/** A session that ended on its own (kicked, failed) is dropped so the view offers Join again. */
export function forgetSession(s: VoiceSession): void {
  if (get(state) === s) {
    state.set(null);
  }
}
