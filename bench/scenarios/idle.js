// Idle capacity: N registered game servers re-registering every 10 s and
// answering Pings. Memory per connection is the growth of RSS and heap (each
// after a full GC) over the same masterserver empty; CPU at rest is the
// masterserver's process CPU time over an idle window of at least one ping and
// re-registration period.
import { pct, SATURATED, sleep, snapshot, startGameServers, startMs, stopGameServers } from '../lib.js';

/** Runs the scenario; returns its rows and details. */
export async function run({ quick, log }) {
  const settings = {
    servers: quick ? 2000 : 19_000,
    procs: quick ? 1 : 2,
    interval: 10_000,
    settleMs: quick ? 3000 : 5000,
    windowMs: quick ? 10_000 : 20_000,
  };
  const ms = await startMs(JSON.parse(process.env.BENCH_IDLE_OPTIONS ?? '{}'));
  let generators = [];
  try {
    await sleep(1000);
    const empty = await ms.ask({ cmd: 'usage' }, 'usage');
    const connectStart = performance.now();
    generators = await startGameServers({
      wsUrl: ms.wsUrl,
      count: settings.servers,
      procs: settings.procs,
      mode: 'hold',
    });
    const connectSeconds = (performance.now() - connectStart) / 1000;
    log(`  ${settings.servers} game servers connected and registered in ${connectSeconds.toFixed(1)} s`);
    await sleep(settings.settleMs);
    const loaded = await ms.ask({ cmd: 'usage' }, 'usage');
    const start = await snapshot(generators);
    const before = await ms.ask({ cmd: 'cpu' }, 'cpu');
    const t = performance.now();
    await sleep(settings.windowMs);
    const after = await ms.ask({ cmd: 'cpu' }, 'cpu');
    const cpu = (after.cpuMs - before.cpuMs) / (performance.now() - t);
    const counters = await snapshot(generators);
    if (counters.closed > 0 || counters.failed > 0) {
      throw new Error(`${counters.closed} connections closed, ${counters.failed} registrations failed while idle`);
    }
    const rssPer = (loaded.rss - empty.rss) / settings.servers;
    const heapPer = (loaded.heapUsed - empty.heapUsed) / settings.servers;
    const note = counters.cpu > SATURATED ? `load generator saturated (${pct(counters.cpu)})` : undefined;
    const rows = [
      {
        label: `RSS per idle game server (${settings.servers.toLocaleString('en')} connected)`,
        value: rssPer / 1024,
        unit: 'KiB',
        target: '≤ 10 KB',
        // With --quick's 2,000 connections, the process's own growth (code, caches) still shows per connection.
        met: quick ? undefined : rssPer <= 10_000,
        note: quick ? ['the target is for the full run (19,000)', note].filter(Boolean).join('; ') : note,
        key: 'rss',
      },
      { label: 'heap per idle game server', value: heapPer / 1024, unit: 'KiB', key: 'heap' },
      {
        label: `masterserver CPU at rest (${settings.servers.toLocaleString('en')} re-registering every 10 s)`,
        value: cpu * 100,
        unit: '% of a core',
        key: 'cpu',
      },
    ];
    const details = {
      settings,
      connectSeconds,
      empty,
      loaded,
      idleCpu: cpu,
      registrationsInWindow: counters.responses - start.responses,
      generatorCpu: counters.cpu,
    };
    return { rows, details };
  } finally {
    await stopGameServers(generators);
    await ms.stop();
  }
}
