// Shared helpers of the benchmark scenarios: child processes spoken to over IPC,
// the machine's description, and small waits. Every measured party (the
// masterserver, a baseline, each load generator) runs in its own process.
import { fork, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { cpus, totalmem } from 'node:os';

const here = (name) => new URL(`./${name}`, import.meta.url).pathname;

/** The maps and playlists of a varied list (`populate` with `varied` in ms-runner.js). */
export const VARIED_MAPS = [
  'mp_forwardbase_kodai',
  'mp_glitch',
  'mp_rise',
  'mp_eden',
  'mp_grave',
  'mp_thaw',
  'mp_lf_uma',
];
export const VARIED_PLAYLISTS = ['aitdm', 'tdm', 'ps', 'cp', 'ctf', 'lts', 'fd_normal', 'ffa', 'speedball', 'mfd'];

/** The token the masterserver under test accepts. */
export const BENCH_TOKEN = 'bench-token';

/** Share of one core above which a load generator counts as saturated. */
export const SATURATED = 0.9;

/**
 * Forks `bench/<script>` with `args`. Resolves once it sent `{ type: first }`,
 * to `{ ready, ask, next, stop, child }`: `ask(message, type)` sends and waits for
 * the next message of `type`; `next(type)` only waits.
 */
export function start(script, args = [], execArgv = [], first = 'ready') {
  const child = fork(here(script), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiting = new Map();
  const early = [];
  child.on('message', (message) => {
    const resolve = waiting.get(message.type);
    if (resolve === undefined) early.push(message);
    else {
      waiting.delete(message.type);
      resolve(message);
    }
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const next = (type) => {
    const i = early.findIndex((m) => m.type === type);
    if (i >= 0) return Promise.resolve(early.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      waiting.set(type, resolve);
      exited.then((code) => reject(new Error(`${script} exited (${code}) before sending "${type}"`)));
    });
  };
  const handle = {
    child,
    next,
    ask(message, type) {
      child.send(message);
      return next(type);
    },
    async stop(message = { cmd: 'close' }) {
      if (child.exitCode === null && child.connected) child.send(message, () => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
  return next(first).then((ready) => ({ ...handle, ready }));
}

/** Runs a one-shot load process (`http-load.js`, `join-load.js`) with `config`; resolves to its result. */
export async function runLoad(script, config) {
  const load = await start(script, [JSON.stringify(config)], [], 'result');
  await load.stop();
  return load.ready;
}

/**
 * Starts a baseline of `baselines.js` (`args[0]` names it). BENCH_BASELINE_NODE_FLAGS adds Node flags to it,
 * as BENCH_MS_NODE_FLAGS does to the masterserver, to profile both the same way.
 */
export function startBaseline(args) {
  const flags = (process.env.BENCH_BASELINE_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  return start('baselines.js', args, flags);
}

/**
 * Starts the masterserver runner with extra options; `.url` is its base URL.
 * BENCH_MS_NODE_FLAGS adds Node flags to it, e.g. `--cpu-prof --cpu-prof-dir=.bench/prof`.
 */
export async function startMs(options = {}) {
  const flags = (process.env.BENCH_MS_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const ms = await start('ms-runner.js', [JSON.stringify(options)], ['--expose-gc', ...flags]);
  return { ...ms, url: ms.ready.url, wsUrl: `${ms.ready.url.replace('http', 'ws')}/v2/server/ws` };
}

/**
 * Starts game-server load generators: `count` connections split over `procs`
 * processes, each process over its own 127.0.0.x source addresses (`perAddress`
 * connections per address). With `udp`, each also binds its game port on UDP and
 * answers the masterserver's reachability probes. `firstIndex`: the index of the first
 * game server (another call's game servers continue where the last stopped: their
 * own addresses and ports). Resolves to the list of process handles.
 */
export async function startGameServers({
  wsUrl,
  count,
  procs = 1,
  mode,
  changing = false,
  interval = 10_000,
  udp = false,
  firstIndex = 0,
}) {
  const perAddress = 1000;
  const per = Math.ceil(count / procs);
  const handles = [];
  let nextAddress = 2 + Math.ceil(firstIndex / perAddress);
  for (let p = 0; p < procs && p * per < count; p++) {
    const n = Math.min(per, count - p * per);
    const addresses = Array.from({ length: Math.ceil(n / perAddress) }, () => `127.0.0.${nextAddress++}`);
    const config = {
      url: wsUrl,
      token: BENCH_TOKEN,
      count: n,
      first: firstIndex + p * per,
      addresses,
      perAddress,
      mode,
      changing,
      udp,
    };
    handles.push(start('gs-load.js', [JSON.stringify({ ...config, interval })]));
  }
  const all = await Promise.all(handles);
  const failed = all.reduce((sum, h) => sum + h.ready.failedConnects, 0);
  if (failed > 0)
    throw new Error(
      `${failed} game servers could not connect: ${all.find((h) => h.ready.firstError)?.ready.firstError}`,
    );
  return all;
}

/** Sums the counters of a snapshot of every generator; `cpu` is the busiest one's share of a core. */
export async function snapshot(generators) {
  const snaps = await Promise.all(generators.map((g) => g.ask('snapshot', 'snapshot')));
  const sum = (key) => snaps.reduce((s, x) => s + x[key], 0);
  return {
    responses: sum('responses'),
    failed: sum('failed'),
    joins: sum('joins'),
    probes: sum('probes'),
    closed: sum('closed'),
    cpu: Math.max(...snaps.map((s) => s.cpu)),
  };
}

/** Stops load generators. */
export function stopGameServers(generators) {
  return Promise.all(generators.map((g) => g.stop('stop')));
}

/** CPU share of one core a server process used between two `{ cmd: 'cpu' }` answers. */
export async function serverCpu(server, measure) {
  const before = await server.ask({ cmd: 'cpu' }, 'cpu');
  const t = performance.now();
  const result = await measure();
  const after = await server.ask({ cmd: 'cpu' }, 'cpu');
  return { result, cpu: (after.cpuMs - before.cpuMs) / (performance.now() - t) };
}

/** A share of a core as a percentage. */
export function pct(share) {
  return `${Math.round(share * 100)} %`;
}

/** Waits `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Cores, CPU model, memory, Node version and platform of this machine. */
export function machine() {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
  };
}

/**
 * Runs `rounds` paired measurements of the baseline and the masterserver back to back, the baseline first in
 * even rounds and second in odd ones, so that a drift of the machine favours neither. `gapMs`: a pause between
 * the two sides of a round, for what the first leaves behind (e.g. 10,000 connections just closed) to settle.
 * `measureOther`, optional: a second baseline, measured first in even rounds and last in odd ones (so that it
 * stands to the masterserver as the baseline does: first, then second). Resolves to the pairs ({ round, base,
 * cand, other }).
 */
export async function pairedRounds(rounds, measureBaseline, measureCandidate, gapMs = 0, measureOther) {
  const pairs = [];
  const then = async (measure, round) => {
    const result = await measure(round);
    await sleep(gapMs);
    return result;
  };
  for (let round = 0; round < rounds; round++) {
    let base;
    let cand;
    let other;
    if (round % 2 === 0) {
      if (measureOther !== undefined) other = await then(measureOther, round);
      base = await then(measureBaseline, round);
      cand = await measureCandidate(round);
    } else {
      cand = await then(measureCandidate, round);
      base = await measureBaseline(round);
      if (measureOther !== undefined) {
        await sleep(gapMs);
        other = await measureOther(round);
      }
    }
    pairs.push({ round, base, cand, other });
  }
  return pairs;
}

/**
 * The pair whose ratio (`ratioOf(pair)`) is the median of the rounds (the lower one of an even count): what the
 * tables report, with its own values, so that value / baseline = ratio. A lucky or unlucky round of either side
 * on a shared machine moves the best-of or the mean; the median of paired rounds moves least.
 */
export function medianPair(pairs, ratioOf) {
  return middlePairs(pairs, ratioOf)[0];
}

/** The two pairs in the middle of the rounds by ratio, lower first (one pair twice for an odd count). */
export function middlePairs(pairs, ratioOf) {
  const sorted = [...pairs].sort((a, b) => ratioOf(a) - ratioOf(b));
  return [sorted[Math.floor((sorted.length - 1) / 2)], sorted[Math.floor(sorted.length / 2)]];
}

/**
 * Where a window's slow requests (`slow`: the join driver's, at or above its p99, each [scheduled send time, latency]
 * in ms) lie beside a server's marking runs (gc-pauses.js: each [start, end] in ms, on the same clock): { slow, met,
 * runs } (met: the slow requests that were waiting while a run went on; runs: the runs' lengths in ms).
 */
export function slowInMarking(slow, runs) {
  const met = slow.filter(([at, ms]) => runs.some(([from, to]) => at <= to && at + ms >= from)).length;
  return { slow: slow.length, met, runs: runs.map(([from, to]) => to - from) };
}

/** The HTTP load generator to use: `wrk` when it is on the PATH, else autocannon (a dev dependency). */
export const httpLoadTool = spawnSync('wrk', ['--version']).error === undefined ? 'wrk' : 'autocannon';

const HOP_BY_HOP = new Set(['date', 'connection', 'keep-alive', 'transfer-encoding']);

/** One raw GET: status, headers (hop-by-hop ones dropped) and the undecoded body. */
export function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks = [];
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => {
        const kept = Object.fromEntries(Object.entries(res.headers).filter(([name]) => !HOP_BY_HOP.has(name)));
        resolve({ status: res.statusCode, headers: kept, body: Buffer.concat(chunks) });
      });
    })
      .on('error', reject)
      .end();
  });
}
