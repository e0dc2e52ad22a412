/**
 * Random bytes for joins, drawn from the CSPRNG in blocks: a join needs a
 * session token and a `conv`, and one `randomFillSync` per 4 KiB serves about
 * a hundred and fifty of them instead of two calls into the CSPRNG each.
 *
 * @module
 */

import { randomFillSync } from 'node:crypto';

/** Bytes of a session token: 192 bits (the protocol asks for at least 128). */
export const SESSION_TOKEN_BYTES = 24;

/** A block of CSPRNG bytes handed out in slices; refilled when used up. */
export class RandomPool {
  readonly #block: Buffer;
  #offset: number;

  /** `size`: bytes drawn at a time (default 4096). */
  constructor(size = 4096) {
    this.#block = Buffer.allocUnsafe(size);
    this.#offset = size;
  }

  /** A new session token: {@link SESSION_TOKEN_BYTES} random bytes, base64url (32 characters). */
  sessionToken(): string {
    const at = this.#take(SESSION_TOKEN_BYTES);
    return this.#block.toString('base64url', at, at + SESSION_TOKEN_BYTES);
  }

  /** A random UINT32 (each value equally likely). */
  uint32(): number {
    return this.#block.readUInt32LE(this.#take(4));
  }

  /** The offset of `n` fresh bytes in the block (bytes are never handed out twice). */
  #take(n: number): number {
    if (this.#offset + n > this.#block.length) {
      randomFillSync(this.#block);
      this.#offset = 0;
    }
    const at = this.#offset;
    this.#offset += n;
    return at;
  }
}
