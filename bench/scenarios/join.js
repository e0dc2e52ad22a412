// Join latency: POST /v2/client/join at a steady open-loop rate with N game
// servers connected (re-registering every 10 s), each answering its join
// request at once with success. Latency percentiles are measured from each
// request's scheduled send time, next to a minimal join broker (baselines.js
// join) driven the same way in the same run: in a first window 10 s after the
// connection burst, and in a second once each side is in its steady state
// (measureSteady).
import {
  middlePairs,
  pairedRounds,
  pct,
  runLoad,
  SATURATED,
  sleep,
  slowInMarking,
  snapshot,
  startBaseline,
  startGameServers,
  startMs,
  stopGameServers,
} from '../lib.js';

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

/**
 * Connects the game servers to one broker (`target`: the masterserver or the
 * baseline), warms up, and drives the joins; resolves to the driver's result
 * and the game servers' counters.
 */
async function measureJoins(target, settings) {
  const generators = await startGameServers({ wsUrl: target.wsUrl, count: settings.servers, mode: 'hold' });
  try {
    await waitListed(target.url, settings.servers);
    // The warm-up lasts a re-registration interval: every game server has re-registered once (the masterserver
    // keeps a repeat's bytes then) and been joined once (its first `conv` reservation). It does not wait for V8's
    // steady state: the second window (measureSteady) does. (Forcing full GCs instead, before the joins, made V8
    // collect the old generation more often during them.)
    await runLoad('join-load.js', { url: target.url, rate: settings.rate, seconds: settings.warmSeconds });
    const before = await snapshot(generators);
    const around = await target.before?.();
    const { result, serverCpu, gc } = await measureWindow(target, settings);
    const after = await snapshot(generators);
    if (after.closed > 0) throw new Error(`${after.closed} game servers were closed during the joins`);
    const extra = await target.after?.(around);
    const steady = await measureSteady(target, settings, markCompacts(gc));
    // Quick play under the same load, on the same game servers (the masterserver picks each server), right after
    // the steady window and compared with it: both once V8 collects the old generation every few seconds.
    // (Between the two windows, quick play met the first mark-compact after the burst that the first window had
    // missed, or not, as V8's limit fell: one side of the comparison with it, the other without.)
    let quickplay;
    if (target.quickplay) {
      const load = { url: target.url, rate: settings.rate, quickplay: true };
      await runLoad('join-load.js', { ...load, seconds: settings.warmSeconds });
      await target.ask({ cmd: 'gc' }, 'gc');
      quickplay = await runLoad('join-load.js', { ...load, seconds: settings.seconds });
      if (quickplay.ok !== quickplay.sent)
        throw new Error(`quick plays not joined: ${JSON.stringify(quickplay.statuses)}, ${quickplay.errors} errors`);
      quickplay.gc = (await target.ask({ cmd: 'gc' }, 'gc')).byKind;
      delete quickplay.slow;
    }
    return { result, before, after, serverCpu, gc, extra, steady, quickplay };
  } finally {
    await stopGameServers(generators);
  }
}

/**
 * One window of `settings.seconds` of joins: the driver's result, the server's CPU (share of a core) and both
 * sides' GC pauses by kind (what a mark-compact in the window does to the tail is Node's own). Throws when a join
 * was not accepted.
 */
async function measureWindow(target, settings) {
  await target.ask({ cmd: 'gc' }, 'gc');
  const cpu = await target.ask({ cmd: 'cpu' }, 'cpu');
  const result = await runLoad('join-load.js', { url: target.url, rate: settings.rate, seconds: settings.seconds });
  const cpuAfter = await target.ask({ cmd: 'cpu' }, 'cpu');
  const { byKind, runs } = await target.ask({ cmd: 'gc' }, 'gc');
  if (result.ok !== result.sent)
    throw new Error(
      `joins not accepted: ${JSON.stringify(result.statuses)}, ${result.errors} errors ${JSON.stringify(result.errorCodes)}`,
    );
  const marking = slowInMarking(result.slow, runs);
  delete result.slow;
  return { result, serverCpu: (cpuAfter.cpuMs - cpu.cpuMs) / 1000 / settings.seconds, gc: byKind, marking };
}

/** The mark-compacts among GC pauses by kind. */
const markCompacts = (byKind) => byKind['mark-compact']?.count ?? 0;

