/**
 * JSON parsing that never loses an integer.
 *
 * `JSON.parse` turns every number into a double: `9223372036854775807` comes
 * back as `9223372036854775808`, and `1e3` or `1.0` look like the integer they
 * equal. {@link parseJson} returns the same values as `JSON.parse` except for
 * numbers, which come back exactly:
 *
 * - an integer literal that fits a safe integer → `number` (`-0` stays `-0`);
 * - a larger integer literal → `bigint`;
 * - a literal with a fraction or exponent → {@link JsonDecimal}, which keeps its text.
 *
 * The common message has only short integers. For it a linear scan proves that
 * `JSON.parse` is exact, and the native parser does the one parse. Any other
 * text is parsed once by {@link parseExact}, a hand-written iterative parser
 * that accepts exactly the RFC 8259 grammar, as `JSON.parse` does.
 *
 * @module
 */

import { BACKSLASH, DOT, LOWER_E, MAX_EXACT_DIGITS, MINUS, NINE, QUOTE, UPPER_E, ZERO } from './chars.js';

/** A JSON number written with a fraction or an exponent, kept as its source text. */
export class JsonDecimal {
  /** The number exactly as it was written, e.g. `1.0` or `1e3`. */
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  /** The nearest double. */
  valueOf(): number {
    return Number(this.text);
  }
  toJSON(): number {
    return Number(this.text);
  }
}

/** A value produced by {@link parseJson}. */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonDecimal
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Thrown for text that is not JSON. `position` is the offset of the offending character. */
export class JsonSyntaxError extends SyntaxError {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`${message} at position ${position}`);
    this.name = 'JsonSyntaxError';
    this.position = position;
  }
}

/** Parses JSON text with exact numbers (see the module description). Throws a `SyntaxError` for invalid JSON. */
export function parseJson(text: string): JsonValue {
  return needsExactParse(text) ? parseExact(text) : (JSON.parse(text) as JsonValue);
}

/**
 * True when `JSON.parse` might not return every number of `text` exactly: some
 * number has a fraction, an exponent or more than 15 digits. On invalid JSON
 * the answer does not matter, since both parsers reject it.
 */
export function needsExactParse(text: string): boolean {
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      let end = text.indexOf('"', i + 1);
      while (end !== -1) {
        let k = end - 1;
        while (text.charCodeAt(k) === BACKSLASH) k--;
        if ((end - 1 - k) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      if (end === -1) return false;
      i = end + 1;
    } else if ((c >= ZERO && c <= NINE) || c === MINUS) {
      const start = c === MINUS ? i + 1 : i;
      let j = start;
      for (let d = text.charCodeAt(j); d >= ZERO && d <= NINE; d = text.charCodeAt(++j));
      if (j - start > MAX_EXACT_DIGITS) return true;
      const next = text.charCodeAt(j);
      if (next === DOT || next === LOWER_E || next === UPPER_E) return true;
      i = j;
    } else {
      i++;
    }
  }
  return false;
}

type Frame = { array: JsonValue[] } | { object: { [key: string]: JsonValue }; key: string };

/**
 * Parses JSON text exactly, whatever its numbers, with an explicit stack so that
 * deep nesting cannot overflow the call stack. Accepts exactly what
 * `JSON.parse` accepts.
 */
