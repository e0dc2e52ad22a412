// Shared helpers of the benchmarks: timing loops and the result table.
// Every benchmark reports a ratio against a baseline measured in the same run,
// because absolute numbers on shared machines mean little.

/** Runs `fn` for about `ms` milliseconds (after a warm-up) and returns operations per second. */
export function opsPerSecond(fn, ms = 1000) {
  const warmUntil = performance.now() + ms / 4;
  while (performance.now() < warmUntil) for (let i = 0; i < 100; i++) fn();
  let count = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 100; i++) fn();
    count += 100;
    now = performance.now();
  }
  return (count * 1000) / (now - start);
}

/** Alternates baseline and candidate `rounds` times and keeps the best of each (noise only slows). */
export function compare(baseline, candidate, { rounds = 3, ms = 600 } = {}) {
  let base = 0;
  let cand = 0;
  for (let r = 0; r < rounds; r++) {
    base = Math.max(base, opsPerSecond(baseline, ms));
    cand = Math.max(cand, opsPerSecond(candidate, ms));
  }
  return { base, cand, ratio: cand / base };
}

const rows = [];

/** Records one result row. */
export function report(name, baselineName, base, cand, unit = 'ops/s') {
  rows.push({ name, baselineName, base, cand, ratio: cand / base, unit });
  const f = (n) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(2));
  console.log(
    `${name.padEnd(44)} ${f(cand).padStart(12)} ${unit}  vs ${baselineName} ${f(base)}  → ×${(cand / base).toFixed(2)}`,
  );
}

/** All rows recorded so far. */
export function results() {
  return rows;
}
