// The list at scale: GET /v2/client/servers with query parameters, on a
// masterserver listing 100,000 servers (20,000 with --quick), filled through its
// embedding API in its own process (ms-runner.js populate, over 7 maps, 10
// playlists, 4 states, every fill level, some passwords and unreachable servers).
// Driven by wrk (or autocannon) in its own process with Accept-Encoding: gzip,
// next to a node:http server answering a constant buffer of the same bytes with
// the same headers (baselines.js http) in the same run:
// - a repeated filtered query (playlist=ctf&notFull=1&limit=50);
// - 1,000 distinct queries in rotation (playlist × map × page, 50 servers each),
//   once on a list that stays the same and once on a list where 1,000 servers a
//   second change their player count (every answer is then made again for each
//   version of the list, which is rebuilt at most every 500 ms).
// Also: how long a new query takes (client round trip), how long the whole list
// takes to build, and what the list costs in memory.
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  get,
  httpLoadTool,
  medianPair,
  pairedRounds,
  pct,
  runLoad,
  SATURATED,
  startBaseline,
  startMs,
  VARIED_MAPS,
  VARIED_PLAYLISTS,
} from '../lib.js';

const LIST = '/v2/client/servers';
const REPEATED = `${LIST}?playlist=ctf&notFull=1&limit=50`;
const GZIP = { 'accept-encoding': 'gzip' };
const MiB = 1024 * 1024;

/** 1,000 distinct queries, each a page of 50 servers of one playlist on one map. */
function rotation() {
  const paths = [];
  for (let i = 0; paths.length < 1000; i++) {
    const playlist = VARIED_PLAYLISTS[i % VARIED_PLAYLISTS.length];
    const map = VARIED_MAPS[Math.floor(i / VARIED_PLAYLISTS.length) % VARIED_MAPS.length];
    const offset = Math.floor(i / (VARIED_PLAYLISTS.length * VARIED_MAPS.length)) * 10;
    paths.push(`${LIST}?playlist=${playlist}&map=${map}&notFull=1&limit=50&offset=${offset}`);
  }
  return paths;
}

