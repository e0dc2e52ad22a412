/**
 * Deadlines of one fixed duration without a timer each: a {@link TimerList}
 * (they expire in the order they were set, so one timer, for the oldest
 * deadline still waiting, serves them all). Quick play's tries and the
 * reachability probe's re-probe schedule each use one.
 *
 * @module
 */

import { ListTimer, TimerList } from './timer-list.js';

/** A deadline that can be cancelled (e.g. the join was answered first). */
export interface Deadline {
  cancel(): void;
}

/** One deadline: the list's node and the handle its caller cancels it with (one object, no closure). */
class Entry extends ListTimer implements Deadline {
  readonly #expire: (item: unknown) => void;
  readonly #item: unknown;

  constructor(list: TimerList<Entry>, expire: (item: unknown) => void, item: unknown) {
    super(list);
    this.#expire = expire;
    this.#item = item;
  }

  static due(entry: Entry): void {
    entry.#expire(entry.#item);
  }

  cancel(): void {
    this.stop();
  }
}

/** Deadlines of one fixed duration, expiring in order. */
export class DeadlineQueue {
  readonly #list: TimerList<Entry>;

  /** `durationMs`: how long each deadline is. */
  constructor(durationMs: number) {
    this.#list = new TimerList(durationMs, Entry.due);
  }

  /** Deadlines waiting (not expired, not cancelled). */
  get size(): number {
    return this.#list.size;
  }

  /**
   * Calls `expire(item)` once the duration has passed, unless the returned deadline is cancelled first.
   * (`item` lets many deadlines share one `expire` function instead of a closure each.)
   */
  add(expire: () => void): Deadline;
  add<T>(expire: (item: T) => void, item: T): Deadline;
  add(expire: (item: unknown) => void, item?: unknown): Deadline {
    const entry = new Entry(this.#list, expire, item);
    entry.start();
    return entry;
  }

  /** Cancels every deadline (without calling them) and stops the timer. */
  clear(): void {
    this.#list.clear();
  }
}
