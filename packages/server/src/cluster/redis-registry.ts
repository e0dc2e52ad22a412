/**
 * The registry of a masterserver cluster: the list lives in Redis, and each
 * instance keeps a mirror of it, fed by the changes channel, to serve the list
 * without asking Redis. Each instance owns the listings of its own
 * connections and is the authority on them; while Redis cannot be reached it
 * keeps serving (its own listings and the last known others) and puts its own
 * back when Redis returns.
 *
 * @module
 */

import type { Logger } from '../logger.js';
import {
  type EvictListener,
  type ListedServer,
  type PutResult,
  type Registry,
  withPublicJson,
} from '../registry/registry.js';
import { Rerun } from '../rerun.js';
import type { ClusterLink } from './cluster-link.js';
import { defineListScripts } from './scripts.js';

/** A listing as stored in Redis and sent on the changes channel. */
type StoredServer = Omit<ListedServer, 'json'> & { owner: string };

type Change = { o: 'put'; s: StoredServer } | { o: 'del'; id: string } | { o: 'evict'; id: string; holder: string };

/**
 * `message` (from the changes channel) as a change, or `undefined` for a kind this version does not know.
 * Throws when it is no message, or a change with bad fields, so that the link logs and drops it.
 */
function asChange(message: unknown): Change | undefined {
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new Error('not a message');
  const m = message as { o?: unknown; id?: unknown; holder?: unknown; s?: { id?: unknown; owner?: unknown } | null };
  const valid =
    m.o === 'put'
      ? typeof m.s?.id === 'string' && typeof m.s.owner === 'string'
      : m.o === 'del'
        ? typeof m.id === 'string'
        : m.o === 'evict'
          ? typeof m.id === 'string' && typeof m.holder === 'string'
          : undefined;
  if (valid === undefined) return undefined;
  if (!valid) throw new Error(`a "${String(m.o)}" change without its fields`);
  return m as Change;
}

/** Options of {@link RedisRegistry}. */
export interface RedisRegistryOptions {
  /** Milliseconds a listing lives in Redis without a refresh (the registration TTL). */
  registrationTtl: number;
  /** Servers the cluster may list; `0` is no limit. */
  maxServers: number;
  logger: Logger;
}

/** How many keys one MGET reads during a resync. */
const MGET_CHUNK = 1000;

function toStored(server: ListedServer, owner: string): string {
  const { json: _json, ...fields } = server;
  return JSON.stringify({ ...fields, owner });
}

function fromStored(stored: StoredServer): ListedServer {
  const { owner: _owner, ...fields } = stored;
  return withPublicJson(fields);
}

