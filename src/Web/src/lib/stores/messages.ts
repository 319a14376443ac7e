import { get, writable, type Readable } from 'svelte/store';
import { checkSeq, maxSeq, mergeMessages, removeMessage, trimWindow } from '../chat/timeline.ts';
import { connectionState, onGatewayEvent } from '../gateway.ts';
import { describeError } from '../messages.ts';
import type { Message } from '../types.ts';
import { api, session } from './session.ts';

/**
 * The open text channel's messages: a window of at most WINDOW messages that moves with the
 * scroll (older pages load at the top, the far end is dropped and refetched when needed), kept
 * live by the hub's message events, with gap detection by `seq` and a catch-up after reconnects.
 * Other channels only collect an unread mark.
 */
export interface ChannelMessages {
  guildId: string;
  channelId: string;
  /** Oldest first. */
  messages: Message[];
  /** Older messages exist before messages[0] (not loaded, or dropped from the window). */
  hasOlder: boolean;
  /** The window reaches the newest message; live messages are appended only then. */
  atPresent: boolean;
  loading: 'initial' | 'older' | 'newer' | null;
  error: string | null;
  /** Highest seq held while at present, to notice missed events. */
  lastSeq: number | null;
}

export const PAGE = 50;
const CATCH_UP_PAGE = 100;
const CATCH_UP_PAGES = 5;

const unreadState = writable<ReadonlySet<string>>(new Set());
/** Channels with messages that arrived while another channel was open. */
export const unread: Readable<ReadonlySet<string>> = { subscribe: unreadState.subscribe };

function setUnread(channelId: string, on: boolean): void {
  unreadState.update((set) => {
    if (set.has(channelId) === on) {
      return set;
    }
    const next = new Set(set);
    if (on) {
      next.add(channelId);
    } else {
      next.delete(channelId);
    }
    return next;
  });
}

/** Clears the unread marks of these channels (a guild marked as read). */
export function forgetUnread(channelIds: Iterable<string>): void {
  for (const id of channelIds) {
    setUnread(id, false);
  }
}

/** The live message window of one open channel (the main view, or the thread panel). */
export interface MessageStore {
  channelMessages: Readable<ChannelMessages | null>;
  openChannel(guildId: string, channelId: string): Promise<void>;
  closeChannel(): void;
  loadOlder(): Promise<void>;
  loadNewer(): Promise<void>;
  jumpToPresent(): Promise<void>;
  jumpTo(id: string): Promise<boolean>;
  receive(message: Message): void;
  editMessage(channelId: string, id: string, content: string): Promise<void>;
  deleteMessage(channelId: string, id: string): Promise<void>;
  /** Applies a change to the messages held (e.g. a thread summary on its starter message). */
  patch(channelId: string, fn: (messages: Message[]) => Message[]): void;
}

/** An edit carries `reactions: null`: the ones already known stay. */
function keepReactions(list: readonly Message[], m: Message): Message {
  return m.reactions ? m : { ...m, reactions: list.find((x) => x.id === m.id)?.reactions ?? [] };
}

