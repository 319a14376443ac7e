// In-memory stand-in for the guild part of the Api contract (docs/API.md, "Guilds"), for the
// dev mock only: enough permission logic (Discord's order, overwrites, hierarchy) and hub events
// to develop and run the browser tests without the real stack. The real server is the reference.
import { randomBytes, randomUUID } from 'node:crypto';

const BIT = {
  CREATE_INVITE: 0, KICK_MEMBERS: 1, BAN_MEMBERS: 2, ADMINISTRATOR: 3, MANAGE_CHANNELS: 4, MANAGE_GUILD: 5,
  ADD_REACTIONS: 6, VIEW_AUDIT_LOG: 7, STREAM: 9, VIEW_CHANNEL: 10, SEND_MESSAGES: 11, MANAGE_MESSAGES: 13,
  ATTACH_FILES: 15, READ_MESSAGE_HISTORY: 16, MENTION_EVERYONE: 17, CONNECT: 20, SPEAK: 21, MUTE_MEMBERS: 22,
  MOVE_MEMBERS: 24, MANAGE_ROLES: 28, CREATE_THREADS: 35, MODERATE_MEMBERS: 40, PIN_MESSAGES: 51,
};
const P = Object.fromEntries(Object.entries(BIT).map(([k, v]) => [k, 1n << BigInt(v)]));
const ALL = Object.values(P).reduce((a, b) => a | b, 0n);
const DEFAULT_EVERYONE =
  P.VIEW_CHANNEL | P.SEND_MESSAGES | P.READ_MESSAGE_HISTORY | P.CREATE_INVITE | P.ADD_REACTIONS | P.CONNECT | P.SPEAK |
  P.STREAM | P.ATTACH_FILES | P.CREATE_THREADS | P.MENTION_EVERYONE;

const guilds = new Map(); // id -> guild
const invites = new Map(); // code -> invite
const big = (s) => {
  try {
    return BigInt(s ?? 0);
  } catch {
    return 0n;
  }
};

