// npm run bench: every scenario, each in separate processes (the masterserver,
// the baselines and the load generators), printing a table and writing
// bench/results/<scenario>.json. A full run of every scenario (or --write-docs)
// also rewrites the results block of docs/benchmarks.md and docs/images/bench.svg
// from the results files.
// Usage: node bench/run.js [--quick] [--write-docs] [scenario ...]
//        node bench/run.js --docs-only   (rewrites the docs and chart from the results files, runs nothing)
//   scenarios: registration idle list query join probe (the default), codec (an extra)
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { machine } from './lib.js';
import { markdownBlock, missedTargets, replaceBlock, textTable } from './report.js';
import { chartSvg } from './svg.js';

const DEFAULT = ['registration', 'idle', 'list', 'query', 'join', 'probe'];
const ALL = [...DEFAULT, 'codec'];
const root = new URL('..', import.meta.url).pathname;
const resultsDir = new URL('./results/', import.meta.url).pathname;

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const docsOnly = args.includes('--docs-only');
const writeDocs = docsOnly || args.includes('--write-docs');
const FLAGS = ['--quick', '--write-docs', '--docs-only'];
const named = args.filter((a) => !a.startsWith('--'));
const unknown = [
  ...named.filter((n) => !ALL.includes(n)),
  ...args.filter((a) => a.startsWith('--') && !FLAGS.includes(a)),
];
if (unknown.length > 0) {
  console.error(`unknown scenario or flag "${unknown[0]}" (scenarios: ${ALL.join(', ')}; flags: ${FLAGS.join(', ')})`);
  process.exit(2);
}
const chosen = docsOnly ? [] : named.length > 0 ? named : DEFAULT;

function commit() {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

const meta = { machine: machine(), date: new Date().toISOString(), commit: commit(), quick };
console.log(
  `${meta.machine.cores} cores, ${meta.machine.cpu}, ${meta.machine.memoryGiB} GiB, Node ${meta.machine.node}`,
);
mkdirSync(resultsDir, { recursive: true });
const scenarios = {};
const began = performance.now();
for (const name of chosen) {
  console.log(`\n## ${name}${quick ? ' (quick)' : ''}`);
  const t = performance.now();
  const { run } = await import(`./scenarios/${name}.js`);
  scenarios[name] = await run({ quick, log: (line) => console.log(line) });
  const result = { ...meta, scenario: name, seconds: (performance.now() - t) / 1000, ...scenarios[name] };
  writeFileSync(`${resultsDir}${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
}
const results = { ...meta, scenarios };
if (!docsOnly) {
  console.log(
    `\n${textTable(results)}\n\n(${((performance.now() - began) / 1000).toFixed(0)} s; results in bench/results/)`,
  );
  const missed = missedTargets(results);
  if (missed.length > 0) console.log(`targets missed:\n  ${missed.join('\n  ')}`);
}

// The docs come from the results files, so a later run of one scenario refreshes its part only.
if (writeDocs || (!quick && named.length === 0)) {
  const fromFiles = { ...meta, scenarios: {} };
  for (const name of ALL.filter((n) => readdirSync(resultsDir).includes(`${n}.json`))) {
    if (name === 'codec' && !chosen.includes('codec')) continue;
    const saved = JSON.parse(readFileSync(`${resultsDir}${name}.json`, 'utf8'));
    if (Object.keys(fromFiles.scenarios).length === 0)
      Object.assign(fromFiles, { machine: saved.machine, date: saved.date, commit: saved.commit });
    fromFiles.scenarios[name] = { rows: saved.rows, details: saved.details };
    if (saved.quick) fromFiles.quick = true;
  }
  const docPath = `${root}docs/benchmarks.md`;
  writeFileSync(docPath, replaceBlock(readFileSync(docPath, 'utf8'), markdownBlock(fromFiles)));
  mkdirSync(`${root}docs/images`, { recursive: true });
  writeFileSync(`${root}docs/images/bench.svg`, chartSvg(fromFiles));
  console.log('wrote docs/benchmarks.md (results block) and docs/images/bench.svg');
}
