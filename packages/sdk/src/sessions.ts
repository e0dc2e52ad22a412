/**
 * The players a game server accepted and who have not shown up yet: the game
 * checks a connecting player's session token against them, once.
 *
 * @module
 */

/** An accepted join, waiting for its player to connect. */
export interface PlayerSession {
  /** The token the player presents. */
  sessionToken: string;
  /** The player's name, as the MS sent it. */
  username: string;
  /** The player's clan tag; may be empty. */
  clantag: string;
  /** The KCP conversation id the MS gave the player. */
  conv: number;
  /** When the join was accepted, ms since the epoch. */
  acceptedAt: number;
  /** When the session is forgotten, ms since the epoch. */
  expiresAt: number;
}

/**
 * Sessions keyed by token, each forgotten `ttlMs` after it was added or when
 * consumed. All share one TTL, so insertion order is expiry order: one timer,
 * armed for the oldest, prunes from the front. The timer does not keep the
 * process alive.
 */
export class SessionStore {
  /** How long a session is kept, ms. */
  readonly ttlMs: number;
  readonly #sessions = new Map<string, PlayerSession>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(ttlMs: number) {
    this.ttlMs = ttlMs;
  }

  /** Sessions held now; the expiry timer removes each when it expires. */
  get size(): number {
    return this.#sessions.size;
  }

  /** Keeps an accepted join for `ttlMs`; a token added twice keeps the newer one. */
  add(join: { sessionToken: string; username: string; clantag: string; conv: number }): PlayerSession {
    const now = Date.now();
    const session: PlayerSession = {
      sessionToken: join.sessionToken,
      username: join.username,
      clantag: join.clantag,
      conv: join.conv,
      acceptedAt: now,
      expiresAt: now + this.ttlMs,
    };
    this.#sessions.delete(session.sessionToken);
    this.#sessions.set(session.sessionToken, session);
    if (this.#timer === undefined) this.#arm(now);
    return session;
  }

  /** The session for `token`, once: it is forgotten as it is returned. `undefined` if unknown or expired. */
  consume(token: string): PlayerSession | undefined {
    const session = this.#sessions.get(token);
    if (session === undefined) return undefined;
    this.#sessions.delete(token);
    return session.expiresAt > Date.now() ? session : undefined;
  }

  /** Forgets every session and stops the timer. */
  clear(): void {
    this.#sessions.clear();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #prune(now: number): void {
    for (const [token, session] of this.#sessions) {
      if (session.expiresAt > now) break;
      this.#sessions.delete(token);
    }
  }

  #arm(now: number): void {
    const first = this.#sessions.values().next();
    if (first.done) {
      this.#timer = undefined;
      return;
    }
    this.#timer = setTimeout(
      () => {
        const at = Date.now();
        this.#prune(at);
        this.#arm(at);
      },
      Math.max(0, first.value.expiresAt - now),
    );
    this.#timer.unref?.();
  }
}
