import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJson } from '../src/index.js';
import { JsonDecimal, needsExactParse, parseExact } from '../src/json.js';

describe('parseJson – exact numbers', () => {
  const integers: Array<[string, number | bigint]> = [
    ['0', 0],
    ['-1', -1],
    ['123456789012345', 123456789012345],
    ['9007199254740991', 9007199254740991],
    ['-9007199254740991', -9007199254740991],
    ['9007199254740993', 9007199254740993n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
    ['9223372036854775808', 9223372036854775808n],
    ['18446744073709551616', 18446744073709551616n],
  ];
  for (const [text, expected] of integers) {
    it(`keeps the integer ${text} exact`, () => {
      assert.deepEqual(parseJson(`{"v":${text}}`), { v: expected });
      assert.deepEqual(parseExact(`{"v":${text}}`), { v: expected });
    });
  }

  it('keeps -0 as -0, so it can be written back as written', () => {
    const value = (parseJson('{"v":-0}') as { v: number }).v;
    assert.ok(Object.is(value, -0));
    assert.ok(Object.is((parseExact('[-0]') as number[])[0], -0));
  });

  for (const text of ['1.5', '1.0', '1e3', '1E3', '1e+3', '1e-3', '-0.0', '0.5e10', '9223372036854775807.0']) {
    it(`returns ${text} as a JsonDecimal, never as an integer`, () => {
      const value = (parseJson(`{"v":${text}}`) as { v: unknown }).v;
      assert.ok(value instanceof JsonDecimal);
      assert.equal(value.text, text);
      assert.equal(Number(value), Number(text));
    });
  }
});

describe('needsExactParse – when JSON.parse is exact', () => {
  it('is false for short integers, also inside strings that look like numbers', () => {
    assert.equal(needsExactParse('{"a":1,"b":-20,"c":"1.5e9","d":true,"e":false,"f":null}'), false);
    assert.equal(needsExactParse('{"a":"\\"1.5","b":123456789012345}'), false);
  });
  it('is true for a fraction, an exponent or 16 digits', () => {
    assert.equal(needsExactParse('{"a":1.5}'), true);
    assert.equal(needsExactParse('{"a":1e5}'), true);
    assert.equal(needsExactParse('{"a":"x\\\\","b":2E1}'), true);
    assert.equal(needsExactParse('{"a":1234567890123456}'), true);
    assert.equal(needsExactParse('[-1234567890123456]'), true);
  });
});

describe('parseExact – the JSON grammar', () => {
  const valid = [
    '{}',
    '[]',
    ' \t\r\n{ "a" : [ 1 , 2 ] } \n',
    '"\\u00e9\\"\\\\\\/\\b\\f\\n\\r\\t"',
    '"\\ud83d\\ude00 and a lone \\ud800"',
    '{"a":1,"a":2}',
    '{"__proto__":{"polluted":true}}',
    'true',
    'null',
    '"ü€😀"',
    '[[[[[[[[[[[]]]]]]]]]]]',
  ];
  for (const text of valid) {
    it(`accepts ${JSON.stringify(text)} as JSON.parse does`, () => {
      assert.deepEqual(parseExact(text), JSON.parse(text));
    });
  }

  it('sets __proto__ as an own property, never as the prototype', () => {
    const value = parseExact('{"__proto__":{"polluted":true},"x":1.5}') as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.ok(Object.hasOwn(value, '__proto__'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('handles nesting far deeper than the call stack allows', () => {
    const depth = 200_000;
    const text = `${'['.repeat(depth)}1.5${']'.repeat(depth)}`;
    let value = parseExact(text);
    for (let i = 0; i < depth; i++) value = (value as unknown[])[0] as typeof value;
    assert.ok(value instanceof JsonDecimal);
  });

  const invalid = [
    '',
    ' ',
    '{',
    '}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":1e}',
    '{"a":+1}',
    '{"a":-}',
    '[1,]',
    '{"a":1,}',
    '{"a" 1}',
    "{'a':1}",
    '{a:1}',
    'tru',
    'nul',
    'True',
    '"\u0001"',
    '"\\x"',
    '"\\u12"',
    '"abc',
    '[1 2]',
    '{,}',
    '\uFEFF{}',
    '{"a":1}x',
    '{"a":NaN}',
    '{"a":Infinity}',
    '[0x10]',
    '/* */{}',
  ];
  for (const text of invalid) {
    it(`rejects ${JSON.stringify(text)} as JSON.parse does`, () => {
      assert.throws(() => JSON.parse(text), SyntaxError);
      assert.throws(() => parseExact(text), SyntaxError);
      assert.throws(() => parseJson(text), SyntaxError);
    });
  }
});

describe('parseExact – fuzzed against JSON.parse', () => {
  // A small deterministic PRNG so that a failure can be replayed.
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const atoms = [
    '0',
    '-0',
    '7',
    '-12',
    '1.5',
    '2e3',
    '-1E-2',
    '12345678901234567890',
    '"a"',
    '"\\n"',
    '"é"',
    'true',
    'false',
    'null',
  ];
  const value = (depth: number): string => {
    const r = random();
    if (depth > 4 || r < 0.5) return pick(atoms);
    if (r < 0.75) return `[${Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1)).join(',')}]`;
    const members = Array.from(
      { length: Math.floor(random() * 4) },
      () => `${pick(['"a"', '"b"', '"__proto__"', '"metadata"'])}:${value(depth + 1)}`,
    );
    return `{${members.join(',')}}`;
  };
  const mutate = (text: string): string => {
    const at = Math.floor(random() * (text.length + 1));
    const op = random();
    if (op < 0.33) return text.slice(0, at) + text.slice(at + 1);
    if (op < 0.66)
      return (
        text.slice(0, at) +
        pick(['{', '}', '[', ']', ',', ':', '"', '\\', '-', '.', 'e', '0', ' ', '\u0000']) +
        text.slice(at)
      );
    return text.slice(0, at) + pick(['1', 'x', '"']) + text.slice(at + 1);
  };
  const sameNumbers = (exact: unknown, native: unknown): boolean => {
    if (exact instanceof JsonDecimal) return typeof native === 'number' && Number(exact.text) === native;
    if (typeof exact === 'bigint') return typeof native === 'number' && Number(exact) === native;
    if (Array.isArray(exact))
      return (
        Array.isArray(native) && exact.length === native.length && exact.every((e, i) => sameNumbers(e, native[i]))
      );
    if (exact !== null && typeof exact === 'object') {
      const n = native as Record<string, unknown>;
      const keys = Object.keys(exact);
      return (
        keys.length === Object.keys(n).length &&
        keys.every((k) => sameNumbers((exact as Record<string, unknown>)[k], n[k]))
      );
    }
    return Object.is(exact, native);
  };

  it('accepts and rejects exactly what JSON.parse does, and agrees on every value (20,000 cases)', () => {
    for (let n = 0; n < 20_000; n++) {
      const text = n % 2 === 0 ? value(0) : mutate(value(0));
      let native: unknown;
      let nativeOk = true;
      try {
        native = JSON.parse(text);
      } catch {
        nativeOk = false;
      }
      let exact: unknown;
      let exactOk = true;
      try {
        exact = parseJson(text);
      } catch {
        exactOk = false;
      }
      assert.equal(exactOk, nativeOk, `acceptance differs for ${JSON.stringify(text)}`);
      if (nativeOk) assert.ok(sameNumbers(exact, native), `values differ for ${JSON.stringify(text)}`);
    }
  });
});
