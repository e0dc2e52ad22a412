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
 * A stream may take the filters of the list (`?map=…&notFull=1`, not `limit`
 * or `offset`): it then starts from the filtered list (the same bytes as the
 * list's answer to that filter) and gets only the changes that concern it; a
 * server that stops matching is removed from it. The streams of one filter
 * share their events, and a change costs each filter time in proportion to
 * the servers that changed, not to the list.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { ListedServer } from '../registry/registry.js';
import type { StatsSample } from '../registry/stats.js';
import { sendError } from './errors.js';
import { FilteredLists } from './filtered-lists.js';
import { type ListQuery, ListQueryParser, matchesFilter } from './list-query.js';
import type { ListSnapshot, ServerListCache } from './server-list.js';

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
  /** Where filtered lists come from (shared with the list's route, so a filter's list is made once). Default: its own. */
  lists?: FilteredLists;
}

/** The streams of one filter, and the state of the list they have. */
interface Group {
  /** The filter; `undefined`: the whole list. */
  readonly query: ListQuery | undefined;
  readonly streams: Set<ServerResponse>;
  /** The number of the state the streams have. */
  seq: number;
  /** How many servers that state holds. */
  count: number;
}

/** A stream whose unsent bytes exceed this (or four whole lists) is dropped; its client reconnects. */
const SLOW_CLIENT_BYTES = 8 * 1024 * 1024;

const KEEP_ALIVE = Buffer.from(': keep-alive\n\n');

/** The live list's event streams. */
export class ServerEvents {
  readonly #cache: ServerListCache;
  readonly #options: Required<Omit<ServerEventsOptions, 'logger' | 'isShuttingDown' | 'lists'>> &
    Pick<ServerEventsOptions, 'logger' | 'isShuttingDown'>;
  readonly #lists: FilteredLists;
  readonly #queries = new ListQueryParser(false);
  readonly #streams = new Set<ServerResponse>();
  /** The streams by filter (its key; `''` for the whole list). */
  readonly #groups = new Map<string, Group>();
  /** The state the streams have: its snapshot, its servers by id, and how many changes led to it. */
  #snapshot: ListSnapshot | undefined;
  #index = new Map<string, ListedServer>();
  #changes = 0;
  #tick: NodeJS.Timeout | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(cache: ServerListCache, options: ServerEventsOptions) {
    this.#cache = cache;
    const { lists, ...rest } = options;
    this.#lists = lists ?? new FilteredLists();
    this.#options = { tickMs: 250, heartbeatMs: 15_000, retryMs: 2000, ...rest };
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
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    const parsed = mark === -1 ? undefined : this.#queries.parse(url, mark + 1);
    if (parsed?.ok === false) {
      sendError(res, 'BAD_REQUEST', parsed.msg);
      return;
    }
    const query = parsed?.query.key === '' ? undefined : parsed?.query;
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
    const key = query?.key ?? '';
    let group = this.#groups.get(key);
    const body = this.#body(snapshot, query);
    if (group === undefined) {
      group = { query, streams: new Set(), seq: this.#changes, count: body.total };
      this.#groups.set(key, group);
    }
    res.cork();
    res.write(`retry: ${this.#options.retryMs}\nid: ${group.seq}\nevent: servers\ndata: `);
    res.write(body.body);
    res.write('\n\n');
    res.uncork();
    this.#streams.add(res);
    group.streams.add(res);
    const joined = group;
    res.once('close', () => this.#remove(res, key, joined));
    if (this.#tick === undefined) {
      this.#tick = setInterval(() => this.#update(), this.#options.tickMs).unref();
      this.#heartbeat = setInterval(
        () => this.#broadcast(KEEP_ALIVE, this.#streams),
        this.#options.heartbeatMs,
      ).unref();
    }
  };

