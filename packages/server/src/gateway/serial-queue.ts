/**
 * Runs one connection's tasks (registrations, expiry, revocation) one at a
 * time, in arrival order: at once while nothing waits, else after the tasks
 * before it. Only tasks that answer with promises (a networked registry) make
 * later ones wait; while too many wait, the connection stops being read.
 *
 * @module
 */

import { isPromise, type MaybePromise } from '../maybe-async.js';

/** What the queue tells its owner. */
export interface SerialQueueHooks {
  /** A task threw or rejected. */
  error(error: unknown): void;
  /** As many tasks wait as the queue holds: stop reading. */
  pause(): void;
  /** Below the limit again: read again. */
  resume(): void;
}

/** A queue of tasks run one at a time. */
export class SerialQueue {
  readonly #hooks: SerialQueueHooks;
  readonly #limit: number;
  #tail: Promise<void> = Promise.resolve();
  /** Tasks waiting on a promise; 0 means the next task runs at once. */
  #waiting = 0;

  /** `limit`: waiting tasks at which {@link SerialQueueHooks.pause} is called. */
  constructor(limit: number, hooks: SerialQueueHooks) {
    this.#limit = limit;
    this.#hooks = hooks;
  }

  /** Tasks that have not finished (0 while every task so far finished synchronously). */
  get waiting(): number {
    return this.#waiting;
  }

  /** Runs `task` now if nothing waits, else after the tasks queued before it. */
  run(task: () => MaybePromise<void>): void {
    if (this.#waiting > 0) {
      this.track(this.#tail.then(task));
      return;
    }
    let result: MaybePromise<void>;
    try {
      result = task();
    } catch (error) {
      this.#hooks.error(error);
      return;
    }
    if (isPromise(result)) this.track(result);
  }

  /** Counts `work` (a task that already started) as waiting: the tasks run after this wait for it. */
  track(work: Promise<void>): void {
    if (++this.#waiting === this.#limit) this.#hooks.pause();
    this.#tail = work
      .catch((error: unknown) => this.#hooks.error(error))
      .finally(() => {
        if (this.#waiting-- === this.#limit) this.#hooks.resume();
      });
  }
}
