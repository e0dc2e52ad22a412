// GC pauses by kind in a bench process (the masterserver runner and the baselines alike), from one `take()` to the
// next: the first starts watching.
import { constants, PerformanceObserver } from 'node:perf_hooks';

const KINDS = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'scavenge',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'mark-compact',
};

/** Watches GC pauses; `take()` answers those since the last call, by kind ({ count, totalMs, maxMs }). */
export function gcPauses() {
  let pauses = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries())
      pauses.push({ kind: KINDS[entry.detail?.kind] ?? 'other', ms: entry.duration });
  });
  let watching = false;
  return {
    take() {
      const taken = pauses;
      pauses = [];
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
      return byKind;
    },
  };
}
