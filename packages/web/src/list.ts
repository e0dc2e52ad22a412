/**
 * The list the page shows, for one filter: asked of the masterserver, never
 * filtered here. It starts with the first page (`limit`/`offset`, so the first
 * rows come at once and `X-Total-Count` tells how many match), then:
 *
 * - **live**, when at most {@link LIVE_MAX} servers match: the page follows the
 *   filtered event stream and holds every match, each change within a second;
 * - **paged** otherwise (or while the stream cannot be had): the page holds
 *   only the pages around the rows in view, and fetches the pages in view
 *   again every {@link REFRESH_MS} (conditionally: a page that did not change
 *   is a `304`).
 *
 * A live list that grows past twice {@link LIVE_MAX} turns paged; a paged one
 * that shrinks to {@link LIVE_MAX} turns live again.
 *
 * @module
 */

import { fetchServers } from './api.js';
import { ServerMap } from './live.js';
import { PageCache } from './pages.js';
import type { ListDelta, Sample, Server } from './types.js';

/** Most matches for which the page follows the stream and holds them all. */
export const LIVE_MAX = 1000;
/** Servers per page fetched. */
export const PAGE_SIZE = 100;
/** How often a paged list fetches the pages in view again, in ms. */
export const REFRESH_MS = 2000;

/** How the list is held: every match, live; or the pages around the window, refreshed. */
export type ListMode = 'live' | 'paged';

/** How the page gets its updates: the stream, refreshed pages, or nothing for now. */
export type LiveStatus = 'connecting' | 'live' | 'polling' | 'offline';

/** What the page shows of the list at one moment. A new object at every change. */
export interface ListState {
  /** How many servers match; `undefined` until the first answer. */
  readonly total: number | undefined;
  readonly mode: ListMode;
  /** The players on the servers that match, when every match is held (live); otherwise `undefined`. */
  readonly players: number | undefined;
  /** The server at `index` (0 is the first in list order), or `undefined` when not held. */
  at(index: number): Server | undefined;
  /** A held server by id. */
  find(id: string): Server | undefined;
  /** Every held server. */
  held(): Iterable<Server>;
  /** Why the masterserver refused the filter, if it did. */
  readonly refused: string | undefined;
}

/** What {@link connectList} reports. */
export interface ListListener {
  /** The list changed. */
  list(state: ListState): void;
  /** A new history sample arrived on the stream. */
  sample(sample: Sample): void;
  status(status: LiveStatus): void;
}

/** What {@link connectList} returns. */
export interface ListConnection {
  /** The rows `first`…`last` are in view (or about to be): their pages are fetched if not held. */
  show(first: number, last: number): void;
  /** Stops: no more requests, no more reports. */
  close(): void;
}

/** Options of {@link connectList}; the defaults are the constants above. */
export interface ListOptions {
  /** The masterserver's origin. Default: the page's. */
  base?: string;
  /** Default {@link LIVE_MAX}. */
  liveMax?: number;
  /** Default {@link PAGE_SIZE}. */
  pageSize?: number;
  /** Default {@link REFRESH_MS}. */
  refreshMs?: number;
}

/** Failed stream attempts in a row after which the list is paged for {@link STREAM_RETRY_MS}. */
const STREAM_ATTEMPTS = 3;
const STREAM_RETRY_MS = 60_000;
/**
 * A window that moves has its pages fetched this long after it started, or,
 * if it moved more than its own size meanwhile (a fling), once it slows down:
 * reading fetches as it goes, a fling fetches where it stops.
 */
const FOLLOW_MS = 100;

