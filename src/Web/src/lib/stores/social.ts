import { applyEnd, applyVote } from '../chat/polls.ts';
import { derived, get, writable, type Readable } from 'svelte/store';
import { ApiError } from '../api.ts';
import { applyReaction, mentionsMe, TYPING_TTL_MS } from '../chat/social.ts';
import { mentionCounts, wantsNotice } from '../chat/notify-rules.ts';
import { connectionState, invoke, onGatewayEvent } from '../gateway.ts';
import type { Message, MessageAuthor, Pin, ReadState } from '../types.ts';
import { mentionTotal } from '../chat/attention.ts';
import { parseMarkdown, plainText } from '../chat/markdown.ts';
import { isBlocked } from './blocks.ts';
import { firstUnreadId } from '../chat/timeline.ts';
import { mentionNotice } from '../chat/notices.ts';
import { memberName } from '../guild/roles.ts';
import { channelMessages, forgetUnread, patchMessage, threadMessages } from './messages.ts';
import { channels } from './channels.ts';
import { followedThreads, isFollowed } from './followed.ts';
import { guilds } from './guilds.ts';
import { knownMembers, members } from './members.ts';
import { notifyPrefs, notify } from './notifications.ts';
import { muted, notifyFor, notifySettings } from './notify-settings.ts';
import { api, session } from './session.ts';
import { setMentionCount } from './title.ts';

/**
 * Unread/mention counts (from the server on connect, then live), typing notices, reaction and
 * pin events (docs/API.md "Read states", "Typing", "Reactions", "Pins").
 */

// --- read states ------------------------------------------------------------------------------

export interface Badge {
  guildId: string;
  unread: number;
  mentions: number;
  /** The parent channel when this is a thread's badge. */
  parentId?: string | null;
}

/** Thread id → parent channel id, from the read states and the thread events seen. */
const threadParents = new Map<string, string>();
const badgeState = writable<Record<string, Badge>>({});
/** Per channel id. */
export const badges: Readable<Record<string, Badge>> = { subscribe: badgeState.subscribe };

/**
 * Mentions per guild id (for the guild bar), and whether the guild has anything unread outside its
 * muted channels (a muted guild shows only its mentions, as in Discord).
 */
export const guildBadges: Readable<Record<string, { unread: boolean; mentions: number }>> = derived([badgeState, muted], ([b, m]) => {
  const out: Record<string, { unread: boolean; mentions: number }> = {};
  for (const [channelId, x] of Object.entries(b)) {
    const g = (out[x.guildId] ??= { unread: false, mentions: 0 });
    g.unread ||= x.unread > 0 && !m.guilds.has(x.guildId) && !m.channels.has(x.parentId ?? threadParents.get(channelId) ?? channelId);
    g.mentions += x.mentions;
  }
  return out;
});

/**
 * Per channel id, its badge with the badges of its threads folded in, except the threads the person
 * follows, which the sidebar lists under the channel with badges of their own: a channel is bold when
 * it or one of its other threads has unread messages, with the mentions of all in its count.
 */
export const channelBadges: Readable<Record<string, { unread: number; mentions: number }>> = derived([badgeState, followedThreads], ([b, followed]) => {
  const out: Record<string, { unread: number; mentions: number }> = {};
  for (const [channelId, x] of Object.entries(b)) {
    const id = channelId in followed ? channelId : (x.parentId ?? threadParents.get(channelId) ?? channelId);
    const c = (out[id] ??= { unread: 0, mentions: 0 });
    c.unread += x.unread;
    c.mentions += x.mentions;
  }
  return out;
});

badgeState.subscribe((b) => setMentionCount(mentionTotal(Object.values(b))));

/** Whether `channelId` is a thread (it is not in its guild's channel list). */
const isThreadOf = (guildId: string, channelId: string) => threadParents.has(channelId) || !(get(channels)[guildId] ?? []).some((c) => c.id === channelId);

function setBadge(channelId: string, fn: (b: Badge | undefined) => Badge | undefined): void {
  badgeState.update((s) => {
    const next = fn(s[channelId]);
    if (!next) {
      const { [channelId]: _gone, ...rest } = s;
      return rest;
    }
    return { ...s, [channelId]: next };
  });
}

function fromServer(r: ReadState): void {
  if (r.parentId) {
    threadParents.set(r.channelId, r.parentId);
  }
  setBadge(r.channelId, () => ({ guildId: r.guildId, unread: r.unread, mentions: r.mentions, parentId: r.parentId ?? null }));
  lastRead.set(r.channelId, laterOf(lastRead.get(r.channelId), r.lastMessageId));
}

