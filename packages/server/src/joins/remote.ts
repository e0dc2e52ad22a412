/**
 * Joins across instances: a join for a server whose connection another
 * instance holds is sent to that instance's channel, run there like a local
 * join, and answered on the asking instance's channel.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import type { ClusterLink } from '../cluster/cluster-link.js';
import type { Logger } from '../logger.js';
import type { JoinOutcome, JoinPlayer } from './outcome.js';

/** How much longer than the join timeout the asking instance waits for the owner's answer, in ms. */
export const REMOTE_JOIN_MARGIN = 1000;

/**
 * While joins wait on other instances, how often the asker checks that their
 * owners still listen on their channels, in ms. A crashed process's Redis
 * connections are closed by its operating system, so its channel loses its
 * subscriber at once; two empty readings in a row settle its joins as gone.
 */
export const OWNER_CHECK_INTERVAL = 250;

type Message =
  | { t: 'join'; rid: string; from: string; sid: string; u: string; c: string; p: string | null }
  | { t: 'joined'; rid: string; o: JoinOutcome };

interface Pending {
  owner: string;
  timer: NodeJS.Timeout;
  resolve: (outcome: JoinOutcome) => void;
}

/** The outcome of a join whose owning instance stopped. */
const OWNER_GONE: JoinOutcome = {
  kind: 'gone',
  message: 'The masterserver instance holding the game server stopped while the join was pending',
};

/** Runs a join on this instance: the gateway's. */
export type LocalJoin = (serverId: string, player: JoinPlayer) => Promise<JoinOutcome>;

/** Sends joins to the instances that own the servers, and runs the joins other instances send here. */
export class RemoteJoins {
  readonly #link: ClusterLink;
  readonly #local: LocalJoin;
  readonly #joinTimeout: number;
  readonly #logger: Logger;
  readonly #pending = new Map<string, Pending>();
  #ownerCheck: NodeJS.Timeout | undefined;
  /** Owners whose channel had no subscriber at the last check. */
  #silentOwners = new Set<string>();

  constructor(link: ClusterLink, local: LocalJoin, joinTimeout: number, logger: Logger) {
    this.#link = link;
    this.#local = local;
    this.#joinTimeout = joinTimeout;
    this.#logger = logger;
    link.listen(link.keys.instance(link.id), (message) => this.#onMessage(message));
    link.onDeath((instances) => {
      const dead = new Set(instances);
      this.#settleOwners(dead);
    });
    link.onAvailability((available) => {
      // Without Redis the answer cannot arrive: fail now rather than at the timeout.
      if (!available) for (const rid of [...this.#pending.keys()]) this.#settle(rid, { kind: 'unavailable' });
    });
  }

  /** Asks instance `owner` to run a join; never waits longer than the join timeout plus a margin. */
  request(owner: string, serverId: string, player: JoinPlayer): Promise<JoinOutcome> {
    if (!this.#link.available) return Promise.resolve({ kind: 'unavailable' });
    const rid = randomBytes(9).toString('base64url');
    const message: Message = {
      t: 'join',
      rid,
      from: this.#link.id,
      sid: serverId,
      u: player.username,
      c: player.clantag,
      p: player.password ?? null,
    };
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#settle(rid, { kind: 'timeout' }), this.#joinTimeout + REMOTE_JOIN_MARGIN);
      timer.unref();
      this.#pending.set(rid, { owner, timer, resolve });
      this.#ownerCheck ??= setInterval(() => this.#checkOwners(), OWNER_CHECK_INTERVAL).unref();
      this.#link.publishToInstance(owner, JSON.stringify(message)).then(
        (receivers) => {
          if (receivers === 0) this.#settle(rid, OWNER_GONE);
        },
        () => this.#settle(rid, { kind: 'unavailable' }),
      );
    });
  }

  #settle(rid: string, outcome: JoinOutcome): void {
    const pending = this.#pending.get(rid);
    if (pending === undefined) return;
    this.#pending.delete(rid);
    clearTimeout(pending.timer);
    pending.resolve(outcome);
    if (this.#pending.size === 0) {
      clearInterval(this.#ownerCheck);
      this.#ownerCheck = undefined;
      this.#silentOwners.clear();
    }
  }

  #settleOwners(owners: ReadonlySet<string>): void {
    for (const [rid, pending] of this.#pending) if (owners.has(pending.owner)) this.#settle(rid, OWNER_GONE);
  }

  /** Settles as gone the joins whose owner's channel had no subscriber twice in a row. */
  async #checkOwners(): Promise<void> {
    const owners = [...new Set([...this.#pending.values()].map((pending) => pending.owner))];
    if (owners.length === 0 || !this.#link.available) return;
    let counts: unknown[];
    try {
      counts = (await this.#link.command.pubsub(
        'NUMSUB',
        ...owners.map((id) => this.#link.keys.instance(id)),
      )) as unknown[];
    } catch {
      return; // Redis trouble is the availability listener's business
    }
    const silent = new Set(owners.filter((_, i) => Number(counts[i * 2 + 1]) === 0));
    const gone = new Set([...silent].filter((owner) => this.#silentOwners.has(owner)));
    this.#silentOwners = silent;
    if (gone.size > 0) this.#settleOwners(gone);
  }

  /** A message on this instance's channel, parsed by the link (which logs and drops what throws here). */
  #onMessage(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a message');
    const message = value as Message;
    // The channel carries other kinds too (removals): only joins are read here.
    if (message.t !== 'join' && message.t !== 'joined') return;
    if (typeof message.rid !== 'string') throw new Error(`a "${message.t}" message without its id`);
    if (message.t === 'joined') {
      this.#settle(message.rid, message.o);
      return;
    }
    const { rid, from } = message;
    if (typeof from !== 'string' || typeof message.sid !== 'string') throw new Error('a join without its server');
    const player: JoinPlayer = { username: message.u, clantag: message.c, password: message.p ?? undefined };
    this.#local(message.sid, player)
      .then((outcome) => {
        const reply: Message = { t: 'joined', rid, o: outcome };
        return this.#link.publishToInstance(from, JSON.stringify(reply));
      })
      .catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'answering a remote join failed'));
  }
}
