/**
 * `conv` values for joins: a UINT32 in [1, 0xFFFFFFFE] (0xFFFFFFFF marks the
 * connectionless packets of the reachability probe), unique among those this
 * masterserver handed out for the same server within the reservation time
 * (docs/protocol.md#join). It keeps them unique among all the `conv`s it
 * handed out within that time, whatever the server: that holds for each
 * server, across a reconnect of the game server or a change of its id, and it
 * needs no table per server.
 *
 * @module
 */

import { ConvRange } from '@masterserver/protocol';
import type { RandomPool } from './random-pool.js';

/** Slots the reservations start with (grown by doubling). */
const FIRST_CAPACITY = 1024;

/**
 * The `conv`s of recent joins. Reservations expire in the order they were made (they all last as long), so they
 * are a queue; the `conv`s held are also in a hash set, to draw a free one at once. Both live in typed arrays,
 * outside the JavaScript heap: a reservation costs 16 bytes and no object, and the collector has nothing of them
 * to mark (a table per server made an array for each server joined, which lived ten minutes by default).
 */
export class ConvReservations {
  readonly #reservationMs: number;
  readonly #random: RandomPool;
  /** The queue, a ring: each reservation's `conv` and when it expires (ms since the epoch). */
  #convs = new Uint32Array(0);
  #until = new Float64Array(0);
  /** Where the oldest reservation stands in the ring, and how many there are. */
  #head = 0;
  #size = 0;
  /** The `conv`s held: open addressing, linear probing, 0 for an empty slot (0 is never a `conv`). */
  #held = new Uint32Array(0);
  #sweeper: NodeJS.Timeout | undefined;

  constructor(reservationMs: number, random: RandomPool) {
    this.#reservationMs = reservationMs;
    this.#random = random;
  }

  /** Reservations held. */
  get size(): number {
    return this.#size;
  }

  /** A fresh `conv`, reserved from `now` on: held by no reservation that has not expired. */
  reserve(now: number): number {
    this.#expire(now);
    if (this.#size === this.#convs.length) this.#grow();
    this.#sweeper ??= setInterval(() => this.sweep(Date.now()), this.#reservationMs).unref();
    for (;;) {
      const conv = this.#random.uint32();
      if (conv >= ConvRange.MIN && conv <= ConvRange.MAX && this.#add(conv)) {
        const at = (this.#head + this.#size) & (this.#convs.length - 1);
        this.#convs[at] = conv;
        this.#until[at] = now + this.#reservationMs;
        this.#size++;
        return conv;
      }
    }
  }

  /** Forgets expired reservations; once none is left, lets go of the arrays and stops the background sweep. */
  sweep(now: number): void {
    this.#expire(now);
    if (this.#size > 0) return;
    this.#convs = new Uint32Array(0);
    this.#until = new Float64Array(0);
    this.#held = new Uint32Array(0);
    this.#head = 0;
    this.stop();
  }

  /** Stops the background sweep (reservations made later start it again). */
  stop(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  /** Drops the reservations expired at `now`, oldest first. */
  #expire(now: number): void {
    const mask = this.#convs.length - 1;
    while (this.#size > 0 && (this.#until[this.#head] as number) <= now) {
      this.#remove(this.#convs[this.#head] as number);
      this.#head = (this.#head + 1) & mask;
      this.#size--;
    }
  }

  /** Doubles the ring (in order, oldest first) and the set. */
  #grow(): void {
    const capacity = Math.max(FIRST_CAPACITY, this.#convs.length * 2);
    const convs = new Uint32Array(capacity);
    const until = new Float64Array(capacity);
    const mask = this.#convs.length - 1;
    for (let i = 0; i < this.#size; i++) {
      const from = (this.#head + i) & mask;
      convs[i] = this.#convs[from] as number;
      until[i] = this.#until[from] as number;
    }
    this.#convs = convs;
    this.#until = until;
    this.#head = 0;
    // The set stays at most half full.
    this.#held = new Uint32Array(capacity * 2);
    for (let i = 0; i < this.#size; i++) this.#add(convs[i] as number);
  }

  /** Adds `conv` to the set; false when it is held already. */
  #add(conv: number): boolean {
    const held = this.#held;
    const mask = held.length - 1;
    for (let i = slotOf(conv, mask); ; i = (i + 1) & mask) {
      const there = held[i] as number;
      if (there === conv) return false;
      if (there === 0) {
        held[i] = conv;
        return true;
      }
    }
  }

  /** Takes `conv` out of the set, moving back the entries its slot pushed further (no tombstones). */
  #remove(conv: number): void {
    const held = this.#held;
    const mask = held.length - 1;
    let gap = slotOf(conv, mask);
    while (held[gap] !== conv) gap = (gap + 1) & mask;
    for (let i = (gap + 1) & mask; held[i] !== 0; i = (i + 1) & mask) {
      const home = slotOf(held[i] as number, mask);
      // The entry at i may fill the gap when its home slot is not after the gap (cyclically) on its way to i.
      if (((i - home) & mask) >= ((i - gap) & mask)) {
        held[gap] = held[i] as number;
        gap = i;
      }
    }
    held[gap] = 0;
  }
}

/**
 * The home slot of `conv`: bits of its product with an odd constant, so that values close together (not what the
 * CSPRNG gives, but what a caller's own source might) spread over the table.
 */
function slotOf(conv: number, mask: number): number {
  return (Math.imul(conv, 0x9e37_79b1) >>> 7) & mask;
}
