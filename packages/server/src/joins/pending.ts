/**
 * The joins waiting on one game server's answer: each gets a request id, a
 * session token and a `conv`, goes out through the connection, and ends with
 * the game server's response, the join timeout, or the connection's close.
 *
 * @module
 */

import { encodeJoinRequest, int64ToString, type JoinResponse } from '@masterserver/protocol';
import { type Deadline, DeadlineQueue } from '../deadline-queue.js';
import { ConvReservations } from './convs.js';
import type { JoinOutcome, JoinPlayer } from './outcome.js';
import { RandomPool } from './random-pool.js';

/** Options of {@link JoinDesk}. */
export interface JoinDeskOptions {
  /** Milliseconds a join waits for the game server's answer. */
  joinTimeout: number;
  /** Milliseconds a `conv` stays reserved for its server. */
  convReservation: number;
  /** Joins that may wait on one game server at once; more are `busy`. */
  maxPendingJoins: number;
}

/** What the joins of every connection of an instance share: one timer, the `conv` reservations, the random bytes. */
export class JoinDesk {
  readonly deadlines: DeadlineQueue;
  readonly random = new RandomPool();
  readonly convs: ConvReservations;
  readonly maxPending: number;

  constructor(options: JoinDeskOptions) {
    this.deadlines = new DeadlineQueue(options.joinTimeout);
    this.convs = new ConvReservations(options.convReservation, this.random);
    this.maxPending = options.maxPendingJoins;
  }

  /** Stops the timers (pending joins are failed by their connections' closes). */
  close(): void {
    this.deadlines.clear();
    this.convs.stop();
  }
}

/** Where the players of an accepted join are sent. */
export interface JoinAddress {
  readonly serverId: string;
  readonly ip: string;
  readonly port: number;
}

interface Waiting {
  readonly resolve: (outcome: JoinOutcome) => void;
  readonly deadline: Deadline;
  readonly address: JoinAddress;
  readonly sessionToken: string;
  readonly conv: number;
}

/** The joins waiting on one connection. */
export class PendingJoins {
  readonly #desk: JoinDesk;
  readonly #waiting = new Map<string, Waiting>();
  #nextId = 1;

  constructor(desk: JoinDesk) {
    this.#desk = desk;
  }

  /** Joins waiting now. */
  get size(): number {
    return this.#waiting.size;
  }

  /**
   * Sends a join request for `player` on `socket` and resolves how it ended:
   * `busy` at once when as many joins wait as allowed.
   */
  request(address: JoinAddress, player: JoinPlayer, socket: { send(text: string): void }): Promise<JoinOutcome> {
    const desk = this.#desk;
    if (this.#waiting.size >= desk.maxPending) return Promise.resolve({ kind: 'busy' });
    const id = this.#nextId++;
    const sessionToken = desk.random.sessionToken();
    const conv = desk.convs.reserve(address.serverId, Date.now());
    socket.send(encodeJoinRequest({ id, sessionToken, username: player.username, clantag: player.clantag, conv }));
    return new Promise((resolve) => {
      const key = String(id);
      const deadline = desk.deadlines.add(() => {
        if (this.#waiting.delete(key)) resolve({ kind: 'timeout' });
      });
      this.#waiting.set(key, { resolve, deadline, address, sessionToken, conv });
    });
  }

  /** True while the join request with id `id` (decimal text) waits for its answer. */
  readonly isAwaiting = (id: string): boolean => this.#waiting.has(id);

  /** Settles the join that `response` answers; a response to no waiting join is ignored. */
  answered(response: JoinResponse): void {
    const key = int64ToString(response.metadata.id);
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) return;
    this.#waiting.delete(key);
    waiting.deadline.cancel();
    if (response.success) {
      const { address, sessionToken, conv } = waiting;
      waiting.resolve({ kind: 'accepted', ip: address.ip, port: address.port, sessionToken, conv });
    } else {
      waiting.resolve({ kind: 'rejected', error: response.error });
    }
  }

  /** Ends every waiting join with `outcome` (the connection is closing). */
  failAll(outcome: JoinOutcome): void {
    for (const waiting of this.#waiting.values()) {
      waiting.deadline.cancel();
      waiting.resolve(outcome);
    }
    this.#waiting.clear();
  }
}
