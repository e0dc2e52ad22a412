/**
 * The pages of a long list held by the page: the rows around the window in
 * view, fetched `limit`/`offset` at a time, each with its `ETag` and the
 * round of refreshes it was fetched in, so that the pages in view are
 * fetched again (conditionally) each round and the others only when they
 * come back into view.
 *
 * @module
 */

import type { Server } from './types.js';

interface Page {
  readonly servers: readonly Server[];
  readonly etag: string | undefined;
  /** The round it was fetched (or found unchanged) in. */
  round: number;
}

/** Pages of `size` servers, at most `maxPages` of them kept. */
export class PageCache {
  /** Servers per page (`limit`). */
  readonly size: number;
  readonly #maxPages: number;
  readonly #pages = new Map<number, Page>();
  #round = 0;

  /** `size`: servers per page, default 100; `maxPages`: pages kept, default 40. */
  constructor(size = 100, maxPages = 40) {
    this.size = size;
    this.#maxPages = maxPages;
  }

  /** The current round of refreshes. */
  get round(): number {
    return this.#round;
  }

  /** Starts a round: every page held becomes stale (still shown until it is fetched again). */
  refresh(): void {
    this.#round++;
  }

  /** The server at position `index` of the list, when its page is held. */
  at(index: number): Server | undefined {
    return this.#pages.get(Math.floor(index / this.size))?.servers[index % this.size];
  }

  /** A held server by id. */
  find(id: string): Server | undefined {
    for (const page of this.#pages.values()) for (const server of page.servers) if (server.id === id) return server;
    return undefined;
  }

  /** Every held server (a server may be held twice when it moved between two pages' fetches). */
  *servers(): IterableIterator<Server> {
    for (const page of this.#pages.values()) yield* page.servers;
  }

  /** The `ETag` of page `index`, for a conditional fetch. */
  etag(index: number): string | undefined {
    return this.#pages.get(index)?.etag;
  }

  /** True when page `index` is not held, or was fetched in an earlier round. */
  stale(index: number): boolean {
    const page = this.#pages.get(index);
    return page === undefined || page.round < this.#round;
  }

  /** True when page `index` is held, stale or not. */
  has(index: number): boolean {
    return this.#pages.has(index);
  }

  /**
   * The pages that hold positions `first`…`last` of a list of `total` servers
   * (`undefined`: not known yet). Always at least one page, so that a fetch
   * learns the total; a window past the end asks for the last page.
   */
  wanted(first: number, last: number, total: number | undefined): number[] {
    if (total === undefined || total === 0) return [0];
    const end = Math.floor((total - 1) / this.size);
    const from = Math.min(Math.floor(Math.max(0, first) / this.size), end);
    const to = Math.max(from, Math.min(Math.floor(Math.max(0, last) / this.size), end));
    const pages: number[] = [];
    for (let index = from; index <= to; index++) pages.push(index);
    return pages;
  }

  /** Holds page `index`, fetched in `round`; beyond the pages kept, drops those farthest from `keep`. */
  put(index: number, servers: readonly Server[], etag: string | undefined, round: number, keep = index): void {
    this.#pages.set(index, { servers, etag, round });
    if (this.#pages.size <= this.#maxPages) return;
    const far = [...this.#pages.keys()].sort((a, b) => Math.abs(b - keep) - Math.abs(a - keep));
    for (const drop of far.slice(0, this.#pages.size - this.#maxPages)) this.#pages.delete(drop);
  }

  /** Page `index` was found unchanged in `round` (a `304`). */
  confirm(index: number, round: number): void {
    const page = this.#pages.get(index);
    if (page !== undefined) page.round = Math.max(page.round, round);
  }

  /** Drops the pages past a list of `total` servers. */
  truncate(total: number): void {
    for (const index of this.#pages.keys()) if (index * this.size >= total) this.#pages.delete(index);
  }

  /** Drops every page. */
  clear(): void {
    this.#pages.clear();
  }
}
