import type {
  AuditEntry, AuthResponse, Ban, MfaChallenge, MfaStatus, PrivacySettings, UserProfile, Channel, ChannelPosition, ChannelType, Guild, GuildEmoji, Invite, InvitePreview, Member, Message, MessageAuthor,
  MentionPage, Pin, Poll, PollResults, Reaction, ReadState, Role, SearchResult, SessionInfo, ThreadInfo, User,
} from './types.ts';
import type { GuildNotify, NotifyChange } from './chat/notify-rules.ts';
import type { Relationship } from './friends.ts';
import { needsRefresh, refreshDelay, sessionFromAuth, type StoredSession } from './tokens.ts';

/** An error the Api answered with (`{error:{code,message}}`), or a transport failure (status 0). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait, from a 429's Retry-After. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/** Why the client no longer holds a usable session. */
export type AuthLostReason = 'revoked' | 'expired';

/** Builds an ApiError from a status, the parsed body (if any) and the Retry-After header. */
export function errorFromBody(status: number, body: unknown, retryAfterHeader: string | null = null): ApiError {
  const retryAfter = parseRetryAfter(retryAfterHeader);
  const error = typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined;
  if (typeof error === 'object' && error !== null) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    if (typeof code === 'string' && code.length > 0) {
      return new ApiError(status, code, typeof message === 'string' && message ? message : code, retryAfter);
    }
  }
  return new ApiError(status, status === 429 ? 'rate_limited' : `http_${status}`, `Request failed (HTTP ${status}).`, retryAfter);
}

/** Retry-After is either delta-seconds or an HTTP date; null when absent or unusable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === '') {
    return null;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status alone has to do.
  }
  return errorFromBody(res.status, body, res.headers.get('Retry-After'));
}

/** Where the client keeps its session; the browser implementation is backed by localStorage. */
export interface SessionStorage {
  /** The latest session, read from durable storage (another tab may have renewed it). */
  get(): StoredSession | null;
  set(session: StoredSession): void;
  /** Forget the session; `reason` says what the user is told. */
  lost(reason: AuthLostReason): void;
}

export interface ApiClientOptions {
  storage: SessionStorage;
  fetch?: typeof fetch;
  now?: () => number;
  /**
   * Runs `fn` under a lock shared by every tab of this origin, so two tabs never spend the
   * same refresh token (the server would see a reuse and revoke the whole session).
   */
  lock?: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Called with the new access token after every renewal. */
  onRenewed?: (session: StoredSession) => void;
}

interface RequestOptions {
  auth?: boolean;
  body?: unknown;
}

const RETRY_AFTER_NETWORK_FAILURE_MS = 10_000;

const enc = encodeURIComponent;

/** The one REST client: JSON in and out, bearer auth, transparent token renewal. */
export class ApiClient {
  private readonly storage: SessionStorage;
  private readonly fetchFn: typeof fetch;
  private readonly now: () => number;
  private readonly lock: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private readonly onRenewed: (session: StoredSession) => void;
  private renewing: Promise<StoredSession> | null = null;
  private timer: unknown = null;

  constructor(options: ApiClientOptions) {
    this.storage = options.storage;
    this.fetchFn = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.now = options.now ?? Date.now;
    this.lock = options.lock ?? ((_name, fn) => fn());
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.onRenewed = options.onRenewed ?? (() => {});
  }

  // --- auth -------------------------------------------------------------------------------

  register(username: string, password: string, displayName?: string): Promise<{ user: User }> {
    return this.request('POST', '/api/auth/register', { auth: false, body: { username, password, displayName } });
  }

  /** Signs in; with two-factor authentication on, answers the challenge instead (then `loginWithCode`). */
  async login(username: string, password: string): Promise<StoredSession | MfaChallenge> {
    const auth = await this.request<AuthResponse | MfaChallenge>('POST', '/api/auth/login', { auth: false, body: { username, password } });
    return 'mfa' in auth && auth.mfa ? auth : this.signedIn(auth as AuthResponse);
  }

