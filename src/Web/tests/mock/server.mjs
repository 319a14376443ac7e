// Development stand-in for the Api: serves the built client (../Api/wwwroot) with the production
// CSP and implements the auth/users REST contract and the gateway hub (SignalR JSON protocol over
// WebSockets) in memory. Only for running the browser tests without the real stack; never shipped.
//
//   npm run build && npm run mock           # http://127.0.0.1:3000
//   PORT=3100 ACCESS_TTL=20 node tests/mock/server.mjs
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer } from 'ws';
import { guildRoutes } from './guilds.mjs';
import { messageRoutes } from './messages.mjs';

const PORT = Number(process.env.PORT ?? 3000);
const ACCESS_TTL = Number(process.env.ACCESS_TTL ?? 900); // seconds
const REFRESH_TTL = 7 * 24 * 3600;
const ROOT = new URL('../../../Api/wwwroot/', import.meta.url).pathname;
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data: blob:; " +
  "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const COMMON = new Set(['password', '12345678', 'password1', 'qwertyuiop', '123456789', 'iloveyou']);
const RS = '\x1e';

const users = new Map(); // username -> { id, username, displayName, createdAt, password }
const sessions = new Map(); // id -> { id, userId, refreshToken, createdAt, lastUsedAt, expiresAt, userAgent, ip, revoked }
const accessTokens = new Map(); // token -> { sessionId, exp }
const hubConnections = new Set(); // { ws, sessionId, userId, exp }

const json = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};
const fail = (res, status, code, message, headers) => json(res, status, { error: { code, message } }, headers);
const publicUser = (u) => ({ id: u.id, username: u.username, displayName: u.displayName, createdAt: u.createdAt });
const userById = (id) => [...users.values()].find((u) => u.id === id);

async function readJson(req) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  try {
    return raw ? JSON.parse(raw) : {};
  } catch {
    return null;
  }
}

function issue(session) {
  const accessToken = randomBytes(24).toString('base64url');
  accessTokens.set(accessToken, { sessionId: session.id, exp: Date.now() + ACCESS_TTL * 1000 });
  session.refreshToken = randomBytes(32).toString('base64url');
  session.lastUsedAt = new Date().toISOString();
  session.expiresAt = new Date(Date.now() + REFRESH_TTL * 1000).toISOString();
  return {
    accessToken,
    refreshToken: session.refreshToken,
    expiresIn: ACCESS_TTL,
    sessionId: session.id,
    user: publicUser(userById(session.userId)),
  };
}

/** The session behind a bearer token, or an error [status, code, message]. */
function authenticate(token) {
  const t = token && accessTokens.get(token);
  if (!t || t.exp < Date.now()) return [null, 'invalid_token', 'The access token is invalid or expired.'];
  const s = sessions.get(t.sessionId);
  if (!s || s.revoked) return [null, 'session_revoked', 'This session was signed out.'];
  s.lastUsedAt = new Date().toISOString();
  return [s, null, null];
}

function bearer(req) {
  const h = req.headers.authorization ?? '';
  return h.startsWith('Bearer ') ? h.slice(7) : null;
}

function revoke(session) {
  session.revoked = true;
  for (const c of hubConnections) {
    if (c.userId === session.userId) send(c.ws, { type: 1, target: 'session:revoked', arguments: [{ sessionId: session.id }] });
  }
  for (const c of [...hubConnections]) {
    if (c.sessionId === session.id) closeHub(c, 'Session revoked.');
  }
}

