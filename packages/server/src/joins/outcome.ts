/**
 * What a join asks for and how it ends: the vocabulary every part of the join
 * path speaks (the HTTP handler, the router, a game server's connection, and
 * the cluster's remote joins).
 *
 * @module
 */

import type { ResponseError } from '@masterserver/protocol';

/** A player asking to join, as the HTTP API hands it over. */
export interface JoinPlayer {
  username: string;
  clantag: string;
  password?: string | undefined;
}

/** How a join ended. */
export type JoinOutcome =
  | { kind: 'accepted'; ip: string; port: number; sessionToken: string; conv: number }
  | { kind: 'rejected'; error: ResponseError }
  | { kind: 'not-found' }
  | { kind: 'wrong-password' }
  | { kind: 'timeout' }
  /** As many joins wait on the game server as `maxPendingJoins` allows. */
  | { kind: 'busy' }
  /** The game server left (or, in cluster mode, the instance holding it stopped: `message` says so). */
  | { kind: 'gone'; message?: string }
  /** The instance that holds the server cannot be reached (cluster mode, Redis down). */
  | { kind: 'unavailable' };

/**
 * Called once with how a join ended. It may be called before the call that started the join returns (an outcome
 * known at once: `not-found`, `busy`, ...), and it runs inside whatever settled the join (a game server's message,
 * a timer): it must not throw.
 */
export type JoinDone = (outcome: JoinOutcome) => void;

/** The `kind` of a {@link JoinOutcome}. */
export type JoinOutcomeKind = JoinOutcome['kind'];

/** Outcomes of joins that never reached the game server: they have no duration. */
export const NOT_SENT: ReadonlySet<JoinOutcomeKind> = new Set(['not-found', 'wrong-password', 'unavailable', 'busy']);
