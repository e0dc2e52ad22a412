#!/usr/bin/env node
// Turns docs/openapi.yaml (the source, written by hand) into dist/openapi.json, which this package carries and
// serves at GET /v2/openapi.json: a published package needs no docs/ folder and no YAML parser at run time.
// `npm run build` runs it after tsc. A file that is not valid YAML, or holds a key twice, stops it with status 1.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const source = fileURLToPath(new URL('../../../docs/openapi.yaml', import.meta.url));
const target = fileURLToPath(new URL('../dist/openapi.json', import.meta.url));

let document;
try {
  document = parse(readFileSync(source, 'utf8'), { uniqueKeys: true, prettyErrors: true });
} catch (error) {
  console.error(`${source}: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
mkdirSync(fileURLToPath(new URL('../dist/', import.meta.url)), { recursive: true });
writeFileSync(target, JSON.stringify(document));