async function api(req, res, url) {
  const route = `${req.method} ${url.pathname}`;
  if (route === 'GET /health') return json(res, 200, { status: 'ok', timestamp: new Date().toISOString() });

  if (route === 'POST /api/auth/register') {
    const b = await readJson(req);
    const username = typeof b?.username === 'string' ? b.username : '';
    const password = typeof b?.password === 'string' ? b.password : '';
    if (!/^[a-z0-9_.]{3,32}$/.test(username)) return fail(res, 400, 'validation_failed', 'username must be 3-32 characters of [a-z0-9_.]');
    if (password.length < 8 || password.length > 128) return fail(res, 400, 'validation_failed', 'password must be 8-128 characters');
    const displayName = typeof b.displayName === 'string' && b.displayName.trim() ? b.displayName.trim() : username;
    if ([...displayName].length > 32) return fail(res, 400, 'validation_failed', 'displayName must be 1-32 characters');
    if (users.has(username)) return fail(res, 409, 'username_taken', 'This username is already taken.');
    if (COMMON.has(password.toLowerCase())) return fail(res, 400, 'password_too_common', 'This password is too common.');
    const user = { id: String(Date.now()) + String(users.size), username, displayName, createdAt: new Date().toISOString(), password };
    users.set(username, user);
    return json(res, 201, { user: publicUser(user) });
  }

  if (route === 'POST /api/auth/login') {
    const b = await readJson(req);
    const u = users.get(b?.username);
    if (!u || u.password !== b?.password) return fail(res, 401, 'invalid_credentials', 'Invalid username or password.');
    const session = {
      id: randomUUID(),
      userId: u.id,
      createdAt: new Date().toISOString(),
      userAgent: req.headers['user-agent'] ?? null,
      ip: req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? null,
      revoked: false,
    };
    sessions.set(session.id, session);
    return json(res, 200, issue(session));
  }

  if (route === 'POST /api/auth/refresh') {
    const b = await readJson(req);
    const s = [...sessions.values()].find((x) => x.refreshToken === b?.refreshToken);
    if (!s) return fail(res, 401, 'invalid_refresh_token', 'The refresh token is invalid.');
    if (s.revoked) return fail(res, 401, 'invalid_refresh_token', 'The refresh token is invalid.');
    return json(res, 200, issue(s));
  }

  // Everything below needs a bearer token.
  const [session, code, message] = authenticate(bearer(req));
  if (!session) return fail(res, 401, code, message);
  const me = userById(session.userId);

  if (route === 'POST /api/auth/logout') {
    revoke(session);
    res.writeHead(204).end();
    return;
  }
  if (route === 'GET /api/auth/sessions') {
    const list = [...sessions.values()]
      .filter((s) => s.userId === me.id && !s.revoked)
      .map((s) => ({
        id: s.id,
        createdAt: s.createdAt,
        lastUsedAt: s.lastUsedAt,
        expiresAt: s.expiresAt,
        userAgent: s.userAgent,
        ip: s.ip,
        current: s.id === session.id,
      }));
    return json(res, 200, { sessions: list });
  }
  const del = /^DELETE \/api\/auth\/sessions\/([^/]+)$/.exec(route);
  if (del) {
    const target = sessions.get(decodeURIComponent(del[1]));
    if (!target || target.userId !== me.id || target.revoked) return fail(res, 404, 'session_not_found', 'No such session.');
    revoke(target);
    res.writeHead(204).end();
    return;
  }
  if (route === 'GET /api/users/@me') return json(res, 200, publicUser(me));
  if (route === 'PATCH /api/users/@me') {
    const b = await readJson(req);
    const name = typeof b?.displayName === 'string' ? b.displayName.trim() : '';
    if (!name || [...name].length > 32) return fail(res, 400, 'validation_failed', 'displayName must be 1-32 characters');
    me.displayName = name;
    return json(res, 200, publicUser(me));
  }
  if (url.pathname.startsWith('/api/guilds') || url.pathname.startsWith('/api/invites/')) {
    const body = ['POST', 'PUT', 'PATCH'].includes(req.method) ? await readJson(req) : null;
    const answer = await guilds(req.method, url.pathname, url, body, me);
    if (answer) return json(res, answer[0], answer[1]);
  }
  if (url.pathname.startsWith('/api/channels/') || url.pathname === '/api/messages') {
    const body = ['POST', 'PUT', 'PATCH'].includes(req.method) ? await readJson(req) : null;
    const answer = messages(req.method, url.pathname, url, body, me);
    if (answer) return json(res, answer[0], answer[1]);
  }
  return fail(res, 404, 'not_found', 'No such route.');
}

function push(userId, target, payload) {
  for (const c of hubConnections) {
    if (c.userId === userId) send(c.ws, { type: 1, target, arguments: [payload] });
  }
}
const guilds = guildRoutes({ userById, push });
const messages = messageRoutes({ access: guilds.access, userById, push });

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.json': 'application/json', '.png': 'image/png' };

