import { createHash } from 'node:crypto';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

/**
 * Writes the build's identity into index.html (`<meta name="lescopains-build">`): a hash of the
 * bundle's file names, which Vite derives from their contents. The Api reads it from the index.html
 * it serves and sends it in the hub's `ready`, so a tab still running an older build offers a reload
 * (src/lib/build.ts).
 */
function buildId(): Plugin {
  return {
    name: 'lescopains-build-id',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const names = Object.keys(ctx.bundle ?? {}).sort();
        const id = createHash('sha256').update(names.join('\n')).digest('hex').slice(0, 16);
        return html.replace('</head>', `  <meta name="lescopains-build" content="${id}" />\n  </head>`);
      },
    },
  };
}

// In `npm run dev`, /api and /hubs go to a running Api (default http://127.0.0.1:5000).
const apiTarget = process.env.API_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  plugins: [svelte(), buildId()],
  // The frame-encryption worker is created with { type: 'module' }.
  worker: { format: 'es' },
  build: {
    outDir: '../Api/wwwroot',
    emptyOutDir: true,
    // The manifest tells scripts/size-report.mjs which chunks are initial.
    manifest: true,
    // The CSP forbids inline scripts; every browser we target supports modulepreload.
    modulePreload: { polyfill: false },
    target: 'es2022',
    // Small assets must stay files: the CSP has no data: for fonts and inline assets would bloat chunks.
    assetsInlineLimit: 0,
    rollupOptions: {
      output: {
        // Third-party code gets named vendor chunks so scripts/size-report.mjs can tell it from
        // the app's own code; the hub client is only ever reached through a dynamic import.
        manualChunks(id: string) {
          if (id.includes('/node_modules/@microsoft/signalr/')) {
            return 'vendor-signalr';
          }
          if (/\/node_modules\/(svelte|clsx|esm-env)\//.test(id)) {
            return 'vendor-svelte';
          }
          // End-to-end encryption (src/crypto and its primitives) is one lazy chunk, loaded by
          // the DM screens only; scripts/size-report.mjs fails if it becomes initial.
          if (id.includes('/src/crypto/') || id.includes('/node_modules/@noble/')) {
            return 'e2ee';
          }
          return undefined;
        },
      },
    },
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': apiTarget,
      '/health': apiTarget,
      '/hubs': { target: apiTarget, ws: true },
    },
  },
});
