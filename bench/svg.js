// The benchmark chart (docs/images/bench.svg), hand-written SVG from a results
// object (see report.js): throughput against the same-run baselines as ratios,
// and the join latency percentiles against the 5 ms target.
import { formatNumber, machineLine } from './report.js';

const WIDTH = 760;
const LABEL = 300;
const BAR_AREA = WIDTH - LABEL - 90;
const ROW = 22;

/** Text made safe for SVG content and attributes. */
export function escapeXml(text) {
  return String(text)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');
}

/** A coordinate with at most one decimal. */
const at = (v) => Math.round(v * 10) / 10;

function text(x, y, content, attrs = '') {
  return `<text x="${at(x)}" y="${at(y)}"${attrs}>${escapeXml(content)}</text>`;
}

function line(x1, y1, x2, y2, attrs) {
  return `<line x1="${at(x1)}" y1="${at(y1)}" x2="${at(x2)}" y2="${at(y2)}" ${attrs}/>`;
}

/** A horizontal bar panel: `bars` of { label, value, shown }, a dashed `mark` { value, label }. */
function panel(title, bars, scaleMax, mark, top) {
  const out = [text(10, top + 16, title, ' class="title"')];
  const y0 = top + 28;
  const x = (v) => LABEL + (Math.min(v, scaleMax) / scaleMax) * BAR_AREA;
  bars.forEach((bar, i) => {
    const y = y0 + i * ROW;
    out.push(text(LABEL - 8, y + 14, bar.label, ' text-anchor="end"'));
    out.push(
      `<rect x="${LABEL}" y="${y + 3}" width="${(x(bar.value) - LABEL).toFixed(1)}" height="${ROW - 7}" class="${bar.ok === false ? 'miss' : bar.base ? 'base' : 'bar'}"/>`,
    );
    out.push(text(x(bar.value) + 5, y + 14, bar.shown));
  });
  const bottom = y0 + bars.length * ROW;
  if (mark !== undefined) {
    out.push(line(x(mark.value), y0 - 2, x(mark.value), bottom, 'class="mark"'));
    out.push(text(x(mark.value), bottom + 12, mark.label, ' text-anchor="middle" class="small"'));
  }
  return { svg: out.join('\n'), height: bottom + 20 - top };
}

/** The chart as an SVG document. */
export function chartSvg(results) {
  const parts = [];
  let top = 10;
  parts.push(text(10, top + 12, `masterserver benchmarks — ${machineLine(results)}`, ' class="small"'));
  top += 22;
  const ratioBars = [];
  for (const name of ['registration', 'list', 'query']) {
    for (const row of results.scenarios[name]?.rows ?? []) {
      if (row.ratio !== undefined) {
        ratioBars.push({ label: row.label, value: row.ratio, shown: `×${row.ratio.toFixed(2)}`, ok: row.met });
      }
    }
  }
  if (ratioBars.length > 0) {
    const max = Math.max(1.5, ...ratioBars.map((b) => b.value)) * 1.05;
    const p = panel(
      'Throughput, as a ratio to the baseline measured in the same run',
      ratioBars,
      max,
      { value: 1, label: 'baseline = 1' },
      top,
    );
    parts.push(p.svg);
    top += p.height + 10;
  }
  const join = results.scenarios.join;
  if (join?.details?.latencies !== undefined) {
    const l = join.details.latencies;
    const p99 = join.rows.find((r) => r.key === 'p99');
    const b = join.details.baselineLatencies;
    const percentiles = [
      ['p50', 'p50'],
      ['p90', 'p90'],
      ['p99', 'p99'],
      ['p99.9', 'p999'],
      ['max', 'max'],
    ];
    const bars = percentiles.flatMap(([label, key]) => [
      { label, value: l[key], shown: `${formatNumber(l[key])} ms`, ok: label === 'p99' ? p99?.met : undefined },
      // The minimal broker measured in the same run, beside each percentile.
      ...(b === undefined
        ? []
        : [{ label: `${label} baseline`, value: b[key], shown: `${formatNumber(b[key])} ms`, base: true }]),
    ]);
    const max = Math.max(6, ...bars.filter((bar) => !bar.label.startsWith('max')).map((bar) => bar.value)) * 1.1;
    const title = p99 === undefined ? 'Join latency' : p99.label.replace(/^join latency p99/, 'Join latency');
    const p = panel(title, bars, max, { value: 5, label: 'p99 target 5 ms' }, top);
    parts.push(p.svg);
    top += p.height + 10;
  }
  const height = top + 4;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12" role="img">`,
    '<title>masterserver benchmarks: throughput against the baselines, and join latency percentiles</title>',
    '<style>.title{font-weight:bold;font-size:13px}.small{font-size:11px;fill:#555}.bar{fill:#4a7bb7}.base{fill:#a3acb9}.miss{fill:#c8553d}.mark{stroke:#333;stroke-dasharray:4 3}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
