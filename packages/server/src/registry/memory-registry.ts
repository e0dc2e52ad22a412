/**
 * The registry of a single masterserver: the list in this process's memory.
 *
 * @module
 */

import type { EvictListener, ListedServer, PutResult, Registry } from './registry.js';

/** A {@link Registry} held in memory. */
export class MemoryRegistry implements Registry {
  readonly #servers = new Map<string, ListedServer>();
  readonly #maxServers: number;
  readonly #evictListeners = new Set<EvictListener>();
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

  /** Always `true`: memory cannot be unreachable. */
  get available(): boolean {
    return true;
  }

  put(server: ListedServer): PutResult {
    const previous = this.#servers.get(server.id);
    if (previous === undefined && this.#maxServers > 0 && this.#servers.size >= this.#maxServers) {
      return { ok: false, reason: 'full' };
    }
    this.#servers.set(server.id, server);
    this.#version++;
    // Listeners run once the new listing is in place: the superseded connection's own delete then does nothing.
    if (previous !== undefined && previous.holder !== server.holder) {
      for (const listener of this.#evictListeners) listener(server.id, 'superseded', previous.holder);
    }
    return { ok: true };
  }

  refresh(_id: string): void {}

  delete(server: ListedServer): void {
    if (this.#servers.get(server.id)?.holder !== server.holder) return;
    this.#servers.delete(server.id);
    this.#version++;
  }

  get(id: string): ListedServer | undefined {
    return this.#servers.get(id);
  }

  values(): IterableIterator<ListedServer> {
    return this.#servers.values();
  }

  /** Always `undefined`: this instance holds every server it lists. */
  ownerOf(_id: string): string | undefined {
    return undefined;
  }

  onEvict(listener: EvictListener): () => void {
    this.#evictListeners.add(listener);
    return () => this.#evictListeners.delete(listener);
  }

  async close(): Promise<void> {
    this.#servers.clear();
    this.#version++;
  }
}
