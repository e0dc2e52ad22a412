/**
 * A whole (filtered) list held by the page and kept up to date from the
 * masterserver's event stream (`GET /v2/client/servers/events`), in the
 * masterserver's order.
 *
 * @module
 */

import type { ListDelta, Server } from './types.js';

/** The masterserver's order: most players, then name (by code unit, as the masterserver compares), then id. */
export function compareServers(a: Server, b: Server): number {
  if (a.curPlayers !== b.curPlayers) return b.curPlayers - a.curPlayers;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The list by id, in list order, and the number of the stream state it holds. */
export class ServerMap {
  #servers = new Map<string, Server>();
  #list: readonly Server[] = [];
  #seq: number | undefined;

  /** The servers in the masterserver's order. The same array until the next change. */
  get list(): readonly Server[] {
    return this.#list;
  }

  /** The number of the state held (`undefined` before the first list). */
  get seq(): number | undefined {
    return this.#seq;
  }

  /** Replaces the whole list (`event: servers`), which comes in list order. */
  replace(servers: readonly Server[], seq: number | undefined): void {
    const next = new Map<string, Server>();
    const list: Server[] = [];
    for (const server of servers) {
      // Keep unchanged servers as the same objects, so that their rows are not drawn again.
      const old = this.#servers.get(server.id);
      const kept = old !== undefined && sameServer(old, server) ? old : server;
      next.set(server.id, kept);
      list.push(kept);
    }
    this.#servers = next;
    this.#list = list;
    this.#seq = seq;
  }

  /**
   * Applies a change (`event: delta`) numbered `seq`. Returns false, changing
   * nothing, when it does not follow the state held: the caller must start again.
   */
  apply(delta: ListDelta, seq: number): boolean {
    if (this.#seq === undefined || seq !== this.#seq + 1) return false;
    for (const id of delta.remove) this.#servers.delete(id);
    for (const server of delta.upsert) this.#servers.set(server.id, server);
    this.#list = [...this.#servers.values()].sort(compareServers);
    this.#seq = seq;
    return true;
  }

  /** A listed server, or `undefined`. */
  get(id: string): Server | undefined {
    return this.#servers.get(id);
  }
}

/** True when two servers show the same. */
export function sameServer(a: Server, b: Server): boolean {
  return (
    a.id === b.id &&
    a.name === b.name &&
    a.desc === b.desc &&
    a.map === b.map &&
    a.playlist === b.playlist &&
    a.curPlayers === b.curPlayers &&
    a.maxPlayers === b.maxPlayers &&
    a.hasPassword === b.hasPassword &&
    a.gameState === b.gameState &&
    a.reachable === b.reachable
  );
}
