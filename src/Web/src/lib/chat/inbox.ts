import type { MentionItem, Message } from '../types.ts';
import { parseMarkdown, plainText, type MdNode } from './markdown.ts';
import { mentionsMe } from './social.ts';

/**
 * The inbox's rules (components/chat/InboxPanel.svelte): the query for a page of recent mentions,
 * merging pages and live changes, and how an item reads. Pure, so unit tests cover them.
 */

export interface InboxFilters {
  /** Only the guild on screen. */
  thisGuild: boolean;
  /** Include @everyone and @here. */
  everyone: boolean;
  /** Include mentions of the reader's roles. */
  roles: boolean;
}

export const DEFAULT_FILTERS: InboxFilters = { thisGuild: false, everyone: true, roles: true };
export const INBOX_PAGE = 25;
const FILTERS_KEY = 'lescopains.inbox.filters';

/** The query of `GET /api/users/@me/mentions`; `guildId` counts only with `thisGuild`. */
export function inboxParams(filters: InboxFilters, guildId: string | null, before: string | null, limit = INBOX_PAGE): URLSearchParams {
  const params = new URLSearchParams({ limit: String(limit) });
  if (filters.thisGuild && guildId) {
    params.set('guildId', guildId);
  }
  if (!filters.everyone) {
    params.set('everyone', 'false');
  }
  if (!filters.roles) {
    params.set('roles', 'false');
  }
  if (before) {
    params.set('before', before);
  }
  return params;
}

/** `current` with `fresh` in it (fresh wins: edits, reactions), newest first (ids are time-ordered). */
export function mergeMentions(current: readonly MentionItem[], fresh: readonly MentionItem[]): MentionItem[] {
  const byId = new Map(current.map((m) => [m.message.id, m]));
  for (const m of fresh) {
    byId.set(m.message.id, m);
  }
  return [...byId.values()].sort((a, b) => (a.message.id < b.message.id ? 1 : a.message.id > b.message.id ? -1 : 0));
}

/**
 * A live edit: the item's message replaced (its reactions kept), or the item gone when the new text
 * no longer mentions the reader in a way the filters list (`roleIds`: theirs in its guild); a
 * message not listed changes nothing. (@here is kept: whom it reached stays on the server.)
 */
export function editMention(
  list: readonly MentionItem[], message: Message, userId: string, roleIds: readonly string[], filters: InboxFilters,
): readonly MentionItem[] {
  if (!list.some((m) => m.message.id === message.id)) {
    return list;
  }
  if (!mentionsMe(message, userId, roleIds, { suppressEveryone: !filters.everyone, suppressRoles: !filters.roles })) {
    return removeMention(list, message.id);
  }
  return list.map((m) => (m.message.id === message.id ? { ...m, message: { ...message, reactions: message.reactions ?? m.message.reactions } } : m));
}

export function removeMention(list: readonly MentionItem[], messageId: string): readonly MentionItem[] {
  return list.some((m) => m.message.id === messageId) ? list.filter((m) => m.message.id !== messageId) : list;
}

/** "Dismiss all" up to `messageId`: it and every older mention leave (ids are time-ordered, as text too). */
export function removeMentionsUpTo(list: readonly MentionItem[], messageId: string): readonly MentionItem[] {
  const upTo = messageId.toLowerCase();
  return list.some((m) => m.message.id.toLowerCase() <= upTo) ? list.filter((m) => m.message.id.toLowerCase() > upTo) : list;
}

/** Whether the inbox shows every mention (so that "Dismiss all" dismisses only what can be seen). */
export const showsEverything = (filters: InboxFilters): boolean => !filters.thisGuild && filters.everyone && filters.roles;

/** "Guild › #channel", or "Guild › thread in #channel". */
export function whereLabel(item: MentionItem): string {
  return item.threadName
    ? `${item.guildName} › ${item.threadName} in #${item.channelName}`
    : `${item.guildName} › #${item.channelName}`;
}

function userMentions(nodes: readonly MdNode[], into: Set<string>): void {
  for (const n of nodes) {
    if (n.t === 'mention') {
      if (n.kind === 'user') {
        into.add(n.id);
      }
    } else if ('c' in n) {
      userMentions(n.c, into);
    }
  }
}

/** Per guild, the users the items mention (not in code), to look their names up. */
export function mentionedUsers(items: readonly MentionItem[]): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  for (const item of items) {
    const set = sets.get(item.message.guildId) ?? new Set<string>();
    userMentions(parseMarkdown(item.message.content), set);
    sets.set(item.message.guildId, set);
  }
  return new Map([...sets].filter(([, s]) => s.size > 0).map(([g, s]) => [g, [...s]]));
}

/** The item's text on one line, mentions by name where `name` knows them. */
export function previewText(item: MentionItem, name: (kind: 'user' | 'role', id: string) => string | null): string {
  return plainText(parseMarkdown(item.message.content), name);
}

export function loadFilters(storage: Pick<Storage, 'getItem'> | null): InboxFilters {
  try {
    const raw = JSON.parse(storage?.getItem(FILTERS_KEY) ?? 'null') as Partial<InboxFilters> | null;
    return {
      thisGuild: raw?.thisGuild === true,
      everyone: raw?.everyone !== false,
      roles: raw?.roles !== false,
    };
  } catch {
    return { ...DEFAULT_FILTERS };
  }
}

export function saveFilters(storage: Pick<Storage, 'setItem'> | null, filters: InboxFilters): void {
  try {
    storage?.setItem(FILTERS_KEY, JSON.stringify(filters));
  } catch {
    // Storage full or refused: the choice lasts for this page only.
  }
}
