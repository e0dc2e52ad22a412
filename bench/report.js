// The results: the console table, the Markdown block of docs/benchmarks.md
// (between `<!-- bench:results -->` and `<!-- /bench:results -->`), and the
// rewriting of that block. Pure functions of a results object:
//   { machine, date, commit, quick, scenarios: { <name>: { rows, details } } }
// where a row is { label, value, unit, baseline?, ratio?, target?, met?, note? }.

export const BEGIN = '<!-- bench:results -->';
export const END = '<!-- /bench:results -->';

/** A number for people: thousands separated, two decimals below 100. */
export function formatNumber(n) {
  if (!Number.isFinite(n)) return String(n);
  return Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(2);
}

function cells(row) {
  return [
    row.label,
    `${formatNumber(row.value)} ${row.unit}`,
    row.baseline === undefined ? '' : formatNumber(row.baseline),
    row.ratio === undefined ? '' : `×${row.ratio.toFixed(2)}`,
    row.target ?? '',
    row.met === undefined ? '' : row.met ? 'yes' : 'NO',
    row.note ?? '',
  ];
}

const HEAD = ['measure', 'result', 'baseline', 'ratio', 'target', 'met', 'note'];

/** The rows of every scenario as aligned plain text. */
export function textTable(results) {
  const lines = [HEAD];
  for (const { rows } of Object.values(results.scenarios)) for (const row of rows) lines.push(cells(row));
  const widths = HEAD.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines
    .map((l) =>
      l
        .map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One line naming the machine, Node and the run. */
export function machineLine(results) {
  const m = results.machine;
  return (
    `${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; ` +
    `${results.date.slice(0, 10)}${results.commit ? `, commit ${results.commit}` : ''}${results.quick ? ', quick run' : ''}`
  );
}

function escapeCell(text) {
  return String(text).replaceAll('|', '\\|');
}

/** The Markdown block: the machine, then one table per scenario. */
export function markdownBlock(results, chartPath = 'images/bench.svg') {
  const out = [BEGIN, '', `Machine: ${machineLine(results)}.`, ''];
  for (const [name, { rows }] of Object.entries(results.scenarios)) {
    out.push(`**${name}**`, '', `| ${HEAD.join(' | ')} |`, `| ${HEAD.map(() => '---').join(' | ')} |`);
    for (const row of rows) out.push(`| ${cells(row).map(escapeCell).join(' | ')} |`);
    out.push('');
  }
  if (chartPath !== null) out.push(`![benchmark chart](${chartPath})`, '');
  out.push(END);
  return out.join('\n');
}

/** `doc` with the block between the markers replaced by `block`; throws when the markers are missing. */
export function replaceBlock(doc, block) {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the markers ${BEGIN} and ${END} are missing`);
  return doc.slice(0, start) + block + doc.slice(end + END.length);
}

/** Every row whose target was missed, as "label: value (target)". */
export function missedTargets(results) {
  const missed = [];
  for (const { rows } of Object.values(results.scenarios)) {
    for (const row of rows) {
      if (row.met === false) missed.push(`${row.label}: ${formatNumber(row.value)} ${row.unit} (${row.target})`);
    }
  }
  return missed;
}
