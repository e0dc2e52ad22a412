/**
 * The two clocks of a game server's connection: the heartbeat (a Ping every
 * ping interval, a close when no Pong came within the pong timeout;
 * docs/protocol.md#liveness) and the registration TTL (a listing expires, and
 * a connection that stays unlisted is closed; docs/protocol.md#registration).
 * Their timers call shared functions with the clock as argument: an idle
 * connection holds no closure for them.
 *
 * @module
 */

import { CloseCode } from '@masterserver/protocol';

/** Pings on an interval and closes the connection with 4008 when a Pong is missed. */
export class Heartbeat {
  readonly #socket: { ping(): void };
  readonly #connection: { close(code: number, reason: string): void };
  #awaitingPong = false;
  readonly #pingTimer: NodeJS.Timeout;
  readonly #pongTimer: NodeJS.Timeout;

  constructor(
    pingIntervalMs: number,
    pongTimeoutMs: number,
    socket: { ping(): void },
    connection: { close(code: number, reason: string): void },
  ) {
    this.#socket = socket;
    this.#connection = connection;
    this.#pingTimer = setInterval(Heartbeat.#ping, pingIntervalMs, this).unref();
    this.#pongTimer = setTimeout(Heartbeat.#pongDue, pongTimeoutMs, this).unref();
  }

  static #ping(heartbeat: Heartbeat): void {
    heartbeat.#socket.ping();
    if (!heartbeat.#awaitingPong) {
      heartbeat.#awaitingPong = true;
      heartbeat.#pongTimer.refresh();
    }
  }

  static #pongDue(heartbeat: Heartbeat): void {
    if (heartbeat.#awaitingPong) heartbeat.#connection.close(CloseCode.PONG_TIMEOUT, 'pong timeout');
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

/** What the registration TTL tells when it runs out. */
export interface TtlOwner {
  /** The TTL ran out; `generation` is the one it was armed in. */
  ttlExpired(generation: number): void;
}

/**
 * The registration TTL: {@link restart} on every successful registration and
 * every delisting; the owner hears when it runs out, with the generation it
 * was armed in, so that a task queued meanwhile can tell that a later
 * registration restarted it. A restart only notes the time: the timer, when it
 * fires early, waits again for what is left (a registration costs no timer
 * work, however often it comes).
 */
export class RegistrationTtl {
  #generation = 0;
  readonly #ttlMs: number;
  readonly #owner: TtlOwner;
  #restartedAt = Date.now();
  #stopped = false;
  /** Armed while the TTL runs; after it ran out, the next {@link restart} arms it again. */
  #timer: NodeJS.Timeout | undefined;

  constructor(ttlMs: number, owner: TtlOwner) {
    this.#ttlMs = ttlMs;
    this.#owner = owner;
    this.#timer = setTimeout(RegistrationTtl.#due, ttlMs, this).unref();
  }

  static #due(ttl: RegistrationTtl): void {
    const left = ttl.#ttlMs - (Date.now() - ttl.#restartedAt);
    if (left > 0) {
      ttl.#timer = setTimeout(RegistrationTtl.#due, left, ttl).unref();
      return;
    }
    ttl.#timer = undefined;
    ttl.#owner.ttlExpired(ttl.#generation);
  }

  /** Bumped by every {@link restart}. */
  get generation(): number {
    return this.#generation;
  }

  /** Starts the TTL again from `now` (ms since the epoch). */
  restart(now = Date.now()): void {
    this.#generation++;
    this.#restartedAt = now;
    if (this.#timer === undefined && !this.#stopped) {
      this.#timer = setTimeout(RegistrationTtl.#due, this.#ttlMs, this).unref();
    }
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
