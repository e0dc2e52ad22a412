/**
 * Checks registration tokens on the hot path, and admin tokens at the admin
 * API, in constant time, against an in-memory mirror of the token store that
 * is refreshed in the background.
 *
 * @module
 */

import { timingSafeEqual } from 'node:crypto';
import type { Logger } from '../logger.js';
import { StoreWatch } from '../store-watch.js';
import { type AdminTokenEntry, hashToken, type TokenStore, tokenIdOf } from './token-store.js';

/** Listener for tokens that stopped being valid. */
export type RevokedListener = (tokenIds: readonly string[]) => void;

/** An admin token that opened the admin API: who acts, for the audit log. */
export interface AdminIdentity {
  /** The token's id. */
  readonly id: string;
  /** The token's name. */
  readonly name: string;
}

/**
 * The set of valid registration tokens: static ones (from flags) and those of
 * a {@link TokenStore}; and the store's admin tokens, which only open the admin
 * API. A token is never kept in clear, only its SHA-256.
 */
export class RegistrationTokens {
  readonly #static: ReadonlyArray<{ id: string; hash: Buffer }>;
  readonly #store: TokenStore | undefined;
  readonly #logger: Logger;
  #stored = new Map<string, Buffer>();
  #admins = new Map<string, AdminTokenEntry>();
  #generation = 0;
  #marker: string | null | undefined;
  #used = new Set<string>();
  readonly #watch = new StoreWatch(
    () => this.#refresh(),
    (error) => this.#logger.error({ err: error }, 'token store refresh failed'),
  );
  readonly #revokedListeners = new Set<RevokedListener>();

  constructor(staticTokens: readonly string[], store: TokenStore | undefined, logger: Logger) {
    this.#static = staticTokens.map((token, i) => ({ id: `static-${i + 1}`, hash: hashToken(token) }));
    this.#store = store;
    this.#logger = logger;
  }

  /** How many tokens are valid now. */
  get size(): number {
    return this.#static.length + this.#stored.size;
  }

  /** Grows whenever the set of valid tokens changes (a verification cached before it is stale). */
  get generation(): number {
    return this.#generation;
  }

  /** Records a use of token `id` (for a registration verified earlier with the same token). */
  markUsed(id: string): void {
    if (this.#stored.has(id)) this.#used.add(id);
  }

  /** The id of the valid token `token`, or `undefined`. Compares hashes in constant time. */
  verify(token: string): string | undefined {
    const hash = hashToken(token);
    const id = tokenIdOf(token);
    if (id !== undefined) {
      const stored = this.#stored.get(id);
      if (stored !== undefined && timingSafeEqual(stored, hash)) {
        this.#used.add(id);
        return id;
      }
    }
    let match: string | undefined;
    for (const entry of this.#static) {
      if (timingSafeEqual(entry.hash, hash) && match === undefined) match = entry.id;
    }
    return match;
  }

  /**
   * The admin token `token` (an `Authorization: Bearer` value), or `undefined`. Compares hashes in
   * constant time; a registration token is never an admin token.
   */
  verifyAdmin(token: string): AdminIdentity | undefined {
    const id = tokenIdOf(token);
    const entry = id === undefined ? undefined : this.#admins.get(id);
    if (id === undefined || entry === undefined || !timingSafeEqual(entry.hash, hashToken(token))) return undefined;
    return { id, name: entry.name };
  }

  /** Calls `listener` with the ids of tokens revoked in the store. Returns a function that removes it. */
  onRevoked(listener: RevokedListener): () => void {
    this.#revokedListeners.add(listener);
    return () => this.#revokedListeners.delete(listener);
  }

  /**
   * Reloads the store's tokens if they changed, reports revoked ones and
   * records use. A call during a refresh runs one more after it (the running
   * one may have read the store before the change that prompted the call).
   */
  refresh(): Promise<void> {
    return this.#watch.refresh();
  }

  async #refresh(): Promise<void> {
    const store = this.#store;
    if (store === undefined) return;
    if (this.#used.size > 0) {
      const used = [...this.#used];
      this.#used.clear();
      await store.markUsed(used, Date.now());
    }
    const marker = await store.changeMarker();
    if (marker === this.#marker) return;
    if (marker === null && this.#stored.size > 0) {
      if (this.#marker !== null) {
        this.#logger.error(
          {},
          'the token store lost its data; keeping the tokens loaded before (restore it or recreate them)',
        );
      }
      this.#marker = null;
      return;
    }
    const [next, admins] = await Promise.all([store.activeHashes(), store.activeAdminTokens()]);
    const revoked = [...this.#stored.keys()].filter((id) => !next.has(id));
    this.#stored = next;
    this.#admins = admins;
    this.#marker = marker;
    this.#generation++;
    if (revoked.length > 0) {
      this.#logger.info({ tokenIds: revoked }, 'registration tokens revoked');
      for (const listener of this.#revokedListeners) listener(revoked);
    }
  }

  /**
   * Loads the store now, then refreshes every `intervalMs`, and at once when
   * the store reports a change, until {@link stop}.
   */
  async start(intervalMs: number): Promise<void> {
    const store = this.#store;
    if (store === undefined) return this.refresh();
    await this.#watch.start(intervalMs, (listener) => store.onChange?.(listener));
  }

  /** Stops the background refresh and records pending use. */
  async stop(): Promise<void> {
    this.#watch.stop();
    await this.refresh();
  }
}
