import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: {
    // Component CSS goes to .css files (the CSP has no 'unsafe-inline' for styles).
    css: 'external',
  },
};
