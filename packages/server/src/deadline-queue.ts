/**
 * Deadlines of one fixed duration without a timer each: they expire in the
 * order they were set, so one queue and one timer (for the oldest deadline
 * still waiting) serve them all. The join timeouts of an instance and the
 * reachability probe's re-probe schedule each use one.
 *
 * @module
 */

/** A deadline that can be cancelled (e.g. the join was answered first). */
export interface Deadline {
  cancel(): void;
}

/** One deadline: the queue's entry and the handle its caller cancels it with (one object, no closure). */
class Entry implements Deadline {
  readonly at: number;
  /** Cleared when the deadline is cancelled. */
  expire: ((item: unknown) => void) | undefined;
  readonly item: unknown;

  constructor(at: number, expire: (item: unknown) => void, item: unknown) {
    this.at = at;
    this.expire = expire;
    this.item = item;
  }

  cancel(): void {
    this.expire = undefined;
  }
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

  /**
   * Calls `expire(item)` once the duration has passed, unless the returned deadline is cancelled first.
   * (`item` lets many deadlines share one `expire` function instead of a closure each.)
   */
  add(expire: () => void): Deadline;
  add<T>(expire: (item: T) => void, item: T): Deadline;
  add(expire: (item: unknown) => void, item?: unknown): Deadline {
    const entry = new Entry(this.#now() + this.#durationMs, expire, item);
    this.#entries.push(entry);
    if (this.#timer === undefined) this.#arm(entry.at);
    return entry;
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
      expire?.(entry.item);
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
