/**
 * Keeping an in-memory mirror of a store current: loaded at start, then again
 * every interval and at once when the store reports a change, never two loads
 * at a time and never missing a change (see {@link Rerun}). The tokens and the
 * bans are mirrored this way, so the hot path never waits on a store.
 *
 * @module
 */

import { Rerun } from './rerun.js';

/** Subscribes to a store's change notices; returns a function that unsubscribes. */
export type ChangeSubscription = (listener: () => void) => (() => void) | undefined;

/** Reloads a mirror on a timer and on change notices. */
export class StoreWatch {
  readonly #loads: Rerun;
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  /** `load` reads the store into the mirror; a failed background load goes to `onError`. */
  constructor(load: () => Promise<void>, onError: (error: unknown) => void) {
    this.#loads = new Rerun(load, onError);
  }

  /** Loads now; a call during a load runs one more after it. */
  refresh(): Promise<void> {
    return this.#loads.run();
  }

  /** Loads now, then every `intervalMs`, and at once on every notice of `subscribe`, until {@link stop}. */
  async start(intervalMs: number, subscribe?: ChangeSubscription): Promise<void> {
    await this.refresh();
    this.#unsubscribe = subscribe?.(() => this.#loads.runInBackground());
    this.#timer = setInterval(() => this.#loads.runInBackground(), intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and the notices. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }
}
