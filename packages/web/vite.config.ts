/**
 * Builds the server browser into `dist/public` (served by the masterserver at
 * `/`). `npm run dev -w @masterserver/web` serves it with hot reload and sends
 * the API to a masterserver on 127.0.0.1:8080.
 *
 * @module
 */

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { pageBudget } from './page-budget.js';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [pageBudget()],
  // Preact through esbuild's automatic JSX runtime: no React plugin.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist/public',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
  },
  server: {
    proxy: { '/v2': 'http://127.0.0.1:8080' },
  },
});
