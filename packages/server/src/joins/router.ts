/**
 * Where a join goes: to the local connection when this instance holds the
 * server, else (in a cluster) to the instance that does.
 *
 * @module
 */

import type { JoinOutcome, JoinPlayer } from './outcome.js';
import type { RemoteJoins } from './remote.js';

/** A game server this instance can ask directly. */
export interface JoinTarget {
  join(player: JoinPlayer): Promise<JoinOutcome>;
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

/** Routes joins. */
export class JoinRouter {
  readonly #ctx: JoinRouterContext;

  constructor(ctx: JoinRouterContext) {
    this.#ctx = ctx;
  }

  /** Asks the game server listed as `serverId` to let `player` in. */
  join(serverId: string, player: JoinPlayer): Promise<JoinOutcome> {
    const ctx = this.#ctx;
    const local = ctx.local(serverId);
    if (local !== undefined) return local.join(player);
    const owner = ctx.ownerOf(serverId);
    if (owner === undefined || ctx.remote === undefined) return Promise.resolve({ kind: 'not-found' });
    return ctx.remote.request(owner, serverId, player);
  }
}
