/**
 * The live server list: the masterserver's event stream
 * (`GET /v2/client/servers/events`) applied to a map of servers, with a
 * fallback to polling the list when the stream cannot be had (a proxy that
 * buffers it, say).
 *
 * @module
 */

import type { ListDelta, Sample, Server } from './types.js';

/** The list by id, and the number of the stream state it holds. */
export class ServerMap {
  #servers = new Map<string, Server>();
  #list: readonly Server[] = [];
  #seq: number | undefined;

  /** The servers, in the order the masterserver sent them first. The same array until the next change. */
  get list(): readonly Server[] {
    return this.#list;
  }

  /** The number of the state held (`undefined` before the first list or after polling). */
  get seq(): number | undefined {
    return this.#seq;
  }

  /** Replaces the whole list (`event: servers`, or a poll when `seq` is `undefined`). */
  replace(servers: readonly Server[], seq: number | undefined): void {
    const next = new Map<string, Server>();
    for (const server of servers) {
      // Keep unchanged servers as the same objects, so that their rows are not drawn again.
      const old = this.#servers.get(server.id);
      next.set(server.id, old !== undefined && sameServer(old, server) ? old : server);
    }
    this.#servers = next;
    this.#list = [...next.values()];
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
    this.#list = [...this.#servers.values()];
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
    a.gameState === b.gameState
  );
}

/** How the page gets its updates: the stream, polling, or nothing for now. */
export type LiveStatus = 'connecting' | 'live' | 'polling' | 'offline';

/** What {@link connectLive} reports. */
export interface LiveListener {
  /** The list changed (the same `map` every time). */
  list(map: ServerMap): void;
  /** A new history sample arrived. */
  sample(sample: Sample): void;
  status(status: LiveStatus): void;
}

/** Failed stream attempts in a row after which the page polls instead. */
const STREAM_ATTEMPTS = 3;
const POLL_MS = 2000;
/** While polling, the stream is tried again this often. */
const STREAM_RETRY_MS = 60_000;

/**
 * Keeps `listener` up to date from the masterserver at `base` (the page's
 * origin by default). Returns a function that stops.
 */
export function connectLive(listener: LiveListener, base = ''): () => void {
  const map = new ServerMap();
  let source: EventSource | undefined;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let etag: string | undefined;

  const setStatus = (status: LiveStatus): void => listener.status(status);

  const openStream = (): void => {
    if (stopped) return;
    clearTimeout(timer);
    source?.close();
    setStatus(failures === 0 ? 'connecting' : 'offline');
    const stream = new EventSource(`${base}/v2/client/servers/events`);
    source = stream;
    let opened = false;
    stream.addEventListener('servers', (event) => {
      opened = true;
      failures = 0;
      setStatus('live');
      map.replace(JSON.parse(event.data) as Server[], Number(event.lastEventId));
      listener.list(map);
    });
    stream.addEventListener('delta', (event) => {
      if (map.apply(JSON.parse(event.data) as ListDelta, Number(event.lastEventId))) listener.list(map);
      else openStream(); // a change was missed: start again from a whole list
    });
    stream.addEventListener('sample', (event) => listener.sample(JSON.parse(event.data) as Sample));
    stream.addEventListener('error', () => {
      if (stream !== source) return;
      if (!opened) failures++;
      opened = false;
      if (failures >= STREAM_ATTEMPTS) {
        stream.close();
        startPolling();
      } else if (stream.readyState === EventSource.CLOSED) {
        // Refused (an error status): the browser gives up, so try again ourselves.
        setStatus('offline');
        timer = setTimeout(openStream, 2000 * failures);
      } else {
        setStatus('offline'); // the browser reconnects by itself
      }
    });
  };

  const poll = async (): Promise<void> => {
    try {
      const headers: Record<string, string> = etag === undefined ? {} : { 'if-none-match': etag };
      const res = await fetch(`${base}/v2/client/servers`, { headers, cache: 'no-store' });
      if (res.status === 200) {
        etag = res.headers.get('etag') ?? undefined;
        map.replace((await res.json()) as Server[], undefined);
        listener.list(map);
      }
      setStatus(res.ok || res.status === 304 ? 'polling' : 'offline');
    } catch {
      setStatus('offline');
    }
  };

  const startPolling = (): void => {
    source = undefined;
    const started = Date.now();
    const loop = async (): Promise<void> => {
      if (stopped) return;
      await poll();
      if (stopped) return;
      if (Date.now() - started > STREAM_RETRY_MS) {
        failures = STREAM_ATTEMPTS - 1; // one more try at the stream, then back here
        openStream();
      } else {
        timer = setTimeout(loop, POLL_MS);
      }
    };
    void loop();
  };

  openStream();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
