/**
 * Repeated registrations without parsing them again. A game server repeats
 * its registration every few seconds, most often byte for byte but for its
 * `metadata.id`: such a message decodes to the same message as the last one
 * with another id, so the receiver can take it from a comparison of bytes and
 * the id's digits instead of a JSON parse and the schema's checks. Anything
 * else (another byte anywhere, an id that is not a plain int64 integer) is left
 * to the decoder, which applies every check of docs/protocol.md#checks.
 *
 * @module
 */

import { MAX_EXACT_DIGITS, MINUS, NINE, QUOTE, ZERO } from './chars.js';
import { MessageType } from './codes.js';
import { INT64_MAX, INT64_MIN, type Int64, int64ToString } from './int64.js';
import type { RegistrationRequest } from './messages.js';

/** Digits an int64 may have. */
const MAX_DIGITS = 19;

/**
 * Where the value of `metadata.id` stands in `text`, a JSON object, as character offsets: only when the text has
 * no escape at all (so no key can be spelled another way) and the top level has one `metadata` key, an object
 * with one `id` key. Otherwise `undefined`.
 */
export function locateMetadataId(text: string): { start: number; end: number } | undefined {
  if (text.indexOf('\\') !== -1) return undefined;
  /** Whether each open container, by depth (1: the top level), is an object. */
  const objects: boolean[] = [];
  let depth = 0;
  /** The depth of the `metadata` object while inside it, else -1. */
  let inMetadata = -1;
  let metadataKeys = 0;
  let idKeys = 0;
  let found: { start: number; end: number } | undefined;
  let expectKey = false;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const close = text.indexOf('"', i + 1);
      if (close === -1) return undefined;
      if (expectKey) {
        lastKey = text.slice(i + 1, close);
        if (depth === 1 && lastKey === 'metadata') metadataKeys++;
        if (depth === inMetadata && lastKey === 'id') {
          idKeys++;
          let start = text.indexOf(':', close) + 1;
          while (text.charCodeAt(start) <= 0x20) start++;
          let end = start;
          while (end < text.length && (text.charCodeAt(end) === MINUS || isDigit(text.charCodeAt(end)))) end++;
          found = end > start ? { start, end } : undefined;
        }
        expectKey = false;
      }
      i = close;
    } else if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      depth++;
      objects[depth] = c === 0x7b;
      if (c === 0x7b && depth === 2 && lastKey === 'metadata' && inMetadata === -1) inMetadata = 2;
      expectKey = c === 0x7b;
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      if (depth === inMetadata) inMetadata = -2; // left it: a second `metadata` is counted by its key
      depth--;
    } else if (c === 0x2c /* , */) {
      expectKey = objects[depth] === true;
    }
  }
  return metadataKeys === 1 && idKeys === 1 ? found : undefined;
}

function isDigit(c: number): boolean {
  return c >= ZERO && c <= NINE;
}

/** The int64 `bytes[start, end)` spell as a JSON integer, exactly as the decoder reads it; else `undefined`. */
function readId(bytes: Uint8Array, start: number, end: number): Int64 | undefined {
  let i = start;
  const negative = bytes[i] === MINUS;
  if (negative) i++;
  const digits = end - i;
  if (digits < 1 || digits > MAX_DIGITS) return undefined;
  if (bytes[i] === ZERO && digits > 1) return undefined;
  let text = negative ? '-' : '';
  for (let j = i; j < end; j++) {
    const c = bytes[j] as number;
    if (!isDigit(c)) return undefined;
    text += String.fromCharCode(c);
  }
  if (digits <= MAX_EXACT_DIGITS) return Number(text);
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return big >= -9_007_199_254_740_991n && big <= 9_007_199_254_740_991n ? Number(big) : big;
}

/** What most registrations start with: every connection that keeps it shares this one string. */
const USUAL_PREFIX = '{"metadata":{"type":1,"id":';

/**
 * The last registration of one connection, to take its repeats without parsing them. It keeps the bytes
 * before and after the id as Latin-1 strings (one character a byte): they cost an idle connection half of what
 * a copy of the message in a buffer of its own does, and compare as fast.
 */
export class RegistrationEcho {
  /** The bytes before the id. */
  #prefix = '';
  /** The bytes after the id. */
  #suffix = '';
  /** What the id is sent with (fields, not the message: two objects less on every connection). */
  #info: RegistrationRequest['info'] | undefined;
  #regToken = '';

  /**
   * Remembers `message`, decoded from `text` (whose UTF-8 bytes are `bytes`), as the registration repeats are
   * compared with; forgets when its id cannot be told apart in the text.
   */
  remember(bytes: Buffer, text: string, message: RegistrationRequest): void {
    const at = locateMetadataId(text);
    if (at === undefined || text.slice(at.start, at.end) !== int64ToString(message.metadata.id)) {
      this.forget();
      return;
    }
    // Bytes before the id: the characters before it, each 1 to 4 bytes in UTF-8.
    const start = Buffer.byteLength(text.slice(0, at.start));
    const prefix = bytes.toString('latin1', 0, start);
    this.#prefix = prefix === USUAL_PREFIX ? USUAL_PREFIX : prefix;
    this.#suffix = bytes.toString('latin1', start + (at.end - at.start), bytes.length);
    this.#info = message.info;
    this.#regToken = message.regToken;
  }

  /** The remembered registration with the id of `bytes`, when `bytes` repeat it but for the id; else `undefined`. */
  match(bytes: Buffer): RegistrationRequest | undefined {
    const info = this.#info;
    if (info === undefined) return undefined;
    const start = this.#prefix.length;
    const end = bytes.length - this.#suffix.length;
    if (end <= start || end - start > MAX_DIGITS + 1) return undefined;
    if (bytes.toString('latin1', 0, start) !== this.#prefix) return undefined;
    if (bytes.toString('latin1', end, bytes.length) !== this.#suffix) return undefined;
    const id = readId(bytes, start, end);
    if (id === undefined) return undefined;
    return { metadata: { type: MessageType.REGISTRATION, id }, info, regToken: this.#regToken };
  }

  forget(): void {
    this.#prefix = '';
    this.#suffix = '';
    this.#info = undefined;
    this.#regToken = '';
  }
}
