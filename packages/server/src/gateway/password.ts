/**
 * A listed server's join password, kept as its SHA-256 and compared in
 * constant time; it never leaves the masterserver.
 *
 * @module
 */

import { createHash, timingSafeEqual } from 'node:crypto';

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The password of one listing; `""` means none. Immutable: a listing's new password is another object. */
export class ServerPassword {
  /** No password (shared by every listing without one). */
  static readonly NONE = new ServerPassword('');
  readonly #text: string;
  readonly #hash: Buffer | undefined;

  private constructor(text: string) {
    this.#text = text;
    this.#hash = text === '' ? undefined : sha256(text);
  }

  /** The password a registration gave (`""`: none). */
  static of(password: string): ServerPassword {
    return password === '' ? ServerPassword.NONE : new ServerPassword(password);
  }

  /** True when `password` is the same as this one. */
  equals(password: string): boolean {
    return password === this.#text;
  }

  /** True when a player's `given` password lets them in (anything does without a password). */
  admits(given: string | undefined): boolean {
    return this.#hash === undefined || timingSafeEqual(sha256(given ?? ''), this.#hash);
  }
}
