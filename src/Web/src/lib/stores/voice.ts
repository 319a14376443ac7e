import { writable, type Readable } from 'svelte/store';
import { invoke, onGatewayEvent } from '../gateway.ts';
import { isStale } from './ordering.ts';

/** Who is in which voice channel (docs/API.md "Voice", `voice:state`), for the channel sidebar. */
export interface VoiceMember {
  userId: string;
  selfMute: boolean;
  selfDeaf: boolean;
  serverMute: boolean;
  speaking: boolean;
  screenSharing: boolean;
}

/** channelId → its members, in join order. */
const state = writable<Record<string, VoiceMember[]>>({});
export const voiceMembers: Readable<Record<string, VoiceMember[]>> = { subscribe: state.subscribe };

const versions = new Map<string, number>();

onGatewayEvent('voice:state', (payload) => {
  const p = payload as { channelId: string; userId: string; participant: VoiceMember | null; version?: number };
  if (isStale(versions, `${p.channelId}:${p.userId}`, p.version)) {
    return;
  }
  state.update((s) => {
    const list = s[p.channelId] ?? [];
    const known = list.some((m) => m.userId === p.userId);
    let next: VoiceMember[];
    if (!p.participant) {
      next = list.filter((m) => m.userId !== p.userId);
    } else if (known) {
      next = list.map((m) => (m.userId === p.userId ? p.participant! : m));
    } else {
      next = [...list, p.participant];
    }
    return { ...s, [p.channelId]: next };
  });
});

/** Loads the voice channels' members of a guild (on opening it and after a reconnect). */
export async function loadVoiceStates(guildId: string): Promise<void> {
  try {
    const list = await invoke<Array<{ channelId: string; participants: VoiceMember[] }>>('GetVoiceStates', guildId);
    state.update((s) => {
      const next = { ...s };
      for (const c of list) {
        next[c.channelId] = c.participants;
      }
      return next;
    });
  } catch {
    // Not connected yet: the live events fill the list.
  }
}
