/**
 * The model behind the decoder's property tests: what a receiver does with one
 * WebSocket text message (docs/protocol.md#checks), generators of valid messages and a
 * JSON writer that can put any literal anywhere.
 */

import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import {
  CloseCode,
  decodeAtMasterServer,
  INT64_MAX,
  INT64_MIN,
  type Int64,
  ProtocolError,
  type ServerInfo,
} from '../src/index.js';
import { toInt64 } from '../src/int64.js';

/** Runs per property: enough to find the cases below within a few seconds on a busy machine. */
export const RUNS = 300;

// ---------------------------------------------------------------------------
// The model: what a receiver does with one WebSocket text message (docs/protocol.md#checks)

/** Exactly one of these ends every message. */
export type Outcome =
  | { kind: 'accepted'; message: object }
  | { kind: 'ignored' }
  | { kind: 'closed'; code: 1007 | 4000 | 4001 | 4002 };

export const PROTOCOL_CLOSES = new Set<number>([
  CloseCode.MALFORMED_JSON,
  CloseCode.INVALID_METADATA,
  CloseCode.WRONG_SCHEMA,
]);

export type Decode = (text: string, isAwaiting: (id: string) => boolean) => object | undefined;

/**
 * Receives `payload` as the server does: bytes that are not UTF-8 close with
 * 1007 (the WebSocket layer's rule 1); text goes to `decode`, with the ids in
 * `awaiting` as the requests still waiting. Fails the property if `decode`
 * throws anything but a ProtocolError with a §3 code, or asks about waiting
 * requests when it should not.
 */
export function receive(decode: Decode, payload: string | Buffer, awaiting: ReadonlySet<string> = new Set()): Outcome {
  if (typeof payload !== 'string' && !isUtf8(payload)) return { kind: 'closed', code: CloseCode.INVALID_UTF8 };
  const text = typeof payload === 'string' ? payload : payload.toString();
  let asked = 0;
  let answer = true;
  const isAwaiting = (id: string): boolean => {
    asked++;
    answer = awaiting.has(id);
    return answer;
  };
  try {
    const message = decode(text, isAwaiting);
    assert.ok(asked <= 1, 'isAwaiting is asked at most once per message');
    if (message === undefined) {
      assert.ok(asked === 1 && !answer, 'a message is ignored only as a response to no waiting request');
      return { kind: 'ignored' };
    }
    return { kind: 'accepted', message };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw new Error(`decode threw ${String(error)} for ${JSON.stringify(text)}`);
    assert.ok(PROTOCOL_CLOSES.has(error.closeCode), `close code ${error.closeCode}`);
    assert.ok(Buffer.byteLength(error.reason) <= 123, 'the reason fits a close frame');
    return { kind: 'closed', code: error.closeCode as 4000 | 4001 | 4002 };
  }
}

/** What §3 rules 2–3 say, read off `JSON.parse` (an independent parser) with the message kinds `accepts`. */
export function checkAgainstNativeParse(text: string, outcome: Outcome, accepts: readonly number[]): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    assert.deepEqual(outcome, { kind: 'closed', code: 4000 }, `not JSON: ${JSON.stringify(text)}`);
    return;
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) {
    assert.deepEqual(outcome, { kind: 'closed', code: 4000 }, `not an object: ${JSON.stringify(text)}`);
    return;
  }
  assert.ok(outcome.kind !== 'closed' || outcome.code !== 4000, `an object is not malformed: ${JSON.stringify(text)}`);
  const metadata = value.metadata;
  const plausible =
    isObject(metadata) && accepts.includes(metadata.type as number) && Number.isInteger(metadata.id as number);
  if (!plausible) assert.deepEqual(outcome, { kind: 'closed', code: 4001 }, `metadata of ${JSON.stringify(text)}`);
}

export const atMasterServer = (text: string | Buffer, awaiting?: ReadonlySet<string>): Outcome =>
  receive(decodeAtMasterServer, text, awaiting);

// ---------------------------------------------------------------------------
// Valid messages, and a JSON writer that can put any literal anywhere

/** A JSON literal written as it is (a bigint id, `1e3`, `9223372036854775808`, …). */
export class Raw {
  constructor(readonly text: string) {}
}
export type Doc = Raw | string | number | boolean | null | bigint | Doc[] | { [key: string]: Doc };

export function write(doc: Doc): string {
  if (doc instanceof Raw) return doc.text;
  if (typeof doc === 'bigint') return doc.toString();
  if (Array.isArray(doc)) return `[${doc.map(write).join(',')}]`;
  if (doc !== null && typeof doc === 'object') {
    return `{${Object.entries(doc)
      .map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(doc);
}

/** fast-check's records have no prototype; the decoder's do. */
export const plain = <T>(value: T): T => structuredClone(value);

export const INT32 = { min: -2147483648, max: 2147483647 } as const;
export const text = fc.string({ unit: 'binary', maxLength: 12 });
export const int32 = fc.integer(INT32);
export const id: fc.Arbitrary<Int64> = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map(toInt64),
  fc.constantFrom(INT64_MIN, INT64_MAX, INT64_MIN + 1n, INT64_MAX - 1n, 2n ** 53n, -(2n ** 53n), 0n, -1n).map(toInt64),
  fc.integer({ min: -1000, max: 1000 }),
);
export const info: fc.Arbitrary<ServerInfo> = fc.record(
  {
    name: text,
    desc: text,
    port: fc.integer({ min: 0, max: 65535 }),
    map: text,
    playlist: text,
    curPlayers: int32,
    maxPlayers: int32,
    gameState: int32,
    password: text,
  },
  { requiredKeys: ['name', 'desc', 'port', 'map', 'playlist', 'curPlayers', 'maxPlayers', 'gameState'] },
);
export const registration = fc.record({ id, info, regToken: text }).map(plain);
export const responseError = fc.option(fc.record({ type: int32, msg: text }).map(plain), { nil: undefined });
export const joinResponse = fc.record({ id, error: responseError }).map(plain);
export const joinRequest = fc
  .record({
    id,
    sessionToken: text,
    username: text,
    clantag: text,
    conv: fc.integer({ min: 0, max: 4294967295 }),
  })
  .map(plain);

/** A registration as a document, for mutating. */
export const registrationDoc = (r: { id: Int64; info: ServerInfo; regToken: string }): { [key: string]: Doc } => ({
  metadata: { type: 1, id: BigInt(r.id) },
  info: { ...r.info },
  regToken: r.regToken,
});

// ---------------------------------------------------------------------------

/** The id of a generated metadata as an Int64 when it is one, else 0 (for the awaiting set only). */
export function toIntOrZero(metadata: unknown): Int64 {
  const value = (metadata as { id?: unknown } | null)?.id;
  if (typeof value === 'bigint') return toInt64(value);
  return typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
}

/** What a mutation of a valid message must end in. */
export type Expected = 'accepted' | 'ignored' | 4001 | 4002;

export const expect = (outcome: Outcome, expected: Expected, s: string): void => {
  const got = outcome.kind === 'closed' ? outcome.code : outcome.kind;
  assert.equal(got, expected, `${JSON.stringify(s)}`);
};

export const INFO_INTEGERS: Record<string, readonly [number, number]> = {
  port: [0, 65535],
  curPlayers: [INT32.min, INT32.max],
  maxPlayers: [INT32.min, INT32.max],
};
