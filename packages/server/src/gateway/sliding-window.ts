/**
 * Counts events in a sliding time window with a ring of the last `limit`
 * timestamps: O(1) per event, no timers, `limit` numbers of memory.
 *
 * @module
 */

/** "At most `limit` events in any `windowMs` milliseconds." */
export class SlidingWindow {
  /** A plain array of doubles: kept in the heap, where a typed array would add a backing store of its own. */
  readonly #times: number[];
  readonly #windowMs: number;
  #next = 0;

  constructor(limit: number, windowMs: number) {
    this.#times = Array.from({ length: limit }, () => Number.NEGATIVE_INFINITY);
    this.#windowMs = windowMs;
  }

  /** Records an event at `now` unless it would be one too many; returns whether it was recorded. */
  tryRecord(now: number): boolean {
    if (now - (this.#times[this.#next] as number) < this.#windowMs) return false;
    this.record(now);
    return true;
  }

  /** Records an event at `now`; returns `true` when the window now holds `limit` events. */
  record(now: number): boolean {
    this.#times[this.#next] = now;
    this.#next = (this.#next + 1) % this.#times.length;
    return now - (this.#times[this.#next] as number) < this.#windowMs;
  }
}
