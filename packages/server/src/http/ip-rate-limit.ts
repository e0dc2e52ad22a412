/**
 * A per-address request limit: at most `count` requests from one client IP in
 * each window of `windowMs` (fixed windows: the counts start again when one
 * ends). Memory holds one number per address seen in the current window.
 *
 * @module
 */

import type { RateLimit } from '../options.js';

/** Counts requests by client IP. */
export class IpRateLimit {
  readonly #limit: RateLimit;
  #windowStart = 0;
  #counts = new Map<string, number>();

  constructor(limit: RateLimit) {
    this.#limit = limit;
  }

  /** Counts a request from `ip` at `now` (ms); false when it is one too many for this window. */
  take(ip: string, now: number): boolean {
    const { count, windowMs } = this.#limit;
    if (now - this.#windowStart >= windowMs) {
      this.#windowStart = now;
      this.#counts = new Map();
    }
    const seen = this.#counts.get(ip) ?? 0;
    if (seen >= count) return false;
    this.#counts.set(ip, seen + 1);
    return true;
  }

  /** Whole seconds from `now` until the window ends (for `Retry-After`). */
  retryAfter(now: number): number {
    return Math.max(1, Math.ceil((this.#windowStart + this.#limit.windowMs - now) / 1000));
  }
}
