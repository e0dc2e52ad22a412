/**
 * The joins waiting on one game server's answer: each gets a request id, a
 * session token and a `conv`, goes out through the connection, and ends with
 * the game server's response, the join timeout, or the connection's close.
 *
 * @module
 */

import { encodeJoinRequest, int64ToString, type JoinResponse } from '@masterserver/protocol';
import { ListTimer, TimerList } from '../timer-list.js';
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
  /** The join timeouts: the waiting joins are the list's own timers. */
  readonly deadlines: TimerList<Waiting>;
  readonly random = new RandomPool();
  readonly convs: ConvReservations;
  readonly maxPending: number;
  /**
   * The next join request's id. One count for every connection: a connection's waiting joins come and go (it keeps
   * none while idle), and an id it used is never used on it again, so a late answer cannot settle a later join.
   */
  #nextId = 1;

  constructor(options: JoinDeskOptions) {
    this.deadlines = new TimerList(options.joinTimeout, PendingJoins.expire);
    this.convs = new ConvReservations(options.convReservation, this.random);
    this.maxPending = options.maxPendingJoins;
  }

  /** A join request id not handed out before. */
  nextId(): number {
    return this.#nextId++;
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

/**
 * A join waiting for its answer: its own timeout (a node of the desk's timer list) and a node of its connection's
 * list of waiting joins. One object a join: no closure, no timer, and no map whose table is made and dropped with
 * each join (a table that lives until the server's next join is old-generation garbage).
 */
class Waiting extends ListTimer {
  /** Its neighbours among the joins waiting on the same connection. */
  before: Waiting | undefined = undefined;
  after: Waiting | undefined = undefined;

  constructor(
    deadlines: TimerList<Waiting>,
    readonly joins: PendingJoins,
    /** The request id, as decimal text. */
    readonly key: string,
    readonly done: JoinDone,
    readonly address: JoinAddress,
    readonly sessionToken: string,
    readonly conv: number,
  ) {
    super(deadlines);
  }
}

const BUSY: JoinOutcome = Object.freeze({ kind: 'busy' });
const TIMEOUT: JoinOutcome = Object.freeze({ kind: 'timeout' });

/**
 * The joins waiting on one connection: a list, searched by request id. A game server has a few joins waiting at
 * most (`maxPendingJoins` bounds them), so the search is short. Its connection keeps it only while joins wait.
 */
export class PendingJoins {
  readonly #desk: JoinDesk;
  #first: Waiting | undefined;
  #size = 0;

  constructor(desk: JoinDesk) {
    this.#desk = desk;
  }

  /** The desk's timeout of a join: it ends `timeout`, and a late answer finds nothing. */
  static expire(waiting: Waiting): void {
    waiting.joins.#remove(waiting);
    waiting.done(TIMEOUT);
  }

  /** Joins waiting now. */
  get size(): number {
    return this.#size;
  }

  /**
   * Sends a join request for `player` on `socket` and calls `done` once with how it ended: `busy` at once (before
   * this returns) when as many joins wait as allowed.
   */
  request(address: JoinAddress, player: JoinPlayer, socket: { send(text: string): void }, done: JoinDone): void {
    const desk = this.#desk;
    if (this.#size >= desk.maxPending) {
      done(BUSY);
      return;
    }
    const id = desk.nextId();
    const sessionToken = desk.random.sessionToken();
    const conv = desk.convs.reserve(Date.now());
    socket.send(encodeJoinRequest({ id, sessionToken, username: player.username, clantag: player.clantag, conv }));
    const waiting = new Waiting(desk.deadlines, this, String(id), done, address, sessionToken, conv);
    const first = this.#first;
    if (first !== undefined) {
      first.before = waiting;
      waiting.after = first;
    }
    this.#first = waiting;
    this.#size++;
    waiting.start();
  }

  /** True while the join request with id `id` (decimal text) waits for its answer. */
  readonly isAwaiting = (id: string): boolean => this.#find(id) !== undefined;

  /** Settles the join that `response` answers; a response to no waiting join is ignored. */
  answered(response: JoinResponse): void {
    const waiting = this.#find(int64ToString(response.metadata.id));
    if (waiting === undefined) return;
    this.#remove(waiting);
    waiting.stop();
    if (response.success) {
      const { address, sessionToken, conv } = waiting;
      waiting.done({ kind: 'accepted', ip: address.ip, port: address.port, sessionToken, conv });
    } else {
      waiting.done({ kind: 'rejected', error: response.error });
    }
  }

  /** Ends every waiting join with `outcome` (the connection is closing). */
  failAll(outcome: JoinOutcome): void {
    let waiting = this.#first;
    this.#first = undefined;
    this.#size = 0;
    while (waiting !== undefined) {
      const after = waiting.after;
      waiting.before = undefined;
      waiting.after = undefined;
      waiting.stop();
      waiting.done(outcome);
      waiting = after;
    }
  }

  #find(key: string): Waiting | undefined {
    for (let waiting = this.#first; waiting !== undefined; waiting = waiting.after) {
      if (waiting.key === key) return waiting;
    }
    return undefined;
  }

  #remove(waiting: Waiting): void {
    const { before, after } = waiting;
    if (before === undefined) this.#first = after;
    else before.after = after;
    if (after !== undefined) after.before = before;
    waiting.before = undefined;
    waiting.after = undefined;
    this.#size--;
  }
}