export function parseExact(text: string): JsonValue {
  const n = text.length;
  let i = 0;
  const stack: Frame[] = [];

  const fail = (what: string): never => {
    throw new JsonSyntaxError(i < n ? `Unexpected ${what}` : 'Unexpected end of JSON input', i);
  };

  const skipWhitespace = (): void => {
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) i++;
      else return;
    }
  };

  const readString = (): string => {
    // `i` is on the opening quote.
    const start = ++i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) return text.slice(start, i++);
      if (c === BACKSLASH) break;
      if (c < 0x20 || Number.isNaN(c)) fail('character in string');
      i++;
    }
    let out = text.slice(start, i);
    for (;;) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        i++;
        return out;
      }
      if (c === BACKSLASH) {
        const e = text.charCodeAt(++i);
        switch (e) {
          case QUOTE:
            out += '"';
            break;
          case BACKSLASH:
            out += '\\';
            break;
          case 0x2f:
            out += '/';
            break;
          case 0x62:
            out += '\b';
            break;
          case 0x66:
            out += '\f';
            break;
          case 0x6e:
            out += '\n';
            break;
          case 0x72:
            out += '\r';
            break;
          case 0x74:
            out += '\t';
            break;
          case 0x75: {
            let code = 0;
            for (let k = 1; k <= 4; k++) {
              const h = text.charCodeAt(i + k);
              const v =
                h >= ZERO && h <= NINE
                  ? h - ZERO
                  : h >= 0x61 && h <= 0x66
                    ? h - 0x57
                    : h >= 0x41 && h <= 0x46
                      ? h - 0x37
                      : -1;
              if (v < 0) {
                i += k;
                fail('character in unicode escape');
              }
              code = code * 16 + v;
            }
            out += String.fromCharCode(code);
            i += 4;
            break;
          }
          default:
            fail('escape character');
        }
        i++;
      } else if (c < 0x20 || Number.isNaN(c)) {
        fail('character in string');
      } else {
        const from = i;
        for (let d = text.charCodeAt(i); d !== QUOTE && d !== BACKSLASH && d >= 0x20; d = text.charCodeAt(++i));
        out += text.slice(from, i);
      }
    }
  };

  const readNumber = (): number | bigint | JsonDecimal => {
    const start = i;
    if (text.charCodeAt(i) === MINUS) i++;
    const intStart = i;
    const first = text.charCodeAt(i);
    if (first === ZERO) i++;
    else if (first > ZERO && first <= NINE) {
      for (let d = text.charCodeAt(++i); d >= ZERO && d <= NINE; d = text.charCodeAt(++i));
    } else fail('character in number');
    const intDigits = i - intStart;
    let c = text.charCodeAt(i);
    let decimal = false;
    if (c === DOT) {
      decimal = true;
      const fracStart = ++i;
      for (let d = text.charCodeAt(i); d >= ZERO && d <= NINE; d = text.charCodeAt(++i));
      if (i === fracStart) fail('character in number');
      c = text.charCodeAt(i);
    }
    if (c === LOWER_E || c === UPPER_E) {
      decimal = true;
      c = text.charCodeAt(++i);
      if (c === 0x2b || c === MINUS) i++;
      const expStart = i;
      for (let d = text.charCodeAt(i); d >= ZERO && d <= NINE; d = text.charCodeAt(++i));
      if (i === expStart) fail('character in number');
    }
    const literal = text.slice(start, i);
    if (decimal) return new JsonDecimal(literal);
    if (intDigits <= MAX_EXACT_DIGITS) return Number(literal);
    const big = BigInt(literal);
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
  };

  const readLiteral = (word: string, value: JsonValue): JsonValue => {
    if (!text.startsWith(word, i)) fail('token');
    i += word.length;
    return value;
  };

  /** Reads `"key" :` after an object's `{` or `,`. */
  const readKey = (): string => {
    skipWhitespace();
    if (text.charCodeAt(i) !== QUOTE) fail('token, expected a property name');
    const key = readString();
    skipWhitespace();
    if (text.charCodeAt(i) !== 0x3a) fail('token, expected ":"');
    i++;
    return key;
  };

  for (;;) {
    // Read one value; containers push a frame and go on to their first member.
    skipWhitespace();
    let value: JsonValue;
    const c = text.charCodeAt(i);
    if (c === 0x7b) {
      i++;
      const object: { [key: string]: JsonValue } = {};
      skipWhitespace();
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        value = object;
      } else {
        stack.push({ object, key: readKey() });
        continue;
      }
    } else if (c === 0x5b) {
      i++;
      const array: JsonValue[] = [];
      skipWhitespace();
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        value = array;
      } else {
        stack.push({ array });
        continue;
      }
    } else if (c === QUOTE) value = readString();
    else if ((c >= ZERO && c <= NINE) || c === MINUS) value = readNumber();
    else if (c === 0x74) value = readLiteral('true', true);
    else if (c === 0x66) value = readLiteral('false', false);
    else if (c === 0x6e) value = readLiteral('null', null);
    else value = fail('token');

    // Hand the value to the enclosing containers, closing those that end here.
    for (;;) {
      const frame = stack[stack.length - 1];
      if (frame === undefined) {
        skipWhitespace();
        if (i < n) fail('non-whitespace character after JSON');
        return value;
      }
      skipWhitespace();
      const next = text.charCodeAt(i);
      if ('array' in frame) {
        frame.array.push(value);
        if (next === 0x2c) {
          i++;
          break;
        }
        if (next !== 0x5d) fail('token, expected "," or "]"');
        i++;
        value = frame.array;
      } else {
        setMember(frame.object, frame.key, value);
        if (next === 0x2c) {
          i++;
          frame.key = readKey();
          break;
        }
        if (next !== 0x7d) fail('token, expected "," or "}"');
        i++;
        value = frame.object;
      }
      stack.pop();
    }
  }
}

/** Sets a member as `JSON.parse` does: an own property, even for `__proto__`; the last duplicate wins. */
function setMember(object: { [key: string]: JsonValue }, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
