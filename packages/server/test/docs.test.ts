import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CloseCode, RegistrationError, registrationErrorMessage } from '@masterserver/protocol';
import { markdownTable } from '@masterserver/testing';
import { ApiError } from '../src/index.js';

const doc = (name: string): string => readFileSync(new URL(`../../../../docs/${name}`, import.meta.url), 'utf8');

const table = (markdown: string, heading: string): string[][] => markdownTable(markdown, heading);

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