/** Milliseconds one GET takes, from this process. */
async function timed(url) {
  const started = performance.now();
  const res = await get(url, GZIP);
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return performance.now() - started;
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/** Runs the scenario; returns its rows and details. */
export async function run({ quick, log }) {
  const settings = { servers: quick ? 20_000 : 100_000, seconds: quick ? 2 : 5, connections: 8, rounds: quick ? 1 : 3 };
  const rows = [];
  const details = { settings, runs: [] };
  const ms = await startMs();
  let baseline;
  let files;
  try {
    const empty = await ms.ask({ cmd: 'usage' }, 'usage');
    await ms.ask({ cmd: 'populate', count: settings.servers, varied: true }, 'populated');
    const count = settings.servers.toLocaleString('en');

    // The whole list, as the first request after a change builds it; then its compressed variants.
    const buildMs = await timed(`${ms.url}${LIST}`);
    await get(`${ms.url}${LIST}`, GZIP);
    await get(`${ms.url}${LIST}`, { 'accept-encoding': 'br' });
    // New queries: the first builds the playlist index; later ones use it; q= looks at every server.
    const firstIndexed = await timed(`${ms.url}${LIST}?playlist=tdm&limit=50`);
    const indexed = [];
    for (let i = 0; i < 20; i++) indexed.push(await timed(`${ms.url}${LIST}?playlist=tdm&limit=50&offset=${i + 1}`));
    const scans = [];
    for (let i = 0; i < 10; i++) scans.push(await timed(`${ms.url}${LIST}?q=server%20${i}9&limit=50`));
    const used = await ms.ask({ cmd: 'usage' }, 'usage');
    const heap = used.heapUsed + used.arrayBuffers - empty.heapUsed - empty.arrayBuffers;
    rows.push(
      { label: `whole list of ${count} built (first request after a change)`, value: buildMs, unit: 'ms' },
      { label: `a new query, by the playlist index (${count} servers)`, value: median(indexed), unit: 'ms' },
      { label: 'the first filtered query of a list version (builds its index)', value: firstIndexed, unit: 'ms' },
      { label: 'a new q= query (looks at every server)', value: median(scans), unit: 'ms' },
      {
        label: `list memory at ${count} servers (heap and buffers)`,
        value: heap / MiB,
        unit: 'MiB',
        note: `RSS grew ${Math.round((used.rss - empty.rss) / MiB)} MiB; ${Math.round(heap / settings.servers)} B a server`,
      },
    );
    log(`  built in ${buildMs.toFixed(0)} ms; memory ${(heap / MiB).toFixed(0)} MiB`);

    const plain = await get(`${ms.url}${REPEATED}`);
    const gzip = await get(`${ms.url}${REPEATED}`, GZIP);
    if (plain.status !== 200 || gzip.headers['content-encoding'] !== 'gzip' || plain.headers['x-total-count'] === '0') {
      throw new Error(`unexpected answers: ${plain.status} ${gzip.headers['content-encoding']}`);
    }
    files = { plain: join(tmpdir(), 'bench-query.json'), gzip: join(tmpdir(), 'bench-query.gz') };
    writeFileSync(files.plain, plain.body);
    writeFileSync(files.gzip, gzip.body);
    baseline = await startBaseline([
      'http',
      JSON.stringify({ ...files, headers: plain.headers, gzipHeaders: gzip.headers, notModifiedHeaders: {} }),
    ]);
    const paths = rotation();
    const load = async (target, url, withPaths) => {
      const before = await target.ask({ cmd: 'cpu' }, 'cpu');
      const result = await runLoad('http-load.js', {
        tool: httpLoadTool,
        url,
        seconds: settings.seconds,
        connections: settings.connections,
        headers: GZIP,
        status: 200,
        ...(withPaths ? { paths } : {}),
      });
      const after = await target.ask({ cmd: 'cpu' }, 'cpu');
      if (result.errors > 0 || Object.keys(result.statuses).some((s) => Number(s) !== 200)) {
        throw new Error(`${url}: ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
      }
      const requests = result.rps * settings.seconds;
      return { ...result, serverUsPerRequest: ((after.cpuMs - before.cpuMs) * 1000) / requests };
    };
    const cases = [
      ['repeated filtered query', REPEATED, false, 0, 0.8],
      ['1,000 queries in rotation', undefined, true, 0, 0.3],
      ['1,000 queries, list changing', undefined, true, 1000, undefined],
    ];
    for (const [name, path, withPaths, churn, target] of cases) {
      if (withPaths) {
        // Every query answered once before: the rows give the steady state (new queries are timed above).
        await runLoad('http-load.js', {
          tool: httpLoadTool,
          url: `${ms.url}${LIST}`,
          seconds: 1,
          connections: 1,
          headers: GZIP,
          status: 200,
          paths,
        });
      }
      await ms.ask({ cmd: 'churn', perSecond: churn }, 'churning');
      const pairs = await pairedRounds(
        settings.rounds,
        () => load(baseline, `${baseline.ready.url}${path ?? LIST}`, withPaths),
        () => load(ms, `${ms.url}${path ?? LIST}`, withPaths),
      );
      await ms.ask({ cmd: 'churn', perSecond: 0 }, 'churning');
      for (const { round, base, cand } of pairs) {
        details.runs.push({ name, round, baseline: base, masterserver: cand });
        log(
          `  ${name} round ${round + 1}: ms ${Math.round(cand.rps)}/s (${cand.serverUsPerRequest.toFixed(1)} µs CPU), ` +
            `constant ${Math.round(base.rps)}/s (${base.serverUsPerRequest.toFixed(1)} µs), ${cand.tool} cpu ${pct(Math.max(base.cpu, cand.cpu))}`,
        );
      }
      const { base, cand } = medianPair(pairs, (p) => p.cand.rps / p.base.rps);
      const ratio = cand.rps / base.rps;
      const cpu = Math.max(cand.cpu, base.cpu);
      const notes = [
        `${gzip.body.length} B gzip`,
        `server CPU ${cand.serverUsPerRequest.toFixed(1)} µs a request (constant ${base.serverUsPerRequest.toFixed(1)})`,
      ];
      if (cpu > SATURATED) notes.push(`load generator saturated (${pct(cpu)})`);
      rows.push({
        label: `${name}, ${count} servers`,
        value: cand.rps,
        unit: 'req/s',
        baseline: base.rps,
        ratio,
        target: target === undefined ? undefined : `≥ ${target}× baseline`,
        met: target === undefined ? undefined : ratio >= target,
        note: notes.join('; '),
        key: name,
      });
    }
  } finally {
    await Promise.all([ms.stop(), baseline?.stop()]);
    for (const path of Object.values(files ?? {})) rmSync(path, { force: true });
  }
  return { rows, details };
}
