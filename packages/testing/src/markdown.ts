/**
 * Reading the tables of the project's Markdown docs, for the tests that keep
 * the docs and the code in step.
 *
 * @module
 */

/** One table of a Markdown document. */
export interface MarkdownTable {
  /** The last heading line above the table (`## Configuration`), or `''`. */
  heading: string;
  /** The cells of its header row. */
  header: string[];
  /** Its body rows. */
  rows: string[][];
}

/** The cells of a table row, trimmed; `\|` inside a cell is a `|`, not a boundary. */
function cells(line: string): string[] {
  return line
    .split(/(?<!\\)\|/)
    .slice(1, -1)
    .map((cell) => cell.trim().replaceAll('\\|', '|'));
}

const isDelimiterRow = (row: string[]): boolean => row.every((cell) => /^:?-+:?$/.test(cell));

/** Every table of `markdown`, its cells as written (backticks kept). */
export function markdownTables(markdown: string): MarkdownTable[] {
  const tables: MarkdownTable[] = [];
  let heading = '';
  let current: MarkdownTable | undefined;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('|')) {
      const row = cells(line);
      if (current === undefined) {
        current = { heading, header: row, rows: [] };
        tables.push(current);
      } else if (!isDelimiterRow(row)) current.rows.push(row);
      continue;
    }
    current = undefined;
    if (line.startsWith('#')) heading = line.trim();
  }
  return tables;
}

/**
 * The body rows of the first table after `heading` in `markdown`, each as its
 * cells with surrounding spaces and backticks removed. Throws when the heading
 * is missing.
 */
export function markdownTable(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  if (start === -1) throw new Error(`heading ${heading} not found`);
  const [table] = markdownTables(markdown.slice(start));
  return (table?.rows ?? []).map((row) => row.map((cell) => cell.replaceAll('`', '')));
}
