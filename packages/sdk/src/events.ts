/**
 * What a {@link GameServerClient} tells the game: its status as a tagged
 * union, and the payload of each event.
 *
 * @module
 */

import type { ResponseError } from '@masterserver/protocol';
import type { PlayerJoin } from './join.js';

/**
 * Where the client is, tagged by `state`:
 * `idle` (not started) → `connecting` → `connected` (open, not listed) →
 * `registered` (listed), and after any close `reconnecting` → `connecting` …,
 * until `close()` makes it `closed` for good. A close with `4005` or `4011`
 * makes it `stopped`: it does not reconnect on its own (`start()` does).
 */
export type ClientStatus =
  | { readonly state: 'idle' }
  /**
   * Opening a connection: `attempt` is 1 plus the closes and failed connects
   * since the last successful registration (the first connection is 1; the
   * one replacing a registered connection that closed is 2).
   */
  | { readonly state: 'connecting'; readonly attempt: number }
  /** Open and registering; `registrationError` is the last refusal on this connection, if any. */
  | { readonly state: 'connected'; readonly registrationError?: ResponseError }
  /** Listed: the last registration succeeded, at `since` (ms since the epoch) for the first time in a row. */
  | { readonly state: 'registered'; readonly since: number }
  /** Waiting `delay` ms (full-jitter backoff) before connection attempt `attempt`, after the close described. */
  | { readonly state: 'reconnecting'; readonly attempt: number; readonly delay: number; readonly code: number }
  /** The MS closed the connection with `code` (`4005` superseded, `4011` banned) and `reason`; no reconnect. */
  | { readonly state: 'stopped'; readonly code: number; readonly reason: string }
  | { readonly state: 'closed' };

/** The state names of {@link ClientStatus}. */
export type ClientState = ClientStatus['state'];

/** Payload of `disconnected`. */
export interface DisconnectInfo {
  /** The close code (see {@link TransportClose.code}); `1006` for a failed connect or broken TCP. */
  code: number;
  /** The close reason, or the error message for `1006`. */
  reason: string;
  /** Milliseconds until the next attempt, or `undefined` after `close()` and when the client stops. */
  reconnectIn: number | undefined;
  /** The error behind the close, if any. */
  error?: Error | undefined;
}

/**
 * Payload of `stopped`: the MS closed the connection with a code after which the client stops for good
 * (docs/protocol.md#close-codes), so that two game servers on one address do not take the listing from
 * each other forever.
 */
export interface StopInfo {
  /** `4005` (another game server registered the same address) or `4011` (banned). */
  code: number;
  /** The close reason the MS sent; for `4011`, the ban's reason. */
  reason: string;
  /**
   * For `4005`, the address `IP:PORT` this client registered: the local IP of its connection with
   * `info.port` (behind NAT the MS saw the public IP instead). `undefined` for `4011`.
   */
  address: string | undefined;
  /** What happened, in one line for a log; it names the code, the reason and, for `4005`, the address. */
  message: string;
}

/** Payload of `join`: a join request and how it was answered. */
export interface JoinEvent {
  /** The request. */
  join: PlayerJoin;
  /** Whether the player was accepted. */
  accepted: boolean;
  /** The error sent with a rejection. */
  error?: ResponseError | undefined;
  /** Why the client rejected on the handler's behalf: it threw, or did not answer in time. */
  handlerFailure?: { kind: 'error' | 'timeout'; cause: unknown } | undefined;
}

/** The events of a {@link GameServerClient} and their payloads. */
export interface GameServerClientEvents {
  /** Every change of {@link ClientStatus}. */
  status: ClientStatus;
  /** A connection attempt starts; `attempt` as in {@link ClientStatus}. */
  connecting: { url: string; attempt: number };
  /** The WebSocket opened; the registration goes out now (or after the interval, after a refusal). */
  connected: { url: string };
  /** A registration succeeded after the client was not listed (not on every refresh). */
  registered: { since: number };
  /** The MS refused a registration: `type` is one of `RegistrationError`, `msg` its message. */
  registrationFailed: ResponseError;
  /** A connection closed or a connect failed. */
  disconnected: DisconnectInfo;
  /** The MS closed the connection with `4005` or `4011`: the client stops and does not reconnect on its own. */
  stopped: StopInfo;
  /** A join request was answered (not emitted when the connection closed before the answer: the MS told the player the server left). */
  join: JoinEvent;
}
