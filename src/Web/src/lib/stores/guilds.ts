import { get, writable, type Readable } from 'svelte/store';
import { ApiError } from '../api.ts';
import { connectionState, onGatewayEvent } from '../gateway.ts';
import { describeError } from '../messages.ts';
import type { Channel, Guild, GuildEmoji, Member, Role } from '../types.ts';
import { dropGuildChannels, removeChannel, resetChannels, setGuildChannels, upsertChannel } from './channels.ts';
import { dropMembers, removeMember, upsertMember } from './members.ts';
import { api, session } from './session.ts';

/** A guild without its channels (those live in the channels store). */
export type GuildInfo = Omit<Guild, 'channels'>;

export interface GuildsState {
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  /** Guild bar order. */
  list: GuildInfo[];
}

const state = writable<GuildsState>({ status: 'idle', error: null, list: [] });
export const guilds: Readable<GuildsState> = { subscribe: state.subscribe };

function upsert(guild: Guild): void {
  const { channels, ...info } = guild;
  setGuildChannels(guild.id, channels);
  state.update((s) => {
    const i = s.list.findIndex((g) => g.id === guild.id);
    const list = i < 0 ? [...s.list, info] : s.list.map((g) => (g.id === guild.id ? info : g));
    return { ...s, list };
  });
}

function patch(guildId: string, fn: (g: GuildInfo) => GuildInfo): void {
  state.update((s) => ({ ...s, list: s.list.map((g) => (g.id === guildId ? fn(g) : g)) }));
}

function remove(guildId: string): void {
  state.update((s) => ({ ...s, list: s.list.filter((g) => g.id !== guildId) }));
  dropGuildChannels(guildId);
  dropMembers(guildId);
}

let loading: Promise<void> | null = null;

/** Loads (or reloads, after a reconnect) the guilds of the current user. */
export function loadGuilds(): Promise<void> {
  loading ??= (async () => {
    state.update((s) => ({ ...s, status: s.status === 'ready' ? 'ready' : 'loading', error: null }));
    try {
      const { guilds: list } = await api.listGuilds();
      for (const g of list) {
        setGuildChannels(g.id, g.channels);
      }
      state.set({ status: 'ready', error: null, list: list.map(({ channels: _c, ...info }) => info) });
    } catch (err) {
      state.update((s) => ({ ...s, status: s.status === 'ready' ? 'ready' : 'error', error: describeError(err) }));
    } finally {
      loading = null;
    }
  })();
  return loading;
}

/** Fetches one guild again: it carries `me.permissions` and the channels this user may see. */
export async function refreshGuild(guildId: string): Promise<void> {
  try {
    upsert(await api.getGuild(guildId));
  } catch (err) {
    if (err instanceof ApiError && err.code === 'guild_not_found') {
      remove(guildId);
    }
  }
}

const pendingRefresh = new Map<string, ReturnType<typeof setTimeout>>();

/** Coalesces the refetches a burst of events (a reorder, a role edit) would cause. */
export function scheduleRefresh(guildId: string): void {
  if (pendingRefresh.has(guildId)) {
    return;
  }
  pendingRefresh.set(
    guildId,
    setTimeout(() => {
      pendingRefresh.delete(guildId);
      void refreshGuild(guildId);
    }, 60),
  );
}

export async function createGuild(name: string): Promise<Guild> {
  const guild = await api.createGuild(name);
  upsert(guild);
  return guild;
}

export async function joinInvite(code: string): Promise<Guild> {
  const guild = await api.acceptInvite(code);
  upsert(guild);
  return guild;
}

export async function leaveGuild(guildId: string): Promise<void> {
  await api.leaveGuild(guildId);
  remove(guildId);
}

export async function renameGuild(guildId: string, name: string): Promise<void> {
  upsert(await api.updateGuild(guildId, { name }));
}

/** Gives the guild to another member (the owner only); the answer is the guild as a plain member now sees it. */
export async function transferGuild(guildId: string, ownerId: string, code?: string): Promise<void> {
  upsert(await api.updateGuild(guildId, code ? { ownerId, code } : { ownerId }));
}

/** A role changed here (from an answer or an event): show it and re-read what it means for us. */
export function applyRole(guildId: string, role: Role, deleted = false): void {
  patch(guildId, (g) => {
    const roles = deleted ? g.roles.filter((r) => r.id !== role.id) : g.roles.some((r) => r.id === role.id) ? g.roles.map((r) => (r.id === role.id ? role : r)) : [...g.roles, role];
    return { ...g, roles };
  });
  scheduleRefresh(guildId);
}

export function applyRoles(guildId: string, roles: Role[]): void {
  patch(guildId, (g) => ({ ...g, roles }));
  scheduleRefresh(guildId);
}

export function applyChannel(channel: Channel): void {
  upsertChannel(channel);
  scheduleRefresh(channel.guildId);
}

