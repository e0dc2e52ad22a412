/**
 * Stable public server ids (docs/protocol.md#registration): the first 16
 * characters of base64url(HMAC-SHA256(secret, "IP:PORT")), with the IP in its
 * canonical text form. The same address gets the same id across reconnects,
 * restarts and instances (they share the secret through the store), and the id
 * reveals nothing of the address.
 *
 * @module
 */

import { createHmac, randomBytes } from 'node:crypto';
import { normalizeIp } from '../net/addresses.js';

/** Bytes of the secret a store creates. */
export const SERVER_ID_SECRET_BYTES = 32;

/** The name the secret is kept under in a store. */
export const SERVER_ID_SECRET = 'server-id';

/** Characters of an id (96 bits). */
const ID_LENGTH = 16;
/** The digest's bytes the id spells (base64url: 4 characters for 3 bytes); encoded alone, not cut from a longer text that each id would keep alive. */
const ID_BYTES = (ID_LENGTH / 4) * 3;

/** Derives server ids from addresses. */
export class ServerIds {
  readonly #secret: Buffer;

  /** `secret`: at least 16 bytes; a new one gives every server a new id. */
  constructor(secret: Buffer) {
    if (secret.length < 16) throw new RangeError('the server id secret must be at least 16 bytes');
    this.#secret = secret;
  }

  /** A secret for an instance without a store: ids are then stable only for the life of the process. */
  static ephemeral(): ServerIds {
    return new ServerIds(randomBytes(SERVER_ID_SECRET_BYTES));
  }

  /** The id of the server listed at `ip`:`port`. */
  of(ip: string, port: number): string {
    return createHmac('sha256', this.#secret)
      .update(`${normalizeIp(ip)}:${port}`)
      .digest()
      .toString('base64url', 0, ID_BYTES);
  }
}