function serveStatic(req, res, url) {
  let file = normalize(join(ROOT, decodeURIComponent(url.pathname)));
  if (!file.startsWith(ROOT) || !existsSync(file) || statSync(file).isDirectory()) {
    file = join(ROOT, 'index.html'); // SPA fallback
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Security-Policy': CSP,
    'Cache-Control': file.endsWith('index.html') ? 'no-cache' : 'public, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(readFileSync(file));
}

const server = createServer((req, res) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  if (url.pathname === '/hubs/gateway/negotiate' && req.method === 'POST') {
    const [session, code, message] = authenticate(bearer(req) ?? url.searchParams.get('access_token'));
    if (!session) return fail(res, 401, code, message);
    const token = randomUUID();
    return json(res, 200, {
      negotiateVersion: 1,
      connectionId: randomUUID(),
      connectionToken: token,
      availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text', 'Binary'] }],
    });
  }
  if (url.pathname.startsWith('/api/') || url.pathname === '/health') {
    api(req, res, url).catch((e) => fail(res, 500, 'internal', String(e)));
    return;
  }
  serveStatic(req, res, url);
});

// --- hub -------------------------------------------------------------------------------------

const wss = new WebSocketServer({ noServer: true });
const send = (ws, msg) => ws.readyState === ws.OPEN && ws.send(JSON.stringify(msg) + RS);
function closeHub(c, error) {
  send(c.ws, { type: 7, error, allowReconnect: false });
  c.ws.close();
  hubConnections.delete(c);
}

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url, `http://${req.headers.host}`);
  const [session] = url.pathname === '/hubs/gateway' ? authenticate(url.searchParams.get('access_token')) : [null];
  if (!session) {
    socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
    return;
  }
  const exp = accessTokens.get(url.searchParams.get('access_token')).exp;
  wss.handleUpgrade(req, socket, head, (ws) => {
    const c = { ws, sessionId: session.id, userId: session.userId, exp, handshaken: false };
    hubConnections.add(c);
    ws.on('close', () => hubConnections.delete(c));
    ws.on('message', (data) => {
      for (const frame of data.toString().split(RS).filter(Boolean)) {
        const msg = JSON.parse(frame);
        if (!c.handshaken) {
          c.handshaken = true;
          ws.send('{}' + RS);
          send(ws, { type: 1, target: 'ready', arguments: [{ user: publicUser(userById(c.userId)), sessionId: c.sessionId }] });
          continue;
        }
        if (msg.type === 1 && msg.target === 'Ping') {
          send(ws, { type: 3, invocationId: msg.invocationId, result: new Date().toISOString() });
        } else if (msg.type === 1 && msg.target === 'Reauthenticate') {
          const t = accessTokens.get(msg.arguments?.[0]);
          if (t && t.sessionId === c.sessionId && t.exp > Date.now()) {
            c.exp = t.exp;
            send(ws, { type: 3, invocationId: msg.invocationId });
          } else {
            send(ws, { type: 3, invocationId: msg.invocationId, error: 'invalid_token' });
          }
        } else if (msg.type === 1 && msg.target === 'SendMessage') {
          try {
            const result = messages.sendMessage(c.userId, msg.arguments?.[0]);
            if (msg.invocationId) send(ws, { type: 3, invocationId: msg.invocationId, result });
          } catch (e) {
            if (msg.invocationId) send(ws, { type: 3, invocationId: msg.invocationId, error: e.message });
          }
        } else if (msg.type === 1 && msg.invocationId) {
          send(ws, { type: 3, invocationId: msg.invocationId, error: `Unknown method ${msg.target}` });
        }
      }
    });
  });
});

// Like the real server: a connection whose token expired is closed; keep-alive pings otherwise.
setInterval(() => {
  for (const c of [...hubConnections]) {
    if (c.exp < Date.now()) closeHub(c, 'Token expired.');
    else send(c.ws, { type: 6 });
  }
}, 1000).unref();

server.listen(PORT, '127.0.0.1', () => console.log(`mock api on http://127.0.0.1:${PORT} (access tokens live ${ACCESS_TTL}s)`));
