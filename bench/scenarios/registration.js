// Registration throughput: C game servers re-registering in a closed loop
// (registration rate limit off), messages per second answered by the
// masterserver, next to a minimal `ws` server (JSON.parse + a fixed reply) driven
// by the same generator in the same run. Rounds pair the two servers back to
// back (in alternating order); the round with the median ratio is reported.
import {
  medianPair,
  pairedRounds,
  pct,
  SATURATED,
  serverCpu,
  sleep,
  snapshot,
  startBaseline,
  startGameServers,
  startMs,
  stopGameServers,
} from '../lib.js';

async function measure(server, wsUrl, { connections, procs, changing, warmMs, windowMs }) {
  const generators = await startGameServers({ wsUrl, count: connections, procs, mode: 'loop', changing });
  try {
    await sleep(warmMs);
    const before = await snapshot(generators);
    const t = performance.now();
    const { result: after, cpu } = await serverCpu(server, async () => {
      await sleep(windowMs);
      return snapshot(generators);
    });
    const seconds = (performance.now() - t) / 1000;
    if (after.failed > before.failed) throw new Error(`${after.failed - before.failed} registrations failed`);
    if (after.closed > 0) throw new Error(`${after.closed} connections were closed by the server`);
    return { rate: (after.responses - before.responses) / seconds, serverCpu: cpu, generatorCpu: after.cpu };
  } finally {
    await stopGameServers(generators);
  }
}

/** Runs the scenario; returns its rows and details. */
export async function run({ quick, log }) {
  const settings = {
    connections: 200,
    procs: 1,
    warmMs: quick ? 700 : 1000,
    windowMs: quick ? 2000 : 4000,
    rounds: quick ? 1 : 3,
  };
  const ms = await startMs();
  const baseline = await startBaseline(['ws']);
  const baselineWs = `${baseline.ready.url.replace('http', 'ws')}/v2/server/ws`;
  const rows = [];
  const details = { settings, runs: [] };
  try {
    for (const changing of [false, true]) {
      const pairs = await pairedRounds(
        settings.rounds,
        () => measure(baseline, baselineWs, { ...settings, changing }),
        () => measure(ms, ms.wsUrl, { ...settings, changing }),
      );
      for (const { round, base, cand } of pairs) {
        details.runs.push({ changing, round, baseline: base, masterserver: cand });
        log(
          `  ${changing ? 'changing ' : 'unchanged'} round ${round + 1}: ms ${Math.round(cand.rate)}/s ` +
            `(cpu ${pct(cand.serverCpu)}), ws ${Math.round(base.rate)}/s (cpu ${pct(base.serverCpu)}), ` +
            `generator cpu ${pct(Math.max(cand.generatorCpu, base.generatorCpu))}`,
        );
      }
      const median = medianPair(pairs, (p) => p.cand.rate / p.base.rate);
      const best = { ms: median.cand, base: median.base };
      // Messages per second of server CPU: what a message costs, whatever share of a core the server got.
      const perCpuOf = (p) => ({ ms: p.cand.rate / p.cand.serverCpu, base: p.base.rate / p.base.serverCpu });
      const perCpu = perCpuOf(medianPair(pairs, (p) => perCpuOf(p).ms / perCpuOf(p).base));
      const ratio = best.ms.rate / best.base.rate;
      const generatorCpu = Math.max(best.ms.generatorCpu, best.base.generatorCpu);
      // A server below 90 % of a core in a closed loop was waiting for the CPU, not for work: the machine was busy.
      const starved = [
        best.ms.serverCpu < SATURATED ? `masterserver got ${pct(best.ms.serverCpu)} of a core` : '',
        best.base.serverCpu < SATURATED ? `baseline got ${pct(best.base.serverCpu)} of a core` : '',
      ].filter((text) => text !== '');
      const notes = [generatorCpu > SATURATED ? `load generator saturated (${pct(generatorCpu)})` : '', ...starved];
      rows.push({
        label: `registrations/s, ${settings.connections} conns, ${changing ? 'changing' : 'unchanged'} info`,
        value: best.ms.rate,
        unit: 'msg/s',
        baseline: best.base.rate,
        ratio,
        target: changing ? undefined : '≥ 0.9× baseline',
        met: changing ? undefined : ratio >= 0.9,
        note: notes.filter((text) => text !== '').join('; ') || undefined,
        key: changing ? 'changing' : 'unchanged',
      });
      rows.push({
        label: `  server CPU per registration, ${changing ? 'changing' : 'unchanged'} info`,
        value: 1e6 / perCpu.ms,
        unit: 'µs',
        baseline: 1e6 / perCpu.base,
        ratio: perCpu.ms / perCpu.base,
        key: changing ? 'changing-per-cpu' : 'unchanged-per-cpu',
      });
    }
  } finally {
    await Promise.all([ms.stop(), baseline.stop()]);
  }
  return { rows, details };
}
