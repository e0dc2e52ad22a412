/**
 * Hand-written validators for the parsed form of each message (see `json.ts`).
 * Each returns a fresh object holding only the known fields, typed, or throws a
 * {@link ProtocolError} naming the first field that is wrong.
 *
 * @module
 */

import { InfoLimits, type MessageType } from './codes.js';
import { ProtocolError } from './errors.js';
import { type Int64, isInt64 } from './int64.js';
import { JsonDecimal, type JsonValue } from './json.js';
import type {
  GeneralResponse,
  JoinRequest,
  JoinResponse,
  Metadata,
  RegistrationRequest,
  RegistrationResponse,
  ServerInfo,
} from './messages.js';

type JsonObject = { [key: string]: JsonValue };

/** The smallest INT32: -2^31. */
export const INT32_MIN = -2147483648;
/** The largest INT32: 2^31-1. */
export const INT32_MAX = 2147483647;
/** The largest UINT32: 2^32-1. */
export const UINT32_MAX = 4294967295;
/** The largest UINT16: 2^16-1. */
export const UINT16_MAX = 65535;

/** True for a JSON object (not an array, not null, not a {@link JsonDecimal} number). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonDecimal);
}

/**
 * How a schema check reports the first wrong field: its `path` (e.g. `info.port`), what it must be (e.g.
 * `a UINT16`), and the value found. It throws; the validators' default throws a `WRONG_SCHEMA` {@link ProtocolError}.
 */
export type SchemaFailure = (path: string, expected: string, value: unknown) => never;

function wrong(path: string, expected: string): never {
  throw new ProtocolError('WRONG_SCHEMA', `wrong schema: ${path} must be ${expected}`);
}

function integerIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** True for an integer `number` in [{@link INT32_MIN}, {@link INT32_MAX}]. */
export function isInt32(value: unknown): value is number {
  return integerIn(value, INT32_MIN, INT32_MAX);
}

function int32(object: JsonObject, key: string, path: string, fail: SchemaFailure = wrong): number {
  const value = object[key];
  return isInt32(value) ? value : fail(path, 'an INT32', value);
}

function string(object: JsonObject, key: string, path: string, fail: SchemaFailure = wrong): string {
  const value = object[key];
  return typeof value === 'string' ? value : fail(path, 'a string', value);
}

function object(parent: JsonObject, key: string, path: string): JsonObject {
  const value = parent[key];
  return isJsonObject(value) ? value : wrong(path, 'an object');
}

/**
 * Reads `metadata` (docs/protocol.md#checks rules 2–3). Throws `MALFORMED_JSON` when
 * `message` is not an object and `INVALID_METADATA` when `metadata` is missing
 * or ill-typed or its `type` is not one that `accepts` allows.
 */
export function readMetadata(message: JsonValue, accepts: (type: number) => boolean): Metadata {
  if (!isJsonObject(message)) throw new ProtocolError('MALFORMED_JSON', 'malformed JSON: not an object');
  const metadata = message.metadata;
  if (!isJsonObject(metadata)) throw new ProtocolError('INVALID_METADATA', 'invalid metadata: not an object');
  const { type, id } = metadata;
  if (!isInt32(type)) {
    throw new ProtocolError('INVALID_METADATA', 'invalid metadata: type must be an integer');
  }
  if (!isInt64(id)) throw new ProtocolError('INVALID_METADATA', 'invalid metadata: id must be an int64 integer');
  if (!accepts(type)) throw new ProtocolError('INVALID_METADATA', `invalid metadata: unexpected type ${type}`);
  return { type: type as MessageType, id: id as Int64 };
}

/** Validates the body of a registration request whose metadata was read already. */
export function validateRegistration(
  message: JsonObject,
  metadata: Metadata<typeof MessageType.REGISTRATION>,
): RegistrationRequest {
  return { metadata, info: validateServerInfo(message.info), regToken: string(message, 'regToken', 'regToken') };
}

/**
 * Checks `raw` against the schema of a registration's `info` (docs/protocol.md#messages) and returns a fresh
 * {@link ServerInfo} holding only its known fields. The first wrong field goes to `fail` (default: a
 * `WRONG_SCHEMA` {@link ProtocolError}), named by its path from `info`. The game-server SDK checks the info a
 * game gives it with this same function. Values the schema allows but the list cannot use are
 * {@link invalidInfoField}'s.
 */
