// Server list: GET /v2/client/servers with 1,000 and 10,000 listed servers,
// plain, gzip and If-None-Match (304), driven by wrk (or autocannon when wrk is
// not installed) in its own process,
// next to a node:http server answering a constant buffer of the same bytes with
// the same headers (content-type, content-encoding, ETag and 304) in the same run. For the target row (1,000
// servers, gzip), the same constant server also runs inside the masterserver's process (ms-runner.js `constant`),
// alternating with the masterserver in pairs of short windows: what the masterserver's own code adds, with what
// differs between two processes (where the kernel puts them, their memory) taken out.
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
  serverCpu,
  startBaseline,
  startMs,
} from '../lib.js';

// autocannon parses bodies in JavaScript: there, many connections cost it more than they add on large bodies.
function cannon(url, headers, status, bytes, settings) {
  const tool = httpLoadTool;
  const connections = bytes > 65_536 && tool === 'autocannon' ? settings.connectionsLarge : settings.connections;
  return runLoad('http-load.js', { tool, url, seconds: settings.seconds, connections, headers, status });
}

/** Runs the scenario; returns its rows and details. */
export async function run({ quick, log }) {
  const settings = {
    counts: [1000, 10_000],
    seconds: quick ? 2 : 5,
    connections: 8,
    connectionsLarge: 2,
    rounds: quick ? 1 : 3,
    // The same-process comparison of the target row: many short windows, the two sides alternating.
    sameProcessRounds: quick ? 2 : 10,
    sameProcessSeconds: quick ? 1 : 2,
  };
  const rows = [];
  const details = { settings, runs: [] };
  for (const count of settings.counts) {
    const ms = await startMs();
    let baseline;
    let files;
    try {
      await ms.ask({ cmd: 'populate', count }, 'populated');
      const url = `${ms.url}/v2/client/servers`;
      const plain = await get(url, {});
      const gzip = await get(url, { 'accept-encoding': 'gzip' });
      const notModified = await get(url, { 'if-none-match': plain.headers.etag });
      if (plain.status !== 200 || gzip.headers['content-encoding'] !== 'gzip' || notModified.status !== 304) {
        throw new Error(
          `unexpected list responses: ${plain.status} ${gzip.headers['content-encoding']} ${notModified.status}`,
        );
      }
      files = {
        plain: join(tmpdir(), `bench-list-${count}.json`),
        gzip: join(tmpdir(), `bench-list-${count}.gz`),
      };
      writeFileSync(files.plain, plain.body);
      writeFileSync(files.gzip, gzip.body);
      const spec = {
        ...files,
        headers: plain.headers,
        gzipHeaders: gzip.headers,
        notModifiedHeaders: notModified.headers,
      };
      baseline = await startBaseline(['http', JSON.stringify(spec)]);
      const baseUrl = `${baseline.ready.url}/v2/client/servers`;
      const cases = [
        ['plain', {}, 200, plain.body.length],
        ['gzip', { 'accept-encoding': 'gzip' }, 200, gzip.body.length],
        ['304', { 'accept-encoding': 'gzip', 'if-none-match': plain.headers.etag }, 304, 0],
      ];
      for (const [name, headers, status, bytes] of cases) {
        const checked = (r) => {
          if (r.errors > 0 || Object.keys(r.statuses).some((s) => Number(s) !== status)) {
            throw new Error(`list ${count} ${name}: ${JSON.stringify(r.statuses)}, ${r.errors} errors`);
          }
          return r;
        };
        // Each load window with the server's CPU time around it: µs of server CPU per request, beside the rate.
        // `windows`: the settings of the load (its seconds and connections).
        const measure = async (server, target, windows = settings) => {
          const { result, cpu } = await serverCpu(server, async () =>
            checked(await cannon(target, headers, status, bytes, windows)),
          );
          return { ...result, serverCpu: cpu, cpuUs: (cpu * 1e6) / result.rps };
        };
        const pairs = await pairedRounds(
          settings.rounds,
          () => measure(baseline, baseUrl),
          () => measure(ms, url),
        );
        for (const { round, base, cand } of pairs) {
          details.runs.push({ count, name, round, baseline: base, masterserver: cand });
          log(
            `  ${count} ${name} round ${round + 1}: ms ${Math.round(cand.rps)}/s (${cand.cpuUs.toFixed(1)} µs cpu/req), ` +
              `constant ${Math.round(base.rps)}/s (${base.cpuUs.toFixed(1)} µs cpu/req), ` +
              `${cand.tool} cpu ${pct(Math.max(base.cpu, cand.cpu))}`,
          );
        }
        const median = medianPair(pairs, (p) => p.cand.rps / p.base.rps);
        const best = median.cand;
        const bestBase = median.base;
        const ratio = best.rps / bestBase.rps;
        const target = count === 1000 && name === 'gzip';
        const cpu = Math.max(best.cpu, bestBase.cpu);
        rows.push({
          label: `list of ${count.toLocaleString('en')}, ${name}${bytes > 0 ? ` (${Math.max(1, Math.round(bytes / 1024))} KiB)` : ''}`,
          value: best.rps,
          unit: 'req/s',
          baseline: bestBase.rps,
          ratio,
          target: target ? '≥ 0.8× baseline' : undefined,
          met: target ? ratio >= 0.8 : undefined,
          note: cpu > SATURATED ? `load generator saturated (${pct(cpu)})` : undefined,
          key: `${count}-${name}`,
        });
        // CPU per request: steadier than the rate on a machine whose cores the load generator shares.
        const perCpu = medianPair(pairs, (p) => p.base.cpuUs / p.cand.cpuUs);
        rows.push({
          label: `  server CPU per request, ${count.toLocaleString('en')} ${name}`,
          value: perCpu.cand.cpuUs,
          unit: 'µs',
          baseline: perCpu.base.cpuUs,
          ratio: perCpu.base.cpuUs / perCpu.cand.cpuUs,
          key: `${count}-${name}-cpu`,
        });
        if (target) {
          // The constant server in the masterserver's process, alternating with the masterserver in short windows:
          // the process's CPU while one of the two is loaded. Between two processes, a round's CPU a request moves
          // by up to a fifth with the processes; within one process, what is left is the masterserver's code.
          const inProcess = await ms.ask({ cmd: 'constant', spec }, 'constant');
          const inProcessUrl = `${inProcess.url}/v2/client/servers`;
          const short = { ...settings, seconds: settings.sameProcessSeconds };
          const inside = await pairedRounds(
            settings.sameProcessRounds,
            () => measure(ms, inProcessUrl, short),
            () => measure(ms, url, short),
          );
          details.sameProcess = inside.map(({ base, cand }) => ({ constant: base, masterserver: cand }));
          const ratioOf = (p) => p.base.cpuUs / p.cand.cpuUs;
          const pair = medianPair(inside, ratioOf);
          log(
            `  ${count} ${name}, one process: ${inside.map((p) => `${p.cand.cpuUs.toFixed(1)}/${p.base.cpuUs.toFixed(1)}`).join(', ')} µs cpu/req (masterserver/constant)`,
          );
          rows.push({
            label: `  server CPU per request, ${count.toLocaleString('en')} ${name}, vs the constant server in the masterserver's process`,
            value: pair.cand.cpuUs,
            unit: 'µs',
            baseline: pair.base.cpuUs,
            ratio: ratioOf(pair),
            note: `what the masterserver's code adds to an answer: the median of ${inside.length} pairs of ${settings.sameProcessSeconds} s windows`,
            key: `${count}-${name}-cpu-same-process`,
          });
        }
      }
    } finally {
      await Promise.all([ms.stop(), baseline?.stop()]);
      for (const path of Object.values(files ?? {})) rmSync(path, { force: true });
    }
  }
  return { rows, details };
}
