/**
 * The public server list as bytes: serialized once per change of the
 * registry, compressed at most once per encoding per version, and served to
 * every request in between from the same buffers.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';
import type { ListedServer, Registry } from '../registry/registry.js';
import type { Encoding } from './encoding.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** One version of the list, ready to send. */
export class ListSnapshot {
  /** The registry version it was built from. */
  readonly version: number;
  /** Weak ETag of the content (the same for every encoding). */
  readonly etag: string;
  /** The JSON array, uncompressed. */
  readonly body: Buffer;
  /** How many servers it lists. */
  readonly count: number;
  /** The servers it lists, in list order (empty when built from bytes alone). */
  readonly servers: readonly ListedServer[];
  /** Each encoding's body: a promise while it is being compressed, then the buffer itself. */
  readonly #compressed = new Map<Encoding, Promise<Buffer> | Buffer>();

  constructor(version: number, body: Buffer, count: number, servers: readonly ListedServer[] = []) {
    this.version = version;
    this.body = body;
    this.count = count;
    this.servers = servers;
    this.etag = `W/"${createHash('sha1').update(body).digest('base64url')}"`;
  }

  /**
   * The body in `encoding`; compressed once (off the main thread) and then kept. Once compressed it is
   * returned as a buffer, so that every later request is answered at once, without a promise; a failed
   * compression is forgotten, so that the next request tries again.
   */
  encoded(encoding: Encoding): Promise<Buffer> | Buffer {
    if (encoding === 'identity') return this.body;
    let compressed = this.#compressed.get(encoding);
    if (compressed === undefined) {
      compressed =
        encoding === 'gzip'
          ? gzipAsync(this.body, { level: 6 })
          : brotliAsync(this.body, {
              params: {
                [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
                [zlib.BROTLI_PARAM_QUALITY]: this.body.length > 1_000_000 ? 4 : 6,
                [zlib.BROTLI_PARAM_SIZE_HINT]: this.body.length,
              },
            });
      const pending = compressed.then(
        (buffer) => {
          this.#compressed.set(encoding, buffer);
          return buffer;
        },
        (error: unknown) => {
          this.#compressed.delete(encoding);
          throw error;
        },
      );
      this.#compressed.set(encoding, pending);
      return pending;
    }
    return compressed;
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