  /** Sends a sample of the history to every stream (`event: sample`). */
  sample(sample: StatsSample): void {
    if (this.#streams.size === 0) return;
    this.#broadcast(Buffer.from(`event: sample\ndata: ${JSON.stringify(sample)}\n\n`), this.#streams);
  }

  /** Ends every stream and refuses new ones. */
  close(): void {
    this.#closed = true;
    this.#stopTimers();
    for (const res of this.#streams) res.end();
    this.#streams.clear();
    this.#groups.clear();
  }

  /** The list a stream of `query` starts from: the whole list, or the list's answer to the filter. */
  #body(snapshot: ListSnapshot, query: ListQuery | undefined): { body: Buffer; total: number } {
    return query === undefined ? snapshot : this.#lists.answer(snapshot, query);
  }

  /** Takes the list's current snapshot as the streams' state and sends each filter its difference, if any. */
  #update(): void {
    const next = this.#cache.current();
    const previous = this.#snapshot;
    if (next === previous) return;
    this.#snapshot = next;
    // The servers added or changed, each with what it was before (if anything), and the servers removed.
    const index = new Map<string, ListedServer>();
    const changed: Array<[ListedServer | undefined, ListedServer]> = [];
    for (const server of next.servers) {
      index.set(server.id, server);
      const before = this.#index.get(server.id);
      if (before?.json !== server.json) changed.push([before, server]);
    }
    const removed: ListedServer[] = [];
    for (const [id, server] of this.#index) if (!index.has(id)) removed.push(server);
    this.#index = index;
    if (changed.length === 0 && removed.length === 0 && previous !== undefined) return;
    this.#changes++;
    for (const group of this.#groups.values()) this.#send(group, next, changed, removed);
  }

  /** Sends the streams of `group` what of a change concerns their filter: a delta, or their whole list. */
  #send(
    group: Group,
    snapshot: ListSnapshot,
    changed: ReadonlyArray<[ListedServer | undefined, ListedServer]>,
    removed: readonly ListedServer[],
  ): void {
    const { query } = group;
    const upserts: string[] = [];
    const removes: string[] = [];
    if (query === undefined) {
      for (const [, server] of changed) upserts.push(server.json);
      for (const server of removed) removes.push(server.id);
      group.count = snapshot.count;
    } else {
      for (const [before, server] of changed) {
        const was = before !== undefined && matchesFilter(before, query);
        if (matchesFilter(server, query)) {
          upserts.push(server.json);
          if (!was) group.count++;
        } else if (was) {
          removes.push(server.id);
          group.count--;
        }
      }
      for (const server of removed) {
        if (!matchesFilter(server, query)) continue;
        removes.push(server.id);
        group.count--;
      }
    }
    if (upserts.length === 0 && removes.length === 0) return;
    group.seq++;
    if ((upserts.length + removes.length) * 2 > group.count) {
      const { body } = this.#body(snapshot, query);
      this.#broadcast(
        Buffer.concat([Buffer.from(`id: ${group.seq}\nevent: servers\ndata: `), body, Buffer.from('\n\n')]),
        group.streams,
      );
    } else {
      const data = `{"upsert":[${upserts.join(',')}],"remove":${JSON.stringify(removes)}}`;
      this.#broadcast(Buffer.from(`id: ${group.seq}\nevent: delta\ndata: ${data}\n\n`), group.streams);
    }
  }

  #broadcast(event: Buffer, streams: ReadonlySet<ServerResponse>): void {
    const limit = Math.max(SLOW_CLIENT_BYTES, 4 * (this.#snapshot?.body.length ?? 0));
    for (const res of streams) {
      if (res.destroyed || res.writableEnded) continue;
      if (res.writableLength > limit) {
        this.#options.logger.warn({ buffered: res.writableLength }, 'dropping a slow live-list stream');
        res.destroy();
        continue;
      }
      res.write(event);
    }
  }

  #remove(res: ServerResponse, key: string, group: Group): void {
    this.#streams.delete(res);
    group.streams.delete(res);
    if (group.streams.size === 0 && this.#groups.get(key) === group) this.#groups.delete(key);
    if (this.#streams.size === 0) this.#stopTimers();
  }

  #stopTimers(): void {
    clearInterval(this.#tick);
    clearInterval(this.#heartbeat);
    this.#tick = undefined;
    this.#heartbeat = undefined;
  }
}
