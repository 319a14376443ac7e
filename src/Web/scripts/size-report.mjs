// Prints the gzip size of every emitted JS/CSS file and enforces the first-load budget:
// the app's own initial JS+CSS must stay within 15 KB gzip (docs/web-client.md).
//
// "Initial" is what index.html pulls in: the entry chunk, its static imports (transitively) and
// their CSS, taken from the Vite manifest. Vendor chunks (named vendor-*) are third-party code:
// they are listed and counted in the total but not in the app's own budget. The hub client
// (vendor-signalr) must never be initial.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

const OUT = new URL('../../Api/wwwroot/', import.meta.url).pathname;
const BUDGET = 15 * 1024;

const manifest = JSON.parse(readFileSync(join(OUT, '.vite/manifest.json'), 'utf8'));
const html = readFileSync(join(OUT, 'index.html'), 'utf8');

const gz = new Map();
function gzipSize(file) {
  if (!gz.has(file)) {
    gz.set(file, gzipSync(readFileSync(join(OUT, file)), { level: 9 }).length);
  }
  return gz.get(file);
}
const rawSize = (file) => statSync(join(OUT, file)).size;

function walk(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [relative(OUT, join(dir, e.name))],
  );
}

const byFile = new Map(Object.values(manifest).map((c) => [c.file, c]));
const isVendor = (file) => /(^|\/)vendor-/.test(file);

/** Files (JS and CSS) loaded with a chunk: itself, its static imports and their CSS. */
function closure(key, seen = new Set()) {
  const chunk = manifest[key];
  if (!chunk || seen.has(chunk.file)) {
    return seen;
  }
  seen.add(chunk.file);
  for (const css of chunk.css ?? []) {
    seen.add(css);
  }
  for (const imp of chunk.imports ?? []) {
    closure(imp, seen);
  }
  return seen;
}

const failures = [];

// --- CSP guards on index.html --------------------------------------------------------------
if (/<script(?![^>]*\bsrc=)[^>]*>/i.test(html)) failures.push('index.html has an inline <script> (the CSP forbids it)');
if (/<style[\s>]/i.test(html)) failures.push('index.html has an inline <style> (the CSP forbids it)');
if (/\sstyle=/i.test(html)) failures.push('index.html has a style="" attribute (the CSP forbids it)');

// --- initial set --------------------------------------------------------------------------
const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
if (!entryKey) {
  console.error('size-report: no entry chunk in the Vite manifest');
  process.exit(1);
}
const initial = closure(entryKey);
// CSS that index.html links directly (the entry's, plus anything Vite hoisted).
for (const m of html.matchAll(/<link[^>]+rel="stylesheet"[^>]+href="\/([^"]+)"/g)) {
  initial.add(m[1]);
}
for (const m of html.matchAll(/<script[^>]+src="\/([^"]+)"/g)) {
  initial.add(m[1]);
}

const signalrKey = Object.keys(manifest).find((k) => /vendor-signalr/.test(manifest[k].file));
if (!signalrKey) {
  failures.push('no vendor-signalr chunk: @microsoft/signalr must be a lazy chunk of its own');
}
const signalr = signalrKey ? closure(signalrKey) : new Set();
for (const f of signalr) {
  if (initial.has(f) && /vendor-signalr/.test(f)) failures.push(`${f} is part of the initial load; it must be lazy`);
}

// End-to-end encryption is heavy (curves, Kyber) and only needed by DMs: never initial.
for (const f of initial) {
  if (/(^|\/)e2ee-/.test(f)) failures.push(`${f} (end-to-end encryption) is part of the initial load; import it lazily`);
}

// --- table ---------------------------------------------------------------------------------
const files = walk(OUT).filter((f) => /\.(js|css)$/.test(f)).sort((a, b) => gzipSize(b) - gzipSize(a));
const kb = (n) => (n / 1024).toFixed(2).padStart(7) + ' KB';
const rows = files.map((f) => {
  const kind = `${initial.has(f) ? 'initial' : 'lazy'} ${isVendor(f) ? 'vendor' : 'app'}`;
  return [f, kind, kb(rawSize(f)), kb(gzipSize(f))];
});
const widths = [Math.max(4, ...rows.map((r) => r[0].length)), 14, 10, 10];
const line = (cols) => cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log('');
console.log(line(['file', 'kind', 'raw', 'gzip']));
console.log(line(widths.map((w) => '-'.repeat(w))));
rows.forEach((r) => console.log(line(r)));

const sum = (set, pred = () => true) => [...set].filter(pred).reduce((n, f) => n + gzipSize(f), 0);
const ownInitial = sum(initial, (f) => !isVendor(f));
const vendorInitial = sum(initial, isVendor);
const signedIn = new Set([...initial, ...signalr]);
const totalInitial = sum(signedIn);

// What each screen adds on top of the initial load (screens are lazy chunks of the entry).
const entry = manifest[entryKey];
const screens = (entry.dynamicImports ?? [])
  .filter((k) => !/vendor-/.test(manifest[k]?.file ?? ''))
  .map((k) => {
    const extra = [...closure(k)].filter((f) => !initial.has(f));
    return [manifest[k].name ?? k, sum(extra)];
  })
  .sort((a, b) => b[1] - a[1]);

console.log('');
console.log(`App's own initial JS+CSS (gzip):           ${kb(ownInitial)}   budget ${kb(BUDGET)}`);
console.log(`Vendor initial (Svelte runtime, gzip):     ${kb(vendorInitial)}`);
console.log(`Initial transfer, signed out (gzip):       ${kb(ownInitial + vendorInitial)}`);
console.log(`Initial transfer, signed in + hub (gzip):  ${kb(totalInitial)}`);
for (const [name, size] of screens) {
  console.log(`  + screen ${name.padEnd(28)} ${kb(size)}  (own first view: ${kb(ownInitial + size).trim()})`);
}

if (ownInitial > BUDGET) {
  failures.push(`the app's own initial JS+CSS is ${ownInitial} B gzip, over the ${BUDGET} B budget`);
}
if (failures.length > 0) {
  console.error('');
  for (const f of failures) console.error(`size-report: FAIL ${f}`);
  process.exit(1);
}
console.log('\nsize-report: OK');