// --- the "new messages" line -------------------------------------------------------------------

/** The newest message read per channel (from the server's read states and this tab's acks). */
const lastRead = new Map<string, string | null>();
const laterOf = (a: string | null | undefined, b: string | null): string | null => (a && (!b || a > b) ? a : b);

const dividerState = writable<Record<string, string>>({});
/**
 * Per open channel with unread messages when it was opened (or looked at again): the id of the
 * first unread message then, so the list draws a "New" line above it, as Discord does. It stays
 * while the channel stays open, and goes when the person leaves it or writes there.
 */
export const newSince: Readable<Record<string, string>> = { subscribe: dividerState.subscribe };

/** Before a channel with unread messages is marked read: where its "New" line goes. */
function noteNewLine(channelId: string, messages: readonly Message[]): void {
  const unread = get(badgeState)[channelId]?.unread ?? 0;
  const user = me();
  if (unread === 0 || !user || channelId in get(dividerState)) {
    return;
  }
  const id = firstUnreadId(messages, lastRead.get(channelId) ?? null, unread, user);
  if (id) {
    dividerState.update((d) => ({ ...d, [channelId]: id }));
  }
}

/** The channel's "New" line goes (also "Mark As Read" on the bar over it: what is on screen is read already). */
export function dismissNewLine(channelId: string): void {
  dividerState.update((d) => {
    if (!(channelId in d)) {
      return d;
    }
    const { [channelId]: _gone, ...rest } = d;
    return rest;
  });
}

export async function loadReadStates(): Promise<void> {
  try {
    const { readStates } = await api.readStates();
    for (const r of readStates) {
      lastRead.set(r.channelId, laterOf(lastRead.get(r.channelId), r.lastMessageId));
      if (r.parentId) {
        threadParents.set(r.channelId, r.parentId);
      }
    }
    badgeState.set(
      Object.fromEntries(
        readStates
          .filter((r) => !onScreen(r.channelId) && (r.unread > 0 || r.mentions > 0 || !r.parentId))
          .map((r) => [r.channelId, { guildId: r.guildId, unread: r.unread, mentions: r.mentions, parentId: r.parentId ?? null }]),
      ),
    );
  } catch {
    // Badges are a convenience: the next connect tries again.
  }
}

/**
 * Acks are coalesced: the first goes out quickly, then at most one batch per ACK_EVERY_MS, so a
 * busy channel does not eat the per-user request budget (RATE_LIMIT_MAX) that sends share.
 */
const ACK_EVERY_MS = 5_000;
const ACK_FIRST_MS = 250;
const pendingAcks = new Map<string, string>();
let ackTimer: ReturnType<typeof setTimeout> | null = null;
let lastFlush = 0;

/**
 * Marks the channel read up to `messageId` and clears its badge at once. Nothing is sent when it is
 * read that far already (here, or on another device: coming back to a tab does not ack it again).
 */
export function markRead(channelId: string, messageId: string): void {
  setBadge(channelId, (b) => (b ? { ...b, unread: 0, mentions: 0 } : b));
  const before = lastRead.get(channelId);
  if (before && before >= messageId) {
    return;
  }
  lastRead.set(channelId, messageId);
  pendingAcks.set(channelId, messageId);
  ackTimer ??= setTimeout(flushAcks, Math.max(ACK_FIRST_MS, lastFlush + ACK_EVERY_MS - Date.now()));
}

/**
 * "Mark as read" for a whole guild: its badges clear at once (threads' too), and the server moves
 * every channel's position to its newest message. False when the server refused.
 */
export async function markGuildRead(guildId: string): Promise<boolean> {
  badgeState.update((s) => Object.fromEntries(Object.entries(s).filter(([, b]) => b.guildId !== guildId)));
  forgetUnread((get(channels)[guildId] ?? []).map((c) => c.id));
  try {
    const { readStates } = await api.ackGuild(guildId);
    for (const r of readStates) {
      fromServer(r);
    }
    return true;
  } catch {
    void loadReadStates();
    return false;
  }
}