export function applyMember(guildId: string, member: Member): void {
  upsertMember(guildId, member);
  if (member.userId === currentUserId()) {
    scheduleRefresh(guildId);
  }
}

function currentUserId(): string | null {
  return get(session).user?.id ?? null;
}

function reset(): void {
  state.set({ status: 'idle', error: null, list: [] });
  resetChannels();
  dropMembers();
}

// --- live updates ---------------------------------------------------------------------------

type WithGuild = { guildId: string };
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const hasGuild = (v: unknown): v is WithGuild & Record<string, unknown> => isObj(v) && typeof v.guildId === 'string';
const known = (guildId: string) => get(state).list.some((g) => g.id === guildId);

onGatewayEvent('guild:create', (p) => {
  if (isObj(p) && typeof p.id === 'string' && Array.isArray(p.channels)) {
    upsert(p as unknown as Guild);
  }
});
/** A guild's icon changed here (its `guild:update` follows, to every member, this tab included). */
export function setGuildIcon(guildId: string, icon: string | null): void {
  patch(guildId, ({ icon: _, ...g }) => (icon ? { ...g, icon } : g));
}

onGatewayEvent('guild:update', (p) => {
  if (hasGuild(p) && typeof p.name === 'string') {
    patch(p.guildId, (g) => ({ ...g, name: p.name as string }));
  }
  if (hasGuild(p) && (typeof p.icon === 'string' || p.icon === null)) {
    setGuildIcon(p.guildId, p.icon);
  }
  if (hasGuild(p) && typeof p.ownerId === 'string') {
    // A new owner: the crown moves at once; what each of us may do is read again.
    const ownerId = p.ownerId;
    patch(p.guildId, (g) => ({ ...g, ownerId }));
    scheduleRefresh(p.guildId);
  }
});
for (const name of ['emoji:create', 'emoji:update'] as const) {
  onGatewayEvent(name, (p) => {
    if (hasGuild(p) && isObj(p.emoji) && typeof p.emoji.id === 'string') {
      const emoji = p.emoji as unknown as GuildEmoji;
      patch(p.guildId, (g) => ({ ...g, emojis: [...(g.emojis ?? []).filter((e) => e.id !== emoji.id), emoji] }));
    }
  });
}
onGatewayEvent('emoji:delete', (p) => {
  if (hasGuild(p) && typeof p.emojiId === 'string') {
    patch(p.guildId, (g) => ({ ...g, emojis: (g.emojis ?? []).filter((e) => e.id !== p.emojiId) }));
  }
});
onGatewayEvent('guild:delete', (p) => {
  if (hasGuild(p)) {
    remove(p.guildId);
  }
});
for (const name of ['channel:create', 'channel:update'] as const) {
  onGatewayEvent(name, (p) => {
    if (hasGuild(p) && isObj(p.channel) && known(p.guildId)) {
      applyChannel({ ...(p.channel as unknown as Channel), guildId: p.guildId });
    }
  });
}
onGatewayEvent('channel:delete', (p) => {
  if (hasGuild(p) && isObj(p.channel) && typeof p.channel.id === 'string') {
    removeChannel(p.guildId, p.channel.id);
  }
});
for (const name of ['role:create', 'role:update', 'role:delete'] as const) {
  onGatewayEvent(name, (p) => {
    if (hasGuild(p) && isObj(p.role) && known(p.guildId)) {
      applyRole(p.guildId, p.role as unknown as Role, name === 'role:delete');
    }
  });
}
onGatewayEvent('member:join', (p) => {
  if (hasGuild(p) && isObj(p.member)) {
    const m = p.member as unknown as Member;
    patch(p.guildId, (g) => ({ ...g, memberCount: g.memberCount + 1 }));
    upsertMember(p.guildId, m);
  }
});
onGatewayEvent('member:update', (p) => {
  if (hasGuild(p) && isObj(p.member)) {
    applyMember(p.guildId, p.member as unknown as Member);
  }
});
onGatewayEvent('member:leave', (p) => {
  if (hasGuild(p) && isObj(p.member)) {
    const m = p.member as unknown as Member;
    if (m.userId === currentUserId()) {
      remove(p.guildId);
      return;
    }
    patch(p.guildId, (g) => ({ ...g, memberCount: Math.max(0, g.memberCount - 1) }));
    removeMember(p.guildId, m.userId);
  }
});

// Events missed while the hub was down (or not yet up) are not replayed: read everything again.
let lastConnection = get(connectionState);
connectionState.subscribe((s) => {
  const was = lastConnection;
  lastConnection = s;
  if (s === 'connected' && was !== 'connected' && get(state).status !== 'idle') {
    dropMembers();
    void loadGuilds();
  }
});

// Another account in this tab must not see the previous one's guilds.
let lastUser = currentUserId();
session.subscribe((s) => {
  const id = s.user?.id ?? null;
  if (id !== lastUser) {
    lastUser = id;
    reset();
  }
});
