#!/usr/bin/env node
// Runs every compiled test file of every workspace package with node's test runner.
// Usage: node scripts/run-tests.js [filter]   (filter: a substring of the file path)
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filter = process.argv[2] ?? '';

function walk(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (name.endsWith('.test.js') && path.includes(filter)) out.push(path);
  }
  return out;
}

const files = [];
for (const pkg of readdirSync(join(root, 'packages'))) walk(join(root, 'packages', pkg, 'dist', 'test'), files);
files.sort();
if (files.length === 0) {
  console.error(`no test files match "${filter}"; run "npm run build" first`);
  process.exit(1);
}
// One runner over every file, so that its summary at the end counts every test. Files run one at a time: many
// tests hold tight timers (500 ms pongs) and the browser tests' Chromium takes most of a small machine's CPU.
// The browser tests run last. The timeout bounds each test and also each file as a whole (the runner counts a file
// as one test): a file's own tests have tighter bounds, so that what hangs is reported by name.
const isBrowserTest = (path) => path.includes(`${sep}browser${sep}`);
const ordered = [...files.filter((f) => !isBrowserTest(f)), ...files.filter(isBrowserTest)];
const result = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    '--test-reporter=spec',
    '--test-concurrency=1',
    '--test-timeout=300000',
    ...ordered,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
