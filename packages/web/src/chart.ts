/**
 * The geometry of the history's sparklines: SVG paths in a fixed box, so the
 * chart never changes size as samples arrive.
 *
 * @module
 */

import type { Sample } from './types.js';

/** The box and the time range a sparkline is drawn in. */
export interface SparkBox {
  readonly width: number;
  readonly height: number;
  /** Left edge (Unix ms). */
  readonly from: number;
  /** Right edge (Unix ms). */
  readonly to: number;
  /** Samples further apart than this (ms) are not joined: the masterserver was not sampling. */
  readonly maxGapMs: number;
}

/** A sparkline: the line, the area under it, and the largest value (the top of the box). */
export interface Sparkline {
  readonly line: string;
  readonly area: string;
  readonly max: number;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** The paths of one series of `samples` (oldest first) inside `box`. */
export function sparkline(samples: readonly Sample[], value: (s: Sample) => number, box: SparkBox): Sparkline {
  const shown = samples.filter((s) => s.t >= box.from && s.t <= box.to);
  let max = 0;
  for (const s of shown) max = Math.max(max, value(s));
  const top = Math.max(max, 1);
  const span = Math.max(box.to - box.from, 1);
  const x = (t: number): number => round(((t - box.from) / span) * box.width);
  const y = (v: number): number => round(box.height - 1 - (v / top) * (box.height - 2));
  const line: string[] = [];
  const area: string[] = [];
  let runStart = 0;
  const closeRun = (end: number): void => {
    const first = shown[runStart];
    const last = shown[end - 1];
    if (first === undefined || last === undefined) return;
    area.push(`L${x(last.t)},${box.height}L${x(first.t)},${box.height}Z`);
  };
  shown.forEach((s, i) => {
    const previous = shown[i - 1];
    const join = previous !== undefined && s.t - previous.t <= box.maxGapMs;
    if (!join && i > 0) {
      closeRun(i);
      runStart = i;
    }
    const point = `${x(s.t)},${y(value(s))}`;
    line.push(`${join ? 'L' : 'M'}${point}`);
    area.push(`${join ? 'L' : 'M'}${point}`);
  });
  closeRun(shown.length);
  return { line: line.join(''), area: area.join(''), max };
}

/**
 * `samples` (oldest first) with `sample` added and what is older than
 * `windowMs` before it dropped; `samples` itself when `sample` is not newer
 * than the last one.
 */
export function appendSample(samples: readonly Sample[], sample: Sample, windowMs: number): readonly Sample[] {
  const last = samples.at(-1);
  if (last !== undefined && sample.t <= last.t) return samples;
  const from = sample.t - windowMs;
  const kept = samples.filter((s) => s.t > from);
  kept.push(sample);
  return kept;
}

/** The samples of both lists by time, each time once (a fetched history and the samples streamed meanwhile). */
export function mergeSamples(a: readonly Sample[], b: readonly Sample[], windowMs: number): readonly Sample[] {
  const byTime = new Map<number, Sample>();
  for (const s of a) byTime.set(s.t, s);
  for (const s of b) byTime.set(s.t, s);
  const merged = [...byTime.values()].sort((x, y) => x.t - y.t);
  const newest = merged.at(-1);
  return newest === undefined ? merged : merged.filter((s) => s.t > newest.t - windowMs);
}
