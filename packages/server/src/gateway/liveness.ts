/**
 * The two clocks of a game server's connection: the heartbeat (a Ping every
 * ping interval, a close when no Pong came within the pong timeout;
 * docs/protocol.md#liveness) and the registration TTL (a listing expires, and
 * a connection that stays unlisted is closed; docs/protocol.md#registration).
 *
 * @module
 */

/** Pings on an interval and reports a missed Pong. */
export class Heartbeat {
  #awaitingPong = false;
  readonly #pingTimer: NodeJS.Timeout;
  readonly #pongTimer: NodeJS.Timeout;

  /** `ping` sends a Ping; `missed` runs when no Pong came within `pongTimeoutMs` of a Ping. */
  constructor(pingIntervalMs: number, pongTimeoutMs: number, ping: () => void, missed: () => void) {
    this.#pingTimer = setInterval(() => {
      ping();
      if (!this.#awaitingPong) {
        this.#awaitingPong = true;
        this.#pongTimer.refresh();
      }
    }, pingIntervalMs).unref();
    this.#pongTimer = setTimeout(() => {
      if (this.#awaitingPong) missed();
    }, pongTimeoutMs).unref();
  }

  /** A Pong arrived. */
  pong(): void {
    this.#awaitingPong = false;
  }

  stop(): void {
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
  }
}

/**
 * The registration TTL: {@link restart} on every successful registration and
 * every delisting; `expired` runs a TTL after the last restart, with the
 * generation it was armed in, so that a task queued meanwhile can tell that a
 * later registration restarted it.
 */
export class RegistrationTtl {
  #generation = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(ttlMs: number, expired: (generation: number) => void) {
    this.#timer = setTimeout(() => expired(this.#generation), ttlMs).unref();
  }

  /** Bumped by every {@link restart}. */
  get generation(): number {
    return this.#generation;
  }

  restart(): void {
    this.#generation++;
    this.#timer.refresh();
  }

  stop(): void {
    clearTimeout(this.#timer);
  }
}
