/**
 * Joins across instances: a join for a server whose connection another
 * instance holds is sent to that instance's channel, run there like a local
 * join, and answered on the asking instance's channel.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import type { JoinOutcome, JoinPlayer } from '../gateway/gs-connection.js';
import type { Logger } from '../logger.js';
import type { ClusterLink } from './cluster-link.js';

/** How much longer than the join timeout the asking instance waits for the owner's answer, in ms. */
export const REMOTE_JOIN_MARGIN = 1000;

type Message =
  | { t: 'join'; rid: string; from: string; sid: string; u: string; c: string; p: string | null }
  | { t: 'joined'; rid: string; o: JoinOutcome };

interface Pending {
  owner: string;
  timer: NodeJS.Timeout;
  resolve: (outcome: JoinOutcome) => void;
}

/** Runs a join on this instance: the gateway's. */
export type LocalJoin = (serverId: string, player: JoinPlayer) => Promise<JoinOutcome>;

/** Sends joins to the instances that own the servers, and runs the joins other instances send here. */
export class RemoteJoins {
  readonly #link: ClusterLink;
  readonly #local: LocalJoin;
  readonly #joinTimeout: number;
  readonly #logger: Logger;
  readonly #pending = new Map<string, Pending>();

  constructor(link: ClusterLink, local: LocalJoin, joinTimeout: number, logger: Logger) {
    this.#link = link;
    this.#local = local;
    this.#joinTimeout = joinTimeout;
    this.#logger = logger;
    link.listen(link.keys.instance(link.id), (message) => this.#onMessage(message));
    link.onDeath((instances) => {
      const dead = new Set(instances);
      for (const [rid, pending] of this.#pending) if (dead.has(pending.owner)) this.#settle(rid, { kind: 'gone' });
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
      this.#link.publishToInstance(owner, JSON.stringify(message)).then(
        (receivers) => {
          if (receivers === 0) this.#settle(rid, { kind: 'gone' });
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
  }

  #onMessage(text: string): void {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      this.#logger.warn({}, 'unreadable message on the instance channel');
      return;
    }
    if (message.t === 'joined') {
      this.#settle(message.rid, message.o);
      return;
    }
    if (message.t !== 'join') return;
    const { rid, from } = message;
    const player: JoinPlayer = { username: message.u, clantag: message.c, password: message.p ?? undefined };
    this.#local(message.sid, player)
      .then((outcome) => {
        const reply: Message = { t: 'joined', rid, o: outcome };
        return this.#link.publishToInstance(from, JSON.stringify(reply));
      })
      .catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'answering a remote join failed'));
  }
}
