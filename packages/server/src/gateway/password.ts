/**
 * A listed server's join password, kept as its SHA-256 and compared in
 * constant time; it never leaves the masterserver.
 *
 * @module
 */

import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The password of one listing; `""` means none. */
export class ServerPassword {
  #text = '';
  #hash: Buffer | undefined;

  /** The password a registration gave (`""`: none); hashed only when it changed. */
  set(password: string): void {
    if (password === this.#text) return;
    this.#text = password;
    this.#hash = password === '' ? undefined : sha256(password);
  }

  /** True when `password` is the same as the one set. */
  equals(password: string): boolean {
    return password === this.#text;
  }

  /** True when a player's `given` password lets them in (anything does without a password). */
  admits(given: string | undefined): boolean {
    return this.#hash === undefined || timingSafeEqual(sha256(given ?? ''), this.#hash);
  }
}
