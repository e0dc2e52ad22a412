import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { markdownTable } from '@masterserver/testing';
import { defaultBackoff, defaultClientOptions, defaultWsTransport, JoinErrorType } from '../src/index.js';

const doc = readFileSync(new URL('../../../../docs/sdk.md', import.meta.url), 'utf8');
/** The text with every run of white space made one space, so that line breaks do not matter. */
const prose = doc.replace(/\s+/g, ' ');

const table = (heading: string): string[][] => markdownTable(doc, heading);

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
