/**
 * The registry of a single masterserver: the list in this process's memory.
 *
 * @module
 */

import type { EvictReason, ListedServer, PutResult, Registry } from './registry.js';

/** A {@link Registry} held in memory, with an index by address for supersede. */
export class MemoryRegistry implements Registry {
  readonly #servers = new Map<string, ListedServer>();
  readonly #byAddress = new Map<string, string>();
  /** The address each listed server is indexed under. */
  readonly #addressOf = new Map<string, string>();
  readonly #maxServers: number;
  readonly #evictListeners = new Set<(id: string, reason: EvictReason) => void>();
  #version = 0;

  /** `maxServers`: how many servers the list may hold; `0` is no limit. */
  constructor(options: { maxServers?: number } = {}) {
    this.#maxServers = options.maxServers ?? 0;
  }

  get size(): number {
    return this.#servers.size;
  }

  get version(): number {
    return this.#version;
  }

  put(server: ListedServer): PutResult {
    const previous = this.#servers.get(server.id);
    if (previous === undefined && this.#maxServers > 0 && this.#servers.size >= this.#maxServers) {
      return { ok: false, reason: 'full' };
    }
    const address = `${server.ip}:${server.port}`;
    if (previous !== undefined) this.#unindex(previous.id);
    const holder = this.#byAddress.get(address);
    if (holder !== undefined && holder !== server.id) {
      this.#remove(holder);
      for (const listener of this.#evictListeners) listener(holder, 'superseded');
    }
    this.#servers.set(server.id, server);
    this.#byAddress.set(address, server.id);
    this.#addressOf.set(server.id, address);
    this.#version++;
    return { ok: true };
  }

  refresh(_id: string): void {}

  delete(id: string): void {
    this.#remove(id);
  }

  get(id: string): ListedServer | undefined {
    return this.#servers.get(id);
  }

  values(): IterableIterator<ListedServer> {
    return this.#servers.values();
  }

  onEvict(listener: (id: string, reason: EvictReason) => void): () => void {
    this.#evictListeners.add(listener);
    return () => this.#evictListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#servers.clear();
    this.#byAddress.clear();
    this.#addressOf.clear();
    this.#version++;
  }

  #remove(id: string): void {
    if (!this.#servers.delete(id)) return;
    this.#unindex(id);
    this.#version++;
  }

  #unindex(id: string): void {
    const address = this.#addressOf.get(id);
    if (address === undefined) return;
    this.#addressOf.delete(id);
    if (this.#byAddress.get(address) === id) this.#byAddress.delete(address);
  }
}
