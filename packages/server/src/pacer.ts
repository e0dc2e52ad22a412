/**
 * Pacing for a timer list whose timers come due together: the Pings of game
 * servers that connected in one burst (a masterserver restarted, a host
 * bringing up its servers) would otherwise all go out in the same few
 * seconds of every interval, each burst a load spike on the masterserver and
 * on the game servers' hosts. A token bucket lets a list expire its timers at
 * up to twice their even rate (its timers over its duration) and defers the
 * rest, a timer never more than `maxLateMs` past its deadline. A timer that
 * restarts itself when it expires (a heartbeat) keeps the delay, so a burst
 * spreads out over the next intervals and stays spread.
 *
 * @module
 */

/** How far above the even rate a list may expire timers. */
export const PACE_FACTOR = 2;
/** A paced list wakes up at most this often, and expires what its tokens allow in one go. */
export const PACE_BATCH_MS = 10;

/** A token bucket, on the lists' clock (whole ms). */
export class Pacer {
  readonly maxLateMs: number;
  #tokens = 1;
  #at: number | undefined;

  /** `maxLateMs`: how long after its deadline a timer expires whatever the pace. */
  constructor(maxLateMs: number) {
    this.maxLateMs = maxLateMs;
  }

  /**
   * Whether a timer `lateMs` past its deadline expires at `at`, in a list whose even rate is `perMs` timers a ms:
   * when a token is left (it takes one), or when it is `maxLateMs` late.
   */
  take(at: number, lateMs: number, perMs: number): boolean {
    const rate = PACE_FACTOR * perMs;
    const depth = Math.max(1, rate * PACE_BATCH_MS);
    this.#tokens = Math.min(depth, this.#tokens + (this.#at === undefined ? depth : (at - this.#at) * rate));
    this.#at = at;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return true;
    }
    return lateMs >= this.maxLateMs;
  }

  /** After {@link take} said no at `at`: in how many ms to try again (`forcedIn`: when the next must go anyway). */
  waitMs(perMs: number, forcedIn: number): number {
    const rate = PACE_FACTOR * perMs;
    const untilToken = Math.ceil((1 - this.#tokens) / rate);
    return Math.max(1, Math.min(forcedIn, Math.max(PACE_BATCH_MS, untilToken)));
  }
}
