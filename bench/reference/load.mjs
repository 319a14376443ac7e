// One load tool for several servers, so their numbers can be compared within one run on one machine:
// LesCopains (the @microsoft/signalr client, as the web client uses), the reference server in
// this folder (socket.io-client) and the fan-out probe (bench/LesCopains.FanoutProbe, same client). Both are driven alike: N connections in one room, K of them
// sending at a fixed total rate, each send awaited for its acknowledgement, every member's receipt
// timed against the send call (one process, one clock). Usage: bench/README.md.
import { performance } from 'node:perf_hooks';
import { readdirSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    target: { type: 'string', default: 'reference' },
    url: { type: 'string' },
    members: { type: 'string', default: '100' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    senders: { type: 'string', default: '10' },
    // Processes whose CPU time over the load window is reported (Linux): name=pid,pid;name=comm:postgres
    watch: { type: 'string', default: '' },
    // LesCopains' hub path: /hubs/gateway (SignalR's transport, as browsers connect) or
    // /hubs/gateway/ws (the direct transport, when the server runs with DIRECT_WEBSOCKETS=true).
    hub: { type: 'string', default: '/hubs/gateway' },
  },
});
const target = opts.target;
/** How a run is named in its summary line: LesCopains' direct transport apart from its SignalR endpoint. */
const label = target === 'lescopains' && opts.hub !== '/hubs/gateway' ? `lescopains ${opts.hub}` : target;
const defaultUrls = { reference: 'http://127.0.0.1:3100', lescopains: 'http://127.0.0.1:3000', probe: 'http://127.0.0.1:3200' };
if (!(target in defaultUrls)) {
  console.error('--target must be reference, lescopains or probe');
  process.exit(2);
}
const url = opts.url ?? defaultUrls[target];
const members = Number(opts.members);
const rate = Number(opts.rate);
const duration = Number(opts.duration);
const senders = Math.min(members, Number(opts.senders));
for (const [name, value] of Object.entries({ members, rate, duration, senders })) {
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive integer`);
    process.exit(2);
  }
}
console.log(`${target} at ${url}: ${members} members, ${rate} msg/s for ${duration}s (${senders} senders)`);

const capacity = Math.ceil(rate * duration * 1.25) + 1024;
const e2e = new Float64Array(capacity * members);
let e2eCount = 0;
let deliveries = 0;
const sentAt = new Float64Array(capacity);
const firstReceipt = new Float64Array(capacity);
const lastReceipt = new Float64Array(capacity);

// Per member and sender, the number of the last message received: a smaller one after it is a
// message delivered out of the order its sender sent it in.
const lastFromSender = new Float64Array(members * senders).fill(-1);
let outOfOrder = 0;

// A bench message's content is "t=<send time, ms>;n=<number>;s=<sender>;bench".
function received(content, member) {
  const now = performance.now();
  if (typeof content !== 'string' || !content.startsWith('t=')) return;
  const end = content.indexOf(';');
  const sent = Number(content.slice(2, end));
  if (end < 0 || !Number.isFinite(sent)) return;
  if (e2eCount < e2e.length) e2e[e2eCount++] = now - sent;
  deliveries++;
  const numberEnd = content.indexOf(';', end + 1);
  const number = Number(content.slice(end + 3, numberEnd));
  if (content.startsWith('n=', end + 1) && Number.isInteger(number) && number < capacity) {
    if (firstReceipt[number] === 0 || now < firstReceipt[number]) firstReceipt[number] = now;
    if (now > lastReceipt[number]) lastReceipt[number] = now;
    const sender = Number(content.slice(numberEnd + 3, content.indexOf(';', numberEnd + 1)));
    if (content.startsWith('s=', numberEnd + 1) && Number.isInteger(sender) && sender < senders) {
      const slot = member * senders + sender;
      if (number < lastFromSender[slot]) outOfOrder++;
      else lastFromSender[slot] = number;
    }
  }
}

/** A connected member: `ping()` and `send(content)` resolve with the server's acknowledgement. */
async function connectReference(i) {
  const { io } = await import('socket.io-client');
  const socket = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
  socket.on('message:create', (e) => received(e?.message?.content, i));
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const call = (event, ...args) => new Promise((resolve, reject) => {
    socket.timeout(30_000).emit(event, ...args, (error, answer) => {
      if (error) reject(error);
      else if (answer?.error) reject(new Error(`${answer.error.code}: ${answer.error.message}`));
      else resolve(answer);
    });
  });
  return {
    ping: () => call('ping:app'),
    send: (content) => call('message:send', { content }),
    close: async () => { socket.close(); },
  };
}

let lescopains;
async function setUpLesCopains() {
  const run = Math.random().toString(36).slice(2, 8);
  const post = async (path, token, body, ip) => {
    const headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    if (ip) headers['x-forwarded-for'] = ip;
    const response = await fetch(new URL(path, url), { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return response.status === 204 ? null : response.json();
  };
  const tokens = new Array(members);
  const account = async (i) => {
    const username = `r${run}_${i}`;
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    await post('/api/auth/register', null, { username, password: 'bench password 123' }, ip);
    tokens[i] = (await post('/api/auth/login', null, { username, password: 'bench password 123' }, ip)).accessToken;
  };
  await inBatches(members, 4, account);
  const guild = await post('/api/guilds', tokens[0], { name: `Bench ${run}` });
  const channelId = guild.channels.find((c) => c.name === 'general').id;
  const { code } = await post(`/api/guilds/${guild.id}/invites`, tokens[0], { channelId });
  await inBatches(members - 1, 8, (i) => post(`/api/invites/${code}`, tokens[i + 1]));
  lescopains = { tokens, channelId };
}

/** LesCopains, or (without `lescopains` set up) the fan-out probe, which speaks the same hub protocol. */
async function connectLesCopains(i) {
  const signalR = await import('@microsoft/signalr');
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(new URL(lescopains ? opts.hub : '/hub', url).href, {
      accessTokenFactory: lescopains ? () => lescopains.tokens[i] : undefined,
      transport: signalR.HttpTransportType.WebSockets,
      skipNegotiation: true,
    })
    .configureLogging(signalR.LogLevel.Error) // the tool subscribes to message events only
    .build();
  connection.on('message:create', (e) => received(e?.message?.content, i));
  connection.on('messages:create', (e) => { for (const m of e?.messages ?? []) received(m?.content, i); });
  connection.on('ready', (r) => {
    if (r?.keepAliveMs > 0) {
      connection.keepAliveIntervalInMilliseconds = r.keepAliveMs;
      connection.serverTimeoutInMilliseconds = 2 * r.keepAliveMs;
    }
  });
  await connection.start();
  return {
    ping: () => connection.invoke('Ping'),
    send: (content) => connection.invoke('SendMessage', { channelId: lescopains?.channelId, content }),
    close: () => connection.stop(),
  };
}

/**
 * The watched processes, resolved once when the load starts: `name=pid,pid` or `name=comm:postgres`
 * (every process of that command name then, e.g. all of PostgreSQL's backends).
 */
function watchedProcesses() {
  const groups = {};
  for (const group of opts.watch.split(';').filter(Boolean)) {
    const [name, spec = ''] = group.split('=');
    if (spec.startsWith('comm:')) {
      groups[name] = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && commOf(pid) === spec.slice(5));
    } else {
      groups[name] = spec.split(',').filter(Boolean);
    }
  }
  return groups;
}

function commOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * utime + stime per watched group, in clock ticks. A process counts only while it is the one seen
 * at the start (same start time): one that ended, or whose pid was reused, counts as 0.
 */
function watchedTicks(groups, started = {}) {
  const ticks = {};
  for (const [name, pids] of Object.entries(groups)) {
    ticks[name] = 0;
    for (const pid of pids) {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const key = `${pid}@${fields[19]}`;
        const used = Number(fields[11]) + Number(fields[12]);
        if (!(pid in started)) started[pid] = { key, used };
        else if (started[pid].key === key) ticks[name] += used - started[pid].used;
      } catch {
        // The process ended.
      }
    }
  }
  return ticks;
}

async function inBatches(count, parallel, work) {
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) await work(next++);
  }));
}

const percentile = (sorted, p) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)]);
const sortedOf = (values) => Float64Array.from(values).sort();
const fmt = (v) => v.toFixed(2);

if (target === 'lescopains') await setUpLesCopains();
const connect = target === 'reference' ? connectReference : connectLesCopains;
const connections = new Array(members);
await inBatches(members, 16, async (i) => { connections[i] = await connect(i); });
console.log(`${members} connections open`);
await new Promise((r) => setTimeout(r, 1000));

// Baselines on the first connection: an application ping (no database), then sends back to back.
const pings = [];
for (let i = 0; i < 200; i++) {
  const t = performance.now();
  await connections[0].ping();
  pings.push(performance.now() - t);
}
const warm = [];
for (let i = 0; i < 100; i++) {
  const t = performance.now();
  await connections[0].send(`warm-up ${i}`);
  warm.push(performance.now() - t);
}
const pingSorted = sortedOf(pings);
const warmSorted = sortedOf(warm);
console.log(`ping round trip ms (200 sequential): p50 ${fmt(percentile(pingSorted, 0.5))}  p99 ${fmt(percentile(pingSorted, 0.99))}`);
console.log(`sequential send ack ms (100, back to back): p50 ${fmt(percentile(warmSorted, 0.5))}  p99 ${fmt(percentile(warmSorted, 0.99))}`);
await new Promise((r) => setTimeout(r, 500));

// Load: each sender sends on its own schedule (catching up after a late timer), without waiting
// for its earlier acknowledgements.
const acks = new Float64Array(capacity);
let ackCount = 0;
let sent = 0;
let failed = 0;
let numbered = 0;
const intervalMs = (1000 * senders) / rate;
const startAt = performance.now();
const deadline = startAt + duration * 1000;
const cpuBefore = process.cpuUsage();
const watched = watchedProcesses();
const startedProcesses = {};
watchedTicks(watched, startedProcesses);

async function sendOne(connection, sender) {
  const number = numbered++;
  const start = performance.now();
  if (number < capacity) sentAt[number] = start;
  try {
    await connection.send(`t=${start};n=${number};s=${sender};bench`);
    if (ackCount < acks.length) acks[ackCount++] = performance.now() - start;
    sent++;
  } catch {
    failed++;
  }
}

await Promise.all(Array.from({ length: senders }, (_, s) => new Promise((resolve) => {
  const connection = connections[s % members];
  const inflight = [];
  let next = startAt + (intervalMs * s) / senders;
  const tick = () => {
    while (next <= performance.now() && next < deadline) {
      inflight.push(sendOne(connection, s));
      next += intervalMs;
    }
    if (next < deadline) setTimeout(tick, Math.max(0, next - performance.now()));
    else Promise.all(inflight).then(resolve);
  };
  setTimeout(tick, Math.max(0, next - performance.now()));
})));
const sendWindow = (performance.now() - startAt) / 1000;
const expected = sent * members;
const drainUntil = performance.now() + 30_000;
while (deliveries < expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 50));
const cpu = process.cpuUsage(cpuBefore);
const watchUsed = watchedTicks(watched, startedProcesses);
// Cores used over the send window (clock ticks are 1/100 s on Linux).
const serverCores = Object.fromEntries(Object.entries(watchUsed).map(([name, used]) => [name, used / 100 / sendWindow]));

const e2eSorted = e2e.subarray(0, e2eCount).sort();
const ackSorted = acks.subarray(0, ackCount).sort();
const toFirst = [];
const spread = [];
for (let i = 0; i < Math.min(capacity, numbered); i++) {
  if (firstReceipt[i] !== 0) {
    toFirst.push(firstReceipt[i] - sentAt[i]);
    spread.push(lastReceipt[i] - firstReceipt[i]);
  }
}
const firstSorted = sortedOf(toFirst);
const spreadSorted = sortedOf(spread);
const toolCpuSeconds = (cpu.user + cpu.system) / 1e6;
console.log(`sent ${sent} (failed ${failed}) in ${sendWindow.toFixed(1)}s = ${(sent / sendWindow).toFixed(1)} durable sends/s`);
console.log(`delivered ${deliveries} of ${expected} = ${(deliveries / sendWindow).toFixed(0)} deliveries/s; out of its sender's order: ${outOfOrder}`);
console.log(`ack latency ms: p50 ${fmt(percentile(ackSorted, 0.5))}  p95 ${fmt(percentile(ackSorted, 0.95))}  p99 ${fmt(percentile(ackSorted, 0.99))}  max ${fmt(ackSorted.at(-1) ?? NaN)}`);
console.log(`end-to-end ms:  p50 ${fmt(percentile(e2eSorted, 0.5))}  p95 ${fmt(percentile(e2eSorted, 0.95))}  p99 ${fmt(percentile(e2eSorted, 0.99))}  max ${fmt(e2eSorted.at(-1) ?? NaN)}`);
console.log(`first member ms: p50 ${fmt(percentile(firstSorted, 0.5))}  p99 ${fmt(percentile(firstSorted, 0.99))}; first to last member ms: p50 ${fmt(percentile(spreadSorted, 0.5))}  p99 ${fmt(percentile(spreadSorted, 0.99))}`);
console.log(`load generator CPU: ${toolCpuSeconds.toFixed(1)}s over ${sendWindow.toFixed(1)}s`);
for (const [name, cores] of Object.entries(serverCores)) console.log(`${name}: ${cores.toFixed(2)} cores`);
console.log(`summary ${label}: ${(sent / sendWindow).toFixed(0)} sends/s, ack p50/p99 ${fmt(percentile(ackSorted, 0.5))}/${fmt(percentile(ackSorted, 0.99))}, `
  + `end-to-end p50/p95/p99 ${fmt(percentile(e2eSorted, 0.5))}/${fmt(percentile(e2eSorted, 0.95))}/${fmt(percentile(e2eSorted, 0.99))}, `
  + `first ${fmt(percentile(firstSorted, 0.5))}, spread ${fmt(percentile(spreadSorted, 0.5))}, delivered ${deliveries}/${expected}, out of order ${outOfOrder}, `
  + `cores: tool ${(toolCpuSeconds / sendWindow).toFixed(2)}${Object.entries(serverCores).map(([n, c]) => ` ${n} ${c.toFixed(2)}`).join('')}`);
console.log(JSON.stringify({
  target, hub: target === 'lescopains' ? opts.hub : undefined, members, rate, senders, duration, sent, failed, deliveries, expected, outOfOrder,
  sendsPerSecond: sent / sendWindow, deliveriesPerSecond: deliveries / sendWindow,
  pingP50: percentile(pingSorted, 0.5), sequentialAckP50: percentile(warmSorted, 0.5),
  ackP50: percentile(ackSorted, 0.5), ackP99: percentile(ackSorted, 0.99),
  e2eP50: percentile(e2eSorted, 0.5), e2eP95: percentile(e2eSorted, 0.95), e2eP99: percentile(e2eSorted, 0.99), e2eMax: e2eSorted.at(-1) ?? null,
  firstP50: percentile(firstSorted, 0.5), firstP99: percentile(firstSorted, 0.99),
  spreadP50: percentile(spreadSorted, 0.5), spreadP99: percentile(spreadSorted, 0.99),
  toolCpuSeconds, serverCores,
}));
await Promise.all(connections.map((c) => c.close()));
// Fewer is a loss, more is a duplicate delivery, and a message out of its sender's order: all are failures.
process.exit(failed > 0 || deliveries !== expected || outOfOrder > 0 ? 1 : 0);
