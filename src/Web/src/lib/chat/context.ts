import { getContext, setContext } from 'svelte';

/** What message rows of one channel need to know about the reader and the guild (set by ChannelChat). */
export interface ChatContext {
  readonly meId: string;
  readonly myRoles: readonly string[];
  /** The reader's choice not to count @everyone/@here or role mentions in this guild. */
  readonly suppress: { suppressEveryone: boolean; suppressRoles: boolean };
  readonly canReact: boolean;
  readonly canPin: boolean;
  userName(id: string): string | null;
  role(id: string): { name: string; color: number } | null;
  /** How a member shows in this guild: their nickname (or display name) and their role's colour; null until looked up. */
  member(id: string): { name: string; color: string | null } | null;
  /** This guild's emoji `id` (its picture's hash); null when it is not one of them (any more). */
  emoji?(id: string): { name: string; image: string } | null;
  /** Every emoji of this guild, for the reaction picker. */
  emojis?(): readonly { id: string; name: string; image: string }[];
  /** Opens the member card of `author` beside `from`. */
  openProfile(author: { id: string; displayName: string; username: string }, from: HTMLElement): void;
}

const KEY = Symbol('chat');

export function setChatContext(ctx: ChatContext): void {
  setContext(KEY, ctx);
}

export function chatContext(): ChatContext | undefined {
  return getContext<ChatContext | undefined>(KEY);
}
