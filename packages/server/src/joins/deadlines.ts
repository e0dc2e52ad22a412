/**
 * Join timeouts without a timer per join. Every join waits the same time, so
 * deadlines expire in the order they were set: one queue and one timer (for
 * the oldest deadline still waiting) serve every pending join of the instance.
 *
 * @module
 */

interface Entry {
  readonly at: number;
  /** Cleared when the deadline is cancelled. */
  expire: (() => void) | undefined;
}

/** A deadline that can be cancelled (the join was answered first). */
export interface Deadline {
  cancel(): void;
}

/** Deadlines of one fixed duration, expiring in order. */
export class DeadlineQueue {
  readonly #durationMs: number;
  readonly #now: () => number;
  #entries: Entry[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `durationMs`: how long each deadline is; `now`: the clock in ms (monotonic by default). */
  constructor(durationMs: number, now: () => number = () => performance.now()) {
    this.#durationMs = durationMs;
    this.#now = now;
  }

  /** Deadlines waiting (not expired, not cancelled). */
  get size(): number {
    let size = 0;
    for (let i = this.#head; i < this.#entries.length; i++) if (this.#entries[i]?.expire !== undefined) size++;
    return size;
  }

  /** Calls `expire` once the duration has passed, unless the returned deadline is cancelled first. */
  add(expire: () => void): Deadline {
    const entry: Entry = { at: this.#now() + this.#durationMs, expire };
    this.#entries.push(entry);
    if (this.#timer === undefined) this.#arm(entry.at);
    return {
      cancel() {
        entry.expire = undefined;
      },
    };
  }

  /** Cancels every deadline (without calling them) and stops the timer. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#entries = [];
    this.#head = 0;
  }

  #arm(at: number): void {
    this.#timer = setTimeout(this.#fire, Math.max(0, Math.ceil(at - this.#now()))).unref();
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const now = this.#now();
    const entries = this.#entries;
    // Expired ones run; cancelled ones are dropped whatever their deadline, so that a queue of answered
    // joins costs one timer for the oldest join still waiting, not one wake-up per join.
    while (this.#head < entries.length) {
      const entry = entries[this.#head] as Entry;
      if (entry.expire !== undefined && entry.at > now) break;
      this.#head++;
      const expire = entry.expire;
      entry.expire = undefined;
      expire?.();
    }
    if (this.#head >= 1024 && this.#head * 2 >= entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
    const next = this.#entries[this.#head];
    if (next === undefined) {
      this.#entries = [];
      this.#head = 0;
    } else this.#arm(next.at);
  };
}