/** Sends what is pending now (leaving the page must not lose the last read position). */
export function flushAcks(): void {
  if (ackTimer) {
    clearTimeout(ackTimer);
  }
  ackTimer = null;
  if (pendingAcks.size === 0) {
    return;
  }
  lastFlush = Date.now();
  const batch = [...pendingAcks];
  pendingAcks.clear();
  for (const [channelId, messageId] of batch) {
    api.ack(channelId, messageId).catch(() => undefined);
  }
}

/** Whether the page can be seen (not a background tab, not a minimised window). */
const visibleState = writable(typeof document === 'undefined' || document.visibilityState !== 'hidden');

if (typeof document !== 'undefined') {
  document.addEventListener('visibilitychange', () => {
    visibleState.set(document.visibilityState !== 'hidden');
    if (document.visibilityState === 'hidden') {
      flushAcks();
    }
  });
}

/**
 * Whether the newest messages of `channelId` are in front of the person now: the channel (or the
 * thread in the side panel) is open and the page is visible. A channel left open in a background
 * tab is not read: what arrives there counts as unread until the tab is looked at again.
 */
function onScreen(channelId: string): boolean {
  return (
    get(visibleState) &&
    !heldUnread.has(channelId) &&
    (get(channelMessages)?.channelId === channelId || get(threadMessages.channelMessages)?.channelId === channelId)
  );
}

/**
 * Channels the person marked unread ("Mark Unread", Alt+click) while they are open: as in Discord
 * they stay unread, and what arrives counts, until the person leaves them or writes there.
 */
const heldUnread = new Set<string>();

/** Makes `message` the first unread one of its channel (the server moves the position back). */
export async function markUnread(message: Message): Promise<string | null> {
  const channelId = message.channelId;
  pendingAcks.delete(channelId);
  heldUnread.add(channelId);
  try {
    const r = await api.markUnread(channelId, message.id);
    applyUnread(r);
    dividerState.update((d) => ({ ...d, [channelId]: message.id }));
    return null;
  } catch (err) {
    heldUnread.delete(channelId);
    return err instanceof ApiError && err.code === 'message_not_found' ? 'This message was deleted.' : 'The message could not be marked unread.';
  }
}

/** A read state that moved back: taken as it is (acks only move forward, so `laterOf` would keep the old one). */
function applyUnread(r: ReadState): void {
  if (r.parentId) {
    threadParents.set(r.channelId, r.parentId);
  }
  lastRead.set(r.channelId, r.lastMessageId);
  setBadge(r.channelId, () => ({ guildId: r.guildId, unread: r.unread, mentions: r.mentions, parentId: r.parentId ?? null }));
}

// A channel left (in the main view or the thread panel) loses its "new" line, and is no longer held unread.
derived([channelMessages, threadMessages.channelMessages], ([a, b]) => [a?.channelId, b?.channelId]).subscribe((open) => {
  for (const channelId of Object.keys(get(dividerState))) {
    if (!open.includes(channelId)) {
      dismissNewLine(channelId);
    }
  }
  for (const channelId of [...heldUnread]) {
    if (!open.includes(channelId)) {
      heldUnread.delete(channelId);
    }
  }
});

// What is on screen is read: ack the newest message of the open channel and of the open thread
// whenever it changes, and when the page comes back into view.
for (const view of [channelMessages, threadMessages.channelMessages]) {
  derived([view, visibleState], (x) => x).subscribe(([s, visible]) => {
    const newest = s?.atPresent ? s.messages[s.messages.length - 1] : undefined;
    if (visible && s && newest && !heldUnread.has(s.channelId)) {
      noteNewLine(s.channelId, s.messages);
      markRead(s.channelId, newest.id);
    }
  });
}

// --- typing -----------------------------------------------------------------------------------

export interface Typist {
  user: MessageAuthor;
  until: number;
}

const typingState = writable<Record<string, Typist[]>>({});
/** Who is typing, per channel id (without me). */
export const typing: Readable<Record<string, Typist[]>> = { subscribe: typingState.subscribe };
let sweep: ReturnType<typeof setInterval> | null = null;

function dropTypist(channelId: string, userId: string): void {
  typingState.update((s) => {
    const list = s[channelId];
    return list?.some((t) => t.user.id === userId) ? { ...s, [channelId]: list.filter((t) => t.user.id !== userId) } : s;
  });
}

function sweepTyping(): void {
  const now = Date.now();
  let left = 0;
  typingState.update((s) => {
    const next: Record<string, Typist[]> = {};
    for (const [c, list] of Object.entries(s)) {
      const live = list.filter((t) => t.until > now);
      if (live.length > 0) {
        next[c] = live;
        left += live.length;
      }
    }
    return next;
  });
  if (left === 0 && sweep) {
    clearInterval(sweep);
    sweep = null;
  }
}

