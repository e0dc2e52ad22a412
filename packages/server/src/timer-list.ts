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
 * A class extends {@link ListTimer} and its list calls `expire(timer)` when
 * it runs out, so a running timer holds no closure and no other object: it
 * holds a slot number, and the list keeps the order in typed arrays (see
 * {@link TimerList} for why the timers do not link to one another). A paced
 * list (the Pings') spreads out timers that come due together (`pacer.ts`).
 *
 * @module
 */

import { Pacer } from './pacer.js';

/** The clock of the lists: whole ms (monotonic), rounded up so that no deadline comes early. */
function now(): number {
  return Math.ceil(performance.now());
}

/** No slot: a timer not running, or the end of a chain. */
const NONE = -1;

/** What a timer needs of its list. */
interface Links {
  start(timer: ListTimer): void;
  unlink(timer: ListTimer): void;
}

/** A timer in a {@link TimerList}: extend it, and the list calls its `expire` with the timer. */
export class ListTimer {
  readonly #list: Links;
  /** When it runs out (ms on the lists' clock); meaningful while {@link running}. */
  due = 0;
  /** Its slot in its list while running, else -1. */
  slot = NONE;

  constructor(list: Links) {
    this.#list = list;
  }

  /** Whether it runs (started, not stopped, not run out). */
  get running(): boolean {
    return this.slot !== NONE;
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

/**
 * Timers of one duration, in the order of their deadlines, on one `Timeout`.
 *
 * The order is kept in slots, not in the timers: a running timer holds a slot number, and the links between slots
 * are two `Int32Array`s. The timers themselves never point at one another. A list linked through its timers would
 * chain every game server's objects in the order of their last restart (a registration TTL restarts with every
 * registration, in whatever order game servers send them), and V8's marking would then follow that chain from
 * one server's objects to another's in a random order of memory, missing the cache at each step: with 10,000
 * game servers, that chain made the marking of each mark-compact a third longer (docs/benchmarks.md, thirteenth
 * part). The slot table is in the order timers took their slots, which is mostly the order of memory too.
 */
export class TimerList<T extends ListTimer> {
  readonly #durationMs: number;
  readonly #expire: (timer: T) => void;
  /** The running timer in each slot (`undefined` for a free slot). */
  readonly #timers: Array<T | undefined> = [];
  /** Each slot's neighbours: toward the first deadline, and toward the last (a free slot: the next free one). */
  #prev = new Int32Array(16);
  #next = new Int32Array(16);
  #first = NONE;
  #last = NONE;
  /** The first free slot (a chain through `#next`). */
  #free = NONE;
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
    return this.#first === NONE ? undefined : this.#timers[this.#first];
  }

  /** Timers running. */
  get size(): number {
    return this.#size;
  }

  /** (Re)starts `timer`: it runs out one duration from now, after every timer running now. */
  start(timer: T): void {
    timer.due = now() + this.#durationMs;
    let slot = timer.slot;
    if (slot !== NONE) {
      if (slot === this.#last) return;
      this.#detach(slot);
    } else {
      slot = this.#take();
      this.#timers[slot] = timer;
      timer.slot = slot;
      this.#size++;
    }
    const last = this.#last;
    this.#prev[slot] = last;
    this.#next[slot] = NONE;
    if (last === NONE) this.#first = slot;
    else this.#next[last] = slot;
    this.#last = slot;
    if (this.#timeout === undefined && !this.#firing) this.#arm(timer.due);
  }

  /** Takes a running `timer` out of the list. */
  unlink(timer: T): void {
    const slot = timer.slot;
    this.#detach(slot);
    timer.slot = NONE;
    this.#timers[slot] = undefined;
    this.#next[slot] = this.#free;
    this.#free = slot;
    this.#size--;
  }

  /** Unlinks `slot` from its neighbours. */
  #detach(slot: number): void {
    const prev = this.#prev[slot] as number;
    const next = this.#next[slot] as number;
    if (prev === NONE) this.#first = next;
    else this.#next[prev] = next;
    if (next === NONE) this.#last = prev;
    else this.#prev[next] = prev;
  }

  /** A free slot: the last one freed, else a new one (the links grow by doubling). */
  #take(): number {
    const free = this.#free;
    if (free !== NONE) {
      this.#free = this.#next[free] as number;
      return free;
    }
    const slot = this.#timers.length;
    if (slot === this.#next.length) {
      this.#prev = doubled(this.#prev);
      this.#next = doubled(this.#next);
    }
    this.#timers.push(undefined);
    return slot;
  }

  /** Stops every timer (without expiring them) and the `Timeout`. */
  clear(): void {
    for (let timer = this.first; timer !== undefined; timer = this.first) this.unlink(timer);
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
      for (let timer = this.first; timer !== undefined && timer.due <= at; timer = this.first) {
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
      const first = this.first;
      if (first !== undefined) this.#arm(Math.max(first.due, this.#resumeAt));
    }
  };
}

/** `links` copied into an array twice its length. */
function doubled(links: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(links.length * 2);
  grown.set(links);
  return grown;
}
