/**
 * The public server list as bytes: serialized once per change of the
 * registry, compressed at most once per encoding per version, and served to
 * every request in between from the same buffers.
 *
 * @module
 */

import type { ListedServer, Registry } from '../registry/registry.js';
import { CachedBody } from './cached-body.js';
import { ListIndex } from './list-index.js';

/** The headers of every answer of the list, filtered or not: `X-Total-Count` is the number of servers matched. */
function listHeaders(total: number): Record<string, string> {
  return {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-cache',
    'x-total-count': String(total),
  };
}

/** An answer of the list: the JSON array of a page of servers, and how many servers the query matched. */
export class ListAnswer extends CachedBody {
  /** The servers matched before paging (`X-Total-Count`). */
  readonly total: number;

  /** `etag`: default, a weak tag of the body alone. */
  constructor(body: Buffer, total: number, etag?: string) {
    super(body, etag === undefined ? { headers: listHeaders(total) } : { headers: listHeaders(total), etag });
    this.total = total;
  }
}

/** One version of the whole list, ready to send, with the servers it was made of. */
export class ListSnapshot extends ListAnswer {
  /** The registry version it was built from. */
  readonly version: number;
  /** How many servers it lists. */
  readonly count: number;
  /** The servers it lists, in list order (empty when built from bytes alone). */
  readonly servers: readonly ListedServer[];
  #index: ListIndex | undefined;

  constructor(version: number, body: Buffer, count: number, servers: readonly ListedServer[] = []) {
    super(body, count);
    this.version = version;
    this.count = count;
    this.servers = servers;
  }

  /** The servers in columns, for filtered queries and quick play: made by the first one that needs it. */
  get index(): ListIndex {
    this.#index ??= new ListIndex(this.servers);
    return this.#index;
  }
}

/** Players first: most players, then name, then id (so the order is total and stable). */
export function compareServers(a: ListedServer, b: ListedServer): number {
  if (a.curPlayers !== b.curPlayers) return b.curPlayers - a.curPlayers;
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Lists shorter than this are rebuilt after every change: it costs well under a millisecond. */
const THROTTLE_FROM_SERVERS = 1000;

/**
 * Builds {@link ListSnapshot}s lazily: a request after a change rebuilds the
 * list. Only a large list (at least {@link THROTTLE_FROM_SERVERS}) under churn
 * may be served a little stale: when the last build was so recent that
 * rebuilding again would spend more than a fifth of the time building. A
 * change is always visible within `maxStaleMs`.
 */
export class ServerListCache {
  readonly #registry: Registry;
  readonly #maxStaleMs: number;
  #snapshot: ListSnapshot | undefined;
  #builtAt = 0;
  #buildMs = 0;

  constructor(registry: Registry, options: { maxStaleMs?: number } = {}) {
    this.#registry = registry;
    this.#maxStaleMs = options.maxStaleMs ?? 500;
  }

  /** The current snapshot, rebuilt when the registry changed (see the class description). */
  current(): ListSnapshot {
    const snapshot = this.#snapshot;
    const version = this.#registry.version;
    if (snapshot !== undefined && snapshot.version === version) return snapshot;
    const now = performance.now();
    if (
      snapshot !== undefined &&
      snapshot.count >= THROTTLE_FROM_SERVERS &&
      now - this.#builtAt < Math.min(this.#maxStaleMs, this.#buildMs * 4)
    ) {
      return snapshot;
    }
    const servers = [...this.#registry.values()].sort(compareServers);
    const parts = new Array<string>(servers.length);
    for (let i = 0; i < servers.length; i++) parts[i] = (servers[i] as ListedServer).json;
    const next = new ListSnapshot(version, Buffer.from(`[${parts.join(',')}]`), servers.length, servers);
    this.#builtAt = performance.now();
    this.#buildMs = this.#builtAt - now;
    this.#snapshot = next;
    return next;
  }
}
