/**
 * Text ⇄ message. Decoding applies the checks of docs/protocol.md#checks in order and
 * parses the text exactly once; encoding writes ids back exactly as received.
 *
 * @module
 */

import { MessageType } from './codes.js';
import { ProtocolError } from './errors.js';
import { type Int64, int64ToString } from './int64.js';
import { type JsonValue, parseJson } from './json.js';
import type {
  GameServerInbound,
  JoinRequest,
  MasterServerInbound,
  Metadata,
  RegistrationRequest,
  ResponseError,
} from './messages.js';
import {
  INT32_MAX,
  INT32_MIN,
  readMetadata,
  UINT32_MAX,
  validateJoinRequest,
  validateJoinResponse,
  validateRegistration,
  validateRegistrationResponse,
} from './validate.js';

/**
 * Tells whether a response id matches a request the receiver is still waiting
 * for. `id` is the id's JSON text, as {@link int64ToString} writes it.
 */
export type IsAwaiting = (id: string) => boolean;

function parse(text: string): JsonValue {
  try {
    return parseJson(text);
  } catch (cause) {
    throw new ProtocolError('MALFORMED_JSON', 'malformed JSON', { cause });
  }
}

const acceptedByMasterServer = (type: number): boolean =>
  type === MessageType.REGISTRATION || type === MessageType.JOIN_RESPONSE;

const acceptedByGameServer = (type: number): boolean =>
  type === MessageType.JOIN || type === MessageType.REGISTRATION_RESPONSE;

/**
 * Decodes a text message received by the masterserver. Returns `undefined` for
 * a response whose id matches no request waiting (§3 rule 4: ignore it), and
 * throws a {@link ProtocolError} for rules 2, 3 and 5. Rule 1 (UTF-8) is the
 * WebSocket layer's.
 */
export function decodeAtMasterServer(text: string, isAwaiting: IsAwaiting): MasterServerInbound | undefined {
  const value = parse(text);
  const metadata = readMetadata(value, acceptedByMasterServer);
  const message = value as { [key: string]: JsonValue };
  if (metadata.type === MessageType.REGISTRATION) {
    return validateRegistration(message, metadata as Metadata<typeof MessageType.REGISTRATION>);
  }
  if (!isAwaiting(int64ToString(metadata.id))) return undefined;
  return validateJoinResponse(message, metadata as Metadata<typeof MessageType.JOIN_RESPONSE>);
}

/** Decodes a text message received by a game server; the same rules as {@link decodeAtMasterServer}. */
export function decodeAtGameServer(text: string, isAwaiting: IsAwaiting): GameServerInbound | undefined {
  const value = parse(text);
  const metadata = readMetadata(value, acceptedByGameServer);
  const message = value as { [key: string]: JsonValue };
  if (metadata.type === MessageType.JOIN) {
    return validateJoinRequest(message, metadata as Metadata<typeof MessageType.JOIN>);
  }
  if (!isAwaiting(int64ToString(metadata.id))) return undefined;
  return validateRegistrationResponse(message, metadata as Metadata<typeof MessageType.REGISTRATION_RESPONSE>);
}

function checkInt(value: number, min: number, max: number, name: string): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${value}`);
  }
  return value;
}

const int32 = (value: number, name: string): number => checkInt(value, INT32_MIN, INT32_MAX, name);

/**
 * Encodes a general response to the request `id`: `error` absent means success.
 * `type` is the negative of the request's type.
 */
export function encodeGeneralResponse(
  type: typeof MessageType.REGISTRATION_RESPONSE | typeof MessageType.JOIN_RESPONSE,
  id: Int64,
  error?: ResponseError,
): string {
  const head = `{"metadata":{"type":${type},"id":${int64ToString(id)}},"success":`;
  if (error === undefined) return `${head}true}`;
  return `${head}false,"error":{"type":${int32(error.type, 'error.type')},"msg":${JSON.stringify(error.msg)}}}`;
}

/** Encodes a player join request (MS → GS). */
export function encodeJoinRequest(request: Omit<JoinRequest, 'metadata'> & { id: Int64 }): string {
  return (
    `{"metadata":{"type":${MessageType.JOIN},"id":${int64ToString(request.id)}},` +
    `"sessionToken":${JSON.stringify(request.sessionToken)},"username":${JSON.stringify(request.username)},` +
    `"clantag":${JSON.stringify(request.clantag)},"conv":${checkInt(request.conv, 0, UINT32_MAX, 'conv')}}`
  );
}

/** Encodes a registration request (GS → MS). */
export function encodeRegistration(request: Omit<RegistrationRequest, 'metadata'> & { id: Int64 }): string {
  const { info } = request;
  const password = info.password === undefined ? '' : `"password":${JSON.stringify(info.password)},`;
  return (
    `{"metadata":{"type":${MessageType.REGISTRATION},"id":${int64ToString(request.id)}},"info":{` +
    `"name":${JSON.stringify(info.name)},"desc":${JSON.stringify(info.desc)},` +
    `"port":${checkInt(info.port, 0, 65535, 'info.port')},` +
    `"map":${JSON.stringify(info.map)},"playlist":${JSON.stringify(info.playlist)},` +
    `"curPlayers":${int32(info.curPlayers, 'info.curPlayers')},` +
    `"maxPlayers":${int32(info.maxPlayers, 'info.maxPlayers')},${password}` +
    `"gameState":${int32(info.gameState, 'info.gameState')}},` +
    `"regToken":${JSON.stringify(request.regToken)}}`
  );
}