/** Follows the servers that match `query` (the list's query string, without `?`; `''` for all). */
export function connectList(query: string, listener: ListListener, options: ListOptions = {}): ListConnection {
  const base = options.base ?? '';
  const liveMax = options.liveMax ?? LIVE_MAX;
  const refreshMs = options.refreshMs ?? REFRESH_MS;
  const pages = new PageCache(options.pageSize ?? PAGE_SIZE);
  const map = new ServerMap();
  const loading = new Map<number, AbortController>();
  /** True while the stream's list is what is shown. */
  let live = false;
  let total: number | undefined;
  let refused: string | undefined;
  let inView = { first: 0, last: pages.size - 1 };
  let source: EventSource | undefined;
  let failures = 0;
  let streamAfter = 0;
  let refresher: ReturnType<typeof setInterval> | undefined;
  let follow: ReturnType<typeof setTimeout> | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const report = (): void => {
    if (stopped) return;
    let players: number | undefined;
    if (live) {
      players = 0;
      for (const server of map.list) players += server.curPlayers;
    }
    listener.list({
      total: live ? map.list.length : total,
      mode: live ? 'live' : 'paged',
      players,
      refused,
      at: live ? (index) => map.list[index] : (index) => pages.at(index),
      find: live ? (id) => map.get(id) : (id) => pages.find(id),
      held: live ? () => map.list : () => pages.servers(),
    });
  };

  /** Fetches the pages in view that are not held or are stale; forgets fetches of pages out of view. */
  const sync = (): void => {
    if (stopped || live) return;
    const wanted = pages.wanted(inView.first, inView.last, total);
    for (const [index, controller] of loading) {
      if (wanted.includes(index)) continue;
      controller.abort();
      loading.delete(index);
    }
    for (const index of wanted) if (pages.stale(index) && !loading.has(index)) void load(index);
  };

  const load = async (index: number): Promise<void> => {
    const controller = new AbortController();
    loading.set(index, controller);
    const round = pages.round;
    const answer = await fetchServers(
      { query, limit: pages.size, offset: index * pages.size, etag: pages.etag(index) },
      controller.signal,
      base,
    );
    if (stopped || loading.get(index) !== controller) return;
    loading.delete(index);
    switch (answer.kind) {
      case 'same':
        pages.confirm(index, round);
        break;
      case 'page':
        refused = undefined;
        if (answer.total !== total) {
          total = answer.total;
          pages.truncate(total);
        }
        if (index * pages.size < answer.total)
          pages.put(index, answer.servers, answer.etag, round, Math.floor(inView.first / pages.size));
        if (!live) report();
        break;
      case 'refused':
        refused = answer.message;
        total = 0;
        pages.clear();
        report();
        return;
      case 'failed':
        // Tried again at the next refresh (the first fetch too: the masterserver may be restarting).
        if (!live && source === undefined) {
          listener.status('offline');
          startRefreshing();
        }
        return;
    }
    if (live || source !== undefined) return;
    if (total !== undefined && total <= liveMax && Date.now() >= streamAfter) openStream();
    else {
      listener.status('polling');
      startRefreshing();
      sync(); // the total may have moved the window's pages
    }
  };

  const startRefreshing = (): void => {
    if (refresher !== undefined) return;
    refresher = setInterval(() => {
      if (document.visibilityState === 'hidden') return;
      pages.refresh();
      sync();
    }, refreshMs);
  };

  const stopRefreshing = (): void => {
    clearInterval(refresher);
    refresher = undefined;
  };

  /** Leaves the stream for pages: the pages in view are taken from the list held, then refreshed. */
  const goPaged = (): void => {
    source?.close();
    source = undefined;
    if (live) {
      live = false;
      total = map.list.length;
      pages.clear();
      pages.refresh();
      for (const index of pages.wanted(inView.first, inView.last, total))
        pages.put(index, map.list.slice(index * pages.size, (index + 1) * pages.size), undefined, pages.round - 1);
      report();
    }
    listener.status('polling');
    startRefreshing();
    sync();
  };

  const openStream = (): void => {
    if (stopped) return;
    clearTimeout(retry);
    stopRefreshing();
    source?.close();
    listener.status(failures === 0 ? 'connecting' : 'offline');
    const stream = new EventSource(`${base}/v2/client/servers/events${query === '' ? '' : `?${query}`}`);
    source = stream;
    let opened = false;
    const took = (): void => {
      if (map.list.length > 2 * liveMax) goPaged();
      else report();
    };
    stream.addEventListener('servers', (event) => {
      opened = true;
      failures = 0;
      live = true;
      listener.status('live');
      map.replace(JSON.parse(event.data) as Server[], Number(event.lastEventId));
      took();
    });
    stream.addEventListener('delta', (event) => {
      if (map.apply(JSON.parse(event.data) as ListDelta, Number(event.lastEventId))) took();
      else openStream(); // a change was missed: start again from a whole list
    });
    stream.addEventListener('sample', (event) => listener.sample(JSON.parse(event.data) as Sample));
    stream.addEventListener('error', () => {
      if (stream !== source) return;
      if (!opened) failures++;
      opened = false;
      if (failures >= STREAM_ATTEMPTS) {
        failures = 0;
        streamAfter = Date.now() + STREAM_RETRY_MS;
        goPaged();
      } else if (stream.readyState === EventSource.CLOSED) {
        // Refused (an error status): the browser gives up, so try again ourselves.
        listener.status('offline');
        retry = setTimeout(openStream, 2000 * failures);
      } else {
        listener.status('offline'); // the browser reconnects by itself
      }
    });
  };

  listener.status('connecting');
  sync();
  return {
    show(first, last) {
      inView = { first, last };
      if (live || stopped || follow !== undefined) return;
      let from = first;
      const check = (): void => {
        if (Math.abs(inView.first - from) > inView.last - inView.first) {
          from = inView.first;
          follow = setTimeout(check, FOLLOW_MS);
          return;
        }
        follow = undefined;
        sync();
      };
      follow = setTimeout(check, FOLLOW_MS);
    },
    close() {
      stopped = true;
      stopRefreshing();
      clearTimeout(follow);
      clearTimeout(retry);
      source?.close();
      for (const controller of loading.values()) controller.abort();
      loading.clear();
    },
  };
}
