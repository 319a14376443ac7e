// In-memory stand-in for the messages part of the Api contract (docs/API.md, "Messages (text
// channels)"), for the dev mock only: history pages, sends (REST and the hub's SendMessage, with
// nonce idempotency and a per-channel seq), edits, deletes and the message:* hub events.
// The real server is the reference.

const MAX_CONTENT = 4000;

class Fail extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

// Time-ordered UUIDs (v7 layout): 48-bit milliseconds, then a counter so ids of one millisecond
// still sort in creation order.
let lastMs = 0;
let counter = 0;
function uuid7() {
  const ms = Date.now();
  counter = ms === lastMs ? counter + 1 : 0;
  lastMs = ms;
  const hex = ms.toString(16).padStart(12, '0');
  const rand = [...crypto.getRandomValues(new Uint8Array(8))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const variant = ((parseInt(rand[0], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8)}-7${counter.toString(16).padStart(3, '0')}-${variant}${rand.slice(1, 4)}-${rand.slice(4, 16)}`;
}

/** `access` comes from the guild mock; `push(userId, event, payload)` sends a hub event. */
export function messageRoutes({ access, userById, push }) {
  const channels = new Map(); // channelId -> { seq, list: [message] (oldest first) }
  const store = (id) => channels.get(id) ?? channels.set(id, { seq: 0, list: [] }).get(id);
  const author = (u) => ({ id: u.id, username: u.username, displayName: u.displayName });

  function channel(channelId, me, ...perms) {
    const found = access.find(channelId);
    if (!found || !access.has(found.g, me.id, found.c, 'VIEW_CHANNEL')) throw new Fail(404, 'channel_not_found', 'No such channel.');
    for (const p of perms) {
      if (!access.has(found.g, me.id, found.c, p)) throw new Fail(403, 'missing_permission', `You need ${p}.`);
    }
    return found;
  }

  function toViewers(g, c, event, payload) {
    for (const id of access.viewers(g, c)) push(id, event, payload);
  }

  function send(me, body) {
    const { g, c } = channel(body?.channelId, me, 'SEND_MESSAGES');
    if (c.type !== 'text') throw new Fail(400, 'validation_failed', 'channelId must be a text channel');
    const content = body?.content;
    if (typeof content !== 'string' || content.trim() === '' || content.length > MAX_CONTENT) {
      throw new Fail(400, 'validation_failed', `content must be 1-${MAX_CONTENT} characters and not blank`);
    }
    const nonce = body.nonce ?? null;
    if (nonce !== null && (typeof nonce !== 'string' || nonce.length > 64)) throw new Fail(400, 'validation_failed', 'nonce must be at most 64 characters');
    const s = store(c.id);
    const replyTo = body.replyTo ?? null;
    if (replyTo !== null && !s.list.some((m) => m.id === replyTo)) throw new Fail(400, 'validation_failed', 'replyTo must be a message of this channel');
    if (nonce !== null) {
      const again = s.list.find((m) => m.nonce === nonce && m.author.id === me.id);
      if (again) return again;
    }
    const message = {
      id: uuid7(), guildId: g.id, channelId: c.id, seq: ++s.seq, author: author(me), content, nonce, replyTo,
      createdAt: new Date().toISOString(), editedAt: null,
    };
    s.list.push(message);
    toViewers(g, c, 'message:create', { guildId: g.id, channelId: c.id, message });
    return message;
  }

  function page(list, url) {
    const limit = Number(url.searchParams.get('limit') ?? 50);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new Fail(400, 'validation_failed', 'limit must be 1-100');
    const keys = ['before', 'after', 'around'].filter((k) => url.searchParams.get(k));
    if (keys.length > 1) throw new Fail(400, 'validation_failed', 'at most one of before, after, around');
    const [key] = keys;
    const id = key ? url.searchParams.get(key) : null;
    if (key === 'before') return list.filter((m) => m.id < id).slice(-limit);
    if (key === 'after') return list.filter((m) => m.id > id).slice(0, limit);
    if (key === 'around') {
      const older = list.filter((m) => m.id < id).slice(-Math.floor(limit / 2));
      return older.concat(list.filter((m) => m.id >= id).slice(0, limit - older.length));
    }
    return list.slice(-limit);
  }

  /** REST: returns [status, body] for /api/channels/… and /api/messages, or null. */
  function handle(method, path, url, body, me) {
    const seg = path.split('/').slice(2); // after /api
    try {
      if (seg[0] === 'messages' && seg.length === 1 && method === 'POST') {
        return [201, send(me, body)];
      }
      if (seg[0] !== 'channels' || seg[2] !== 'messages') return null;
      const channelId = decodeURIComponent(seg[1] ?? '');
      if (seg.length === 3 && method === 'GET') {
        const { c } = channel(channelId, me, 'READ_MESSAGE_HISTORY');
        return [200, { messages: page(store(c.id).list, url) }];
      }
      if (seg.length === 3 && method === 'POST') {
        return [201, send(me, { ...body, channelId })];
      }
      if (seg.length === 4) {
        const { g, c } = channel(channelId, me);
        const s = store(c.id);
        const m = s.list.find((x) => x.id === decodeURIComponent(seg[3]));
        if (!m) throw new Fail(404, 'message_not_found', 'No such message.');
        if (method === 'PATCH') {
          if (m.author.id !== me.id) throw new Fail(403, 'missing_permission', 'Only the author edits a message.');
          const content = body?.content;
          if (typeof content !== 'string' || content.trim() === '' || content.length > MAX_CONTENT) {
            throw new Fail(400, 'validation_failed', `content must be 1-${MAX_CONTENT} characters and not blank`);
          }
          m.content = content;
          m.editedAt = new Date().toISOString();
          toViewers(g, c, 'message:update', { guildId: g.id, channelId: c.id, message: m });
          return [200, m];
        }
        if (method === 'DELETE') {
          if (m.author.id !== me.id && !access.has(g, me.id, c, 'MANAGE_MESSAGES')) throw new Fail(403, 'missing_permission', 'You need MANAGE_MESSAGES.');
          s.list.splice(s.list.indexOf(m), 1);
          toViewers(g, c, 'message:delete', { guildId: g.id, channelId: c.id, id: m.id });
          return [204];
        }
      }
      return [404, { error: { code: 'not_found', message: 'No such route.' } }];
    } catch (e) {
      if (e instanceof Fail) return [e.status, { error: { code: e.code, message: e.message } }];
      throw e;
    }
  }

  /** Hub: SendMessage; returns the message, or throws an error text the way a HubException arrives. */
  handle.sendMessage = (userId, args) => {
    try {
      return send(userById(userId), args);
    } catch (e) {
      if (e instanceof Fail) throw new Error(`An unexpected error occurred invoking 'SendMessage' on the server. HubException: ${e.code}: ${e.message}`);
      throw e;
    }
  };
  return handle;
}
