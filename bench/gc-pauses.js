// GC pauses by kind in a bench process (the masterserver runner and the baselines alike), from one `take()` to the
// next: the first starts watching. Also the marking runs of the mark-compacts: from the start of V8's incremental
// marking to the end of the mark-compact's pause, when the process's own event loop shares the cores with its
// concurrent marking (the join scenario lays the slow joins beside them).
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
};

/**
 * Watches GC pauses; `take()` answers those since the last call, by kind ({ count, totalMs, maxMs }), and the
 * marking runs that ended since, as [start, end] in ms since the epoch (`performance.timeOrigin` based, comparable
 * across processes): each from the first incremental-marking entry after the previous mark-compact (or the
 * mark-compact's own start, when it had none) to the end of the mark-compact's pause.
 */
export function gcPauses() {
  let pauses = [];
  let runs = [];
  /** When the marking that the next mark-compact ends began (epoch ms), if it began. */
  let markingSince;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = entry.detail?.kind;
      const start = performance.timeOrigin + entry.startTime;
      pauses.push({ kind: KINDS[kind] ?? 'other', ms: entry.duration });
      if (kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL) markingSince ??= start;
      else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        runs.push([markingSince ?? start, start + entry.duration]);
        markingSince = undefined;
      }
    }
  });
  let watching = false;
  return {
    take() {
      const taken = pauses;
      const ended = runs;
      pauses = [];
      runs = [];
      if (!watching) observer.observe({ entryTypes: ['gc'] });
      watching = true;
      const byKind = {};
      for (const { kind, ms } of taken) {
        byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 };
        const k = byKind[kind];
        k.count++;
        k.totalMs += ms;
        k.maxMs = Math.max(k.maxMs, ms);
      }
      return { byKind, runs: ended };
    },
  };
}