let lastTypingSent = new Map<string, number>();

/** Tells the server this user is typing in `channelId` (the caller throttles; failures are ignored). */
export function sendTyping(channelId: string): void {
  lastTypingSent.set(channelId, Date.now());
  invoke('StartTyping', channelId).catch(() => undefined);
}

export function lastTypingSentAt(channelId: string): number | null {
  return lastTypingSent.get(channelId) ?? null;
}

// --- pins -------------------------------------------------------------------------------------

const pinState = writable<{ channelId: string; pins: Pin[]; loading: boolean; error: string | null } | null>(null);
/** The pinned messages of the channel whose pins panel is open. */
export const pins = { subscribe: pinState.subscribe };

export async function openPins(channelId: string): Promise<void> {
  pinState.set({ channelId, pins: [], loading: true, error: null });
  try {
    const { pins: list } = await api.listPins(channelId);
    pinState.update((s) => (s?.channelId === channelId ? { ...s, pins: list, loading: false } : s));
  } catch {
    pinState.update((s) => (s?.channelId === channelId ? { ...s, loading: false, error: 'The pinned messages could not be loaded.' } : s));
  }
}

export function closePins(): void {
  pinState.set(null);
}

/** Pins or unpins a message (MANAGE_MESSAGES); the pins panel follows the live events. */
export async function pinMessage(message: Message, pinned: boolean): Promise<string | null> {
  try {
    await api.setPinned(message.channelId, message.id, pinned);
    return null;
  } catch (err) {
    return err instanceof ApiError && err.code === 'too_many_pins' ? 'This channel already has 50 pinned messages. Unpin one first.' : 'The message could not be pinned.';
  }
}

// --- reactions --------------------------------------------------------------------------------

/** Adds or removes my reaction (optimistic; the answer carries the true count). */
export async function toggleReaction(message: Message, emoji: string): Promise<void> {
  const mine = (message.reactions ?? []).find((r) => r.emoji === emoji)?.me ?? false;
  const on = !mine;
  try {
    const r = await api.react(message.channelId, message.id, emoji, on);
    patchMessage(message.channelId, message.id, (m) => ({ ...m, reactions: applyReaction(m.reactions ?? [], emoji, r.count, true, on) }));
  } catch {
    // Refused (permission, limit): nothing changed.
  }
}

// --- live events ------------------------------------------------------------------------------

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
const me = () => get(session).user?.id ?? null;

/** The last messages seen live, for the notification of a mention (which carries only ids). */
const recent = new Map<string, Message>();
const RECENT = 50;

function remember(m: Message): void {
  recent.set(m.id, m);
  for (const oldest of recent.keys()) {
    if (recent.size <= RECENT) {
      break;
    }
    recent.delete(oldest);
  }
}

/** Where a message was written, for the notification rules: a thread's place is its parent channel with the thread. */
const placeOf = (guildId: string, channelId: string) => {
  const list = get(channels)[guildId] ?? [];
  const parent = threadParents.get(channelId);
  const channel = list.find((c) => c.id === (parent ?? channelId));
  return channel && parent ? { ...channel, thread: channelId } : (channel ?? null);
};

/**
 * A desktop notification for a message in a guild (`message`), or for a mention of the reader
 * (null: its mention:create), when the reader's settings for the guild and channel want one (lib/chat/notify-rules.ts) and notifications are switched on here and the person
 * is elsewhere (stores/notifications.ts).
 */
