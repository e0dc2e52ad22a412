#!/usr/bin/env node
// Copies the server browser's build (packages/web/dist/public) into the server package
// (packages/server/dist/public), which serves it and publishes it: a server installed
// from its own package needs no web package. Run by `npm run build` after Vite.
import { cpSync, existsSync, rmSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const from = new URL('packages/web/dist/public/', root);
const to = new URL('packages/server/dist/public/', root);
if (!existsSync(new URL('index.html', from))) {
  console.error(`bundle-web: ${from.pathname}index.html is missing: build the page first (npm run build)`);
  process.exit(1);
}
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
