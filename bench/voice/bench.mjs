// Janus CPU and memory per forwarded audio stream, and the audio latency budget from getStats.
// Runs inside the network namespace that bench/voice/run.sh creates, next to the Janus it starts:
// N headless Chromium pages (fake audio, or a WebAudio tone with --source=tone) each publish one
// encrypted Opus stream into a require_e2ee videoroom and subscribe to the N−1 others, so Janus
// forwards N·(N−1) streams. For each N it samples Janus' /proc/<pid>/stat (utime+stime) and
// VmRSS over a steady window, the browsers' CPU, the machine's load, and per page the windowed
// jitter-buffer delay, its target and minimum, RTT, loss and concealment.
//
//   node bench/voice/bench.mjs --sizes 2,4,8 --warmup 10 --window 20 [--source fake|tone]
//                              [--jitter-target MS] [--series 6]
// Environment: JANUS_URL, JANUS_ADMIN_KEY, JANUS_PID (from run.sh), CHROMIUM_PATH.
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const wwwroot = join(root, 'src/Api/wwwroot');

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .join(' ')
    .split('--')
    .filter(Boolean)
    .map((a) => a.trim().split(/\s+/))
    .map(([k, v]) => [k, v ?? 'true']),
);
const sizes = (args.sizes ?? '2,4,6,8').split(',').map(Number);
const warmup = Number(args.warmup ?? 10);
const windowSec = Number(args.window ?? 20);
const series = Number(args.series ?? 0); // > 0: print the jitter buffer per 5 s sub-window this many times
const source = args.source ?? 'fake';
const jitterTarget = args['jitter-target'] === undefined ? null : Number(args['jitter-target']);
const janusPid = Number(process.env.JANUS_PID);
if (!janusPid) {
  throw new Error('JANUS_PID is required (bench/voice/run.sh sets it)');
}

// ------------------------------------------------------------------ the page origin
// A static server for the built web client: pages load the app's own voice chunk (frame
// encryption worker) from it. The chunk shares modules with the entry, so the page is the app's
// index.html (it shows the login screen; its API calls get 404s here, which is harmless).
const types = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.json': 'application/json', '.wasm': 'application/wasm' };
const server = createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/bench') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(readFileSync(join(wwwroot, 'index.html')));
    return;
  }
  try {
    if (path.includes('..')) throw new Error('no');
    const body = readFileSync(join(wwwroot, path));
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
process.env.BASE_URL = `http://127.0.0.1:${server.address().port}`;

const { launchMediaBrowser, voiceChunkUrl, until } = await import('../../src/Web/tests/voice/rtc.mjs');
const { attach, closeAll, JANUS_ADMIN_KEY } = await import('../../src/Web/tests/voice/janus.mjs');

// ------------------------------------------------------------------ /proc sampling
const CLK_TCK = 100;
function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime + stime
}
const rssKb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const myNetns = readlinkSync('/proc/self/ns/net');
/** CPU ticks of every Chromium process in this namespace. */
function browserTicks() {
  let sum = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readlinkSync(`/proc/${d}/ns/net`) !== myNetns) continue;
      if (!/chrom/i.test(readFileSync(`/proc/${d}/comm`, 'utf8'))) continue;
      sum += cpuTicks(d);
    } catch {
      // exited
    }
  }
  return sum;
}
/** Machine-wide busy fraction between two /proc/stat samples. */
function machine() {
  const [, ...f] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = f.map(Number);
  return { idle: n[3] + n[4], total: n.reduce((a, b) => a + b, 0) };
}
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

