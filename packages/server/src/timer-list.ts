/**
 * Timers of one fixed duration without a Node.js `Timeout` each. A timer
 * (re)started goes to the end of its list, so a list stays in the order of
 * its deadlines, and one `Timeout`, armed for the first deadline, serves them
 * all; starting, restarting and stopping a timer only relinks it. Every game
 * server's connection runs two (its Ping interval and its registration TTL),
 * and a third while a Pong is awaited (its Pong deadline): a `Timeout` apiece,
 * with its arguments, would cost an idle connection about 600 bytes. The join
 * timeouts are a list whose timers are the waiting joins themselves, and the
 * deadline queues (quick play's tries, re-probes) are lists too.
 *
 * The timers are the lists' own nodes: a class extends {@link ListTimer} and
 * its list calls `expire(timer)` when it runs out, so a running timer holds
 * no closure and no other object. A paced list (the Pings') spreads out
 * timers that come due together (`pacer.ts`).
 *
 * @module
 */

import { Pacer } from './pacer.js';

/** The clock of the lists: whole ms (monotonic), rounded up so that no deadline comes early. */
function now(): number {
  return Math.ceil(performance.now());
}

/** What a timer needs of its list. */
interface Links {
  readonly first: ListTimer | undefined;
  start(timer: ListTimer): void;
  unlink(timer: ListTimer): void;
}

/** A timer in a {@link TimerList}: extend it, and the list calls its `expire` with the timer. */
export class ListTimer {
  readonly #list: Links;
  /** When it runs out (ms on the lists' clock); meaningful while {@link running}. */
  due = 0;
  /** Its neighbours in the list while running. */
  prev: ListTimer | undefined = undefined;
  next: ListTimer | undefined = undefined;

  constructor(list: Links) {
    this.#list = list;
  }

  /** Whether it runs (started, not stopped, not run out). */
  get running(): boolean {
    return this.prev !== undefined || this.#list.first === this;
  }

  /** Starts it, or starts it again: it runs out one duration from now. */
  start(): void {
    this.#list.start(this);
  }

  /** Stops it, if it runs. */
  stop(): void {
    if (this.running) this.#list.unlink(this);
  }
}

/** Timers of one duration, in the order of their deadlines, on one `Timeout`. */
export class TimerList<T extends ListTimer> {
  readonly #durationMs: number;
  readonly #expire: (timer: T) => void;
  #first: T | undefined;
  #last: T | undefined;
  #size = 0;
  #timeout: NodeJS.Timeout | undefined;
  /** Set while expiring timers: one restarted then must not arm the `Timeout` past those still waiting. */
  #firing = false;
  /** Set for a paced list (`pacer.ts`): what spreads out timers that come due together. */
  readonly #pacer: Pacer | undefined;
  /** When a paced list deferred timers that were due: not before then does it go on (else 0). */
  #resumeAt = 0;

  /**
   * `durationMs`: how long every timer of the list runs; `expire(timer)`: called when one runs out. `paced`:
   * timers that come due together expire at up to twice the list's even rate, none more than a tenth of the
   * duration late (the Pings of game servers that connected in one burst).
   */
  constructor(durationMs: number, expire: (timer: T) => void, options: { paced?: boolean } = {}) {
    this.#durationMs = Math.max(1, Math.ceil(durationMs));
    this.#expire = expire;
    this.#pacer = options.paced === true ? new Pacer(Math.ceil(this.#durationMs / 10)) : undefined;
  }

  /** The timer that runs out first. */
  get first(): T | undefined {
    return this.#first;
  }

  /** Timers running. */
  get size(): number {
    return this.#size;
  }

  /** (Re)starts `timer`: it runs out one duration from now, after every timer running now. */
  start(timer: T): void {
    if (timer.running) this.unlink(timer);
    timer.due = now() + this.#durationMs;
    const last = this.#last;
    if (last === undefined) this.#first = timer;
    else {
      last.next = timer;
      timer.prev = last;
    }
    this.#last = timer;
    this.#size++;
    if (this.#timeout === undefined && !this.#firing) this.#arm(timer.due);
  }

  /** Takes a running `timer` out of the list. */
  unlink(timer: T): void {
    const { prev, next } = timer;
    if (prev === undefined) this.#first = next as T | undefined;
    else prev.next = next;
    if (next === undefined) this.#last = prev as T | undefined;
    else next.prev = prev;
    timer.prev = undefined;
    timer.next = undefined;
    this.#size--;
  }

  /** Stops every timer (without expiring them) and the `Timeout`. */
  clear(): void {
    while (this.#first !== undefined) this.unlink(this.#first);
    clearTimeout(this.#timeout);
    this.#timeout = undefined;
  }

  #arm(due: number): void {
    this.#timeout = setTimeout(this.#fire, Math.max(1, due - now())).unref();
  }

  readonly #fire = (): void => {
    this.#timeout = undefined;
    const at = now();
    this.#firing = true;
    this.#resumeAt = 0;
    const pacer = this.#pacer;
    try {
      // Those out run, in order; one restarted by its own expiry goes to the end with a deadline after `at`.
      for (let timer = this.#first; timer !== undefined && timer.due <= at; timer = this.#first) {
        if (pacer !== undefined) {
          const perMs = this.#size / this.#durationMs;
          if (!pacer.take(at, at - timer.due, perMs)) {
            this.#resumeAt = at + pacer.waitMs(perMs, timer.due + pacer.maxLateMs - at);
            break;
          }
        }
        this.unlink(timer);
        this.#expire(timer);
      }
    } finally {
      this.#firing = false;
      // The first one left (a timer restarted or stopped since the arming makes the `Timeout` early: it waits again).
      if (this.#first !== undefined) this.#arm(Math.max(this.#first.due, this.#resumeAt));
    }
  };
}
