/**
 * Exponential backoff with full jitter: the n-th delay (from 0) is drawn
 * uniformly from `[0, min(max, initial × factorⁿ)]`. Spreading the retries of
 * many game servers over the whole window keeps a restarted masterserver from
 * being hit by all of them at once; the growing cap keeps a lost one from being
 * hammered.
 *
 * @module
 */

import { INT32_MAX } from '@masterserver/protocol';
import { OptionError } from './errors.js';

/** Options of {@link Backoff}, in milliseconds. */
export interface BackoffOptions {
  /** Cap of the first delay. Default `1000`. */
  initial?: number | undefined;
  /** Largest cap, however many attempts failed. Default `30000`. */
  max?: number | undefined;
  /** How much the cap grows after each failed attempt (≥ 1). Default `2`. */
  factor?: number | undefined;
}

/** The defaults of {@link BackoffOptions}. */
export const defaultBackoff = { initial: 1_000, max: 30_000, factor: 2 } as const;

/** A source of uniform random numbers in `[0, 1)`, like `Math.random`. */
export type Random = () => number;

/** Backoff state: the number of attempts since the last {@link Backoff.reset}. */
export class Backoff {
  /** Cap of the first delay, ms. */
  readonly initial: number;
  /** Largest cap, ms. */
  readonly max: number;
  /** Growth of the cap per attempt. */
  readonly factor: number;
  readonly #random: Random;
  #attempt = 0;

  /** Throws {@link OptionError} (naming `backoff.*`) for a value it cannot use. */
  constructor(options: BackoffOptions = {}, random: Random = Math.random) {
    const initial = options.initial ?? defaultBackoff.initial;
    const max = options.max ?? defaultBackoff.max;
    const factor = options.factor ?? defaultBackoff.factor;
    if (!Number.isFinite(initial) || initial <= 0) {
      throw new OptionError('backoff.initial', `must be a number of milliseconds > 0, got ${initial}`);
    }
    if (!Number.isFinite(max) || max < initial || max > INT32_MAX) {
      throw new OptionError('backoff.max', `must be from backoff.initial (${initial}) to ${INT32_MAX}, got ${max}`);
    }
    if (!Number.isFinite(factor) || factor < 1) throw new OptionError('backoff.factor', `must be ≥ 1, got ${factor}`);
    this.initial = initial;
    this.max = max;
    this.factor = factor;
    this.#random = random;
  }

  /** Attempts since the last {@link reset} (0 before the first {@link next}). */
  get attempt(): number {
    return this.#attempt;
  }

  /** The upper bound of the next delay: `min(max, initial × factor^attempt)` (factor^attempt may reach Infinity; the cap stays `max`). */
  get cap(): number {
    return Math.min(this.max, this.initial * this.factor ** this.#attempt);
  }

  /** The delay before the next attempt, a whole number of ms in `[0, cap]`; counts the attempt. */
  next(): number {
    const cap = Math.floor(this.cap);
    this.#attempt++;
    return Math.min(cap, Math.floor(this.#random() * (cap + 1)));
  }

  /** Starts over from `initial`, after a success. */
  reset(): void {
    this.#attempt = 0;
  }
}