function notifyGuildMessage(guildId: string, channelId: string, messageId: string, message: Message | null): void {
  const guild = get(guilds).list.find((g) => g.id === guildId);
  const place = placeOf(guildId, channelId);
  const settings = notifyFor(guildId);
  const user = me();
  const mention = message === null;
  if (!guild || !user || !wantsNotice(settings, place, mention, Date.now())) {
    return;
  }
  // A message that mentions the reader is notified by its mention:create.
  if (message && mentionsMe(message, user, guild.me.roles, settings)) {
    return;
  }
  const channel = place?.name ?? null;
  // A thread's notification opens its parent channel (or the guild, when its parent is unknown).
  const path = `/channels/${encodeURIComponent(guildId)}${place ? `/${encodeURIComponent(place.id)}` : ''}`;
  notify({
    tag: `message:${messageId}`,
    path,
    content: () => {
      const m = recent.get(messageId);
      const known = knownMembers(get(members)[guildId]);
      const shown = (id: string) => {
        const member = known.get(id);
        return member ? memberName(member) : null;
      };
      const name = (kind: 'user' | 'role', id: string): string | null =>
        kind === 'role' ? (guild.roles.find((r) => r.id === id)?.name ?? null) : (shown(id) ?? (id === me() ? (get(session).user?.displayName ?? null) : null));
      const author = m ? (shown(m.author.id) ?? m.author.displayName) : 'Someone';
      const text = m ? plainText(parseMarkdown(m.content), name) : null;
      return mentionNotice({ author, channel, guild: guild.name, text, preview: get(notifyPrefs).preview, mention });
    },
  });
}

onGatewayEvent('message:create', (p) => {
  if (!isObj(p) || !isObj(p.message) || typeof p.channelId !== 'string' || typeof p.guildId !== 'string') {
    return;
  }
  const m = p.message as unknown as Message;
  remember(m);
  if (m.author.id === me()) {
    dismissNewLine(p.channelId);
    // Writing there reads it, as in Discord.
    if (heldUnread.delete(p.channelId) && onScreen(p.channelId)) {
      markRead(p.channelId, m.id);
    }
  }
  dropTypist(p.channelId, m.author.id);
  // A thread never read counts only its mentions, unless the person follows it (as the server does).
  const followed = !isThreadOf(p.guildId, p.channelId) || !!lastRead.get(p.channelId) || isFollowed(p.channelId);
  if (m.author.id !== me() && !onScreen(p.channelId) && followed) {
    const guildId = p.guildId;
    const parentId = threadParents.get(p.channelId) ?? null;
    setBadge(p.channelId, (b) => ({ guildId, unread: (b?.unread ?? 0) + 1, mentions: b?.mentions ?? 0, parentId }));
  }
  if (m.author.id !== me() && !isBlocked(m.author.id)) {
    notifyGuildMessage(p.guildId, p.channelId, m.id, m);
  }
});

onGatewayEvent('mention:create', (p) => {
  if (!isObj(p) || typeof p.channelId !== 'string' || typeof p.guildId !== 'string') {
    return;
  }
  // The reader may have chosen not to count @everyone/@here or role mentions in this guild.
  const via = p.via === 'role' || p.via === 'everyone' ? p.via : 'user';
  if (!mentionCounts(notifyFor(p.guildId), via)) {
    return;
  }
  if (!onScreen(p.channelId)) {
    const guildId = p.guildId;
    const parentId = threadParents.get(p.channelId) ?? null;
    // In a thread never read and not followed, the mention is what makes it unread (its message:create did not count).
    const unseen = isThreadOf(guildId, p.channelId) && !lastRead.get(p.channelId) && !isFollowed(p.channelId);
    setBadge(p.channelId, (b) => ({ guildId, unread: unseen ? (b?.unread ?? 0) + 1 : (b?.unread ?? 1), mentions: (b?.mentions ?? 0) + 1, parentId }));
  }
  if (typeof p.messageId === 'string' && p.authorId !== me() && !(typeof p.authorId === 'string' && isBlocked(p.authorId))) {
    notifyGuildMessage(p.guildId, p.channelId, p.messageId, null);
  }
});

// The server counts mentions after the suppressions: when they change (here, in another tab or on
// another device), the counts are fetched again.
let suppressions = '';
notifySettings.subscribe((all) => {
  const now = Object.values(all).map((g) => `${g.guildId}:${g.suppressEveryone}:${g.suppressRoles}`).sort().join();
  const before = suppressions;
  suppressions = now;
  if (before !== '' && before !== now && me() && get(connectionState) === 'connected') {
    void loadReadStates();
  }
});

for (const name of ['thread:create', 'thread:update'] as const) {
  onGatewayEvent(name, (p) => {
    const t = isObj(p) && isObj(p.thread) ? p.thread : null;
    if (t && typeof t.id === 'string' && typeof t.parentId === 'string') {
      threadParents.set(t.id, t.parentId);
    }
  });
}

// The server leaves blocked people's messages out of the counts: a block or unblock (here or on
// another device) recounts the badges at once.
onGatewayEvent('blocks:update', () => void loadReadStates());

