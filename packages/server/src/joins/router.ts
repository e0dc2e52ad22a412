/**
 * Where a join goes: to the local connection when this instance holds the
 * server, else (in a cluster) to the instance that does.
 *
 * @module
 */

import type { JoinDone, JoinOutcome, JoinPlayer } from './outcome.js';
import type { RemoteJoins } from './remote.js';

/** A game server this instance can ask directly. */
export interface JoinTarget {
  /** Asks it to let `player` in; `done` gets the outcome. */
  join(player: JoinPlayer, done: JoinDone): void;
}

/** What the router needs to know of this instance and the cluster. */
export interface JoinRouterContext {
  /** The local connection listed as `serverId`, or `undefined`. */
  local(serverId: string): JoinTarget | undefined;
  /** The instance that holds `serverId` when another one does, else `undefined`. */
  ownerOf(serverId: string): string | undefined;
  /** Joins to other instances; `undefined` on a single instance. */
  readonly remote: RemoteJoins | undefined;
}

const NOT_FOUND: JoinOutcome = Object.freeze({ kind: 'not-found' });

/** Routes joins. */
export class JoinRouter {
  readonly #ctx: JoinRouterContext;

  constructor(ctx: JoinRouterContext) {
    this.#ctx = ctx;
  }

  /**
   * Asks the game server listed as `serverId` to let `player` in; `done` gets the outcome (see {@link JoinDone}).
   * A callback, not a promise: a local join, the common one, then takes no promise and no microtask.
   */
  join(serverId: string, player: JoinPlayer, done: JoinDone): void {
    const ctx = this.#ctx;
    const local = ctx.local(serverId);
    if (local !== undefined) {
      local.join(player, done);
      return;
    }
    const owner = ctx.ownerOf(serverId);
    if (owner === undefined || ctx.remote === undefined) done(NOT_FOUND);
    else ctx.remote.request(owner, serverId, player).then(done);
  }
}
