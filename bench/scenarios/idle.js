// Idle capacity: N registered game servers re-registering every 10 s and
// answering Pings. Memory per connection is what each added game server costs:
// the growth of RSS and heap (each after a full GC) from N/2 to N connected, so
// that what the process grows once (its young generation, compiled code) is not
// counted per connection; the growth over the same masterserver empty, divided
// by N, is reported beside it. CPU at rest is the masterserver's process CPU
// time over an idle window of at least one ping and re-registration period.
import { pct, SATURATED, sleep, snapshot, startGameServers, startMs, stopGameServers } from '../lib.js';

const mib = (bytes) => (bytes / 1024 / 1024).toFixed(1);

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
  const generators = [];
  try {
    await sleep(1000);
    const empty = await ms.ask({ cmd: 'usage' }, 'usage');
    const half = Math.floor(settings.servers / 2);
    const connectStart = performance.now();
    // Half, measured, then the other half (its own processes, addresses and ports).
    const connect = async (count, firstIndex) => {
      const procs = Math.max(1, Math.floor(settings.procs / 2));
      generators.push(...(await startGameServers({ wsUrl: ms.wsUrl, count, procs, mode: 'hold', firstIndex })));
      await sleep(settings.settleMs);
      return ms.ask({ cmd: 'usage' }, 'usage');
    };
    const halfLoaded = await connect(half, 0);
    const loaded = await connect(settings.servers - half, half);
    const connectSeconds = (performance.now() - connectStart) / 1000 - (2 * settings.settleMs) / 1000;
    log(`  ${settings.servers} game servers connected and registered in ${connectSeconds.toFixed(1)} s`);
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
    const added = settings.servers - half;
    const rssPer = (loaded.rss - halfLoaded.rss) / added;
    const heapPer = (loaded.heapUsed - halfLoaded.heapUsed) / added;
    const rssOverEmpty = (loaded.rss - empty.rss) / settings.servers;
    const heapOverEmpty = (loaded.heapUsed - empty.heapUsed) / settings.servers;
    const note = counters.cpu > SATURATED ? `load generator saturated (${pct(counters.cpu)})` : undefined;
    const fmt = (n) => n.toLocaleString('en');
    const rows = [
      {
        label: `RSS per idle game server (${fmt(half)} → ${fmt(settings.servers)} connected)`,
        value: rssPer / 1024,
        unit: 'KiB',
        target: '≤ 8 KB',
        // With --quick's 2,000 connections, the process's own growth (code, caches) still shows per connection.
        met: quick ? undefined : rssPer <= 8_000,
        note: quick ? ['the target is for the full run (19,000)', note].filter(Boolean).join('; ') : note,
        key: 'rss',
      },
      { label: 'heap per idle game server', value: heapPer / 1024, unit: 'KiB', key: 'heap' },
      {
        label: `RSS over the empty process, per game server (${fmt(settings.servers)} connected)`,
        value: rssOverEmpty / 1024,
        unit: 'KiB',
        note: `heap ${(heapOverEmpty / 1024).toFixed(2)} KiB; young generation ${mib(loaded.spaces.new_space.size - empty.spaces.new_space.size)} MiB grown once`,
        key: 'rssOverEmpty',
      },
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
      halfLoaded,
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
