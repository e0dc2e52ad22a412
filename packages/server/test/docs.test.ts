import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CloseCode, RegistrationError, registrationErrorMessage } from '@masterserver/protocol';
import { ApiError } from '../src/index.js';

const doc = (name: string): string => readFileSync(new URL(`../../../../docs/${name}`, import.meta.url), 'utf8');

/** Rows of the first Markdown table after `heading`, as arrays of cells without backticks. */
function table(markdown: string, heading: string): string[][] {
  const start = markdown.indexOf(heading);
  assert.notEqual(start, -1, `heading ${heading} not found`);
  const rows: string[][] = [];
  let inTable = false;
  for (const line of markdown.slice(start).split('\n')) {
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

describe('the docs match the code', () => {
  it('docs/http-api.md lists every API error code with its status, and no other', () => {
    const rows = table(doc('http-api.md'), '## Error codes');
    const documented = Object.fromEntries(rows.map(([code, status]) => [code, Number(status)]));
    const actual = Object.fromEntries(Object.entries(ApiError).map(([code, { status }]) => [code, status]));
    assert.deepEqual(documented, actual);
  });

  it('docs/protocol.md lists every close code with its name, and no other', () => {
    const rows = table(doc('protocol.md'), '## Close codes');
    const documented = Object.fromEntries(rows.map(([code, name]) => [name, Number(code)]));
    assert.deepEqual(documented, { ...CloseCode });
  });

  it('docs/protocol.md lists every registration error type with its message', () => {
    const rows = table(doc('protocol.md'), '## Registration error types');
    assert.deepEqual(
      rows.map(([type]) => Number(type)),
      Object.values(RegistrationError),
    );
    for (const [type, msg] of rows) {
      assert.ok(msg?.startsWith(registrationErrorMessage[Number(type) as RegistrationError]), `type ${type}`);
    }
  });
});
