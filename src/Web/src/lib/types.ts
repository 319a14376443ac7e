/** Shapes of the Api's JSON, as documented in docs/API.md. */

export interface User {
  id: string;
  username: string;
  displayName: string;
  createdAt: string;
  /** "About me": up to 190 characters, line breaks kept; absent when not set. */
  bio?: string | null;
}

/** The answer to a right password when the account has two-factor authentication. */
export interface MfaChallenge {
  mfa: true;
  ticket: string;
}

/** `GET /api/users/{id}/profile`: the person, and what the viewer has in common with them. */
export interface UserProfile extends User {
  deleted?: boolean;
  mutualGuildIds: string[];
  mutualFriends: { id: string; username: string; displayName: string }[];
}

/** `GET /api/users/@me/privacy`: who may send friend requests (everyone, or only the other two). */
export interface PrivacySettings {
  friendRequests: { everyone: boolean; friendsOfFriends: boolean; guildMembers: boolean };
}

/** `GET /api/users/@me/mfa`. */
export interface MfaStatus {
  enabled: boolean;
  backupCodesLeft: number;
}

export interface AuthResponse {
  accessToken: string;
  refreshToken: string;
  /** Access token lifetime in seconds. */
  expiresIn: number;
  sessionId: string;
  user: User;
}

export interface SessionInfo {
  id: string;
  createdAt: string;
  lastUsedAt: string;
  expiresAt: string;
  userAgent: string | null;
  ip: string | null;
  current: boolean;
}

export interface ErrorBody {
  error: { code: string; message: string };
}

// --- guilds (docs/API.md, "Guilds") ---------------------------------------------------------

export type ChannelType = 'text' | 'voice' | 'category';

/** Allow/deny bits for one role or member in one channel; bits are decimal strings. */
export interface Overwrite {
  id: string;
  type: 'role' | 'member';
  allow: string;
  deny: string;
}

export interface Channel {
  id: string;
  guildId: string;
  type: ChannelType;
  name: string;
  topic: string | null;
  parentId: string | null;
  position: number;
  permissionsSynced: boolean;
  overwrites: Overwrite[];
  /** Slowmode: seconds between two messages of one member (0 or missing: off). */
  rateLimitPerUser?: number;
}

export interface Role {
  id: string;
  name: string;
  /** 0xRRGGBB; 0 means "no colour". */
  color: number;
  /** 0 is @everyone; higher is more powerful. */
  position: number;
  permissions: string;
}

export interface Member {
  userId: string;
  username: string;
  displayName: string;
  nickname: string | null;
  roles: string[];
  joinedAt: string;
  timeoutUntil: string | null;
}

export interface GuildMe {
  userId: string;
  nickname: string | null;
  roles: string[];
  joinedAt: string;
  timeoutUntil: string | null;
  /** Guild-wide permissions. */
  permissions: string;
  channelPermissions: Record<string, string>;
}

/** A guild as its member sees it: only the channels they can view. */
export interface Guild {
  id: string;
  name: string;
  ownerId: string;
  createdAt: string;
  memberCount: number;
  roles: Role[];
  channels: Channel[];
  me: GuildMe;
  /** The icon's SHA-256 (`/api/attachments/icons/{icon}`); absent: initials. */
  icon?: string;
  /** The guild's own emoji, written `<:name:id>` in messages. */
  emojis?: GuildEmoji[];
}

export interface GuildEmoji {
  id: string;
  name: string;
  /** SHA-256 of its picture (`/api/attachments/emojis/{image}`). */
  image: string;
  creatorId: string;
  createdAt: string;
}

export interface Invite {
  code: string;
  guildId: string;
  channelId: string;
  creatorId: string;
  createdAt: string;
  expiresAt: string | null;
  /** 0 = unlimited. */
  maxUses: number;
  uses: number;
}

export interface InvitePreview {
  code: string;
  guildId: string;
  guildName: string;
  /** The channel the invite was made for: where the new member lands. */
  channelId: string;
  channelName: string;
  memberCount: number;
  expiresAt: string | null;
  /** The guild's icon, when it has one. */
  guildIcon?: string;
}

export interface Ban {
  userId: string;
  username: string;
  reason: string | null;
  bannedBy: string;
  bannedAt: string;
}

