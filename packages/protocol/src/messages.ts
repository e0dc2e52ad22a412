/**
 * The four messages of the protocol, as a union tagged by `metadata.type`.
 *
 * @module
 */

import type { MessageType } from './codes.js';
import type { Int64 } from './int64.js';

/** `metadata` of every message. */
export interface Metadata<T extends MessageType = MessageType> {
  /** The message kind. */
  type: T;
  /** Request id; a response carries its request's id. */
  id: Int64;
}

/** What a game server tells the MS about itself in each registration. */
export interface ServerInfo {
  /** Shown in the list, cleaned by `cleanLine`; 1–64 characters once cleaned. */
  name: string;
  /** Shown in the list, cleaned by `cleanLines`; at most 1024 characters once cleaned. */
  desc: string;
  /** The game's UDP port on the registering host (UINT16, not 0). */
  port: number;
  /** Current map, cleaned by `cleanLine`; 1–64 characters once cleaned. */
  map: string;
  /** Current playlist, cleaned by `cleanLine`; 1–64 characters once cleaned. */
  playlist: string;
  /** Players on the server now (INT32, 0 ≤ curPlayers ≤ maxPlayers). */
  curPlayers: number;
  /** Player slots (INT32, ≥ 0). */
  maxPlayers: number;
  /** Join password; absent or `""` means none. Never leaves the MS. */
  password?: string;
  /** Game-defined state (INT32), passed through to the list. */
  gameState: number;
}

/** The `error` of a failed general response. */
export interface ResponseError {
  /** Error type (INT32); for registrations one of `RegistrationError`. */
  type: number;
  /** Human-readable message. */
  msg: string;
}

/** GS → MS: list me, or refresh my listing. */
export interface RegistrationRequest {
  metadata: Metadata<typeof MessageType.REGISTRATION>;
  info: ServerInfo;
  regToken: string;
}

/** A general response: `success`, and `error` exactly when `success` is `false`. */
export type GeneralResponse<T extends MessageType> =
  | { metadata: Metadata<T>; success: true }
  | { metadata: Metadata<T>; success: false; error: ResponseError };

/** MS → GS: the answer to a registration. */
export type RegistrationResponse = GeneralResponse<typeof MessageType.REGISTRATION_RESPONSE>;

/** MS → GS: a player wants to join. */
export interface JoinRequest {
  metadata: Metadata<typeof MessageType.JOIN>;
  /** At least 128 bits from a CSPRNG, URL-safe; the player presents it to the GS. */
  sessionToken: string;
  /** At most 32 characters. */
  username: string;
  /** At most 32 characters; may be empty. */
  clantag: string;
  /** KCP conversation id (UINT32, not 0). */
  conv: number;
}

/** GS → MS: accept or refuse a join. */
export type JoinResponse = GeneralResponse<typeof MessageType.JOIN_RESPONSE>;

/** Any message of the protocol. */
export type Message = RegistrationRequest | RegistrationResponse | JoinRequest | JoinResponse;

/** The messages a masterserver receives. */
export type MasterServerInbound = RegistrationRequest | JoinResponse;

/** The messages a game server receives. */
export type GameServerInbound = JoinRequest | RegistrationResponse;
