/**
 * Reading the tables of the project's Markdown docs, for the tests that keep
 * the docs and the code in step.
 *
 * @module
 */

/**
 * The body rows of the first table after `heading` in `markdown`, each as its
 * cells with surrounding spaces and backticks removed. Throws when the heading
 * is missing.
 */
export function markdownTable(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  if (start === -1) throw new Error(`heading ${heading} not found`);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of markdown.slice(start).split('\n')) {
    if (line.startsWith('|')) {
      inTable = true;
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim().replaceAll('`', ''));
      if (!cells.every((cell) => /^-+$/.test(cell))) rows.push(cells);
    } else if (inTable) break;
  }
  return rows.slice(1);
}
