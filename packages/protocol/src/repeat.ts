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
import type { RegistrationRequest, ServerInfo } from './messages.js';

/** A registration's info but for its password: what {@link RegistrationEcho} keeps of it, by reference. */
export type InfoFields = Readonly<Omit<ServerInfo, 'password'>>;

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
 * This process's keys for {@link digest}: drawn at start, never sent anywhere, so a game server cannot compute
 * two texts with one digest.
 */
const KEYS = crypto.getRandomValues(new Int32Array(2));
const KEY_A = KEYS[0] as number;
const KEY_B = KEYS[1] as number;
/** Each lane keeps 30 bits: a small integer, which a field holds without a heap number. */
const LANE = 0x3fff_ffff;
/** The two lanes of the last {@link digest} (module state: no pair to allocate for each message). */
let laneA = 0;
let laneB = 0;

/**
 * A keyed 60-bit digest of `bytes[from, to)`, into {@link laneA} and {@link laneB}: two 32-bit hashes of the same
 * 4-byte words (one of MurmurHash3's shape, one multiply-xorshift), each finished with MurmurHash3's avalanche.
 * Two different texts of a game server match by chance once in 2^60; it could only aim at a match by knowing
 * the keys.
 */
function digest(bytes: Uint8Array, from: number, to: number): void {
  let a = KEY_A ^ (to - from);
  let b = KEY_B;
  let i = from;
  for (; i + 4 <= to; i += 4) {
    const word =
      (bytes[i] as number) |
      ((bytes[i + 1] as number) << 8) |
      ((bytes[i + 2] as number) << 16) |
      ((bytes[i + 3] as number) << 24);
    let k = Math.imul(word, 0xcc9e2d51);
    k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
    a ^= k;
    a = (Math.imul((a << 13) | (a >>> 19), 5) + 0xe6546b64) | 0;
    b = Math.imul(b ^ word, 0x2127599b);
    b ^= b >>> 15;
  }
  let tail = 0;
  for (let shift = 0; i < to; i++, shift += 8) tail |= (bytes[i] as number) << shift;
  a ^= Math.imul(tail, 0xcc9e2d51);
  b = Math.imul(b ^ tail, 0x2127599b);
  laneA = avalanche(a) & LANE;
  laneB = avalanche(b ^ (to - from)) & LANE;
}

/** MurmurHash3's finalizer: every input bit moves about half of the output bits. */
function avalanche(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Whether `bytes` start with `prefix`, a Latin-1 string (one character a byte); no string is made. */
function startsWith(bytes: Uint8Array, prefix: string): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix.charCodeAt(i)) return false;
  return true;
}

/**
 * The last registration of one connection, to take its repeats without parsing them. It keeps the bytes before
 * the id as a Latin-1 string (one character a byte; most connections share {@link USUAL_PREFIX}), and of the
 * bytes after the id only their length and a keyed digest: an idle connection keeps no copy of its message, and
 * a repeat is compared without making a string of it. A text that differs after the id but has the same digest
 * (by chance, once in 2^60) would be taken as the repeat it is not: what it is taken as is the registration this
 * echo remembered, which passed every check, with the id the new text has.
 */
export class RegistrationEcho {
  /** The bytes before the id. */
  #prefix = '';
  /** How many bytes come after the id, and their digest's lanes. */
  #suffixLength = 0;
  #digestA = 0;
  #digestB = 0;
  /**
   * What the id is sent with (fields, not the message): the info's fields, in an object the caller holds anyway
   * (the listing it matches), and the password. A repeat gets an info of its own, made from them when it comes.
   */
  #fields: InfoFields | undefined;
  #password: string | undefined;
  #regToken = '';

  /**
   * Remembers `message`, decoded from `text` (whose UTF-8 bytes are `bytes`), as the registration repeats are
   * compared with; forgets when its id cannot be told apart in the text. `fields`: an object with the same values
   * as `message.info`'s fields but the password, kept in its place (default: `message.info` itself). It must not
   * change while remembered.
   */
  remember(bytes: Buffer, text: string, message: RegistrationRequest, fields: InfoFields = message.info): void {
    const at = locateMetadataId(text);
    if (at === undefined || text.slice(at.start, at.end) !== int64ToString(message.metadata.id)) {
      this.forget();
      return;
    }
    // Bytes before the id: the characters before it, each 1 to 4 bytes in UTF-8.
    const start = Buffer.byteLength(text.slice(0, at.start));
    const prefix = bytes.toString('latin1', 0, start);
    this.#prefix = prefix === USUAL_PREFIX ? USUAL_PREFIX : prefix;
    const suffixStart = start + (at.end - at.start);
    digest(bytes, suffixStart, bytes.length);
    this.#suffixLength = bytes.length - suffixStart;
    this.#digestA = laneA;
    this.#digestB = laneB;
    this.#fields = fields;
    this.#password = message.info.password;
    this.#regToken = message.regToken;
  }

  /** The remembered registration with the id of `bytes`, when `bytes` repeat it but for the id; else `undefined`. */
  match(bytes: Buffer): RegistrationRequest | undefined {
    const fields = this.#fields;
    if (fields === undefined) return undefined;
    const start = this.#prefix.length;
    const end = bytes.length - this.#suffixLength;
    if (end <= start || end - start > MAX_DIGITS + 1) return undefined;
    if (!startsWith(bytes, this.#prefix)) return undefined;
    digest(bytes, end, bytes.length);
    if (laneA !== this.#digestA || laneB !== this.#digestB) return undefined;
    const id = readId(bytes, start, end);
    if (id === undefined) return undefined;
    // Built as the decoder builds it (the same fields in the same order): the code after sees one shape.
    const info: ServerInfo = {
      name: fields.name,
      desc: fields.desc,
      port: fields.port,
      map: fields.map,
      playlist: fields.playlist,
      curPlayers: fields.curPlayers,
      maxPlayers: fields.maxPlayers,
      gameState: fields.gameState,
    };
    if (this.#password !== undefined) info.password = this.#password;
    return { metadata: { type: MessageType.REGISTRATION, id }, info, regToken: this.#regToken };
  }

  forget(): void {
    this.#prefix = '';
    this.#suffixLength = 0;
    this.#digestA = 0;
    this.#digestB = 0;
    this.#fields = undefined;
    this.#password = undefined;
    this.#regToken = '';
  }
}
