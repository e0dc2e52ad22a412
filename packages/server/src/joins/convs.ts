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

/** The `conv`s of recent joins, per server. */
export class ConvReservations {
  readonly #reservationMs: number;
  readonly #random: RandomPool;
  /** Server id → conv → until (ms since the epoch), in the order they were made. */
  readonly #byServer = new Map<string, Map<number, number>>();
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
    let convs = this.#byServer.get(serverId);
    if (convs === undefined) {
      convs = new Map();
      this.#byServer.set(serverId, convs);
      this.#sweeper ??= setInterval(() => this.sweep(Date.now()), this.#reservationMs).unref();
    } else if (convs.size >= PRUNE_AT) prune(convs, now);
    for (;;) {
      const conv = this.#random.uint32();
      if (conv >= ConvRange.MIN && conv <= ConvRange.MAX && !convs.has(conv)) {
        convs.set(conv, now + this.#reservationMs);
        return conv;
      }
    }
  }

  /** Forgets expired reservations, and the servers left with none. */
  sweep(now: number): void {
    for (const [serverId, convs] of this.#byServer) {
      prune(convs, now);
      if (convs.size === 0) this.#byServer.delete(serverId);
    }
    if (this.#byServer.size === 0) this.stop();
  }

  /** Stops the background sweep (reservations made later start it again). */
  stop(): void {
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }
}

/** Reservations expire in the order they were made: drop from the front. */
function prune(convs: Map<number, number>, now: number): void {
  for (const [conv, until] of convs) {
    if (until > now) break;
    convs.delete(conv);
  }
}