export interface AuditEntry {
  id: string;
  actorId: string;
  action: string;
  targetId: string | null;
  reason: string | null;
  changes: Record<string, unknown> | null;
  createdAt: string;
}

export interface ChannelPosition {
  id: string;
  position: number;
  /** Present = move to that parent (null = top level); absent = stay. */
  parentId?: string | null;
}

// --- messages (docs/API.md, "Messages (text channels)") -------------------------------------

export interface MessageAuthor {
  id: string;
  username: string;
  displayName: string;
}

export interface Message {
  /** Time-ordered UUID (v7): comparing ids as strings orders messages. */
  id: string;
  guildId: string;
  channelId: string;
  /** The channel's gap-free sequence number at send time. */
  seq: number;
  author: MessageAuthor;
  content: string;
  nonce: string | null;
  /** Id of the message this one answers, in the same channel. */
  replyTo: string | null;
  createdAt: string;
  editedAt: string | null;
  /** Files sent with the message (absent in older payloads). */
  attachments?: Attachment[];
  /** The thread started from this message, if any. */
  thread?: ThreadInfo | null;
  /** Users this message mentions (parsed by the server). */
  mentions?: string[] | null;
  mentionRoles?: string[] | null;
  mentionEveryone?: boolean;
  /** The text says @here with effect (whom it reached stays on the server). */
  mentionHere?: boolean;
  /** null in `message:update`: keep the reactions already known. */
  reactions?: Reaction[] | null;
  /** A poll: the content is its question (docs/API.md "Polls"). */
  poll?: Poll;
}

export interface PollAnswer {
  id: number;
  text: string;
  emoji?: string;
}

export interface PollResults {
  /** Every answer, in order. */
  counts: { answerId: number; count: number }[];
  /** People who voted (several answers count once). */
  voters: number;
  /** The reader's own choices. */
  me: number[];
}

export interface Poll {
  answers: PollAnswer[];
  allowMultiselect: boolean;
  expiresAt: string;
  results: PollResults;
}

// --- threads and search (docs/API.md, "Threads", "Search") -----------------------------------

export interface ThreadInfo {
  /** Also the thread's channel id for messages. */
  id: string;
  guildId: string;
  parentId: string;
  starterMessageId: string | null;
  creatorId: string;
  name: string;
  archived: boolean;
  archivedAt: string | null;
  createdAt: string;
  messageCount: number;
  lastActivityAt: string;
  /** Minutes without activity after which the server archives the thread (60, 1440, 4320, 10080). */
  autoArchiveDuration: number;
  /** How many people follow the thread (docs/API.md "Thread members"). */
  memberCount?: number;
}

export interface SearchHit {
  message: Message;
  /** The content with matches between U+E000 and U+E001 (never HTML). */
  highlight: string | null;
  threadParentId: string | null;
  threadName: string | null;
}

/** One of the reader's recent mentions (docs/API.md, "Recent mentions"). */
export interface MentionItem {
  message: Message;
  guildName: string;
  /** The channel's name; for a thread, its parent's. */
  channelName: string;
  threadParentId?: string | null;
  threadName?: string | null;
}

export interface MentionPage {
  mentions: MentionItem[];
  /** Older mentions follow: ask again with `before` = the last one's id. */
  hasMore: boolean;
}

export interface SearchResult {
  total: number;
  totalCapped: boolean;
  results: SearchHit[];
}

/** A file attached to a message (docs/API.md, "Attachments"). */
export interface Attachment {
  id: string;
  filename: string;
  /** Sniffed by the server from the bytes, not the client's claim. */
  contentType: string;
  size: number;
  width?: number | null;
  height?: number | null;
  /** Same-origin path; fetched with the media cookie (see lib/media.ts). */
  url: string;
}

export interface Reaction {
  emoji: string;
  count: number;
  /** Whether the current user reacted with it. */
  me: boolean;
}

export interface Pin {
  message: Message;
  pinnedBy: string;
  pinnedAt: string;
}

export interface ReadState {
  guildId: string;
  channelId: string;
  lastMessageId: string | null;
  lastSeq: number;
  unread: number;
  mentions: number;
  /** The parent channel when `channelId` is a thread. */
  parentId?: string | null;
}
