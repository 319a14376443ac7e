// The reference the messaging targets are set against: a lean single-process Node + Socket.IO
// chat server that inserts each message into PostgreSQL (durable commit) before broadcasting it to
// the room. It has one room, no accounts, no permission checks, no mentions, no search: everything
// LesCopains does besides "store, then fan out" is missing here, which favours the reference.
//
//   DATABASE_URL=postgresql://user:password@127.0.0.1:5432/db PORT=3100 node server.mjs
//
// REFERENCE_SCHEMA=lean (default): a table with a primary key and a unique (channel, seq) index.
// REFERENCE_SCHEMA=full: a copy of LesCopains' `messages` table with all its indexes (full-text
// GIN included), so both servers pay the same index maintenance per row.
// POOL_SIZE (default 10): concurrent inserts, as a Node server with node-postgres' pool would run.
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { Server } from 'socket.io';
import pg from 'pg';

const port = Number(process.env.PORT ?? 3100);
const schema = process.env.REFERENCE_SCHEMA ?? 'lean';
if (!process.env.DATABASE_URL) {
  console.error('DATABASE_URL is required (a PostgreSQL server the reference may create a table in)');
  process.exit(2);
}
if (schema !== 'lean' && schema !== 'full') {
  console.error(`REFERENCE_SCHEMA must be lean or full, not ${schema}`);
  process.exit(2);
}

const table = schema === 'full' ? 'bench_reference_full' : 'bench_reference_lean';
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 10), idleTimeoutMillis: 0 });
await pool.query(`DROP TABLE IF EXISTS ${table}`);
await pool.query(schema === 'full'
  ? `CREATE TABLE ${table} (LIKE messages INCLUDING ALL)`
  : `CREATE TABLE ${table} (
       id uuid PRIMARY KEY, channel_id uuid NOT NULL, guild_id uuid NOT NULL, seq bigint NOT NULL,
       author_id uuid NOT NULL, content text NOT NULL, nonce text, created_at timestamptz NOT NULL,
       UNIQUE (channel_id, seq))`);

// Time-ordered ids (UUIDv7 layout), as LesCopains uses: new rows go to the right edge of the index.
function uuid7() {
  const bytes = randomBytes(16);
  const ms = BigInt(Date.now());
  for (let i = 0; i < 6; i++) bytes[i] = Number((ms >> BigInt(8 * (5 - i))) & 0xffn);
  bytes[6] = (bytes[6] & 0x0f) | 0x70;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const room = 'general';
const channelId = uuid7();
const guildId = uuid7();
let seq = 0;

const http = createServer((req, res) => {
  res.writeHead(req.url === '/health' ? 200 : 404).end();
});
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });

io.on('connection', (socket) => {
  // No accounts: each connection is a user of its own.
  const authorId = uuid7();
  socket.join(room);

  socket.on('ping:app', (ack) => {
    if (typeof ack === 'function') ack(Date.now());
  });

  socket.on('message:send', async (body, ack) => {
    if (typeof ack !== 'function') return;
    const content = typeof body?.content === 'string' ? body.content : '';
    if (content.trim() === '' || content.length > 4000) {
      ack({ error: { code: 'invalid_content', message: 'Content must be 1 to 4,000 characters and not blank.' } });
      return;
    }
    const message = {
      id: uuid7(), channelId, seq: ++seq, authorId, content,
      nonce: typeof body.nonce === 'string' ? body.nonce : null, createdAt: new Date().toISOString(),
    };
    try {
      await pool.query({
        name: 'insert-message',
        text: `INSERT INTO ${table} (id, channel_id, guild_id, seq, author_id, content, nonce, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        values: [message.id, channelId, guildId, message.seq, authorId, content, message.nonce, message.createdAt],
      });
    } catch (error) {
      ack({ error: { code: 'internal', message: String(error?.message ?? error) } });
      return;
    }
    io.to(room).emit('message:create', { message });
    ack({ message });
  });
});

http.listen(port, '127.0.0.1', () => {
  console.log(`reference server on http://127.0.0.1:${port} (table ${table}, pool ${pool.options.max})`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    io.close();
    pool.end().finally(() => process.exit(0));
  });
}
