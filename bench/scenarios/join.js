// Join latency: POST /v2/client/join at a steady open-loop rate with N game
// servers connected (re-registering every 10 s), each answering its join
// request at once with success. Latency percentiles are measured from each
// request's scheduled send time.
import { pct, runLoad, SATURATED, sleep, snapshot, startGameServers, startMs, stopGameServers } from '../lib.js';

async function waitListed(url, expected) {
  const deadline = performance.now() + 30_000;
  for (;;) {
    const list = await (await fetch(`${url}/v2/client/servers`)).json();
    if (list.length >= expected) return;
    if (performance.now() > deadline) throw new Error(`only ${list.length} of ${expected} servers listed`);
    await sleep(200);
  }
}

/** Joins the masterserver timed itself (its join_duration histogram): within 5 ms, and in all. */
async function timedJoins(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sum = (le) =>
    text
      .split('\n')
      .filter((line) => line.startsWith('masterserver_join_duration_seconds_bucket') && line.includes(`le="${le}"`))
      .reduce((total, line) => total + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
  return { fast: sum('0.005'), all: sum('+Inf') };
}

/** Runs the scenario; returns its rows and details. */
export async function run({ quick, log }) {
  const settings = {
    servers: quick ? 2000 : 10_000,
    rate: 1000,
    warmSeconds: quick ? 1 : 3,
    seconds: quick ? 5 : 20,
  };
  const ms = await startMs();
  let generators = [];
  try {
    generators = await startGameServers({ wsUrl: ms.wsUrl, count: settings.servers, mode: 'hold' });
    await waitListed(ms.url, settings.servers);
    await runLoad('join-load.js', { url: ms.url, rate: settings.rate, seconds: settings.warmSeconds });
    const before = await snapshot(generators);
    await ms.ask({ cmd: 'delay' }, 'delay');
    const timedBefore = await timedJoins(ms.url);
    const msCpu = await ms.ask({ cmd: 'cpu' }, 'cpu');
    const result = await runLoad('join-load.js', { url: ms.url, rate: settings.rate, seconds: settings.seconds });
    const after = await snapshot(generators);
    const loopDelay = await ms.ask({ cmd: 'delay' }, 'delay');
    const timedAfter = await timedJoins(ms.url);
    const within5ms = (timedAfter.fast - timedBefore.fast) / (timedAfter.all - timedBefore.all);
    const msCpuAfter = await ms.ask({ cmd: 'cpu' }, 'cpu');
    const serverCpu = (msCpuAfter.cpuMs - msCpu.cpuMs) / 1000 / settings.seconds;
    if (result.ok !== result.sent)
      throw new Error(`joins not accepted: ${JSON.stringify(result.statuses)}, ${result.errors} errors`);
    if (after.closed > 0) throw new Error(`${after.closed} game servers were closed during the joins`);
    const { p50, p99, p999, max } = result.latencies;
    log(
      `  ${result.sent} joins at ${settings.rate}/s: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, ` +
        `p99.9 ${p999.toFixed(2)} ms, max ${max.toFixed(2)} ms; driver cpu ${pct(result.cpu)}, ` +
        `game-server cpu ${pct(after.cpu)}, driver lag ≤ ${result.lag.toFixed(1)} ms, ${result.connections} connections; masterserver cpu ${pct(serverCpu)}, ` +
        `event-loop delay p99 ${loopDelay.p99.toFixed(1)} ms, max ${loopDelay.max.toFixed(1)} ms`,
    );
    const saturated = Math.max(result.cpu, after.cpu);
    const note = saturated > SATURATED ? `load generator saturated (${pct(saturated)})` : undefined;
    const label = (p) =>
      `join latency ${p}, ${settings.rate.toLocaleString('en')}/s, ${settings.servers.toLocaleString('en')} GS`;
    const rows = [
      { label: label('p50'), value: p50, unit: 'ms', key: 'p50' },
      { label: label('p99'), value: p99, unit: 'ms', target: '≤ 5 ms', met: p99 <= 5, note, key: 'p99' },
      { label: label('p99.9'), value: p999, unit: 'ms', key: 'p999' },
      // How long the masterserver's own event loop was held up, and the driver's: latency beyond these is queueing.
      {
        label: 'masterserver event-loop delay p99 during the joins',
        value: loopDelay.p99,
        unit: 'ms',
        note: `max ${loopDelay.max.toFixed(1)} ms; the driver ran up to ${result.lag.toFixed(1)} ms behind its schedule`,
        key: 'loop',
      },
      {
        label: 'joins the masterserver answered within 5 ms (its own histogram)',
        value: within5ms * 100,
        unit: '%',
        key: 'within5ms',
      },
    ];
    const details = {
      settings,
      latencies: result.latencies,
      joinsAnswered: after.joins - before.joins,
      serverCpu,
      loopDelay,
      within5ms,
      result,
    };
    return { rows, details };
  } finally {
    await stopGameServers(generators);
    await ms.stop();
  }
}