/** A {@link Registry} shared by every instance through Redis. */
export class RedisRegistry implements Registry {
  readonly #link: ClusterLink;
  readonly #redis: ReturnType<typeof defineListScripts>;
  readonly #ttl: number;
  readonly #max: number;
  readonly #logger: Logger;
  #servers = new Map<string, ListedServer>();
  #owners = new Map<string, string>();
  readonly #owned = new Map<string, ListedServer>();
  /** Own listings deleted while Redis could not be reached. */
  readonly #pendingDeletes = new Map<string, ListedServer>();
  #buffer: Change[] | undefined;
  readonly #resyncs = new Rerun(
    () => this.#resync(),
    (error) => this.#warn('resync failed', error),
  );
  #version = 0;
  readonly #evictListeners = new Set<EvictListener>();

  private constructor(link: ClusterLink, options: RedisRegistryOptions) {
    this.#link = link;
    this.#redis = defineListScripts(link.command);
    this.#ttl = options.registrationTtl;
    this.#max = options.maxServers;
    this.#logger = options.logger;
    link.listen(link.keys.changes, (message) => {
      const change = asChange(message);
      if (change === undefined) return;
      if (this.#buffer !== undefined) this.#buffer.push(change);
      else this.#apply(change);
    });
    link.onAvailability((available) => {
      if (available)
        this.#recover().catch((error: unknown) => this.#warn('recovery after a Redis outage failed', error));
    });
    link.onDeath((instances) => this.#dropOwners(new Set(instances)));
    link.onRevival(() => {
      this.#resyncs.runInBackground();
    });
  }

  /** Creates the registry on a connected link and loads the shared list. */
  static async create(link: ClusterLink, options: RedisRegistryOptions): Promise<RedisRegistry> {
    const registry = new RedisRegistry(link, options);
    await registry.resync();
    return registry;
  }

  get size(): number {
    return this.#servers.size;
  }

  get version(): number {
    return this.#version;
  }

  get available(): boolean {
    return this.#link.available;
  }

  get(id: string): ListedServer | undefined {
    return this.#servers.get(id);
  }

  values(): IterableIterator<ListedServer> {
    return this.#servers.values();
  }

  ownerOf(id: string): string | undefined {
    const owner = this.#owners.get(id);
    return owner === this.#link.id ? undefined : owner;
  }

  onEvict(listener: EvictListener): () => void {
    this.#evictListeners.add(listener);
    return () => this.#evictListeners.delete(listener);
  }

  async put(server: ListedServer): Promise<PutResult> {
    const previous = this.#owned.get(server.id);
    if (this.#link.available) {
      try {
        return await this.#putShared(server);
      } catch (error) {
        this.#warn('listing in Redis failed; listed on this instance only', error);
      }
    }
    if (previous === undefined && this.#max > 0 && this.#servers.size >= this.#max)
      return { ok: false, reason: 'full' };
    this.#keep(server);
    // Without Redis no evict comes back on the changes channel: supersede a connection of this instance here.
    if (previous !== undefined && previous.holder !== server.holder) {
      for (const listener of this.#evictListeners) listener(server.id, 'superseded', previous.holder);
    }
    return { ok: true };
  }

  async refresh(id: string): Promise<void> {
    const server = this.#owned.get(id);
    if (server === undefined || !this.#link.available) return;
    const { keys } = this.#link;
    try {
      const alive = await this.#redis.msRefresh(keys.servers, keys.server(id), id, this.#ttl);
      // Redis lost the listing (a restart without persistence): put it back.
      if (alive === 0 && this.#owned.get(id) === server) await this.#putShared(server);
    } catch (error) {
      this.#warn('refreshing a listing in Redis failed', error);
    }
  }

  async delete(listing: ListedServer): Promise<void> {
    const { id, holder } = listing;
    const server = this.#owned.get(id);
    // Superseded meanwhile (by a connection here or on another instance): the listing is someone else's.
    if (server?.holder !== holder) return;
    this.#owned.delete(id);
    this.#remove(id);
    if (!this.#link.available) {
      this.#pendingDeletes.set(id, server);
      return;
    }
    try {
      await this.#deleteShared(server);
    } catch (error) {
      this.#pendingDeletes.set(id, server);
      this.#warn('delisting in Redis failed; will retry', error);
    }
  }

  async close(): Promise<void> {
    this.#servers.clear();
    this.#owners.clear();
    this.#version++;
  }

  /**
   * Reloads the mirror from Redis. Changes published meanwhile are buffered
   * and applied on top, so the result is exact whatever their timing (each
   * change sets or removes a whole listing).
   */
  resync(): Promise<void> {
    return this.#resyncs.run();
  }

  async #resync(): Promise<void> {
    const { keys, id: self } = this.#link;
    this.#buffer = [];
    try {
      const ids = await this.#redis.zrange(keys.servers, '0', '-1');
      const servers = new Map<string, ListedServer>();
      const owners = new Map<string, string>();
      for (let i = 0; i < ids.length; i += MGET_CHUNK) {
        const chunk = ids.slice(i, i + MGET_CHUNK);
        const records = await this.#redis.mget(chunk.map((id) => keys.server(id)));
        for (const raw of records) {
          if (raw === null) continue;
          const stored = JSON.parse(raw) as StoredServer;
          if (stored.owner === self || !this.#link.isLive(stored.owner)) continue;
          this.#link.watch(stored.owner);
          servers.set(stored.id, fromStored(stored));
          owners.set(stored.id, stored.owner);
        }
      }
      for (const [id, server] of this.#owned) {
        servers.set(id, server);
        owners.set(id, self);
      }
      this.#servers = servers;
      this.#owners = owners;
    } finally {
      const buffered = this.#buffer;
      this.#buffer = undefined;
      for (const message of buffered) this.#apply(message);
      this.#version++;
    }
  }

  async #putShared(server: ListedServer): Promise<PutResult> {
    const { keys } = this.#link;
    const result = await this.#redis.msPut(
      keys.servers,
      keys.server(server.id),
      server.id,
      toStored(server, this.#link.id),
      this.#ttl,
      this.#max,
      keys.changes,
      server.holder,
    );
    if (result === 'full') return { ok: false, reason: 'full' };
    this.#keep(server);
    return { ok: true };
  }

  async #deleteShared(server: ListedServer): Promise<void> {
    const { keys } = this.#link;
    await this.#redis.msDelete(keys.servers, keys.server(server.id), server.id, keys.changes, server.holder);
  }

  /**
   * After an outage: delist what was closed meanwhile, put back every own
   * listing, reload the rest. A delete that fails again stays pending for the
   * next recovery and does not hold up the rest.
   */
  async #recover(): Promise<void> {
    for (const [id, server] of this.#pendingDeletes) {
      try {
        await this.#deleteShared(server);
        this.#pendingDeletes.delete(id);
      } catch (error) {
        this.#warn('delisting in Redis failed again; will retry', error);
      }
    }
    for (const server of [...this.#owned.values()]) {
      const result = await this.#putShared(server);
      if (!result.ok)
        this.#logger.warn({ serverId: server.id }, 'the shared list is full: listed on this instance only');
    }
    await this.resync();
    this.#logger.info({ servers: this.#owned.size }, 'own listings restored in Redis');
  }

  #keep(server: ListedServer): void {
    this.#owned.set(server.id, server);
    this.#servers.set(server.id, server);
    this.#owners.set(server.id, this.#link.id);
    this.#version++;
  }

  #remove(id: string): boolean {
    if (!this.#servers.delete(id)) return false;
    this.#owners.delete(id);
    this.#version++;
    return true;
  }

  #apply(change: Change): void {
    switch (change.o) {
      case 'put': {
        const stored = change.s;
        // This instance is the authority on its own listings.
        if (stored.owner === this.#link.id) return;
        this.#link.watch(stored.owner);
        this.#servers.set(stored.id, fromStored(stored));
        this.#owners.set(stored.id, stored.owner);
        this.#version++;
        return;
      }
      case 'del':
        if (!this.#owned.has(change.id)) this.#remove(change.id);
        return;
      case 'evict': {
        const { id, holder } = change;
        if (this.#owned.get(id)?.holder === holder) this.#owned.delete(id);
        if (this.#servers.get(id)?.holder === holder) this.#remove(id);
        for (const listener of this.#evictListeners) listener(id, 'superseded', holder);
        return;
      }
    }
  }

  #dropOwners(dead: Set<string>): void {
    let dropped = 0;
    for (const [id, owner] of this.#owners) {
      if (dead.has(owner) && this.#remove(id)) dropped++;
    }
    if (dropped > 0) this.#logger.warn({ servers: dropped }, 'delisted the servers of stopped instances');
  }

  #warn(message: string, error: unknown): void {
    this.#logger.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  }
}