/**
 * A second window of joins in the steady state: once the side has had a mark-compact since the first window began
 * (`seen`: the mark-compacts in that window). V8 sets the old generation's limit at the mark-compacts of the
 * connection burst, to about four times what was live; a side whose heap is smaller stays under that limit longer
 * (the broker, 35 to 55 s of joins), and once a side crosses it, V8 sizes each next limit from the steady promotion
 * rate and a mark-compact comes every 7 to 10 s, on both sides alike. The first window compares what each side does 10 s after the burst; this one, what each does from then on.
 * Resolves to { result, serverCpu, gc, warmed, settled } (warmed: the seconds of joins it waited, in 5 s steps, at
 * most `settings.steadyMaxSeconds`; settled: a mark-compact came).
 */
async function measureSteady(target, settings, seen) {
  let warmed = 0;
  while (seen === 0 && warmed < settings.steadyMaxSeconds) {
    await runLoad('join-load.js', { url: target.url, rate: settings.rate, seconds: 5 });
    warmed += 5;
    seen = markCompacts((await target.ask({ cmd: 'gc' }, 'gc')).byKind);
  }
  return { ...(await measureWindow(target, settings)), warmed, settled: seen > 0 };
}

/** Runs the scenario; returns its rows and details. */
export async function run({ quick, log }) {
  const settings = {
    servers: quick ? 2000 : 10_000,
    rate: 1000,
    warmSeconds: quick ? 1 : 10,
    seconds: quick ? 5 : 20,
    rounds: quick ? 1 : 4,
    steadyMaxSeconds: quick ? 5 : 60,
    gapMs: quick ? 0 : 20_000,
  };
  // Paired rounds (the baseline first in one, second in the next): each side with its own game servers, one after
  // the other, 20 s apart. On this machine the side measured right after the other came out worse (the
  // masterserver's ratio: median ×1.73 when second, ×1.18 when first, over a day's rounds); in a run with the pause
  // its second rounds were not the worse ones (×1.07 and ×1.18; first: ×1.54 and ×1.36). Four rounds, so that each
  // side is still second in two whatever is left of it. The latency rows are the
  // median of the four: the geometric mean of the two middle rounds by p99 ratio (so value / baseline is still the
  // ratio); the other rows are the upper middle round's (the worse of the two).
  // `options`: the join baseline's (baselines.js).
  const brokerSide = (options) => async () => {
    const baseline = await startBaseline(['join', JSON.stringify(options)]);
    try {
      const url = baseline.ready.url;
      return await measureJoins(
        { url, wsUrl: `${url.replace('http', 'ws')}/v2/server/ws`, ask: baseline.ask },
        settings,
      );
    } finally {
      await baseline.stop();
    }
  };
  const measureBaseline = brokerSide({});
  // The same broker sending the Pings of docs/protocol.md#liveness, every 10 s to each game server as the
  // masterserver does (1,000 a second here, one per join): what of the masterserver's cost is the protocol's
  // heartbeat, which the minimal broker does not have. Both windows, as for the minimal broker.
  const measurePinging = brokerSide({ pingInterval: 10_000 });
  // Probing off: these game servers bind no UDP ports, and quick play skips servers found unreachable (the
  // probe scenario measures probing).
  const measureCandidate = async () => {
    const ms = await startMs({ verifyReachability: 'off' });
    try {
      return await measureJoins(
        {
          url: ms.url,
          wsUrl: ms.wsUrl,
          ask: ms.ask,
          quickplay: true,
          before: async () => {
            await ms.ask({ cmd: 'delay' }, 'delay');
            return timedJoins(ms.url);
          },
          after: async (timedBefore) => {
            const loopDelay = await ms.ask({ cmd: 'delay' }, 'delay');
            const timedAfter = await timedJoins(ms.url);
            return {
              loopDelay,
              within5ms: (timedAfter.fast - timedBefore.fast) / (timedAfter.all - timedBefore.all),
            };
          },
        },
        settings,
      );
    } finally {
      await ms.stop();
    }
  };
  // A window of one side's measure (the first, or the steady one), and the masterserver's p99 ratio to a baseline
  // (`side`: 'base', the minimal broker, or 'other', the broker with Pings) in that window.
  const first = (measured) => measured;
  const steadyOf = (measured) => measured.steady;
  const p99In = (window, measured) => window(measured).result.latencies.p99;
  const ratioIn = (window, side) => (pair) => p99In(window, pair.cand) / p99In(window, pair[side]);
  const p99Ratio = ratioIn(first, 'base');
  const pingingRatio = ratioIn(first, 'other');
  const pingingSteadyRatio = ratioIn(steadyOf, 'other');
  const steadyRatio = ratioIn(steadyOf, 'base');
  const pairs = await pairedRounds(settings.rounds, measureBaseline, measureCandidate, settings.gapMs, measurePinging);
  // A latency row's median: the geometric mean of the two middle rounds by `ratioOf` (value / baseline stays the ratio).
  const middleBy = (ratioOf) => {
    const [low, high] = middlePairs(pairs, ratioOf);
    return (of) => Math.sqrt(of(low) * of(high));
  };
  const { base, cand } = middlePairs(pairs, p99Ratio)[1];
  const middle = middleBy(p99Ratio);
  const roundsNote = (ratioOf) =>
    pairs.length > 1 ? `rounds: ${pairs.map((pair) => `×${ratioOf(pair).toFixed(2)}`).join(', ')}` : undefined;
  const { result, after, serverCpu, gc } = cand;
  const { loopDelay, within5ms } = cand.extra;
  const pauses = (kind, of = gc) => of[kind] ?? { count: 0, totalMs: 0, maxMs: 0 };
  const kindText = (kind, of) => `${pauses(kind, of).count} ${kind}s (max ${pauses(kind, of).maxMs.toFixed(1)} ms)`;
  const gcText = (of) => `${kindText('scavenge', of)}, ${kindText('mark-compact', of)}`;
  const b = Object.fromEntries(['p50', 'p99', 'p999'].map((q) => [q, middle((pair) => pair.base.result.latencies[q])]));
  const describe = (who, r, cpu) =>
    `  ${who}: ${r.result.sent} joins at ${settings.rate}/s: p50 ${r.result.latencies.p50.toFixed(2)} ms, ` +
    `p99 ${r.result.latencies.p99.toFixed(2)} ms, p99.9 ${r.result.latencies.p999.toFixed(2)} ms, ` +
    `max ${r.result.latencies.max.toFixed(2)} ms; driver cpu ${pct(r.result.cpu)}, game-server cpu ${pct(r.after.cpu)}, ` +
    `driver lag ≤ ${r.result.lag.toFixed(1)} ms, ${r.result.connections} connections; server cpu ${pct(cpu)}`;
  const markingText = (m) =>
    m.runs.length === 0
      ? `${m.met} of ${m.slow} slow joins in marking runs (none in the window)`
      : `${m.met} of ${m.slow} slow joins in marking runs of ${m.runs.map((ms) => ms.toFixed(0)).join(', ')} ms`;
  const steadyNote = (pair) =>
    `steady p99 ×${steadyRatio(pair).toFixed(2)} after ${pair.cand.steady.warmed} s / ${pair.base.steady.warmed} s more`;
  for (const [i, pair] of pairs.entries()) {
    log(
      `  round ${i + 1}: p99 ×${p99Ratio(pair).toFixed(2)}; masterserver GC ${gcText(pair.cand.gc)}; baseline GC ${gcText(pair.base.gc)}`,
    );
    log(
      `    the broker with Pings: p99 ${pair.other.result.latencies.p99.toFixed(2)} ms (masterserver ×${pingingRatio(pair).toFixed(2)}), ` +
        `server cpu ${pct(pair.other.serverCpu)}, GC ${gcText(pair.other.gc)}; steady p99 ${pair.other.steady.result.latencies.p99.toFixed(2)} ms ` +
        `(×${pingingSteadyRatio(pair).toFixed(2)}) after ${pair.other.steady.warmed} s more, GC ${gcText(pair.other.steady.gc)}`,
    );
    log(
      `    ${steadyNote(pair)}: masterserver p99 ${pair.cand.steady.result.latencies.p99.toFixed(2)} ms, GC ${gcText(pair.cand.steady.gc)}, ${markingText(pair.cand.steady.marking)}; ` +
        `baseline p99 ${pair.base.steady.result.latencies.p99.toFixed(2)} ms, GC ${gcText(pair.base.steady.gc)}, ${markingText(pair.base.steady.marking)}`,
    );
  }
  log(describe('baseline', base, base.serverCpu));
  log(
    `${describe('masterserver', cand, serverCpu)}, event-loop delay p99 ${loopDelay.p99.toFixed(1)} ms, max ${loopDelay.max.toFixed(1)} ms`,
  );
  const saturated = Math.max(result.cpu, after.cpu, base.result.cpu, base.after.cpu);
  const note = saturated > SATURATED ? `load generator saturated (${pct(saturated)})` : undefined;
  const [p50, p99, p999] = ['p50', 'p99', 'p999'].map((q) => middle((pair) => pair.cand.result.latencies[q]));
  // The steady window's median is its own: the two middle rounds by its ratio.
  const steadyMiddle = middleBy(steadyRatio);
  const steadyLatency = (side, q) => steadyMiddle((pair) => pair[side].steady.result.latencies[q]);
  const unsettled = pairs.flatMap((pair) => [pair.cand, pair.base]).filter((side) => !side.steady.settled).length;
  // The steady windows' slow joins beside each side's marking runs, over every round.
  const markingOf = (side) => {
    const all = pairs.map((pair) => pair[side].steady.marking);
    const runs = all.flatMap((m) => m.runs);
    const sum = (of) => all.reduce((total, m) => total + of(m), 0);
    const slow = sum((m) => m.slow);
    return {
      share: slow > 0 ? sum((m) => m.met) / slow : 0,
      runs: runs.length,
      meanMs: runs.reduce((total, ms) => total + ms, 0) / Math.max(1, runs.length),
    };
  };
  const steadyMarking = { cand: markingOf('cand'), base: markingOf('base') };
  const steady = {
    p99: steadyLatency('cand', 'p99'),
    baseline: steadyLatency('base', 'p99'),
    p999: steadyLatency('cand', 'p999'),
    baselineP999: steadyLatency('base', 'p999'),
  };
  // Against the broker with Pings: the median of the rounds by that ratio, as for the minimal broker.
  const versusPinging = (window) => {
    const middleOf = middleBy(ratioIn(window, 'other'));
    return {
      p99: middleOf((pair) => p99In(window, pair.cand)),
      baseline: middleOf((pair) => p99In(window, pair.other)),
    };
  };
  const pinging = versusPinging(first);
  // Quick play against the masterserver's own steady join window just before it, the median of the rounds by that
  // ratio.
  const quickplayRatio = (pair) => pair.cand.quickplay.latencies.p99 / pair.cand.steady.result.latencies.p99;
  const quickplayMiddle = middleBy(quickplayRatio);
  const quickplayPair = middlePairs(pairs, quickplayRatio)[1];
  const quickplay = {
    p99: quickplayMiddle((pair) => pair.cand.quickplay.latencies.p99),
    join: quickplayMiddle((pair) => pair.cand.steady.result.latencies.p99),
  };
  const pingingSteady = versusPinging(steadyOf);
  const pingingPair = middlePairs(pairs, pingingRatio)[1];
  const label = (p) =>
    `join latency ${p}, ${settings.rate.toLocaleString('en')}/s, ${settings.servers.toLocaleString('en')} GS`;
  const versus = (value, baselineValue) => ({ baseline: baselineValue, ratio: value / baselineValue });
  const rows = [
    { label: label('p50'), value: p50, unit: 'ms', ...versus(p50, b.p50), key: 'p50' },
    {
      label: label('p99'),
      value: p99,
      unit: 'ms',
      ...versus(p99, b.p99),
      target: '≤ 1.25× baseline',
      met: p99 <= 1.25 * b.p99,
      note: [note, roundsNote(p99Ratio)].filter(Boolean).join('; ') || undefined,
      key: 'p99',
    },
    { label: label('p99.9'), value: p999, unit: 'ms', ...versus(p999, b.p999), key: 'p999' },
    {
      label: `${label('p99')}, steady state`,
      value: steady.p99,
      unit: 'ms',
      ...versus(steady.p99, steady.baseline),
      target: '≤ 1.25× baseline',
      met: steady.p99 <= 1.25 * steady.baseline,
      note:
        [
          note,
          unsettled === 0
            ? 'once each side has had a mark-compact'
            : `${unsettled} of ${pairs.length * 2} sides had no mark-compact within ${settings.steadyMaxSeconds} s more`,
          `p99.9 ${steady.p999.toFixed(2)} vs ${steady.baselineP999.toFixed(2)} ms`,
          roundsNote(steadyRatio),
        ]
          .filter(Boolean)
          .join('; ') || undefined,
      key: 'p99-steady',
    },
    {
      label: "  steady state: joins at or above the p99 that waited through a mark-compact's marking",
      value: steadyMarking.cand.share * 100,
      unit: '%',
      baseline: steadyMarking.base.share * 100,
      note: `over the ${pairs.length} rounds; marking runs of ${steadyMarking.cand.meanMs.toFixed(0)} ms on average (${steadyMarking.cand.runs} runs) vs ${steadyMarking.base.meanMs.toFixed(0)} ms (${steadyMarking.base.runs}), from the start of incremental marking to the end of the pause`,
      key: 'steady-marking',
    },
    // How long the masterserver's own event loop was held up, and the driver's: latency beyond these is queueing.
    {
      label: '  server CPU per join',
      value: (serverCpu * 1e6) / settings.rate,
      unit: 'µs',
      baseline: (base.serverCpu * 1e6) / settings.rate,
      ratio: base.serverCpu / serverCpu,
      key: 'cpu',
    },
    {
      label: `${label('p99')}, vs the broker with Pings`,
      value: pinging.p99,
      unit: 'ms',
      ...versus(pinging.p99, pinging.baseline),
      note: [
        note,
        'what is left once the broker also sends every game server a Ping every 10 s',
        roundsNote(pingingRatio),
      ]
        .filter(Boolean)
        .join('; '),
      key: 'p99-pinging',
    },
    {
      label: `${label('p99')}, steady state, vs the broker with Pings`,
      value: pingingSteady.p99,
      unit: 'ms',
      ...versus(pingingSteady.p99, pingingSteady.baseline),
      note: roundsNote(pingingSteadyRatio),
      key: 'p99-steady-pinging',
    },
    {
      label: '  server CPU per join, vs the broker with Pings',
      value: (pingingPair.cand.serverCpu * 1e6) / settings.rate,
      unit: 'µs',
      baseline: (pingingPair.other.serverCpu * 1e6) / settings.rate,
      ratio: pingingPair.other.serverCpu / pingingPair.cand.serverCpu,
      key: 'cpu-pinging',
    },
    {
      label: `quick play latency p99, ${settings.rate.toLocaleString('en')}/s, vs the join p99, steady state`,
      value: quickplay.p99,
      unit: 'ms',
      baseline: quickplay.join,
      ratio: quickplay.p99 / quickplay.join,
      target: '≤ 1.25× join p99',
      met: quickplay.p99 <= 1.25 * quickplay.join,
      note: [note, `quick play GC ${gcText(quickplayPair.cand.quickplay.gc)}`, roundsNote(quickplayRatio)]
        .filter(Boolean)
        .join('; '),
      key: 'quickplay',
    },
    {
      label: 'masterserver event-loop delay p99 during the joins',
      value: loopDelay.p99,
      unit: 'ms',
      note: `max ${loopDelay.max.toFixed(1)} ms; the driver ran up to ${result.lag.toFixed(1)} ms behind its schedule`,
      key: 'loop',
    },
    {
      label: 'GC pauses during the joins: scavenges (max)',
      value: pauses('scavenge').count,
      unit: `(max ${pauses('scavenge').maxMs.toFixed(1)} ms)`,
      baseline: pauses('scavenge', base.gc).count,
      note: `${kindText('mark-compact', gc)}; baseline: ${gcText(base.gc)}`,
      key: 'gc',
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
    latencies: { p50, p99, p999 },
    steadyLatencies: steady,
    baselineLatencies: b,
    pingingLatencies: pinging,
    pingingSteadyLatencies: pingingSteady,
    joinsAnswered: after.joins - cand.before.joins,
    serverCpu,
    baselineCpu: base.serverCpu,
    loopDelay,
    gc,
    within5ms,
    result,
    baseline: base.result,
    quickplay: cand.quickplay,
    baselineGc: base.gc,
    rounds: pairs.map((pair) => ({
      p99: pair.cand.result.latencies.p99,
      baselineP99: pair.base.result.latencies.p99,
      cpu: pair.cand.serverCpu,
      baselineCpu: pair.base.serverCpu,
      // Mark-compacts in the window on each side: the rounds where only the masterserver had one are its worst.
      markCompacts: pauses('mark-compact', pair.cand.gc).count,
      baselineMarkCompacts: pauses('mark-compact', pair.base.gc).count,
      pingingP99: pair.other.result.latencies.p99,
      pingingCpu: pair.other.serverCpu,
      pingingMarkCompacts: pauses('mark-compact', pair.other.gc).count,
      pingingSteadyP99: pair.other.steady.result.latencies.p99,
      pingingSteadyMarkCompacts: pauses('mark-compact', pair.other.steady.gc).count,
      // The steady window (after `warmed` more seconds of joins on that side).
      steady: {
        p99: pair.cand.steady.result.latencies.p99,
        baselineP99: pair.base.steady.result.latencies.p99,
        p999: pair.cand.steady.result.latencies.p999,
        baselineP999: pair.base.steady.result.latencies.p999,
        cpu: pair.cand.steady.serverCpu,
        baselineCpu: pair.base.steady.serverCpu,
        markCompacts: pauses('mark-compact', pair.cand.steady.gc).count,
        baselineMarkCompacts: pauses('mark-compact', pair.base.steady.gc).count,
        warmed: pair.cand.steady.warmed,
        baselineWarmed: pair.base.steady.warmed,
        // The slow joins (at or above the p99) that waited through a marking run, and the runs' lengths (ms).
        marking: pair.cand.steady.marking,
        baselineMarking: pair.base.steady.marking,
      },
    })),
  };
  return { rows, details };
}