onGatewayEvent('readstate:update', (p) => {
  if (isObj(p) && typeof p.channelId === 'string' && typeof p.guildId === 'string' && typeof p.unread === 'number' && typeof p.mentions === 'number') {
    const r = p as unknown as ReadState;
    const known = lastRead.get(r.channelId);
    if (known && (r.lastMessageId === null || r.lastMessageId === undefined || r.lastMessageId < known) && !pendingAcks.has(r.channelId)) {
      // Moved back: marked unread (here or on another device).
      applyUnread(r);
    } else {
      fromServer(onScreen(r.channelId) ? { ...r, unread: 0, mentions: 0 } : r);
    }
  }
});

onGatewayEvent('typing:start', (p) => {
  if (!isObj(p) || typeof p.channelId !== 'string' || !isObj(p.user) || typeof p.user.id !== 'string' || p.user.id === me()) {
    return;
  }
  const channelId = p.channelId;
  const user = p.user as unknown as MessageAuthor;
  const until = Date.now() + TYPING_TTL_MS;
  typingState.update((s) => ({ ...s, [channelId]: [...(s[channelId] ?? []).filter((t) => t.user.id !== user.id), { user, until }] }));
  sweep ??= setInterval(sweepTyping, 1_000);
});

for (const name of ['reaction:add', 'reaction:remove'] as const) {
  onGatewayEvent(name, (p) => {
    if (!isObj(p) || typeof p.channelId !== 'string' || typeof p.messageId !== 'string' || typeof p.emoji !== 'string' || typeof p.count !== 'number') {
      return;
    }
    const { emoji, count } = p as { emoji: string; count: number };
    const byMe = p.userId === me();
    patchMessage(p.channelId, p.messageId, (m) => ({ ...m, reactions: applyReaction(m.reactions ?? [], emoji, count, byMe, name === 'reaction:add') }));
  });
}

onGatewayEvent('poll:vote', (p) => {
  if (isObj(p) && typeof p.channelId === 'string' && typeof p.messageId === 'string') {
    const mine = me();
    patchMessage(p.channelId, p.messageId, (m) => (m.poll ? { ...m, poll: applyVote(m.poll, p, mine) } : m));
  }
});

onGatewayEvent('poll:end', (p) => {
  if (isObj(p) && typeof p.channelId === 'string' && typeof p.messageId === 'string') {
    patchMessage(p.channelId, p.messageId, (m) => (m.poll ? { ...m, poll: applyEnd(m.poll, p) } : m));
  }
});

onGatewayEvent('pin:add', (p) => {
  if (isObj(p) && typeof p.channelId === 'string' && isObj(p.pin)) {
    const pin = p.pin as unknown as Pin;
    const channelId = p.channelId;
    pinState.update((s) => (s && s.channelId === channelId ? { ...s, pins: [pin, ...s.pins.filter((x) => x.message.id !== pin.message.id)] } : s));
  }
});

onGatewayEvent('pin:remove', (p) => {
  if (isObj(p) && typeof p.channelId === 'string' && typeof p.messageId === 'string') {
    const { channelId, messageId } = p as { channelId: string; messageId: string };
    pinState.update((s) => (s && s.channelId === channelId ? { ...s, pins: s.pins.filter((x) => x.message.id !== messageId) } : s));
  }
});

// Joining a guild (in this tab or elsewhere): its counts come from the server. The hub delivers a
// new guild's events only once this node knows of the membership (then it sends guild:create), so a
// message sent in between would otherwise never count.
onGatewayEvent('guild:create', () => {
  if (me()) {
    void loadReadStates();
  }
});

// The server is the source of truth for counts on every (re)connect.
let lastConnection = get(connectionState);
connectionState.subscribe((c) => {
  const was = lastConnection;
  lastConnection = c;
  if (c === 'connected' && was !== 'connected' && me()) {
    void loadReadStates();
  }
});

// Another account in this tab starts clean.
let lastUser = me();
session.subscribe((s) => {
  const id = s.user?.id ?? null;
  if (id !== lastUser) {
    lastUser = id;
    badgeState.set({});
    dividerState.set({});
    lastRead.clear();
    threadParents.clear();
    heldUnread.clear();
    recent.clear();
    pendingAcks.clear();
    typingState.set({});
    pinState.set(null);
    lastTypingSent = new Map();
  }
});

// Loaded after the hub was already up (this module comes with the lazy home screen).
if (get(connectionState) === 'connected' && me()) {
  void loadReadStates();
}
