// Reachability probing at scale: N listed game servers that answer probes on their
// UDP game ports, with the masterserver's probe interval shortened so that several
// rounds fall in the window. The cost is the masterserver's CPU time with probing
// (mode mark) minus its CPU time without (mode off), the same game servers and load
// otherwise, per round of N probes; from it, the share of a core that probing N
// servers every default interval (5 min) takes.
import { pct, SATURATED, sleep, snapshot, startGameServers, startMs, stopGameServers } from '../lib.js';

const DEFAULT_INTERVAL_MS = 300_000;

async function measure({ mode, servers, procs, intervalMs, settleMs, windowMs, log }) {
  const ms = await startMs({ verifyReachability: mode, probeInterval: intervalMs, probeRate: 100_000 });
  let generators = [];
  try {
    generators = await startGameServers({ wsUrl: ms.wsUrl, count: servers, procs, mode: 'hold', udp: true });
    await sleep(settleMs);
    const start = await snapshot(generators);
    const before = await ms.ask({ cmd: 'cpu' }, 'cpu');
    const t = performance.now();
    await sleep(windowMs);
    const after = await ms.ask({ cmd: 'cpu' }, 'cpu');
    const seconds = (performance.now() - t) / 1000;
    const counters = await snapshot(generators);
    if (counters.closed > 0 || counters.failed > 0) {
      throw new Error(`${counters.closed} connections closed, ${counters.failed} registrations failed`);
    }
    const probed = counters.probes - start.probes;
    log(
      `  ${mode}: ${((after.cpuMs - before.cpuMs) / 1000).toFixed(2)} s of CPU in ${seconds.toFixed(1)} s, ${probed} probes answered`,
    );
    return { cpuSeconds: (after.cpuMs - before.cpuMs) / 1000, seconds, probed, generatorCpu: counters.cpu };
  } finally {
    await stopGameServers(generators);
    await ms.stop();
  }
}

/** Runs the scenario; returns its rows and details. */
export async function run({ quick, log }) {
  const settings = {
    servers: quick ? 2000 : 10_000,
    procs: quick ? 1 : 2,
    intervalMs: quick ? 2000 : 5000,
    settleMs: 4000,
    windowMs: quick ? 10_000 : 30_000,
  };
  const off = await measure({ mode: 'off', ...settings, log });
  const mark = await measure({ mode: 'mark', ...settings, log });
  const rounds = mark.probed / settings.servers;
  if (rounds < 1) throw new Error(`only ${mark.probed} probes answered in the window: no full round`);
  const perRound = Math.max(0, mark.cpuSeconds / mark.seconds - off.cpuSeconds / off.seconds) * (mark.seconds / rounds);
  const share = perRound / (DEFAULT_INTERVAL_MS / 1000);
  const saturated = Math.max(off.generatorCpu, mark.generatorCpu) > SATURATED;
  const rows = [
    {
      label: `probing ${settings.servers.toLocaleString('en')} listed servers every 5 min`,
      value: share * 100,
      unit: '% of a core',
      target: '< 5%',
      met: share < 0.05,
      note: saturated ? `load generator saturated (${pct(Math.max(off.generatorCpu, mark.generatorCpu))})` : undefined,
      key: 'probe',
    },
    { label: 'masterserver CPU per probe round', value: perRound * 1000, unit: 'ms', key: 'round' },
  ];
  return { rows, details: { settings, off, mark, rounds, perRoundSeconds: perRound } };
}