class Fail extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Creates the guild routes; `push(userId, event, payload)` sends a hub event to a user. */
export function guildRoutes({ userById, push }) {
  const now = () => new Date().toISOString();
  const member = (g, userId) => g.members.get(userId);
  const roleOf = (g, id) => g.roles.find((r) => r.id === id);
  const timedOut = (m) => m.timeoutUntil && Date.parse(m.timeoutUntil) > Date.now();

  function base(g, userId) {
    if (userId === g.ownerId) return ALL;
    const m = member(g, userId);
    let bits = big(roleOf(g, g.id).permissions);
    for (const id of m?.roles ?? []) bits |= big(roleOf(g, id)?.permissions);
    if (bits & P.ADMINISTRATOR) return ALL;
    if (m && timedOut(m)) bits &= P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY;
    return bits;
  }

  function inChannel(g, userId, ch) {
    let bits = base(g, userId);
    if (bits === ALL) return ALL;
    const m = member(g, userId);
    const parent = ch.parentId ? g.channels.find((c) => c.id === ch.parentId) : null;
    const ows = ch.permissionsSynced && parent ? parent.overwrites : ch.overwrites;
    const ev = ows.find((o) => o.id === g.id);
    if (ev) bits = (bits & ~big(ev.deny)) | big(ev.allow);
    let allow = 0n;
    let deny = 0n;
    for (const o of ows) {
      if (o.type === 'role' && o.id !== g.id && m?.roles.includes(o.id)) {
        allow |= big(o.allow);
        deny |= big(o.deny);
      }
    }
    bits = (bits & ~deny) | allow;
    const mo = ows.find((o) => o.type === 'member' && o.id === userId);
    if (mo) bits = (bits & ~big(mo.deny)) | big(mo.allow);
    if (m && timedOut(m)) bits &= P.VIEW_CHANNEL | P.READ_MESSAGE_HISTORY;
    return bits & P.VIEW_CHANNEL ? bits : 0n;
  }

  const canSee = (g, userId, ch) => (inChannel(g, userId, ch) & P.VIEW_CHANNEL) !== 0n;
  const rank = (g, userId) =>
    userId === g.ownerId ? Infinity : Math.max(0, ...(member(g, userId)?.roles ?? []).map((id) => roleOf(g, id)?.position ?? 0));

  function publicMember(g, m) {
    const u = userById(m.userId);
    return { userId: m.userId, username: u.username, displayName: u.displayName, nickname: m.nickname, roles: m.roles, joinedAt: m.joinedAt, timeoutUntil: m.timeoutUntil };
  }

  function view(g, userId) {
    const m = member(g, userId);
    const channels = g.channels.filter((c) => canSee(g, userId, c));
    return {
      id: g.id, name: g.name, ownerId: g.ownerId, createdAt: g.createdAt, memberCount: g.members.size,
      roles: g.roles, channels,
      me: {
        userId, nickname: m.nickname, roles: m.roles, joinedAt: m.joinedAt, timeoutUntil: m.timeoutUntil,
        permissions: base(g, userId).toString(),
        channelPermissions: Object.fromEntries(channels.map((c) => [c.id, inChannel(g, userId, c).toString()])),
      },
    };
  }

  function need(g, userId, perm, ch = null) {
    const bits = ch ? inChannel(g, userId, ch) : base(g, userId);
    if (!(bits & P.ADMINISTRATOR) && !(bits & P[perm])) throw new Fail(403, 'missing_permission', `You need ${perm}.`);
  }

  const toAll = (g, event, payload) => [...g.members.keys()].forEach((id) => push(id, event, payload));

  /** Runs a change and tells each member which channels appeared, vanished or changed for them. */
  function mutate(g, fn, changed = []) {
    const before = new Map([...g.members.keys()].map((id) => [id, new Set(g.channels.filter((c) => canSee(g, id, c)).map((c) => c.id))]));
    const result = fn();
    for (const id of g.members.keys()) {
      const was = before.get(id) ?? new Set();
      for (const c of g.channels) {
        const sees = canSee(g, id, c);
        if (sees && !was.has(c.id)) push(id, 'channel:create', { guildId: g.id, channel: c });
        else if (sees && changed.includes(c.id)) push(id, 'channel:update', { guildId: g.id, channel: c });
        else if (!sees && was.has(c.id)) push(id, 'channel:delete', { guildId: g.id, channel: c });
      }
    }
    return result;
  }

  const audit = (g, actorId, action, targetId, changes = {}) =>
    g.audit.unshift({ id: `${Date.now()}${g.audit.length.toString().padStart(6, '0')}`, actorId, action, targetId, reason: null, changes, createdAt: now() });

  function channel(g, data) {
    return {
      id: randomUUID(), guildId: g.id, type: data.type, name: data.name, topic: data.topic ?? null, parentId: data.parentId ?? null,
      position: data.position ?? g.channels.filter((c) => (c.parentId ?? null) === (data.parentId ?? null) && (c.type === 'category') === (data.type === 'category')).length,
      permissionsSynced: !!data.parentId, overwrites: [],
    };
  }

  function getGuild(id, userId) {
    const g = guilds.get(id);
    if (!g || !g.members.has(userId)) throw new Fail(404, 'guild_not_found', 'No such guild.');
    return g;
  }

  function getChannel(g, id, userId) {
    const c = g.channels.find((x) => x.id === id);
    if (!c || !canSee(g, userId, c)) throw new Fail(404, 'channel_not_found', 'No such channel.');
    return c;
  }

  function join(g, userId) {
    if (g.members.has(userId)) return;
    g.members.set(userId, { userId, nickname: null, roles: [], joinedAt: now(), timeoutUntil: null });
    const m = publicMember(g, g.members.get(userId));
    for (const id of g.members.keys()) if (id !== userId) push(id, 'member:join', { guildId: g.id, member: m });
    push(userId, 'guild:create', view(g, userId));
  }

  function leave(g, userId, actorId, action) {
    const m = publicMember(g, g.members.get(userId));
    g.members.delete(userId);
    push(userId, 'guild:delete', { guildId: g.id });
    toAll(g, 'member:leave', { guildId: g.id, member: m });
    if (action) audit(g, actorId, action, userId);
  }

  const positions = (list) => list.sort((a, b) => a.position - b.position || (a.id < b.id ? -1 : 1));

  /** What the messages mock needs: a channel by id with its guild, and who may do what there. */
  const access = {
    find(channelId) {
      for (const g of guilds.values()) {
        const c = g.channels.find((x) => x.id === channelId);
        if (c) return { g, c };
      }
      return null;
    },
    has: (g, userId, c, perm) => g.members.has(userId) && (inChannel(g, userId, c) & (P.ADMINISTRATOR | P[perm])) !== 0n,
    viewers: (g, c) => [...g.members.keys()].filter((id) => canSee(g, id, c)),
  };

  /** Handles `route` (e.g. "GET /api/guilds") for user `me`; returns [status, body] or null. */
  handle.access = access;
  return handle;
  async function handle(method, path, url, body, me) {
    const seg = path.split('/').slice(2); // after /api
    try {
      if (seg[0] === 'invites' && seg[1] && seg.length === 2) {
        const inv = invites.get(decodeURIComponent(seg[1]));
        const live = inv && (!inv.expiresAt || Date.parse(inv.expiresAt) > Date.now()) && (!inv.maxUses || inv.uses < inv.maxUses);
        if (!live) throw new Fail(404, 'invite_not_found', 'No such invite.');
        const g = guilds.get(inv.guildId);
        if (method === 'GET') {
          const ch = g.channels.find((c) => c.id === inv.channelId);
          return [200, { code: inv.code, guildId: g.id, guildName: g.name, channelId: inv.channelId, channelName: ch?.name ?? '', memberCount: g.members.size, expiresAt: inv.expiresAt }];
        }
        if (method === 'POST') {
          if (g.bans.has(me.id)) throw new Fail(403, 'banned', 'You are banned from this guild.');
          if (!g.members.has(me.id)) {
            inv.uses++;
            join(g, me.id);
          }
          return [200, view(g, me.id)];
        }
        if (method === 'DELETE') {
          if (inv.creatorId !== me.id) need(getGuild(g.id, me.id), me.id, 'MANAGE_GUILD');
          invites.delete(inv.code);
          return [204];
        }
      }
      if (seg[0] !== 'guilds') return null;

      if (seg.length === 1) {
        if (method === 'GET') return [200, { guilds: [...guilds.values()].filter((g) => g.members.has(me.id)).map((g) => view(g, me.id)) }];
        if (method === 'POST') {
          const name = typeof body?.name === 'string' ? body.name.trim() : '';
          if (!name || name.length > 100) throw new Fail(400, 'validation_failed', 'name must be 1-100 characters');
          const id = randomUUID();
          const g = { id, name, ownerId: me.id, createdAt: now(), roles: [{ id, name: '@everyone', color: 0, position: 0, permissions: DEFAULT_EVERYONE.toString() }], channels: [], members: new Map(), bans: new Map(), audit: [] };
          const text = channel(g, { type: 'category', name: 'Text Channels', position: 0 });
          const voice = channel(g, { type: 'category', name: 'Voice Channels', position: 1 });
          g.channels.push(text, voice, channel(g, { type: 'text', name: 'general', parentId: text.id, position: 0 }), channel(g, { type: 'voice', name: 'General', parentId: voice.id, position: 0 }));
          g.members.set(me.id, { userId: me.id, nickname: null, roles: [], joinedAt: now(), timeoutUntil: null });
          guilds.set(id, g);
          push(me.id, 'guild:create', view(g, me.id));
          return [201, view(g, me.id)];
        }
      }

      const g = getGuild(seg[1], me.id);
      const rest = seg.slice(2);
      const r = `${method} ${rest.join('/')}`;

      if (r === 'GET ') return [200, view(g, me.id)];
      if (r === 'PATCH ') {
        need(g, me.id, 'MANAGE_GUILD');
        g.name = String(body?.name ?? g.name).trim() || g.name;
        toAll(g, 'guild:update', { guildId: g.id, name: g.name });
        audit(g, me.id, 'guild_update', g.id);
        return [200, view(g, me.id)];
      }
      if (r === 'DELETE ') {
        if (me.id !== g.ownerId) throw new Fail(403, 'missing_permission', 'Only the owner deletes a guild.');
        toAll(g, 'guild:delete', { guildId: g.id });
        guilds.delete(g.id);
        return [204];
      }

      // channels
      if (r === 'POST channels') {
        need(g, me.id, 'MANAGE_CHANNELS');
        const c = channel(g, { type: body?.type ?? 'text', name: String(body?.name ?? '').trim(), parentId: body?.parentId ?? null, topic: body?.topic ?? null });
        if (!c.name) throw new Fail(400, 'validation_failed', 'name must be 1-100 characters');
        mutate(g, () => g.channels.push(c));
        audit(g, me.id, 'channel_create', c.id);
        return [201, c];
      }
      if (r === 'PUT channels/positions') {
        need(g, me.id, 'MANAGE_CHANNELS');
        const changed = [];
        mutate(g, () => {
          for (const p of Array.isArray(body) ? body : []) {
            const c = g.channels.find((x) => x.id === p.id);
            if (!c) continue;
            c.position = p.position;
            if ('parentId' in p) c.parentId = p.parentId;
            changed.push(c.id);
          }
        }, changed);
        return [200, { channels: g.channels }];
      }
      if (rest[0] === 'channels' && rest[1]) {
        const c = getChannel(g, rest[1], me.id);
        if (rest.length === 2 && method === 'PATCH') {
          need(g, me.id, 'MANAGE_CHANNELS', c);
          mutate(g, () => {
            if (typeof body?.name === 'string') c.name = body.name;
            if (typeof body?.topic === 'string') c.topic = body.topic;
            if (body?.permissionsSynced === true) {
              const parent = g.channels.find((x) => x.id === c.parentId);
              if (parent) c.overwrites = structuredClone(parent.overwrites);
              c.permissionsSynced = true;
            } else if (body?.permissionsSynced === false) c.permissionsSynced = false;
          }, [c.id]);
          return [200, c];
        }
        if (rest.length === 2 && method === 'DELETE') {
          need(g, me.id, 'MANAGE_CHANNELS', c);
          const seen = [...g.members.keys()].filter((id) => canSee(g, id, c));
          g.channels = g.channels.filter((x) => x.id !== c.id);
          g.channels.forEach((x) => x.parentId === c.id && (x.parentId = null));
          seen.forEach((id) => push(id, 'channel:delete', { guildId: g.id, channel: c }));
          return [204];
        }
        if (rest[2] === 'overwrites' && rest[3]) {
          need(g, me.id, 'MANAGE_ROLES', c);
          const target = decodeURIComponent(rest[3]);
          mutate(g, () => {
            c.overwrites = c.overwrites.filter((o) => o.id !== target);
            if (method === 'PUT') c.overwrites.push({ id: target, type: body?.type === 'member' ? 'member' : 'role', allow: String(body?.allow ?? '0'), deny: String(body?.deny ?? '0') });
            c.permissionsSynced = false;
            // A category's synced children follow it.
            for (const child of g.channels) if (child.parentId === c.id && child.permissionsSynced) child.overwrites = structuredClone(c.overwrites);
          }, [c.id]);
          audit(g, me.id, method === 'PUT' ? 'overwrite_update' : 'overwrite_delete', c.id, { target });
          return [200, c];
        }
      }

      // roles
      if (r === 'POST roles') {
        need(g, me.id, 'MANAGE_ROLES');
        const role = { id: randomUUID(), name: String(body?.name ?? 'new role'), color: Number(body?.color ?? 0), position: 1, permissions: String(body?.permissions ?? '0') };
        mutate(g, () => {
          g.roles.forEach((x) => x.position >= 1 && x.position++);
          g.roles.push(role);
        });
        toAll(g, 'role:create', { guildId: g.id, role });
        audit(g, me.id, 'role_create', role.id);
        return [201, role];
      }
      if (rest[0] === 'roles' && rest[1]) {
        need(g, me.id, 'MANAGE_ROLES');
        const role = roleOf(g, rest[1]);
        if (!role) throw new Fail(404, 'role_not_found', 'No such role.');
        if (role.position >= rank(g, me.id)) throw new Fail(403, 'hierarchy', 'That role is at or above yours.');
        if (rest.length === 2 && method === 'PATCH') {
          mutate(g, () => {
            if (typeof body?.name === 'string' && role.position > 0) role.name = body.name;
            if (typeof body?.color === 'number') role.color = body.color;
            if (typeof body?.permissions === 'string') role.permissions = body.permissions;
          });
          toAll(g, 'role:update', { guildId: g.id, role });
          audit(g, me.id, 'role_update', role.id);
          return [200, role];
        }
        if (rest.length === 2 && method === 'DELETE') {
          mutate(g, () => {
            g.roles = g.roles.filter((x) => x.id !== role.id);
            g.roles.forEach((x) => x.position > role.position && x.position--);
            g.members.forEach((m) => (m.roles = m.roles.filter((id) => id !== role.id)));
          });
          toAll(g, 'role:delete', { guildId: g.id, role });
          audit(g, me.id, 'role_delete', role.id);
          return [204];
        }
        if (rest[2] === 'position' && method === 'PUT') {
          const to = Math.max(1, Math.min(Number(body?.position), g.roles.length - 1));
          const others = positions(g.roles.filter((x) => x.position > 0 && x.id !== role.id));
          others.splice(to - 1, 0, role);
          others.forEach((x, i) => (x.position = i + 1));
          others.forEach((x) => toAll(g, 'role:update', { guildId: g.id, role: x }));
          return [200, { roles: g.roles }];
        }
      }

      // members
      if (r === 'GET members') {
        const after = url.searchParams.get('after') ?? '';
        const limit = Math.min(1000, Number(url.searchParams.get('limit') ?? 100));
        const list = [...g.members.values()].filter((m) => m.userId > after).sort((a, b) => (a.userId < b.userId ? -1 : 1)).slice(0, limit);
        return [200, { members: list.map((m) => publicMember(g, m)) }];
      }
      if (r === 'DELETE members/@me') {
        if (me.id === g.ownerId) throw new Fail(400, 'validation_failed', 'The owner cannot leave; transfer the ownership or delete the guild first.');
        leave(g, me.id, me.id, null);
        return [204];
      }
      if (rest[0] === 'bans' && rest.length === 1 && method === 'GET') {
        need(g, me.id, 'BAN_MEMBERS');
        return [200, { bans: [...g.bans.values()] }];
      }
      if (rest[0] === 'bans' && rest[1]) {
        need(g, me.id, 'BAN_MEMBERS');
        const userId = rest[1];
        if (method === 'DELETE') {
          g.bans.delete(userId);
          audit(g, me.id, 'member_unban', userId);
          return [204];
        }
        if (userId === g.ownerId || rank(g, userId) >= rank(g, me.id)) throw new Fail(403, 'hierarchy', 'You cannot ban that member.');
        g.bans.set(userId, { userId, username: userById(userId)?.username ?? userId, reason: body?.reason ?? null, bannedBy: me.id, bannedAt: now() });
        if (g.members.has(userId)) leave(g, userId, me.id, 'member_ban');
        return [204];
      }
      if (rest[0] === 'members' && rest[1]) {
        const m = member(g, rest[1]);
        if (!m) throw new Fail(404, 'member_not_found', 'No such member.');
        const above = m.userId === g.ownerId || rank(g, m.userId) >= rank(g, me.id);
        if (rest.length === 2 && method === 'PATCH') {
          if (Array.isArray(body?.roles)) {
            need(g, me.id, 'MANAGE_ROLES');
            if (m.userId !== me.id && above) throw new Fail(403, 'hierarchy', 'That member is at or above you.');
            const changed = body.roles.filter((id) => !m.roles.includes(id)).concat(m.roles.filter((id) => !body.roles.includes(id)));
            if (changed.some((id) => !roleOf(g, id) || roleOf(g, id).position >= rank(g, me.id))) throw new Fail(403, 'hierarchy', 'That role is at or above yours.');
            mutate(g, () => (m.roles = body.roles.filter((id) => id !== g.id)));
            audit(g, me.id, 'member_role_update', m.userId);
          }
          if ('nickname' in (body ?? {})) m.nickname = body.nickname || null;
          toAll(g, 'member:update', { guildId: g.id, member: publicMember(g, m) });
          return [200, publicMember(g, m)];
        }
        if (rest.length === 2 && method === 'DELETE') {
          need(g, me.id, 'KICK_MEMBERS');
          if (above) throw new Fail(403, 'hierarchy', 'That member is at or above you.');
          leave(g, m.userId, me.id, 'member_kick');
          return [204];
        }
        if (rest[2] === 'timeout' && method === 'PUT') {
          need(g, me.id, 'MODERATE_MEMBERS');
          if (above) throw new Fail(403, 'hierarchy', 'That member is at or above you.');
          mutate(g, () => (m.timeoutUntil = body?.until ?? null));
          audit(g, me.id, 'member_timeout', m.userId);
          toAll(g, 'member:update', { guildId: g.id, member: publicMember(g, m) });
          return [200, publicMember(g, m)];
        }
      }

      // invites and audit log
      if (r === 'POST invites') {
        const c = getChannel(g, body?.channelId, me.id);
        need(g, me.id, 'CREATE_INVITE', c);
        const maxAge = body?.maxAgeSeconds ?? 604800;
        const inv = {
          code: randomBytes(6).toString('base64url').replace(/[-_]/g, 'x'), guildId: g.id, channelId: c.id, creatorId: me.id, createdAt: now(),
          expiresAt: maxAge ? new Date(Date.now() + maxAge * 1000).toISOString() : null, maxUses: body?.maxUses ?? 0, uses: 0,
        };
        invites.set(inv.code, inv);
        audit(g, me.id, 'invite_create', c.id);
        return [201, inv];
      }
      if (r === 'GET invites') {
        need(g, me.id, 'MANAGE_GUILD');
        return [200, { invites: [...invites.values()].filter((i) => i.guildId === g.id) }];
      }
      if (r === 'GET audit-log') {
        need(g, me.id, 'VIEW_AUDIT_LOG');
        const before = url.searchParams.get('before');
        const limit = Math.min(100, Number(url.searchParams.get('limit') ?? 50));
        return [200, { entries: g.audit.filter((e) => !before || e.id < before).slice(0, limit) }];
      }
      return [404, { error: { code: 'not_found', message: 'No such route.' } }];
    } catch (e) {
      if (e instanceof Fail) return [e.status, { error: { code: e.code, message: e.message } }];
      throw e;
    }
  }
}
