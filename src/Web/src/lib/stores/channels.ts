import { writable, type Readable } from 'svelte/store';
import type { Channel, ChannelPosition, ChannelType } from '../types.ts';
import { applyPositions } from '../guild/channels.ts';
import { api } from './session.ts';

/** The channels the current user can view, by guild id (kept apart from the guild list). */
const state = writable<Record<string, Channel[]>>({});
export const channels: Readable<Record<string, Channel[]>> = { subscribe: state.subscribe };

export function setGuildChannels(guildId: string, list: Channel[]): void {
  state.update((s) => ({ ...s, [guildId]: list }));
}

export function dropGuildChannels(guildId: string): void {
  state.update((s) => {
    const { [guildId]: _gone, ...rest } = s;
    return rest;
  });
}

export function upsertChannel(channel: Channel): void {
  state.update((s) => {
    const list = s[channel.guildId] ?? [];
    const i = list.findIndex((c) => c.id === channel.id);
    const next = i < 0 ? [...list, channel] : list.map((c) => (c.id === channel.id ? channel : c));
    return { ...s, [channel.guildId]: next };
  });
}

export function removeChannel(guildId: string, channelId: string): void {
  state.update((s) => {
    const list = s[guildId];
    if (!list) {
      return s;
    }
    // A deleted category's children move to the top level (docs/API.md).
    const next = list.filter((c) => c.id !== channelId).map((c) => (c.parentId === channelId ? { ...c, parentId: null } : c));
    return { ...s, [guildId]: next };
  });
}

export function resetChannels(): void {
  state.set({});
}

export async function createChannel(guildId: string, input: { name: string; type: ChannelType; parentId: string | null; topic?: string }): Promise<Channel> {
  const channel = await api.createChannel(guildId, {
    name: input.name,
    type: input.type,
    ...(input.parentId ? { parentId: input.parentId } : {}),
    ...(input.topic ? { topic: input.topic } : {}),
  });
  upsertChannel(channel);
  return channel;
}

/** Reorders optimistically; the server's answer (or a refetch on failure) settles it. */
export async function reorderChannels(guildId: string, changes: ChannelPosition[], rollback: () => Promise<void>): Promise<void> {
  if (changes.length === 0) {
    return;
  }
  state.update((s) => ({ ...s, [guildId]: applyPositions(s[guildId] ?? [], changes) }));
  try {
    const res = await api.setChannelPositions(guildId, changes);
    if (Array.isArray(res?.channels)) {
      // The answer may hold channels this user cannot see; keep to the visible ones.
      state.update((s) => {
        const visible = new Map((s[guildId] ?? []).map((c) => [c.id, c]));
        const merged = [...visible.values()].map((c) => res.channels.find((x) => x.id === c.id) ?? c);
        return { ...s, [guildId]: merged };
      });
    }
  } catch (err) {
    await rollback();
    throw err;
  }
}