// ------------------------------------------------------------------ pages
async function newPage(browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${process.env.BASE_URL}/bench`);
  await page.evaluate(async (url) => {
    const v = await import(url);
    window.__t = { v, crypto: new v.FrameCrypto(v.frameTransformSupport()) };
  }, voiceChunkUrl());
  return { context, page };
}

async function publishOffer(page) {
  return page.evaluate(async (source) => {
    const t = window.__t;
    const pc = new RTCPeerConnection(t.crypto.peerConnectionConfig);
    t.pub = pc;
    let track;
    if (source === 'tone') {
      // A WebAudio oscillator: audio produced by the page's audio clock, not the fake capture device.
      const ctx = new AudioContext();
      const osc = ctx.createOscillator();
      const dest = ctx.createMediaStreamDestination();
      osc.connect(dest);
      osc.start();
      track = dest.stream.getAudioTracks()[0];
    } else {
      track = (await navigator.mediaDevices.getUserMedia({ audio: true })).getAudioTracks()[0];
    }
    const tr = pc.addTransceiver(track, { direction: 'sendonly' });
    t.crypto.protectSender(tr.sender, 'audio');
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
      setTimeout(resolve, 3000);
    });
    return pc.localDescription.sdp;
  }, source);
}

async function subscribeAnswer(page, sdp, target) {
  return page.evaluate(
    async ({ sdp, target }) => {
      const t = window.__t;
      const pc = new RTCPeerConnection(t.crypto.peerConnectionConfig);
      t.sub = pc;
      t.players = [];
      pc.ontrack = (e) => {
        t.crypto.protectReceiver(e.receiver, 'audio');
        if (target !== null) {
          e.receiver.jitterBufferTarget = target;
          e.receiver.playoutDelayHint = target / 1000;
        }
        // A playing element, as the app does: Chromium pulls decoded audio for a rendered track.
        const el = new Audio();
        el.muted = true;
        el.srcObject = new MediaStream([e.track]);
        void el.play().catch(() => {});
        t.players.push(el);
      };
      await pc.setRemoteDescription({ type: 'offer', sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise((resolve) => {
        if (pc.iceGatheringState === 'complete') return resolve();
        pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && resolve());
        setTimeout(resolve, 3000);
      });
      return pc.localDescription.sdp;
    },
    { sdp, target },
  );
}

/** Cumulative audio receive counters of one page (summed over its receivers) and its RTT. */
async function audioCounters(page) {
  return page.evaluate(async () => {
    const t = window.__t;
    const c = { delay: 0, emitted: 0, target: 0, minimum: 0, received: 0, lost: 0, concealed: 0, samples: 0, rtt: null, ptime: null };
    for (const r of (await t.sub.getStats()).values()) {
      if (r.type === 'inbound-rtp' && r.kind === 'audio') {
        c.delay += r.jitterBufferDelay ?? 0;
        c.emitted += r.jitterBufferEmittedCount ?? 0;
        c.target += r.jitterBufferTargetDelay ?? 0;
        c.minimum += r.jitterBufferMinimumDelay ?? 0;
        c.received += r.packetsReceived ?? 0;
        c.lost += r.packetsLost ?? 0;
        c.concealed += r.concealedSamples ?? 0;
        c.samples += r.totalSamplesReceived ?? 0;
      }
      if (r.type === 'candidate-pair' && r.nominated && typeof r.currentRoundTripTime === 'number') {
        c.rtt = r.currentRoundTripTime * 1000;
      }
    }
    for (const r of (await t.pub.getStats()).values()) {
      if (r.type === 'codec' && /opus/i.test(r.mimeType) && r.sdpFmtpLine) {
        c.ptime = /ptime=(\d+)/.exec(r.sdpFmtpLine)?.[1] ?? '20 (default)';
      }
    }
    return c;
  });
}

function windowed(a, b) {
  const emitted = b.emitted - a.emitted;
  return {
    jitterMs: emitted > 0 ? (1000 * (b.delay - a.delay)) / emitted : null,
    targetMs: emitted > 0 ? (1000 * (b.target - a.target)) / emitted : null,
    minimumMs: emitted > 0 ? (1000 * (b.minimum - a.minimum)) / emitted : null,
    lossPct: b.received - a.received + (b.lost - a.lost) > 0 ? (100 * (b.lost - a.lost)) / (b.received - a.received + (b.lost - a.lost)) : 0,
    concealedPct: b.samples > a.samples ? (100 * (b.concealed - a.concealed)) / (b.samples - a.samples) : 0,
    rttMs: b.rtt,
    packets: b.received - a.received,
  };
}

const median = (xs) => {
  const s = xs.filter((x) => x !== null).sort((p, q) => p - q);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};
const fmt = (x, d = 1) => (x === null || x === undefined ? '—' : x.toFixed(d));
const sleep = (s) => new Promise((r) => setTimeout(r, s * 1000));

// ------------------------------------------------------------------ one room size
async function runSize(browser, n) {
  const admin = await attach();
  const room = 2_000_000 + Math.floor(Math.random() * 1e6);
  await admin.request({ request: 'create', room, admin_key: JANUS_ADMIN_KEY, require_e2ee: true, publishers: n + 1, audiocodec: 'opus', permanent: false });
  const idleRss = rssKb(janusPid);
  const pages = [];
  const handles = [];
  try {
    for (let i = 0; i < n; i++) {
      pages.push(await newPage(browser));
    }
    const keys = pages.map(() => Array.from(crypto.getRandomValues(new Uint8Array(32))));
    for (const [i, p] of pages.entries()) {
      await p.page.evaluate(
        ({ i, keys }) => {
          window.__t.crypto.setSendKey(i + 1, new Uint8Array(keys[i]));
          keys.forEach((k, j) => j !== i && window.__t.crypto.setReceiveKey(`p${j}`, j + 1, new Uint8Array(k)));
        },
        { i, keys },
      );
    }
    const feeds = [];
    for (const p of pages) {
      const h = await attach();
      handles.push(h);
      const { data, jsep } = await h.message({ request: 'joinandconfigure', room, ptype: 'publisher', e2ee: true }, { type: 'offer', sdp: await publishOffer(p.page), e2ee: true });
      await p.page.evaluate((sdp) => window.__t.pub.setRemoteDescription({ type: 'answer', sdp }), jsep.sdp);
      await h.event((e) => e.janus === 'webrtcup', 30_000);
      feeds.push(data.id);
    }
    for (const [i, p] of pages.entries()) {
      const h = await attach();
      handles.push(h);
      const { jsep } = await h.message({ request: 'join', room, ptype: 'subscriber', streams: feeds.filter((_, j) => j !== i).map((feed) => ({ feed })) });
      const answer = await subscribeAnswer(p.page, jsep.sdp, jitterTarget);
      await h.message({ request: 'start' }, { type: 'answer', sdp: answer });
    }
    await until(async () => (await Promise.all(pages.map((p) => audioCounters(p.page)))).every((c) => c.received > 50 * (n - 1)), `all ${n} pages receive audio`, 60_000);
    await sleep(warmup);

    const c0 = await Promise.all(pages.map((p) => audioCounters(p.page)));
    const j0 = cpuTicks(janusPid);
    const b0 = browserTicks();
    const m0 = machine();
    const t0 = performance.now();
    const seriesRows = [];
    let prev = c0;
    for (let k = 0; k < Math.max(1, series); k++) {
      await sleep(series > 0 ? 5 : windowSec);
      if (series > 0) {
        const now = await Promise.all(pages.map((p) => audioCounters(p.page)));
        seriesRows.push(median(now.map((c, i) => windowed(prev[i], c).jitterMs)));
        prev = now;
      }
    }
    const dt = (performance.now() - t0) / 1000;
    const c1 = await Promise.all(pages.map((p) => audioCounters(p.page)));
    const j1 = cpuTicks(janusPid);
    const b1 = browserTicks();
    const m1 = machine();
    const w = c1.map((c, i) => windowed(c0[i], c));
    const streams = n * (n - 1);
    const janusCpu = (j1 - j0) / CLK_TCK / dt; // cores
    // What Janus really forwarded: packets the subscribers received (a starved browser sends less).
    const forwardedPps = w.reduce((a, x) => a + x.packets, 0) / dt;
    const rss = rssKb(janusPid);
    return {
      n,
      streams,
      seconds: dt,
      janusCpuPct: 100 * janusCpu,
      janusCpuPerStreamPct: (100 * janusCpu) / streams,
      forwardedPps,
      janusUsPerPacket: forwardedPps > 0 ? (1e6 * janusCpu) / forwardedPps : null,
      janusRssMb: rss / 1024,
      janusRssDeltaMb: (rss - idleRss) / 1024,
      browsersCores: (b1 - b0) / CLK_TCK / dt,
      machineBusyPct: (100 * (1 - (m1.idle - m0.idle) / (m1.total - m0.total))),
      loadavg: loadavg(),
      jitterMs: median(w.map((x) => x.jitterMs)),
      targetMs: median(w.map((x) => x.targetMs)),
      minimumMs: median(w.map((x) => x.minimumMs)),
      rttMs: median(w.map((x) => x.rttMs)),
      lossPct: median(w.map((x) => x.lossPct)),
      concealedPct: median(w.map((x) => x.concealedPct)),
      ptime: c1[0].ptime ?? '20 (default)',
      series: seriesRows,
    };
  } finally {
    for (const h of handles) await h.close();
    await admin.request({ request: 'destroy', room }).catch(() => {});
    await admin.close();
    for (const p of pages) await p.context.close().catch(() => {});
  }
}

const browser = await launchMediaBrowser();
const rows = [];
try {
  console.log(`# source=${source} jitterBufferTarget=${jitterTarget ?? 'unset'} warmup=${warmup}s window=${series > 0 ? series * 5 : windowSec}s`);
  console.log('| N | streams | forwarded pkt/s | Janus CPU % | Janus µs / forwarded pkt | Janus RSS MB (Δ) | browsers (cores) | machine busy % / load | jitter buffer / target / minimum ms | RTT ms | loss % | concealed % |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const n of sizes) {
    let r;
    try {
      r = await runSize(browser, n);
    } catch (e) {
      console.log(`# N=${n}: did not complete (${e.message.split('\n')[0]}) — the machine holds fewer participants`);
      break;
    }
    rows.push(r);
    console.log(
      `| ${r.n} | ${r.streams} | ${fmt(r.forwardedPps, 0)} | ${fmt(r.janusCpuPct)} | ${fmt(r.janusUsPerPacket)} | ${fmt(r.janusRssMb)} (+${fmt(r.janusRssDeltaMb)}) | ${fmt(r.browsersCores, 2)} | ${fmt(r.machineBusyPct, 0)} / ${r.loadavg} | ${fmt(r.jitterMs)} / ${fmt(r.targetMs)} / ${fmt(r.minimumMs)} | ${fmt(r.rttMs)} | ${fmt(r.lossPct, 2)} | ${fmt(r.concealedPct, 2)} |`,
    );
    if (r.series.length) {
      console.log(`#   jitter buffer per 5 s window (median over pages, ms): ${r.series.map((x) => fmt(x)).join(', ')}`);
    }
  }
  console.log(`# Opus ptime ${rows[0]?.ptime ?? '?'} ms`);
  if (rows.length >= 2) {
    // Least squares over the sizes: Janus CPU = fixed + per packet × forwarded packets/s;
    // RSS = fixed + per stream × streams.
    const fit = (ys, xs) => {
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      const slope = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0) / xs.reduce((a, x) => a + (x - mx) ** 2, 0);
      return { fixed: my - slope * mx, slope };
    };
    const cpu = fit(
      rows.map((r) => r.janusCpuPct),
      rows.map((r) => r.forwardedPps),
    );
    const rss = fit(
      rows.map((r) => r.janusRssMb),
      rows.map((r) => r.streams),
    );
    const s50 = 50 * 49;
    const pps50 = s50 * 50; // Opus 20 ms: 50 packets/s per stream
    console.log(`# fit: Janus CPU ≈ ${fmt(cpu.fixed, 2)} % + ${fmt(cpu.slope * 1e4, 3)} µs per forwarded packet; RSS ≈ ${fmt(rss.fixed)} MB + ${fmt(rss.slope * 1024, 1)} KB per stream`);
    console.log(`# 50 people all unmuted (${s50} streams, ${pps50} pkt/s): ≈ ${fmt(cpu.fixed + cpu.slope * pps50, 0)} % of one core, ≈ ${fmt(rss.fixed + rss.slope * s50, 0)} MB`);
  }
  console.log(JSON.stringify({ source, jitterTarget, rows }));
} finally {
  await closeAll();
  await browser.close();
  server.close();
}
