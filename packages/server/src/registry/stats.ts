/**
 * The history of total players and listed servers: a sampler that reads the
 * registry every few seconds and keeps the last hour in a ring buffer.
 *
 * @module
 */

import type { Registry } from './registry.js';

/** How far back the history reaches, in ms: one hour. */
export const STATS_WINDOW_MS = 3_600_000;

/** One sample: the time (Unix ms), the players on listed servers (sum of `curPlayers`), the listed servers. */
export interface StatsSample {
  readonly t: number;
  readonly players: number;
  readonly servers: number;
}

/** Options of {@link StatsHistory}. */
export interface StatsHistoryOptions {
  /** Milliseconds between samples. Default `5000`. */
  intervalMs?: number;
  /** How far back samples are kept, in ms. Default {@link STATS_WINDOW_MS}. */
  windowMs?: number;
  /** The clock (Unix ms). Default `Date.now`. */
  now?: () => number;
}

/**
 * Samples the registry every `intervalMs` once {@link start}ed and keeps the
 * samples of the last `windowMs`, oldest first.
 */
export class StatsHistory {
  /** Milliseconds between samples. */
  readonly intervalMs: number;
  /** How far back samples are kept, in ms. */
  readonly windowMs: number;
  readonly #registry: Pick<Registry, 'values' | 'size'>;
  readonly #now: () => number;
  readonly #ring: Array<StatsSample | undefined>;
  readonly #listeners = new Set<(sample: StatsSample) => void>();
  #next = 0;
  #taken = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(registry: Pick<Registry, 'values' | 'size'>, options: StatsHistoryOptions = {}) {
    this.#registry = registry;
    this.intervalMs = options.intervalMs ?? 5000;
    this.windowMs = options.windowMs ?? STATS_WINDOW_MS;
    this.#now = options.now ?? Date.now;
    this.#ring = new Array<StatsSample | undefined>(Math.ceil(this.windowMs / this.intervalMs) + 1);
  }

  /** Takes a sample now and then every `intervalMs`, until {@link stop}. Calling it again does nothing. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.intervalMs);
    this.#timer.unref();
  }

  /** Stops sampling; the samples taken stay. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Takes one sample now, keeps it and tells the {@link onSample} listeners. */
  sample(): StatsSample {
    let players = 0;
    for (const server of this.#registry.values()) players += server.curPlayers;
    const sample: StatsSample = { t: this.#now(), players, servers: this.#registry.size };
    this.#ring[this.#next] = sample;
    this.#next = (this.#next + 1) % this.#ring.length;
    this.#taken++;
    for (const listener of this.#listeners) listener(sample);
    return sample;
  }

  /** The samples of the last `windowMs` (counted back from the newest), oldest first. */
  samples(): StatsSample[] {
    const out: StatsSample[] = [];
    const size = this.#ring.length;
    for (let i = 0; i < size; i++) {
      const sample = this.#ring[(this.#next + i) % size];
      if (sample !== undefined) out.push(sample);
    }
    const newest = out.at(-1);
    if (newest === undefined) return out;
    const from = out.findIndex((s) => s.t > newest.t - this.windowMs);
    return from <= 0 ? out : out.slice(from);
  }

  /** Calls `listener` with every new sample. Returns a function that removes it. */
  onSample(listener: (sample: StatsSample) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** How many samples were taken so far: it grows with every sample (a view made of them is stale once it grows). */
  get taken(): number {
    return this.#taken;
  }
}
