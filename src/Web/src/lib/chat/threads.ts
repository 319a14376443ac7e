import type { Message, ThreadInfo } from '../types.ts';

/** Pure rules of threads in the client: starter messages, lists, names. */

export const MAX_THREAD_NAME = 100;

/** "Hide after inactivity": the limits a thread may have, in minutes, as the server accepts them. */
export const AUTO_ARCHIVE_CHOICES: readonly { minutes: number; label: string }[] = [
  { minutes: 60, label: '1 hour' },
  { minutes: 1440, label: '24 hours' },
  { minutes: 4320, label: '3 days' },
  { minutes: 10080, label: '1 week' },
];

/** The limit of a thread created without choosing one. */
export const DEFAULT_AUTO_ARCHIVE = 1440;

/** A thread name proposed from its starter message: its first line, shortened. */
export function defaultThreadName(content: string): string {
  const line = content.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? '';
  const plain = line.replace(/[*_~`>|]+/g, '').replace(/\s+/g, ' ').trim();
  if (plain.length <= 40) {
    return plain || 'New thread';
  }
  const cut = plain.slice(0, 40);
  const space = cut.lastIndexOf(' ');
  return (space > 20 ? cut.slice(0, space) : cut) + '…';
}

/** `messages` with the thread's summary on its starter message (same array when not held). */
export function attachThread(messages: Message[], thread: ThreadInfo): Message[] {
  const i = thread.starterMessageId ? messages.findIndex((m) => m.id === thread.starterMessageId) : -1;
  if (i < 0) {
    return messages;
  }
  const next = messages.slice();
  next[i] = { ...(messages[i] as Message), thread };
  return next;
}

/**
 * A thread list (newest first, one archived state) after a create or update: inserted or
 * replaced in id order, or removed when it moved to the other list.
 */
export function upsertThread(list: readonly ThreadInfo[], thread: ThreadInfo, archived: boolean): ThreadInfo[] {
  const rest = list.filter((t) => t.id !== thread.id);
  if (thread.archived !== archived) {
    return rest;
  }
  return [...rest, thread].sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** Whether an event's payload is a thread (its id and parent at least). */
export const isThreadInfo = (v: unknown): v is ThreadInfo =>
  typeof v === 'object' && v !== null && typeof (v as ThreadInfo).id === 'string' && typeof (v as ThreadInfo).parentId === 'string';

/** "3 messages", "1 message", "No messages yet". */
export function messageCountLabel(count: number): string {
  return count === 0 ? 'No messages yet' : count === 1 ? '1 message' : `${count > 999 ? '999+' : count} messages`;
}

/**
 * The followed threads listed under a channel in the sidebar: those of `parentId` that are not
 * archived, the most recently active first (as Discord lists them).
 */
export function followedUnder(parentId: string, followed: Readonly<Record<string, ThreadInfo>>): ThreadInfo[] {
  return Object.values(followed)
    .filter((t) => t.parentId === parentId && !t.archived)
    .sort((a, b) => (a.lastActivityAt < b.lastActivityAt ? 1 : a.lastActivityAt > b.lastActivityAt ? -1 : a.name.localeCompare(b.name)));
}

/** "1 member", "12 members". */
export function memberCountLabel(count: number): string {
  return count === 1 ? '1 member' : `${count} members`;
}

/** Who may archive, unarchive or rename a thread: its creator or MANAGE_THREADS. */
export function canManageThread(thread: ThreadInfo, userId: string, manageThreads: boolean): boolean {
  return manageThreads || thread.creatorId === userId;
}
