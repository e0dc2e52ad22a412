import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type JsonValue, parseJson } from '../src/index.js';
import { JsonDecimal, parseExact } from '../src/json.js';
import { RUNS } from './decoder-model.js';

describe('the exact parser agrees with JSON.parse wherever JSON.parse is exact', () => {
  /** The value JSON.parse gives for an exact parse: numbers rounded to the nearest double. */
  const rounded = (v: JsonValue): unknown => {
    if (typeof v === 'bigint' || v instanceof JsonDecimal) return Number(v);
    if (Array.isArray(v)) return v.map(rounded);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, rounded(e)]));
    return v;
  };

  it('on any JSON text (fc.json, with whitespace): the same values, numbers exact or rounded as JSON.parse rounds', () => {
    fc.assert(
      fc.property(fc.json(), fc.constantFrom('', ' ', '\n\t', '\r\n '), (s, ws) => {
        const spaced = `${ws}${s}${ws}`;
        const native = JSON.parse(spaced) as unknown;
        assert.deepEqual(rounded(parseExact(spaced)), native);
        assert.deepEqual(rounded(parseJson(spaced)), native);
      }),
      { numRuns: RUNS },
    );
  });

  it('an integer literal of any length comes back exact: a number when safe, else the bigint', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), (n) => {
        const value = (parseJson(`{"v":${n}}`) as { v: JsonValue }).v;
        const safe = n >= -(2n ** 53n - 1n) && n <= 2n ** 53n - 1n;
        if (safe) assert.ok(Object.is(value, Number(n)) || (n === 0n && value === 0));
        else assert.equal(value, n);
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts exactly the texts JSON.parse accepts', () => {
    const unit = fc.constantFrom(...'{}[],:"\\0123-.eE tfnrulsa/bu'.split(''));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (s) => {
        let native = true;
        try {
          JSON.parse(s);
        } catch {
          native = false;
        }
        let exact = true;
        try {
          parseExact(s);
        } catch (error) {
          assert.ok(error instanceof SyntaxError);
          exact = false;
        }
        assert.equal(exact, native, JSON.stringify(s));
      }),
      { numRuns: RUNS * 5 },
    );
  });
});
