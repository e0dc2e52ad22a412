/**
 * The protocol's numbers: message types, WebSocket close codes and registration
 * error types. Each is an `as const` object with a derived type, so a value can
 * be used in `switch` statements and still be checked by the compiler.
 *
 * @module
 */

/** The path of the WebSocket endpoint game servers connect to (`GET`, with an RFC 6455 upgrade). */
export const GS_PATH = '/v2/server/ws';

/** `metadata.type` of every message kind. A response's type is the negative of its request's. */
export const MessageType = {
  /** Registration request, GS → MS. */
  REGISTRATION: 1,
  /** General response to a registration, MS → GS. */
  REGISTRATION_RESPONSE: -1,
  /** Player join request, MS → GS. */
  JOIN: 2,
  /** General response to a join request, GS → MS. */
  JOIN_RESPONSE: -2,
} as const;

/** One of the values of {@link MessageType}. */
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * WebSocket close codes used by both sides (docs/protocol.md#close-codes). The numbers in the
 * 1000 range are RFC 6455's; 4000–4999 are the protocol's own.
 */
export const CloseCode = {
  /** The MS is shutting down. */
  GOING_AWAY: 1001,
  /** WebSocket-level protocol violation. */
  PROTOCOL_ERROR: 1002,
  /** A binary frame was received; the protocol is text only. */
  UNSUPPORTED_DATA: 1003,
  /** A text frame that is not valid UTF-8. */
  INVALID_UTF8: 1007,
  /**
   * Policy: too many failed registrations, registration required, too many message fragments or buffered
   * chunks. (The connection limits are enforced before the WebSocket opens, with HTTP 429 and 503.)
   */
  POLICY_VIOLATION: 1008,
  /** A message over the size limit. */
  MESSAGE_TOO_BIG: 1009,
  /** The MS hit an internal error on this connection. */
  INTERNAL_ERROR: 1011,
  /** The message is not a JSON object. */
  MALFORMED_JSON: 4000,
  /** The message has no valid `metadata`. */
  INVALID_METADATA: 4001,
  /** The message does not match the schema of its type. */
  WRONG_SCHEMA: 4002,
  /** A newer connection registered the same address. */
  SUPERSEDED: 4005,
  /** No Pong arrived within the pong timeout. */
  PONG_TIMEOUT: 4008,
  /** An operator removed the server from the list; it may register again on a new connection. */
  REMOVED: 4010,
  /** The address or the name is banned; the close reason holds the ban's reason. Do not reconnect. */
  BANNED: 4011,
} as const;

/** One of the values of {@link CloseCode}. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** `error.type` of a failed registration response (docs/protocol.md#registration-errors). */
export const RegistrationError = {
  /** The registration token is unknown or revoked. */
  INVALID_TOKEN: 1,
  /** The info passes the schema but the list cannot use it. */
  INVALID_INFO: 2,
  /** The connection registers faster than the rate limit allows. */
  TOO_MANY_REQUESTS: 3,
  /** The MS already lists as many servers as it is allowed to. */
  LIST_FULL: 4,
  /** Reachability is required and the game port did not answer the probe (docs/protocol.md#reachability). */
  UNREACHABLE: 5,
  /** The address or the name is banned; the MS closes with {@link CloseCode.BANNED} next. */
  BANNED: 6,
} as const;

/** One of the values of {@link RegistrationError}. */
export type RegistrationError = (typeof RegistrationError)[keyof typeof RegistrationError];

/**
 * The `error.msg` that goes with each {@link RegistrationError}. `INVALID_INFO` is followed by `: FIELD`,
 * `UNREACHABLE` by `: udp IP:PORT` and `BANNED` by `: REASON`.
 */
export const registrationErrorMessage: Readonly<Record<RegistrationError, string>> = {
  1: 'Invalid registration token',
  2: 'Invalid server info',
  3: 'Too many requests',
  4: 'Server list full',
  5: 'Game port not reachable',
  6: 'Banned',
};

/**
 * Limits on server info values that the schema allows but the list cannot use
 * (docs/protocol.md#registration) and on player names (docs/protocol.md#join). Lengths count Unicode code points.
 */
export const InfoLimits = {
  NAME_MAX: 64,
  DESC_MAX: 1024,
  MAP_MAX: 64,
  PLAYLIST_MAX: 64,
  USERNAME_MAX: 32,
  CLANTAG_MAX: 32,
} as const;

/**
 * The `conv` values the MS hands out with a join (docs/protocol.md#join): a UINT32 other than 0 and
 * `0xFFFFFFFF`, which marks connectionless packets such as the reachability probe
 * (docs/protocol.md#reachability). A game server accepts any UINT32, as the base protocol says.
 */
export const ConvRange = {
  /** The smallest `conv` the MS hands out. */
  MIN: 1,
  /** The largest `conv` the MS hands out. */
  MAX: 0xfffffffe,
} as const;
