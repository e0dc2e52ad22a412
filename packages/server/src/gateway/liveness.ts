/**
 * The two clocks of a game server's connection: the heartbeat (a Ping every
 * ping interval, a close when no Pong came within the pong timeout;
 * docs/protocol.md#liveness) and the registration TTL (a listing expires, and
 * a connection that stays unlisted is closed; docs/protocol.md#registration).
 * Their timers are nodes of timer lists shared by every connection
 * (`timer-list.ts`): an idle connection holds no `Timeout` and no closure
 * for them.
 *
 * @module
 */

import { CloseCode } from '@masterserver/protocol';
import { ListTimer, TimerList } from '../timer-list.js';

/** The durations of the clocks. */
export interface LivenessTimes {
  readonly pingInterval: number;
  readonly pongTimeout: number;
  readonly registrationTtl: number;
}

/** The timer lists every connection's clocks run on: one set per gateway, a `Timeout` per list. */
export class LivenessClocks {
  readonly ping: TimerList<Heartbeat>;
  readonly pong: TimerList<PongDeadline>;
  readonly ttl: TimerList<RegistrationTtl>;

  constructor(times: LivenessTimes) {
    // Paced: the Pings of game servers that connected together spread out instead of going out in one burst.
    this.ping = new TimerList(times.pingInterval, Heartbeat.due, { paced: true });
    this.pong = new TimerList(times.pongTimeout, PongDeadline.due);
    this.ttl = new TimerList(times.registrationTtl, RegistrationTtl.due);
  }

  /** Stops every clock. */
  clear(): void {
    this.ping.clear();
    this.pong.clear();
    this.ttl.clear();
  }
}

/** The connection a heartbeat closes. */
interface Closable {
  close(code: number, reason: string): void;
}

/** The Pong deadline: it runs from a Ping while no Pong has come (so it runs only while a Pong is awaited). */
class PongDeadline extends ListTimer {
  readonly #connection: Closable;

  constructor(list: TimerList<PongDeadline>, connection: Closable) {
    super(list);
    this.#connection = connection;
  }

  static due(deadline: PongDeadline): void {
    deadline.#connection.close(CloseCode.PONG_TIMEOUT, 'pong timeout');
  }
}

/** Pings on an interval and closes the connection with 4008 when a Pong is missed. */
export class Heartbeat extends ListTimer {
  readonly #socket: { ping(): void };
  readonly #pongs: TimerList<PongDeadline>;
  readonly #connection: Closable;
  /** The Pong deadline, made at a Ping and dropped with the Pong: a connection between the two keeps none. */
  #pong: PongDeadline | undefined = undefined;

  constructor(clocks: LivenessClocks, socket: { ping(): void }, connection: Closable) {
    super(clocks.ping);
    this.#socket = socket;
    this.#pongs = clocks.pong;
    this.#connection = connection;
    this.start();
  }

  static due(heartbeat: Heartbeat): void {
    heartbeat.#socket.ping();
    // A Pong still awaited keeps its deadline: it runs from the first Ping it answers.
    let pong = heartbeat.#pong;
    if (pong === undefined) {
      pong = new PongDeadline(heartbeat.#pongs, heartbeat.#connection);
      heartbeat.#pong = pong;
    }
    if (!pong.running) pong.start();
    heartbeat.start();
  }

  /** A Pong arrived. */
  pong(): void {
    this.#pong?.stop();
    this.#pong = undefined;
  }

  override stop(): void {
    super.stop();
    this.pong();
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
 * registration restarted it. A restart only moves the timer to the end of its
 * list (no timer work, however often registrations come).
 */
export class RegistrationTtl extends ListTimer {
  #generation = 0;
  readonly #owner: TtlOwner;
  #stopped = false;

  constructor(list: TimerList<RegistrationTtl>, owner: TtlOwner) {
    super(list);
    this.#owner = owner;
    this.start();
  }

  static due(ttl: RegistrationTtl): void {
    ttl.#owner.ttlExpired(ttl.#generation);
  }

  /** Bumped by every {@link restart}. */
  get generation(): number {
    return this.#generation;
  }

  /** Starts the TTL again. */
  restart(): void {
    this.#generation++;
    if (!this.#stopped) this.start();
  }

  override stop(): void {
    this.#stopped = true;
    super.stop();
  }
}
