/**
 * Quick play: "put me in a game". The masterserver picks the listed servers
 * that match the player's wishes, have a free slot, no password and are not
 * known to be unreachable, fullest first (so players gather), and brokers a
 * join with each in turn until one accepts: at most {@link QUICK_PLAY_TRIES}
 * servers, each given a third of the join timeout, so the answer comes within
 * one join timeout.
 *
 * @module
 */

import { DeadlineQueue } from '../deadline-queue.js';
import type { JoinOutcome, JoinOutcomeKind, JoinPlayer } from './outcome.js';
import type { JoinRouter } from './router.js';

/** Servers tried at most for one quick play. */
export const QUICK_PLAY_TRIES = 3;

/** What the player asks for; each is optional. */
export interface QuickPlayWish {
  readonly playlist?: string | undefined;
  readonly map?: string | undefined;
}

/** The ids of at most `count` servers to try for `wish`, in the order to try them. */
export type QuickPlayCandidates = (wish: QuickPlayWish, count: number) => readonly string[];

/** How one try ended: the join's outcome, or `slow` when the server did not answer within its share of the time. */
export type QuickPlayTryOutcome = JoinOutcomeKind | 'slow';

/** How a quick play ended. */
export type QuickPlayOutcome =
  | { kind: 'joined'; serverId: string; join: Extract<JoinOutcome, { kind: 'accepted' }>; tried: number }
  | { kind: 'none'; tried: number };

/** Options of {@link QuickPlay}. */
export interface QuickPlayOptions {
  /** The join timeout: each try gets a third of it. */
  joinTimeout: number;
  /** Told of each try's outcome (for the metrics). */
  tried?: ((outcome: QuickPlayTryOutcome) => void) | undefined;
}

const SLOW = Symbol('slow');

/** Brokers quick plays through the join router. */
export class QuickPlay {
  readonly #router: JoinRouter;
  readonly #candidates: QuickPlayCandidates;
  readonly #tryDeadlines: DeadlineQueue;
  readonly #tried: ((outcome: QuickPlayTryOutcome) => void) | undefined;

  constructor(router: JoinRouter, candidates: QuickPlayCandidates, options: QuickPlayOptions) {
    this.#router = router;
    this.#candidates = candidates;
    this.#tryDeadlines = new DeadlineQueue(Math.max(1, Math.floor(options.joinTimeout / QUICK_PLAY_TRIES)));
    this.#tried = options.tried;
  }

  /** Finds `player` a game that fits `wish`. */
  async play(wish: QuickPlayWish, player: JoinPlayer): Promise<QuickPlayOutcome> {
    const candidates = this.#candidates(wish, QUICK_PLAY_TRIES);
    let tried = 0;
    for (const serverId of candidates) {
      tried++;
      const outcome = await this.#try(serverId, player);
      this.#tried?.(outcome === SLOW ? 'slow' : outcome.kind);
      // A server that answers after its share of the time has a session for a player who went elsewhere; it
      // expires on the game server's side like any session never used.
      if (outcome !== SLOW && outcome.kind === 'accepted') return { kind: 'joined', serverId, join: outcome, tried };
    }
    return { kind: 'none', tried };
  }

  /** Stops the timer of the tries (their joins end with the connections that hold them). */
  close(): void {
    this.#tryDeadlines.clear();
  }

  #try(serverId: string, player: JoinPlayer): Promise<JoinOutcome | typeof SLOW> {
    return new Promise((resolve) => {
      const deadline = this.#tryDeadlines.add(resolve, SLOW);
      this.#router.join(serverId, player, (outcome) => {
        deadline.cancel();
        resolve(outcome);
      });
    });
  }
}
