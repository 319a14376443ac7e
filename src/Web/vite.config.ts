import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// In `npm run dev`, /api and /hubs go to a running Api (default http://127.0.0.1:5000).
const apiTarget = process.env.API_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  plugins: [svelte()],
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
