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
import type { JoinDone, JoinOutcome, JoinPlayer } from './outcome.js';
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

/** Where the players of an accepted join are sent (a listing is one: it is not copied per join). */
export interface JoinAddress {
  /** The server's id. */
  readonly id: string;
  readonly ip: string;
  readonly port: number;
}

/** A join waiting for its answer: also what its deadline expires (one object a join, no closure). */
class Waiting {
  deadline: Deadline | undefined;

  constructor(
    readonly joins: Map<string, Waiting>,
    readonly key: string,
    readonly done: JoinDone,
    readonly address: JoinAddress,
    readonly sessionToken: string,
    readonly conv: number,
  ) {}

  static expire(waiting: Waiting): void {
    if (waiting.joins.delete(waiting.key)) waiting.done(TIMEOUT);
  }
}

const BUSY: JoinOutcome = Object.freeze({ kind: 'busy' });
const TIMEOUT: JoinOutcome = Object.freeze({ kind: 'timeout' });

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
   * Sends a join request for `player` on `socket` and calls `done` once with how it ended: `busy` at once (before
   * this returns) when as many joins wait as allowed.
   */
  request(address: JoinAddress, player: JoinPlayer, socket: { send(text: string): void }, done: JoinDone): void {
    const desk = this.#desk;
    if (this.#waiting.size >= desk.maxPending) {
      done(BUSY);
      return;
    }
    const id = this.#nextId++;
    const sessionToken = desk.random.sessionToken();
    const conv = desk.convs.reserve(address.id, Date.now());
    socket.send(encodeJoinRequest({ id, sessionToken, username: player.username, clantag: player.clantag, conv }));
    const key = String(id);
    const waiting = new Waiting(this.#waiting, key, done, address, sessionToken, conv);
    waiting.deadline = desk.deadlines.add(Waiting.expire, waiting);
    this.#waiting.set(key, waiting);
  }

  /** True while the join request with id `id` (decimal text) waits for its answer. */
  readonly isAwaiting = (id: string): boolean => this.#waiting.has(id);

  /** Settles the join that `response` answers; a response to no waiting join is ignored. */
  answered(response: JoinResponse): void {
    const key = int64ToString(response.metadata.id);
    const waiting = this.#waiting.get(key);
    if (waiting === undefined) return;
    this.#waiting.delete(key);
    waiting.deadline?.cancel();
    if (response.success) {
      const { address, sessionToken, conv } = waiting;
      waiting.done({ kind: 'accepted', ip: address.ip, port: address.port, sessionToken, conv });
    } else {
      waiting.done({ kind: 'rejected', error: response.error });
    }
  }

  /** Ends every waiting join with `outcome` (the connection is closing). */
  failAll(outcome: JoinOutcome): void {
    const waiting = [...this.#waiting.values()];
    this.#waiting.clear();
    for (const join of waiting) {
      join.deadline?.cancel();
      join.done(outcome);
    }
  }
}
