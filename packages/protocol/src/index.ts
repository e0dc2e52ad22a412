/**
 * The masterserver ⇄ game-server protocol: message types, an int64-exact
 * codec, hand-written validators, close codes and error types. Pure: no I/O,
 * shared by the masterserver and the game-server SDK so that they cannot drift.
 *
 * @example
 * ```ts
 * import { decodeAtMasterServer, encodeGeneralResponse, MessageType } from '@masterserver/protocol';
 *
 * const message = decodeAtMasterServer(text, (id) => pending.has(id));
 * if (message?.metadata.type === MessageType.REGISTRATION) {
 *   socket.send(encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, message.metadata.id));
 * }
 * ```
 *
 * @module
 */

export { cleanLine, cleanServerInfo } from './clean.js';
export {
  decodeAtGameServer,
  decodeAtMasterServer,
  encodeGeneralResponse,
  encodeJoinRequest,
  encodeRegistration,
} from './codec.js';
export {
  CloseCode,
  ConvRange,
  GS_PATH,
  InfoLimits,
  MessageType,
  RegistrationError,
  registrationErrorMessage,
} from './codes.js';
export { OptionError, ProtocolError, ProtocolErrorCode, truncateUtf8 } from './errors.js';
export { INT64_MAX, INT64_MIN, type Int64, int64ToString, isInt64 } from './int64.js';
export { type JsonValue, parseJson } from './json.js';
export type { PublicServer } from './listing.js';
export type {
  GameServerInbound,
  GeneralResponse,
  JoinRequest,
  JoinResponse,
  MasterServerInbound,
  Message,
  Metadata,
  RegistrationRequest,
  RegistrationResponse,
  ResponseError,
  ServerInfo,
} from './messages.js';
export { checkPlayerNames, type PlayerNames } from './names.js';
export {
  decodeProbe,
  decodeProbeReply,
  encodeProbe,
  encodeProbeReply,
  isConnectionless,
  ProbeDatagram,
} from './probe.js';
export { type InfoFields, RegistrationEcho } from './repeat.js';
export {
  codePointLength,
  INT32_MAX,
  INT32_MIN,
  invalidInfoField,
  isInt32,
  UINT16_MAX,
  UINT32_MAX,
  validateServerInfo,
} from './validate.js';
