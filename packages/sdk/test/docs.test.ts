import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { defaultBackoff, defaultClientOptions, defaultWsTransport, JoinErrorType } from '../src/index.js';

const doc = readFileSync(new URL('../../../../docs/sdk.md', import.meta.url), 'utf8');
/** The text with every run of white space made one space, so that line breaks do not matter. */
const prose = doc.replace(/\s+/g, ' ');

/** Rows of the first Markdown table after `heading`, as cells without backticks. */
function table(heading: string): string[][] {
  const start = doc.indexOf(heading);
  assert.notEqual(start, -1, `heading ${heading} not found`);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of doc.slice(start).split('\n')) {
    if (line.startsWith('|')) {
      inTable = true;
      const cells = line
        .split('|')
        .slice(1, -1)
        .map((c) => c.trim().replaceAll('`', ''));
      if (!cells.every((c) => /^-+$/.test(c))) rows.push(cells);
    } else if (inTable) break;
  }
  return rows.slice(1);
}

describe('docs/sdk.md matches the code', () => {
  it('the options table gives every default as the code has it', () => {
    const documented = new Map(table('## Options').map(([option, value]) => [option, value]));
    for (const [option, value] of Object.entries(defaultClientOptions)) {
      assert.equal(documented.get(option), String(value), option);
    }
    const { initial, max, factor } = defaultBackoff;
    assert.equal(documented.get('backoff'), `{ initial: ${initial}, max: ${max}, factor: ${factor} }`);
  });

  it('names every join error type with its number', () => {
    for (const [name, value] of Object.entries(JoinErrorType)) {
      assert.ok(prose.includes(`\`${name}\` ${value}`) || prose.includes(`\`${name}\` (${value})`), name);
    }
  });

  it('gives the ws transport defaults', () => {
    for (const [option, value] of Object.entries(defaultWsTransport)) {
      assert.ok(prose.includes(`\`${option}\` (\`${value}\`)`), option);
    }
  });
});