  /** The second step of a login with two-factor authentication: an authenticator or backup code. */
  async loginWithCode(ticket: string, code: string): Promise<StoredSession> {
    return this.signedIn(await this.request<AuthResponse>('POST', '/api/auth/mfa/totp', { auth: false, body: { ticket, code } }));
  }

  private signedIn(auth: AuthResponse): StoredSession {
    const session = sessionFromAuth(auth, this.now());
    this.storage.set(session);
    this.schedule();
    return session;
  }

  // --- password and two-factor authentication (docs/API.md) ----------------------------------

  /** Every other session of the account is signed out; this one stays. */
  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.request('PUT', '/api/users/@me/password', { body: { currentPassword, newPassword } });
  }

  mfaStatus(): Promise<MfaStatus> {
    return this.request('GET', '/api/users/@me/mfa');
  }

  enableTotp(password: string, secret: string, code: string): Promise<{ backupCodes: string[] }> {
    return this.request('POST', '/api/users/@me/mfa/totp/enable', { body: { password, secret, code } });
  }

  disableTotp(code: string): Promise<void> {
    return this.request('POST', '/api/users/@me/mfa/totp/disable', { body: { code } });
  }

  /** Who may send this account friend requests. */
  getPrivacy(): Promise<PrivacySettings> {
    return this.request('GET', '/api/users/@me/privacy');
  }

  updatePrivacy(friendRequests: Partial<PrivacySettings['friendRequests']>): Promise<PrivacySettings> {
    return this.request('PATCH', '/api/users/@me/privacy', { body: { friendRequests } });
  }

  /** A new username (password needed; two changes an hour). */
  changeUsername(username: string, password: string): Promise<User> {
    return this.request('PUT', '/api/users/@me/username', { body: { username, password } });
  }

  /** Deletes the caller's account; 409 `owns_guilds` while it owns guilds. */
  deleteAccount(password: string, code?: string): Promise<void> {
    return this.request('DELETE', '/api/users/@me', { body: code ? { password, code } : { password } });
  }

  regenerateBackupCodes(password: string): Promise<{ backupCodes: string[] }> {
    return this.request('POST', '/api/users/@me/mfa/backup-codes', { body: { password } });
  }

  /** Ends the session on the server (best effort) and forgets it here. */
  async logout(): Promise<void> {
    const session = this.storage.get();
    this.cancelSchedule();
    if (session) {
      try {
        await this.request('POST', '/api/auth/logout', { body: { refreshToken: session.refreshToken } });
      } catch {
        // Already revoked or offline: the tokens are dropped locally either way.
      }
    }
  }

  listSessions(): Promise<{ sessions: SessionInfo[] }> {
    return this.request('GET', '/api/auth/sessions');
  }

  revokeSession(id: string): Promise<void> {
    return this.request('DELETE', `/api/auth/sessions/${encodeURIComponent(id)}`);
  }

  // --- users ------------------------------------------------------------------------------

  me(): Promise<User> {
    return this.request('GET', '/api/users/@me');
  }

  updateMe(changes: { displayName?: string; bio?: string }): Promise<User> {
    return this.request('PATCH', '/api/users/@me', { body: changes });
  }

  // --- guilds (docs/API.md, "Guilds") -------------------------------------------------------

  listGuilds(): Promise<{ guilds: Guild[] }> {
    return this.request('GET', '/api/guilds');
  }

  createGuild(name: string): Promise<Guild> {
    return this.request('POST', '/api/guilds', { body: { name } });
  }

  getGuild(id: string): Promise<Guild> {
    return this.request('GET', `/api/guilds/${enc(id)}`);
  }

  /** A transfer by an owner with two-factor authentication needs `code` (else 403 `mfa_required`). */
  updateGuild(id: string, changes: { name: string } | { ownerId: string; code?: string }): Promise<Guild> {
    return this.request('PATCH', `/api/guilds/${enc(id)}`, { body: changes });
  }

  /** An owner with two-factor authentication sends `code` (else 403 `mfa_required`). */
  deleteGuild(id: string, code?: string): Promise<void> {
    return this.request('DELETE', `/api/guilds/${enc(id)}`, code ? { body: { code } } : {});
  }

  createChannel(guildId: string, channel: { name: string; type: ChannelType; parentId?: string | null; topic?: string }): Promise<Channel> {
    return this.request('POST', `/api/guilds/${enc(guildId)}/channels`, { body: channel });
  }

  updateChannel(guildId: string, channelId: string, changes: { name?: string; topic?: string; permissionsSynced?: boolean; rateLimitPerUser?: number }): Promise<Channel> {
    return this.request('PATCH', `/api/guilds/${enc(guildId)}/channels/${enc(channelId)}`, { body: changes });
  }

  setChannelPositions(guildId: string, positions: ChannelPosition[]): Promise<{ channels: Channel[] }> {
    return this.request('PUT', `/api/guilds/${enc(guildId)}/channels/positions`, { body: positions });
  }

  deleteChannel(guildId: string, channelId: string): Promise<void> {
    return this.request('DELETE', `/api/guilds/${enc(guildId)}/channels/${enc(channelId)}`);
  }

  putOverwrite(guildId: string, channelId: string, targetId: string, overwrite: { type: 'role' | 'member'; allow: string; deny: string }): Promise<Channel> {
    return this.request('PUT', `/api/guilds/${enc(guildId)}/channels/${enc(channelId)}/overwrites/${enc(targetId)}`, { body: overwrite });
  }

  deleteOverwrite(guildId: string, channelId: string, targetId: string): Promise<Channel> {
    return this.request('DELETE', `/api/guilds/${enc(guildId)}/channels/${enc(channelId)}/overwrites/${enc(targetId)}`);
  }

  createRole(guildId: string, role: { name: string; color?: number; permissions?: string }): Promise<Role> {
    return this.request('POST', `/api/guilds/${enc(guildId)}/roles`, { body: role });
  }

  updateRole(guildId: string, roleId: string, changes: { name?: string; color?: number; permissions?: string }): Promise<Role> {
    return this.request('PATCH', `/api/guilds/${enc(guildId)}/roles/${enc(roleId)}`, { body: changes });
  }

  setRolePosition(guildId: string, roleId: string, position: number): Promise<{ roles: Role[] }> {
    return this.request('PUT', `/api/guilds/${enc(guildId)}/roles/${enc(roleId)}/position`, { body: { position } });
  }

  deleteRole(guildId: string, roleId: string): Promise<void> {
    return this.request('DELETE', `/api/guilds/${enc(guildId)}/roles/${enc(roleId)}`);
  }

  /** A page of the member list, by shown name; `next` is the following page's `after`, absent after the last. */
  listMembers(guildId: string, after: string | null, limit: number): Promise<{ members: Member[]; next?: string | null }> {
    const q = new URLSearchParams({ limit: String(limit), ...(after ? { after } : {}) });
    return this.request('GET', `/api/guilds/${enc(guildId)}/members?${q}`);
  }

  /** Up to `limit` members whose shown name or username starts with `query`, case and accents aside. */
  searchMembers(guildId: string, query: string, limit = 10): Promise<{ members: Member[] }> {
    return this.request('GET', `/api/guilds/${enc(guildId)}/members?${new URLSearchParams({ query, limit: String(limit) })}`);
  }

  /** The members among `ids` (at most 100); the others are left out. */
  findMembers(guildId: string, ids: readonly string[]): Promise<{ members: Member[] }> {
    return this.request('GET', `/api/guilds/${enc(guildId)}/members?ids=${ids.map(enc).join(',')}`);
  }

  updateMember(guildId: string, userId: string, changes: { nickname?: string | null; roles?: string[] }): Promise<Member> {
    return this.request('PATCH', `/api/guilds/${enc(guildId)}/members/${enc(userId)}`, { body: changes });
  }

  leaveGuild(guildId: string): Promise<void> {
    return this.request('DELETE', `/api/guilds/${enc(guildId)}/members/@me`);
  }

  kickMember(guildId: string, userId: string, reason?: string): Promise<void> {
    const q = reason ? `?${new URLSearchParams({ reason })}` : '';
    return this.request('DELETE', `/api/guilds/${enc(guildId)}/members/${enc(userId)}${q}`);
  }

  timeoutMember(guildId: string, userId: string, until: string | null, reason?: string): Promise<Member> {
    return this.request('PUT', `/api/guilds/${enc(guildId)}/members/${enc(userId)}/timeout`, { body: { until, ...(reason ? { reason } : {}) } });
  }

  listBans(guildId: string): Promise<{ bans: Ban[] }> {
    return this.request('GET', `/api/guilds/${enc(guildId)}/bans`);
  }

  ban(guildId: string, userId: string, options: { reason?: string; deleteMessageSeconds?: number }): Promise<void> {
    return this.request('PUT', `/api/guilds/${enc(guildId)}/bans/${enc(userId)}`, { body: options });
  }

  unban(guildId: string, userId: string): Promise<void> {
    return this.request('DELETE', `/api/guilds/${enc(guildId)}/bans/${enc(userId)}`);
  }

  createInvite(guildId: string, channelId: string, options: { maxAgeSeconds?: number; maxUses?: number } = {}): Promise<Invite> {
    return this.request('POST', `/api/guilds/${enc(guildId)}/invites`, { body: { channelId, ...options } });
  }

  listInvites(guildId: string): Promise<{ invites: Invite[] }> {
    return this.request('GET', `/api/guilds/${enc(guildId)}/invites`);
  }

  revokeInvite(code: string): Promise<void> {
    return this.request('DELETE', `/api/invites/${enc(code)}`);
  }

  previewInvite(code: string): Promise<InvitePreview> {
    return this.request('GET', `/api/invites/${enc(code)}`);
  }

  acceptInvite(code: string): Promise<Guild> {
    return this.request('POST', `/api/invites/${enc(code)}`);
  }

  auditLog(guildId: string, before: string | null, limit = 50): Promise<{ entries: AuditEntry[] }> {
    const q = new URLSearchParams({ limit: String(limit), ...(before ? { before } : {}) });
    return this.request('GET', `/api/guilds/${enc(guildId)}/audit-log?${q}`);
  }

  // --- messages (docs/API.md, "Messages (text channels)") -----------------------------------

  /** A page of history, oldest first; at most one of before/after/around. */
  listMessages(channelId: string, page: { before?: string; after?: string; around?: string; limit?: number } = {}): Promise<{ messages: Message[] }> {
    const q = new URLSearchParams();
    for (const key of ['before', 'after', 'around'] as const) {
      const v = page[key];
      if (v) {
        q.set(key, v);
      }
    }
    q.set('limit', String(page.limit ?? 50));
    return this.request('GET', `/api/channels/${enc(channelId)}/messages?${q}`);
  }

  editMessage(channelId: string, id: string, content: string): Promise<Message> {
    return this.request('PATCH', `/api/channels/${enc(channelId)}/messages/${enc(id)}`, { body: { content } });
  }

  deleteMessage(channelId: string, id: string): Promise<void> {
    return this.request('DELETE', `/api/channels/${enc(channelId)}/messages/${enc(id)}`);
  }

  // --- threads and search -------------------------------------------------------------------

  createThread(channelId: string, name: string, messageId: string | null, autoArchiveDuration?: number): Promise<ThreadInfo> {
    return this.request('POST', `/api/channels/${enc(channelId)}/threads`, { body: { name, messageId, autoArchiveDuration } });
  }

  /** A channel's threads, newest first. */
  listThreads(channelId: string, archived: boolean, before: string | null, limit = 25): Promise<{ threads: ThreadInfo[] }> {
    const q = new URLSearchParams({ archived: String(archived), limit: String(limit), ...(before ? { before } : {}) });
    return this.request('GET', `/api/channels/${enc(channelId)}/threads?${q}`);
  }

  getThread(threadId: string): Promise<ThreadInfo> {
    return this.request('GET', `/api/threads/${enc(threadId)}`);
  }

  updateThread(threadId: string, change: { name?: string; archived?: boolean; autoArchiveDuration?: number }): Promise<ThreadInfo> {
    return this.request('PATCH', `/api/threads/${enc(threadId)}`, { body: change });
  }

  /** Follow a thread (again: nothing changes); answers the thread with its new member count. */
  joinThread(threadId: string): Promise<ThreadInfo> {
    return this.request('PUT', `/api/threads/${enc(threadId)}/members/@me`);
  }

  leaveThread(threadId: string): Promise<void> {
    return this.request('DELETE', `/api/threads/${enc(threadId)}/members/@me`);
  }

  /** "Mark Unread": the read position goes back to just before this message. */
  markUnread(channelId: string, messageId: string): Promise<ReadState> {
    return this.request('POST', `/api/channels/${enc(channelId)}/messages/${enc(messageId)}/unread`);
  }

  /** The threads the user follows that are not archived, most recently active first. */
  followedThreads(): Promise<{ threads: ThreadInfo[] }> {
    return this.request('GET', '/api/users/@me/threads');
  }

  /** The reader's recent mentions across their guilds, newest first (lib/chat/inbox.ts builds the query). */
  recentMentions(params: URLSearchParams): Promise<MentionPage> {
    return this.request('GET', `/api/users/@me/mentions?${params}`);
  }

  /** Someone's public profile (the member card's "About me", mutual guilds and friends). */
  userProfile(userId: string): Promise<UserProfile> {
    return this.request('GET', `/api/users/${enc(userId)}/profile`);
  }

  /** Profile pictures of up to 100 people: the picture's hash, or null (docs/API.md "Avatars"). */
  avatars(userIds: string[]): Promise<{ avatars: Record<string, string | null> }> {
    return this.request('GET', `/api/users/avatars?ids=${userIds.map(enc).join(',')}`);
  }

  /** Sets the user's picture (an image file, at most 1 MiB); its hash. */
  setAvatar(picture: Blob, filename: string): Promise<{ avatar: string }> {
    const form = new FormData();
    form.append('file', picture, filename);
    return this.request('PUT', '/api/users/@me/avatar', { body: form });
  }

  removeAvatar(): Promise<void> {
    return this.request('DELETE', '/api/users/@me/avatar');
  }

  /** Sets a guild's icon (an image file, at most 1 MiB; MANAGE_GUILD); its hash. */
  setGuildIcon(guildId: string, picture: Blob, filename: string): Promise<{ icon: string }> {
    const form = new FormData();
    form.append('file', picture, filename);
    return this.request('PUT', `/api/guilds/${enc(guildId)}/icon`, { body: form });
  }

  removeGuildIcon(guildId: string): Promise<void> {
    return this.request('DELETE', `/api/guilds/${enc(guildId)}/icon`);
  }

  /** Adds an emoji to a guild (an image file, at most 256 KiB; MANAGE_GUILD_EXPRESSIONS). */
  addEmoji(guildId: string, name: string, picture: Blob, filename: string): Promise<GuildEmoji> {
    const form = new FormData();
    form.append('file', picture, filename);
    return this.request('POST', `/api/guilds/${enc(guildId)}/emojis?name=${enc(name)}`, { body: form });
  }

  renameEmoji(guildId: string, emojiId: string, name: string): Promise<GuildEmoji> {
    return this.request('PATCH', `/api/guilds/${enc(guildId)}/emojis/${enc(emojiId)}`, { body: { name } });
  }

  deleteEmoji(guildId: string, emojiId: string): Promise<void> {
    return this.request('DELETE', `/api/guilds/${enc(guildId)}/emojis/${enc(emojiId)}`);
  }

  /** Sends a poll (docs/API.md "Polls"); the answer is its message. */
  createPoll(channelId: string, poll: { question: string; answers: { text: string; emoji?: string }[]; durationHours: number; allowMultiselect: boolean; nonce: string }): Promise<Message> {
    return this.request('POST', `/api/channels/${enc(channelId)}/polls`, { body: poll });
  }

  /** Replaces the caller's votes (empty: takes them back). */
  votePoll(channelId: string, messageId: string, answerIds: number[]): Promise<PollResults> {
    return this.request('PUT', `/api/channels/${enc(channelId)}/messages/${enc(messageId)}/poll/votes/@me`, { body: { answerIds } });
  }

  /** Ends a poll now (its author only). */
  endPoll(channelId: string, messageId: string): Promise<Poll> {
    return this.request('POST', `/api/channels/${enc(channelId)}/messages/${enc(messageId)}/poll/end`);
  }

  /** Friends and friend requests (docs/API.md "Friends"). */
  listRelationships(): Promise<{ relationships: Relationship[] }> {
    return this.request('GET', '/api/users/@me/relationships');
  }

  /** "Add Friend" by username: sends a request, or accepts the one they sent. */
  addFriend(username: string): Promise<Relationship> {
    return this.request('POST', '/api/users/@me/relationships', { body: { username } });
  }

  /** The same by id: a member card's "Add Friend", a request's "Accept". */
  requestFriend(userId: string): Promise<Relationship> {
    return this.request('PUT', `/api/users/@me/relationships/${enc(userId)}`);
  }

  /** Removes a friend, cancels a request sent, ignores one received. */
  removeRelationship(userId: string): Promise<void> {
    return this.request('DELETE', `/api/users/@me/relationships/${enc(userId)}`);
  }

  /** The people the user blocked (docs/API.md "Blocking"). */
  listBlocks(): Promise<{ users: MessageAuthor[] }> {
    return this.request('GET', '/api/dm/blocks');
  }

  block(userId: string): Promise<void> {
    return this.request('PUT', `/api/dm/blocks/${enc(userId)}`);
  }

  unblock(userId: string): Promise<void> {
    return this.request('DELETE', `/api/dm/blocks/${enc(userId)}`);
  }

  /** Takes a mention out of the reader's recent mentions, on every device (`mention:dismiss`). */
  dismissMention(messageId: string): Promise<void> {
    return this.request('DELETE', `/api/users/@me/mentions/${enc(messageId)}`);
  }

  /** "Dismiss all": every mention up to this one (and none after) leaves the inbox, on every device. */
  dismissMentionsUpTo(messageId: string): Promise<void> {
    return this.request('DELETE', `/api/users/@me/mentions?upTo=${enc(messageId)}`);
  }

  searchMessages(guildId: string, params: URLSearchParams): Promise<SearchResult> {
    return this.request('GET', `/api/guilds/${enc(guildId)}/messages/search?${params}`);
  }

  // --- reactions, pins, read states (docs/API.md) --------------------------------------------

  react(channelId: string, id: string, emoji: string, on: boolean): Promise<Reaction> {
    return this.request(on ? 'PUT' : 'DELETE', `/api/channels/${enc(channelId)}/messages/${enc(id)}/reactions/${enc(emoji)}/@me`);
  }

  listPins(channelId: string): Promise<{ pins: Pin[] }> {
    return this.request('GET', `/api/channels/${enc(channelId)}/pins`);
  }

  setPinned(channelId: string, id: string, pinned: boolean): Promise<void> {
    return this.request(pinned ? 'PUT' : 'DELETE', `/api/channels/${enc(channelId)}/pins/${enc(id)}`);
  }

  ack(channelId: string, messageId: string): Promise<ReadState> {
    return this.request('POST', `/api/channels/${enc(channelId)}/ack`, { body: { messageId } });
  }

  readStates(): Promise<{ readStates: ReadState[] }> {
    return this.request('GET', '/api/users/@me/read-states');
  }

  /** "Mark as read" for a guild: every text channel you can view, up to its newest message. */
  ackGuild(guildId: string): Promise<{ readStates: ReadState[] }> {
    return this.request('POST', `/api/guilds/${encodeURIComponent(guildId)}/ack`);
  }

  notificationSettings(): Promise<{ guilds: GuildNotify[] }> {
    return this.request('GET', '/api/users/@me/notification-settings');
  }

  updateNotificationSettings(guildId: string, change: NotifyChange): Promise<GuildNotify> {
    return this.request('PATCH', `/api/users/@me/guilds/${encodeURIComponent(guildId)}/notification-settings`, { body: change });
  }

  // --- tokens -----------------------------------------------------------------------------

  /** A valid access token, renewed first if it is about to expire (for the hub connection). */
  async accessToken(): Promise<string> {
    let session = this.storage.get();
    if (!session) {
      throw new ApiError(401, 'not_authenticated', 'Not signed in.');
    }
    if (needsRefresh(session, this.now())) {
      session = await this.renew(session);
    }
    return session.accessToken;
  }

  /** Arms the timer that renews the access token shortly before it expires. */
  schedule(): void {
    this.cancelSchedule();
    const session = this.storage.get();
    if (!session) {
      return;
    }
    this.timer = this.setTimer(() => {
      this.timer = null;
      const current = this.storage.get();
      if (!current) {
        return;
      }
      this.renew(current).then(
        () => this.schedule(),
        (err: unknown) => {
          // Lost sessions were already reported by renew(); a network failure is retried.
          if (err instanceof ApiError && err.status === 0) {
            this.timer = this.setTimer(() => this.schedule(), RETRY_AFTER_NETWORK_FAILURE_MS);
          }
        },
      );
    }, refreshDelay(session, this.now()));
  }

  cancelSchedule(): void {
    if (this.timer !== null) {
      this.clearTimer(this.timer);
      this.timer = null;
    }
  }

  /**
   * Exchanges `stale`'s refresh token for a new pair. Concurrent callers share one request,
   * and when another tab already rotated the token, its result is adopted instead.
   */
  renew(stale: StoredSession): Promise<StoredSession> {
    this.renewing ??= this.lock('lescopains.refresh', async () => {
      const current = this.storage.get();
      if (!current) {
        throw new ApiError(401, 'not_authenticated', 'Not signed in.');
      }
      if (current.refreshToken !== stale.refreshToken && !needsRefresh(current, this.now())) {
        return current;
      }
      const res = await this.send('POST', '/api/auth/refresh', { refreshToken: current.refreshToken }, null);
      if (!res.ok) {
        const err = await errorFromResponse(res);
        if (res.status === 401) {
          this.cancelSchedule();
          this.storage.lost(err.code === 'session_revoked' || err.code === 'refresh_token_reused' ? 'revoked' : 'expired');
        }
        throw err;
      }
      const next = sessionFromAuth((await res.json()) as AuthResponse, this.now(), current);
      this.storage.set(next);
      this.onRenewed(next);
      return next;
    }).finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  // --- transport --------------------------------------------------------------------------

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    let session: StoredSession | null = null;
    if (auth) {
      session = this.storage.get();
      if (!session) {
        throw new ApiError(401, 'not_authenticated', 'Not signed in.');
      }
      if (needsRefresh(session, this.now())) {
        session = await this.renew(session);
      }
    }
    let res = await this.send(method, path, options.body, session?.accessToken ?? null);
    if (res.status === 401 && session) {
      const err = await errorFromResponse(res);
      if (err.code === 'session_revoked') {
        this.cancelSchedule();
        this.storage.lost('revoked');
        throw err;
      }
      // The token may have expired in flight or been rotated by another tab: renew once and retry.
      session = await this.renew(session);
      res = await this.send(method, path, options.body, session.accessToken);
      if (res.status === 401) {
        const again = await errorFromResponse(res);
        this.cancelSchedule();
        this.storage.lost(again.code === 'session_revoked' ? 'revoked' : 'expired');
        throw again;
      }
    }
    if (!res.ok) {
      throw await errorFromResponse(res);
    }
    if (res.status === 204) {
      return undefined as T;
    }
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private async send(method: string, path: string, body: unknown, accessToken: string | null): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    // A form (a file upload) sets its own multipart type and boundary.
    const form = typeof FormData !== 'undefined' && body instanceof FormData;
    if (body !== undefined && !form) {
      headers['Content-Type'] = 'application/json';
    }
    if (accessToken) {
      headers.Authorization = `Bearer ${accessToken}`;
    }
    try {
      return await this.fetchFn(path, {
        method,
        headers,
        body: body === undefined ? null : form ? (body as FormData) : JSON.stringify(body),
        credentials: 'same-origin',
      });
    } catch (e) {
      throw new ApiError(0, 'network_error', e instanceof Error ? e.message : 'Network error');
    }
  }
}
