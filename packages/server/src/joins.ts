/**
 * Where a join goes: to the local connection when this instance holds the
 * server, else (in a cluster) to the instance that does.
 *
 * @module
 */

import type { RemoteJoins } from './cluster/remote-joins.js';
import type { Gateway } from './gateway/gateway.js';
import type { JoinOutcome, JoinPlayer } from './gateway/gs-connection.js';
import type { Registry } from './registry/registry.js';

/** Routes joins. */
export class JoinRouter {
  readonly #gateway: Gateway;
  readonly #registry: Registry;
  readonly #remote: RemoteJoins | undefined;

  constructor(gateway: Gateway, registry: Registry, remote?: RemoteJoins) {
    this.#gateway = gateway;
    this.#registry = registry;
    this.#remote = remote;
  }

  /** Asks the game server that holds `serverId` to let `player` in. */
  join(serverId: string, player: JoinPlayer): Promise<JoinOutcome> {
    if (this.#gateway.holds(serverId)) return this.#gateway.join(serverId, player);
    const owner = this.#registry.ownerOf?.(serverId);
    if (owner === undefined || this.#remote === undefined) return Promise.resolve({ kind: 'not-found' });
    return this.#remote.request(owner, serverId, player);
  }
}
