/**
 * `conv` values for joins: a UINT32 in [1, 0xFFFFFFFE] (0xFFFFFFFF marks the
 * connectionless packets of the reachability probe), unique among those this
 * masterserver handed out for the same server within the reservation time
 * (docs/protocol.md#join). Reservations are kept by server id, so they outlive
 * a reconnect of the game server: with stable ids it is the same server.
 *
 * @module
 */

import { ConvRange } from '@masterserver/protocol';
import type { RandomPool } from './random-pool.js';

/** Reservations of one server are pruned from the front once it holds this many. */
const PRUNE_AT = 64;

/**
 * The reservations of one server, in the order they were made: `conv, until, conv, until, …` (until: ms since the
 * epoch). A plain array of numbers that V8 keeps as unboxed doubles: a reservation costs 16 bytes and no object of
 * its own. (A `Map` from conv to until made two heap numbers per join, a `conv` above 2^30 and the time, which
 * lived the whole reservation, ten minutes by default: old-generation objects for the collector to mark and free,
 * a million of them at a thousand joins a second.)
 */
type Reserved = number[];

/** The `conv`s of recent joins, per server. */
export class ConvReservations {
  readonly #reservationMs: number;
  readonly #random: RandomPool;
  /** Server id → its reservations. */
  readonly #byServer = new Map<string, Reserved>();
  #sweeper: NodeJS.Timeout | undefined;

  constructor(reservationMs: number, random: RandomPool) {
    this.#reservationMs = reservationMs;
    this.#random = random;
  }

  /** Servers with reservations. */
  get servers(): number {
    return this.#byServer.size;
  }

  /** A fresh `conv` for `serverId`, reserved from `now` on. */
  reserve(serverId: string, now: number): number {
    let reserved = this.#byServer.get(serverId);
    if (reserved === undefined) {
      reserved = [];
      this.#byServer.set(serverId, reserved);
      this.#sweeper ??= setInterval(() => this.sweep(Date.now()), this.#reservationMs).unref();
    } else if (reserved.length >= 2 * PRUNE_AT) prune(reserved, now);
    for (;;) {
      const conv = this.#random.uint32();
      if (conv >= ConvRange.MIN && conv <= ConvRange.MAX && !holds(reserved, conv)) {
        reserved.push(conv, now + this.#reservationMs);
        return conv;
      }
    }
  }

  /** Forgets expired reservations, and the servers left with none. */
  sweep(now: number): void {
    for (const [serverId, reserved] of this.#byServer) {
      prune(reserved, now);
      if (reserved.length === 0) this.#byServer.delete(serverId);
    }
    if (this.#byServer.size === 0) this.stop();
  }

  /** Stops the background sweep (reservations made later start it again). */
  stop(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}

/** Whether `conv` is among the reservations. */
function holds(reserved: Reserved, conv: number): boolean {
  for (let i = 0; i < reserved.length; i += 2) if (reserved[i] === conv) return true;
  return false;
}

/** Reservations expire in the order they were made: drop from the front (in place). */
function prune(reserved: Reserved, now: number): void {
  let expired = 0;
  while (expired < reserved.length && (reserved[expired + 1] as number) <= now) expired += 2;
  if (expired === 0) return;
  reserved.copyWithin(0, expired);
  reserved.length -= expired;
}
