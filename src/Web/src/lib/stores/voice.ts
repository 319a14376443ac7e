import { writable, type Readable } from 'svelte/store';
import { invoke, onGatewayEvent } from '../gateway.ts';
import { VersionedRoster } from './ordering.ts';

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

/** channelId → its roster (versions of the events and snapshots applied). */
const rosters = new Map<string, VersionedRoster<VoiceMember>>();

function roster(channelId: string): VersionedRoster<VoiceMember> {
  let r = rosters.get(channelId);
  if (!r) {
    r = new VersionedRoster<VoiceMember>();
    rosters.set(channelId, r);
  }
  return r;
}

onGatewayEvent('voice:state', (payload) => {
  const p = payload as { channelId: string; userId: string; participant: VoiceMember | null; version?: number };
  const r = roster(p.channelId);
  if (r.apply(p.userId, p.participant, p.version)) {
    state.update((s) => ({ ...s, [p.channelId]: r.list }));
  }
});

/**
 * Loads the voice channels' members of a guild (on opening it and after a reconnect). A snapshot
 * answered before a live event already applied here does not undo that event.
 */
export async function loadVoiceStates(guildId: string): Promise<void> {
  try {
    const list = await invoke<Array<{ channelId: string; participants: VoiceMember[]; version?: number }>>('GetVoiceStates', guildId);
    state.update((s) => {
      const next = { ...s };
      for (const c of list) {
        const r = roster(c.channelId);
        if (r.reset(c.participants, c.version)) {
          next[c.channelId] = r.list;
        }
      }
      return next;
    });
  } catch {
    // Not connected yet: the live events fill the list.
  }
}
