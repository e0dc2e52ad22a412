/**
 * Total players and listed servers: the live numbers, and the last hour
 * as two sparklines in boxes of fixed size, each with its peak.
 *
 * @module
 */

import { type Sparkline, sparkline } from '../chart.js';
import { formatCount } from '../format.js';
import type { Sample } from '../types.js';

const WIDTH = 300;
const HEIGHT = 40;

/** Props of {@link HistoryChart}. */
export interface HistoryChartProps {
  samples: readonly Sample[];
  /** The totals of the live list (`undefined` while it loads). */
  current: { players: number; servers: number } | undefined;
  windowMs: number;
  intervalMs: number;
  /** The right edge (Unix ms). */
  now: number;
}

function Spark(props: { label: string; unit: string; current: number | undefined; line: Sparkline; kind: string }) {
  const { label, unit, current, line, kind } = props;
  const peak = Math.max(line.max, current ?? 0);
  const summary =
    current === undefined
      ? `${label} over the last hour: loading`
      : `${label} over the last hour: ${formatCount(current)} now, peak ${formatCount(peak)}`;
  return (
    <div class={`spark ${kind}`}>
      <div class="spark-head">
        <span class="spark-label">{label}</span>
        <span class="spark-value">{current === undefined ? '–' : formatCount(current)}</span>
        <span class="spark-peak">{`peak ${formatCount(peak)} ${unit}`}</span>
      </div>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" role="img" aria-label={summary}>
        <title>{summary}</title>
        <path class="area" d={line.area} />
        <path class="line" d={line.line} vector-effect="non-scaling-stroke" />
      </svg>
    </div>
  );
}

/** The history chart. */
export function HistoryChart({ samples, current, windowMs, intervalMs, now }: HistoryChartProps) {
  const box = { width: WIDTH, height: HEIGHT, from: now - windowMs, to: now, maxGapMs: intervalMs * 2.5 };
  const minutes = Math.round(windowMs / 60_000);
  return (
    <section class="history" aria-labelledby="history-title">
      <h2 id="history-title">Last {minutes === 60 ? 'hour' : `${minutes} minutes`}</h2>
      <div class="sparks">
        <Spark
          label="Players"
          unit="players"
          kind="players"
          current={current?.players}
          line={sparkline(samples, (s) => s.players, box)}
        />
        <Spark
          label="Servers"
          unit="servers"
          kind="servers"
          current={current?.servers}
          line={sparkline(samples, (s) => s.servers, box)}
        />
      </div>
    </section>
  );
}