export function createMessageStore(trackUnread: boolean): MessageStore {
  const state = writable<ChannelMessages | null>(null);
  const channelMessages: Readable<ChannelMessages | null> = { subscribe: state.subscribe };

  /** Bumped on every open, so answers for a channel left in the meantime are ignored. */
  let generation = 0;

  function current(channelId: string, gen: number): ChannelMessages | null {
    const s = get(state);
    return gen === generation && s?.channelId === channelId ? s : null;
  }

  function update(channelId: string, fn: (s: ChannelMessages) => ChannelMessages): void {
    state.update((s) => (s && s.channelId === channelId ? fn(s) : s));
  }

  /** Shows a channel: its latest page, then live updates. */
  async function openChannel(guildId: string, channelId: string): Promise<void> {
    const gen = ++generation;
    if (trackUnread) {
      setUnread(channelId, false);
    }
    state.set({ guildId, channelId, messages: [], hasOlder: false, atPresent: true, loading: 'initial', error: null, lastSeq: null });
    await loadLatest(channelId, gen);
  }

  function closeChannel(): void {
    generation++;
    state.set(null);
  }

  async function loadLatest(channelId: string, gen: number): Promise<void> {
    try {
      const { messages } = await api.listMessages(channelId, { limit: PAGE });
      if (!current(channelId, gen)) {
        return;
      }
      update(channelId, (s) => {
        // Events that arrived during the request are kept (merge drops the duplicates).
        const list = mergeMessages(messages, s.atPresent ? s.messages : []);
        return { ...s, messages: list, hasOlder: messages.length >= PAGE, atPresent: true, loading: null, error: null, lastSeq: maxSeq(list) };
      });
    } catch (err) {
      if (current(channelId, gen)) {
        update(channelId, (s) => ({ ...s, loading: null, error: describeError(err) }));
      }
    }
  }

  /** The page before the oldest message held (infinite scroll upwards). */
  async function loadOlder(): Promise<void> {
    const s = get(state);
    const oldest = s?.messages[0];
    if (!s || !oldest || !s.hasOlder || s.loading) {
      return;
    }
    const { channelId } = s;
    const gen = generation;
    update(channelId, (x) => ({ ...x, loading: 'older', error: null }));
    try {
      const { messages } = await api.listMessages(channelId, { before: oldest.id, limit: PAGE });
      if (!current(channelId, gen)) {
        return;
      }
      update(channelId, (x) => {
        const { list, dropped } = trimWindow(mergeMessages(x.messages, messages), 'older');
        const atPresent = x.atPresent && !dropped;
        return { ...x, messages: list, hasOlder: messages.length >= PAGE, atPresent, lastSeq: atPresent ? x.lastSeq : null, loading: null };
      });
    } catch (err) {
      update(channelId, (x) => ({ ...x, loading: null, error: describeError(err) }));
    }
  }

  /** The page after the newest message held, when the window does not reach the present. */
  async function loadNewer(): Promise<void> {
    const s = get(state);
    const newest = s?.messages[s.messages.length - 1];
    if (!s || !newest || s.atPresent || s.loading) {
      return;
    }
    const { channelId } = s;
    const gen = generation;
    update(channelId, (x) => ({ ...x, loading: 'newer', error: null }));
    try {
      const { messages } = await api.listMessages(channelId, { after: newest.id, limit: PAGE });
      if (!current(channelId, gen)) {
        return;
      }
      update(channelId, (x) => {
        const { list, dropped } = trimWindow(mergeMessages(x.messages, messages), 'newer');
        const atPresent = messages.length < PAGE;
        return { ...x, messages: list, hasOlder: x.hasOlder || dropped, atPresent, lastSeq: atPresent ? maxSeq(list) : null, loading: null };
      });
    } catch (err) {
      update(channelId, (x) => ({ ...x, loading: null, error: describeError(err) }));
    }
  }

  /** Back to the newest page (the window was scrolled or jumped into the past). */
  async function jumpToPresent(): Promise<void> {
    const s = get(state);
    if (s && !s.atPresent) {
      await restart(s.channelId);
    }
  }

  /** Loads the messages around `id` (a reply whose original is not in the window). */
  async function jumpTo(id: string): Promise<boolean> {
    const s = get(state);
    if (!s) {
      return false;
    }
    if (s.messages.some((m) => m.id === id)) {
      return true;
    }
    const { channelId } = s;
    const gen = generation;
    try {
      const { messages } = await api.listMessages(channelId, { around: id, limit: PAGE });
      if (!current(channelId, gen) || !messages.some((m) => m.id === id)) {
        return false;
      }
      ++generation;
      state.set({ ...s, messages, hasOlder: true, atPresent: false, loading: null, error: null, lastSeq: null });
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Fetches what came after `afterId` (the newest message held before a seq gap, or at a
   * reconnect) and merges it. When too much was missed, it starts again from the latest page.
   */
  async function catchUp(channelId: string, afterId: string): Promise<void> {
    const gen = generation;
    let after = afterId;
    for (let page = 0; page < CATCH_UP_PAGES; page++) {
      if (!current(channelId, gen)?.atPresent) {
        return;
      }
      let messages: Message[];
      try {
        ({ messages } = await api.listMessages(channelId, { after, limit: CATCH_UP_PAGE }));
      } catch {
        return; // The next gap or reconnect tries again.
      }
      if (!current(channelId, gen)) {
        return;
      }
      update(channelId, (x) => {
        const { list, dropped } = trimWindow(mergeMessages(x.messages, messages), 'newer');
        return { ...x, messages: list, hasOlder: x.hasOlder || dropped, lastSeq: maxSeq(list, x.lastSeq) };
      });
      const last = messages[messages.length - 1];
      if (!last || messages.length < CATCH_UP_PAGE) {
        return;
      }
      after = last.id;
    }
    await restart(channelId);
  }

  /** Drops the window and loads the latest page. */
  async function restart(channelId: string): Promise<void> {
    const gen = ++generation;
    update(channelId, (x) => ({ ...x, messages: [], hasOlder: false, atPresent: true, loading: 'initial', error: null, lastSeq: null }));
    await loadLatest(channelId, gen);
  }

  /** A message this client learned about (an acknowledged send, or a hub event). */
  function receive(message: Message): void {
    const s = get(state);
    if (!s || s.channelId !== message.channelId) {
      return;
    }
    if (!s.atPresent) {
      return; // Loaded when the window comes back to the present.
    }
    const check = checkSeq(s.lastSeq, message.seq);
    const newest = s.messages[s.messages.length - 1];
    update(s.channelId, (x) => {
      const { list, dropped } = trimWindow(mergeMessages(x.messages, [message]), 'newer');
      return { ...x, messages: list, hasOlder: x.hasOlder || dropped, lastSeq: maxSeq([message], x.lastSeq) };
    });
    if (check === 'gap' && newest) {
      void catchUp(s.channelId, newest.id);
    }
  }

  /** Saves an edit; the answer (or the update event, whichever is first) shows it. */
  async function editMessage(channelId: string, id: string, content: string): Promise<void> {
    const message = await api.editMessage(channelId, id, content);
    update(channelId, (x) => ({ ...x, messages: mergeMessages(x.messages, [keepReactions(x.messages, message)]) }));
  }

  async function deleteMessage(channelId: string, id: string): Promise<void> {
    await api.deleteMessage(channelId, id);
    update(channelId, (x) => ({ ...x, messages: removeMessage(x.messages, id) }));
  }

  // --- live updates ---------------------------------------------------------------------------

  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  const isMessage = (v: unknown): v is Message =>
    isObj(v) && typeof v.id === 'string' && typeof v.channelId === 'string' && typeof v.seq === 'number' && isObj(v.author);

  onGatewayEvent('message:create', (p) => {
    if (!isObj(p) || !isMessage(p.message)) {
      return;
    }
    const m = p.message;
    if (get(state)?.channelId === m.channelId) {
      receive(m);
    } else if (trackUnread && m.author.id !== get(session).user?.id) {
      setUnread(m.channelId, true);
    }
  });

  onGatewayEvent('message:update', (p) => {
    if (isObj(p) && isMessage(p.message)) {
      const m = p.message;
      // Only messages in the window: an edit of one outside it shows when it is loaded again.
      update(m.channelId, (x) => (x.messages.some((y) => y.id === m.id) ? { ...x, messages: mergeMessages(x.messages, [keepReactions(x.messages, m)]) } : x));
    }
  });

  onGatewayEvent('message:delete', (p) => {
    if (isObj(p) && typeof p.channelId === 'string' && typeof p.id === 'string') {
      const id = p.id;
      update(p.channelId, (x) => ({ ...x, messages: removeMessage(x.messages, id) }));
    }
  });

  // Events are not replayed: whatever was sent while the hub was down (or not yet up, when the
  // first page came over REST before the connection) is fetched once it is connected.
  let lastConnection = get(connectionState);
  connectionState.subscribe((c) => {
    const was = lastConnection;
    lastConnection = c;
    const s = get(state);
    if (c === 'connected' && was !== 'connected' && s && s.atPresent && !s.loading) {
      const newest = s.messages[s.messages.length - 1];
      if (newest) {
        void catchUp(s.channelId, newest.id);
      } else {
        void loadLatest(s.channelId, generation);
      }
    }
  });

  function patch(channelId: string, fn: (messages: Message[]) => Message[]): void {
    update(channelId, (x) => ({ ...x, messages: fn(x.messages) }));
  }

  return { channelMessages, openChannel, closeChannel, loadOlder, loadNewer, jumpToPresent, jumpTo, receive, editMessage, deleteMessage, patch };
}

/** The channel open in the main view; it also keeps the unread marks. */
export const mainMessages = createMessageStore(true);
const main = mainMessages;
/** The thread open in the side panel. */
export const threadMessages = createMessageStore(false);

export const {
  channelMessages, openChannel, closeChannel, loadOlder, loadNewer, jumpToPresent, jumpTo, editMessage, deleteMessage, patch,
} = main;

/** Changes one message in place (reactions and other live details), in whichever window holds it. */
export function patchMessage(channelId: string, id: string, fn: (m: Message) => Message): void {
  const change = (list: Message[]) => (list.some((m) => m.id === id) ? list.map((m) => (m.id === id ? fn(m) : m)) : list);
  main.patch(channelId, change);
  threadMessages.patch(channelId, change);
}

/** A message this client learned about (an acknowledged send): to whichever window shows its channel. */
export function receive(message: Message): void {
  main.receive(message);
  threadMessages.receive(message);
}

// Another account in this tab starts clean.
let lastUser = get(session).user?.id ?? null;
session.subscribe((s) => {
  const id = s.user?.id ?? null;
  if (id !== lastUser) {
    lastUser = id;
    main.closeChannel();
    threadMessages.closeChannel();
    unreadState.set(new Set());
  }
});