export function validateServerInfo(raw: unknown, fail: SchemaFailure = wrong): ServerInfo {
  if (!isJsonObject(raw)) return fail('info', 'an object', raw);
  const port = raw.port;
  const info: ServerInfo = {
    name: string(raw, 'name', 'info.name', fail),
    desc: string(raw, 'desc', 'info.desc', fail),
    port: integerIn(port, 0, UINT16_MAX) ? port : fail('info.port', 'a UINT16', port),
    map: string(raw, 'map', 'info.map', fail),
    playlist: string(raw, 'playlist', 'info.playlist', fail),
    curPlayers: int32(raw, 'curPlayers', 'info.curPlayers', fail),
    maxPlayers: int32(raw, 'maxPlayers', 'info.maxPlayers', fail),
    gameState: int32(raw, 'gameState', 'info.gameState', fail),
  };
  const password = raw.password;
  if (password !== undefined) {
    if (typeof password !== 'string') fail('info.password', 'a string when present', password);
    info.password = password;
  }
  return info;
}

/** Validates the body of a player join request whose metadata was read already. */
export function validateJoinRequest(message: JsonObject, metadata: Metadata<typeof MessageType.JOIN>): JoinRequest {
  const conv = message.conv;
  return {
    metadata,
    sessionToken: string(message, 'sessionToken', 'sessionToken'),
    username: string(message, 'username', 'username'),
    clantag: string(message, 'clantag', 'clantag'),
    conv: integerIn(conv, 0, UINT32_MAX) ? conv : wrong('conv', 'a UINT32'),
  };
}

/** Validates a general response: `success`, and `error` exactly when `success` is `false`. */
export function validateGeneralResponse<T extends MessageType>(
  message: JsonObject,
  metadata: Metadata<T>,
): GeneralResponse<T> {
  const success = message.success;
  if (success === true) {
    if (message.error !== undefined) wrong('error', 'absent when success is true');
    return { metadata, success };
  }
  if (success !== false) wrong('success', 'a boolean');
  const error = object(message, 'error', 'error');
  return {
    metadata,
    success,
    error: { type: int32(error, 'type', 'error.type'), msg: string(error, 'msg', 'error.msg') },
  };
}

/** Validates the body of a join response whose metadata was read already. */
export const validateJoinResponse: (
  message: JsonObject,
  metadata: Metadata<typeof MessageType.JOIN_RESPONSE>,
) => JoinResponse = validateGeneralResponse;

/** Validates the body of a registration response whose metadata was read already. */
export const validateRegistrationResponse: (
  message: JsonObject,
  metadata: Metadata<typeof MessageType.REGISTRATION_RESPONSE>,
) => RegistrationResponse = validateGeneralResponse;

/** Length of `text` in Unicode code points (a surrogate pair counts once). */
export function codePointLength(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        length--;
        i++;
      }
    }
  }
  return length;
}

/** True when `text` is `min` to `max` code points long; counts them only when it has more than `max` UTF-16 units. */
export function withinLength(text: string, min: number, max: number): boolean {
  if (text.length < min) return false;
  return text.length <= max || (text.length <= max * 2 && codePointLength(text) <= max);
}

/**
 * The first field of a schema-valid `info` that the list cannot use
 * (docs/protocol.md#registration, registration error 2), or `undefined` when all are usable.
 * The MS asks this of the info as `cleanServerInfo` left it.
 */
export function invalidInfoField(info: ServerInfo): keyof ServerInfo | undefined {
  if (!withinLength(info.name, 1, InfoLimits.NAME_MAX)) return 'name';
  if (!withinLength(info.desc, 0, InfoLimits.DESC_MAX)) return 'desc';
  if (info.port === 0) return 'port';
  if (!withinLength(info.map, 1, InfoLimits.MAP_MAX)) return 'map';
  if (!withinLength(info.playlist, 1, InfoLimits.PLAYLIST_MAX)) return 'playlist';
  if (info.maxPlayers < 0) return 'maxPlayers';
  if (info.curPlayers < 0 || info.curPlayers > info.maxPlayers) return 'curPlayers';
  return undefined;
}
