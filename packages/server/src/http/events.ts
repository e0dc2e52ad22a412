/**
 * `GET /v2/client/servers/events`: the server list as a stream of
 * Server-Sent Events, for pages that show it live.
 *
 * A new stream gets the whole list (`event: servers`, the bytes of the cached
 * list); after that every stream gets the same changes (`event: delta`: the
 * servers added or changed, the ids removed), checked at most four times a
 * second, so a burst of registrations costs one event. Each event is built
 * once and written to every stream. Every `id:` numbers a state of the list:
 * a delta applies to the state numbered one less; a client that missed one
 * reconnects and starts again from a whole list.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { sendError } from './errors.js';
import type { ListSnapshot, ServerListCache } from './server-list.js';
import type { StatsSample } from './stats.js';

/** The path of the stream. */
export const EVENTS_PATH = '/v2/client/servers/events';

/** Options of {@link ServerEvents}. */
export interface ServerEventsOptions {
  /** Streams open at once (503 `STREAM_LIMIT` beyond); `0` is no limit. */
  maxStreams: number;
  /** Milliseconds between checks for changes. Default `250`. */
  tickMs?: number;
  /** Milliseconds between keep-alive comments. Default `15000`. */
  heartbeatMs?: number;
  /** The reconnection delay suggested to clients (`retry:`), in ms. Default `2000`. */
  retryMs?: number;
  /** True once the masterserver is shutting down: new streams are refused. */
  isShuttingDown(): boolean;
  logger: Logger;
}

/** A stream whose unsent bytes exceed this (or four whole lists) is dropped; its client reconnects. */
const SLOW_CLIENT_BYTES = 8 * 1024 * 1024;

const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');

/** The live list's event streams. */
export class ServerEvents {
  readonly #cache: ServerListCache;
  readonly #options: Required<Omit<ServerEventsOptions, 'logger' | 'isShuttingDown'>> &
    Pick<ServerEventsOptions, 'logger' | 'isShuttingDown'>;
  readonly #streams = new Set<ServerResponse>();
  /** The state the streams have: its snapshot, each server's JSON by id, and its number. */
  #snapshot: ListSnapshot | undefined;
  #index = new Map<string, string>();
  #seq = 0;
  #tick: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(cache: ServerListCache, options: ServerEventsOptions) {
    this.#cache = cache;
    this.#options = { tickMs: 250, heartbeatMs: 15_000, retryMs: 2000, ...options };
  }

  /** How many streams are open. */
  get streamCount(): number {
    return this.#streams.size;
  }

  /** The request handler. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    if (this.#closed || this.#options.isShuttingDown()) {
      sendError(res, 'SHUTTING_DOWN');
      return;
    }
    const max = this.#options.maxStreams;
    if (max > 0 && this.#streams.size >= max) {
      sendError(res, 'STREAM_LIMIT', undefined, undefined, { 'retry-after': '10' });
      return;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
      // The connection is not reused after the stream: ending the stream at shutdown also frees the socket.
      connection: 'close',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // Bring the other streams up to date first, so that this one starts from the state they have.
    this.#update();
    const snapshot = this.#snapshot as ListSnapshot;
    res.cork();
    res.write(`retry: ${this.#options.retryMs}\nid: ${this.#seq}\nevent: servers\ndata: `);
    res.write(snapshot.body);
    res.write('\n\n');
    res.uncork();
    this.#streams.add(res);
    res.once('close', () => this.#remove(res));
    if (this.#tick === undefined) {
      this.#tick = setInterval(() => this.#update(), this.#options.tickMs).unref();
      this.#heartbeat = setInterval(() => this.#broadcast(KEEP_ALIVE), this.#options.heartbeatMs).unref();
    }
  };

  /** Sends a sample of the history to every stream (`event: sample`). */
  sample(sample: StatsSample): void {
    if (this.#streams.size === 0) return;
    this.#broadcast(Buffer.from(`event: sample\ndata: ${JSON.stringify(sample)}\n\n`));
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.#closed = true;
    this.#stopTimers();
    for (const res of this.#streams) res.end();
    this.#streams.clear();
  }

  /** Takes the list's current snapshot as the streams' state and sends the difference, if any. */
  #update(): void {
    const next = this.#cache.current();
    const previous = this.#snapshot;
    if (next === previous) return;
    this.#snapshot = next;
    const index = new Map<string, string>();
    const upserts: string[] = [];
    for (const server of next.servers) {
      index.set(server.id, server.json);
      if (this.#index.get(server.id) !== server.json) upserts.push(server.json);
    }
    const removes: string[] = [];
    for (const id of this.#index.keys()) if (!index.has(id)) removes.push(id);
    this.#index = index;
    if (upserts.length === 0 && removes.length === 0 && previous !== undefined) return;
    this.#seq++;
    if (this.#streams.size === 0) return;
    if ((upserts.length + removes.length) * 2 > next.count) {
      this.#broadcast(
        Buffer.concat([Buffer.from(`id: ${this.#seq}\nevent: servers\ndata: `), next.body, Buffer.from('\n\n')]),
      );
    } else {
      const data = `{"upsert":[${upserts.join(',')}],"remove":${JSON.stringify(removes)}}`;
      this.#broadcast(Buffer.from(`id: ${this.#seq}\nevent: delta\ndata: ${data}\n\n`));
    }
  }

  #broadcast(event: Buffer): void {
    const limit = Math.max(SLOW_CLIENT_BYTES, 4 * (this.#snapshot?.body.length ?? 0));
    for (const res of this.#streams) {
      if (res.destroyed || res.writableEnded) continue;
      if (res.writableLength > limit) {
        this.#options.logger.warn({ buffered: res.writableLength }, 'dropping a slow live-list stream');
        res.destroy();
        continue;
      }
      res.write(event);
    }
  }

  #remove(res: ServerResponse): void {
    this.#streams.delete(res);
    if (this.#streams.size === 0) this.#stopTimers();
  }

  #stopTimers(): void {
    clearInterval(this.#tick);
    clearInterval(this.#heartbeat);
    this.#tick = undefined;
    this.#heartbeat = undefined;
  }
}
