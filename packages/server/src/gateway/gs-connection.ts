/**
 * One game server's connection: the MS side of the protocol as a state
 * machine (`open` → `closing` → `closed`) with the listing as a second,
 * orthogonal state (listed or not, in `listing.ts`). The checks of a
 * registration, the heartbeat, the task queue and the joins waiting on the
 * game server live in modules of their own; this class decides what happens
 * when.
 *
 * @module
 */

import {
  CloseCode,
  decodeAtMasterServer,
  encodeGeneralResponse,
  type Int64,
  type JoinResponse,
  MessageType,
  ProtocolError,
  RegistrationEcho,
  type RegistrationRequest,
} from '@masterserver/protocol';
import type { JoinDone, JoinPlayer } from '../joins/outcome.js';
import { type JoinDesk, PendingJoins } from '../joins/pending.js';
import { isPromise, type MaybePromise } from '../maybe-async.js';
import type { ServerMetrics } from '../metrics.js';
import type { BanList } from '../moderation/ban-list.js';
import type { ResolvedOptions } from '../options.js';
import { type ListedServer, sameInfo } from '../registry/registry.js';
import type { RegistrationTokens } from '../tokens/registration-tokens.js';
import type { GsSocket, GsSocketHandler } from './gs-socket.js';
import { Listing, type ListingContext, type ListOutcome } from './listing.js';
import { Heartbeat } from './liveness.js';
import { REFUSAL_OUTCOME, type Refusal, RegistrationPolicy, refusalMessage } from './registration-policy.js';
import { SerialQueue } from './serial-queue.js';

/** What a connection needs from the gateway that holds it. */
export interface ConnectionContext extends ListingContext {
  readonly options: ResolvedOptions;
  readonly tokens: RegistrationTokens;
  readonly bans: BanList;
  readonly metrics: ServerMetrics;
  readonly joins: JoinDesk;
  /** The connection's listing got a public server id, or another one (`previous`) after it moved to another port. */
  identified(connection: GsConnection, previous: string | undefined): void;
  /** The connection started to close. */
  closing(connection: GsConnection): void;
  /** The connection is gone. */
  closed(connection: GsConnection, code: number, reason: string): void;
}

/** The connection state. */
export type ConnectionState = 'open' | 'closing' | 'closed';

/** Registrations waiting their turn on one connection before the socket stops being read. */
const MAX_QUEUED = 8;

/** The decoder's question for a connection with no join waiting: no response is awaited. */
const NOTHING_AWAITED = (): boolean => false;

/** Runs a queued task (the step {@link GsConnection.enqueue} runs now when nothing waits). */
function callTask(task: () => MaybePromise<void>): MaybePromise<void> {
  return task();
}

/**
 * What {@link GsConnection.openedAt} counts from. A connection keeps its time since then, a small integer for the
 * first 12 days (a number object after); ms since the epoch would not be one, and V8 keeps such a field as a number
 * object of its own.
 */
const OPENED_BASE = Date.now();

/** Ms since {@link OPENED_BASE}, made a small integer by `| 0` (a double of the same value is not one) while it fits. */
function sinceOpenedBase(): number {
  const ms = Date.now() - OPENED_BASE;
  return ms < 0x40000000 ? ms | 0 : ms;
}

/** The MS side of one game server's WebSocket. */
export class GsConnection implements GsSocketHandler {
  /** The client IP the listing's address uses. */
  readonly ip: string;
  /** Unique among every connection of the cluster: the registry tells listings of one address apart by it. */
  readonly key: string;
  /** When the connection opened: ms since {@link OPENED_BASE}. */
  readonly #opened = sinceOpenedBase();
  readonly #socket: GsSocket;
  readonly #ctx: ConnectionContext;
  #state: ConnectionState = 'open';
  #violated = false;
  readonly #listing: Listing;
  readonly #policy: RegistrationPolicy;
  /** Made when a task first answers with a promise (a networked registry): until then every task runs at once. */
  #queue: SerialQueue | undefined;
  readonly #heartbeat: Heartbeat;
  /** Joins waiting on the game server: made with a join, let go once an answer leaves none waiting. */
  #joins: PendingJoins | undefined;
  /** The last registration, to take its repeats without decoding them; made when a listing is first repeated. */
  #echo: RegistrationEcho | undefined;
  /** The close this side started, if it did. */
  #sent: { code: number; reason: string } | undefined;

  constructor(socket: GsSocket, ip: string, key: string, ctx: ConnectionContext) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.ip = ip;
    this.key = key;
    const { options } = ctx;
    this.#listing = new Listing(ctx, this);
    this.#policy = new RegistrationPolicy(options, ctx.tokens, ctx.bans, ip);
    // Stopped when the close starts: it pings only an open socket.
    this.#heartbeat = new Heartbeat(ctx.clocks, socket, this);
    socket.handler = this;
  }

  /** When the connection opened, ms since the epoch. */
  get openedAt(): number {
    return OPENED_BASE + this.#opened;
  }

  /** `open`, `closing` or `closed`. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The server's public id, once it registered successfully. */
  get serverId(): string | undefined {
    return this.#listing.id;
  }

  /** The current listing, or `undefined` while not listed. */
  get listing(): ListedServer | undefined {
    return this.#listing.server;
  }

  /** Starts the closing handshake with `code`; the server is delisted at once. */
  close(code: number, reason: string): void {
    if (this.#state !== 'open') return;
    this.#sent = { code, reason };
    this.#socket.close(code, reason);
  }

  /** Delists the server (e.g. its token was revoked); the connection stays open. */
  delist(): void {
    this.enqueue(() => this.#listing.delist());
  }

  /** Runs `task` once the registrations that arrived before it are done (what changes the listing runs in order). */
  enqueue(task: () => MaybePromise<void>): void {
    if (this.#queue !== undefined) this.#queue.run(task);
    else this.#runNow(callTask, task);
  }

  /**
   * Runs `step(arg)` now, nothing waiting before it; a promise it answers with starts the queue that later tasks
   * wait on. (`step` and its argument, not a closure: a registration taken now allocates no task.)
   */
  #runNow<A>(step: (this: GsConnection, arg: A) => MaybePromise<void>, arg: A): void {
    try {
      const result = step.call(this, arg);
      if (isPromise(result)) this.#asyncQueue().track(result);
    } catch (error) {
      this.#internalError(error);
    }
  }

  #asyncQueue(): SerialQueue {
    const socket = this.#socket;
    this.#queue ??= new SerialQueue(MAX_QUEUED, {
      error: (error) => this.#internalError(error),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    });
    return this.#queue;
  }

  /** Asks the game server to let a player join, after checking the password; `done` gets the outcome. */
  join(player: JoinPlayer, done: JoinDone): void {
    const listed = this.#listing.server;
    if (this.#state !== 'open' || listed === undefined) done({ kind: 'not-found' });
    else if (!this.#listing.admits(player.password)) done({ kind: 'wrong-password' });
    else {
      this.#joins ??= new PendingJoins(this.#ctx.joins);
      this.#joins.request(listed, player, this.#socket, done);
    }
  }

  /** A message from the game server. */
  socketMessage(data: Buffer, isBinary: boolean): void {
    // Nothing that arrives after a violation, or once the close started, is acted on.
    if (this.#state !== 'open' || this.#violated) return;
    if (isBinary) {
      this.#violation(CloseCode.UNSUPPORTED_DATA, 'binary frames are not accepted');
      return;
    }
    // A registration repeated but for its id is taken as it is: the last one's checks hold for it.
    const repeated = this.#echo?.match(data);
    if (repeated !== undefined) {
      this.#take(repeated);
      return;
    }
    const text = data.toString();
    let message: ReturnType<typeof decodeAtMasterServer>;
    try {
      message = decodeAtMasterServer(text, this.#joins?.isAwaiting ?? NOTHING_AWAITED);
    } catch (error) {
      if (error instanceof ProtocolError) this.#violation(error.closeCode, error.reason);
      else this.#internalError(error);
      return;
    }
    if (message === undefined) return;
    if (message.metadata.type === MessageType.REGISTRATION) {
      const registration = message as RegistrationRequest;
      // A game server repeating its listing is likely to repeat this message: remember it to take the repeats.
      const listed = this.#listing.server;
      if (listed !== undefined && sameInfo(listed, registration.info)) {
        this.#echo ??= new RegistrationEcho();
        // Kept with what the connection holds already (the listing, whose fields it matches and which is never
        // changed in place, and the verified token): no second copy of the info or its texts.
        const regToken = this.#policy.heldToken(registration.regToken);
        this.#echo.remember(data, text, { ...registration, regToken }, listed);
      } else this.#echo?.forget();
      this.#take(registration);
    } else {
      const joins = this.#joins;
      if (joins === undefined) return;
      joins.answered(message as JoinResponse);
      // Kept only while joins wait: an idle connection holds no object for them (the request ids go on from the desk).
      if (joins.size === 0) this.#joins = undefined;
    }
  }

  #take(registration: RegistrationRequest): void {
    // Nothing waits (the registry answers at once): no task to make, it runs now.
    if (this.#queue === undefined) this.#runNow(this.#register, registration);
    else this.enqueue(() => this.#register(registration));
  }

  /** Closes for a broken rule once the registrations that arrived before it are answered. */
  #violation(code: number, reason: string): void {
    this.#violated = true;
    this.#ctx.logger.info({ ip: this.ip, serverId: this.serverId, code }, `closing: ${reason}`);
    this.enqueue(() => this.close(code, reason));
  }

  #internalError(error: unknown): void {
    this.#ctx.logger.error({ ip: this.ip, serverId: this.serverId, err: error }, 'internal error on a connection');
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  #register(request: RegistrationRequest): MaybePromise<void> {
    if (this.#state !== 'open') return;
    const { id } = request.metadata;
    const now = Date.now();
    const admitted = this.#policy.check(request, now, this.#listing.server);
    if ('refused' in admitted) return this.#refuse(id, admitted, now);
    const listed = this.#listing.list(admitted.info, admitted.tokenId, admitted.unchanged);
    if (isPromise(listed)) return listed.then((outcome) => this.#answer(id, outcome, now));
    return this.#answer(id, listed, now);
  }

  #answer(id: Int64, outcome: ListOutcome, now: number): MaybePromise<void> {
    if (outcome === 'listed') this.#registered(id);
    else if (outcome !== 'closed') return this.#refuse(id, outcome, now);
  }

  #registered(id: Int64): void {
    if (this.#state !== 'open') return;
    this.#ctx.metrics.registration('success');
    this.#socket.send(encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, id));
  }

  #refuse(id: Int64, refusal: Refusal, now: number): MaybePromise<void> {
    const msg = refusalMessage(refusal);
    const type = refusal.refused;
    this.#socket.send(encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, id, { type, msg }));
    this.#ctx.metrics.registration(REFUSAL_OUTCOME[type]);
    this.#ctx.logger.info({ ip: this.ip, serverId: this.serverId, errorType: type }, `registration refused: ${msg}`);
    if (refusal.close !== undefined) return this.close(refusal.close.code, refusal.close.reason);
    if (this.#policy.failed(now)) {
      this.close(CloseCode.POLICY_VIOLATION, 'too many failed registrations');
      return;
    }
    return this.#listing.delist();
  }

  socketPong(): void {
    this.#heartbeat.pong();
  }

  socketOverflow(buffered: number): void {
    this.#ctx.logger.warn(
      { ip: this.ip, serverId: this.serverId, buffered },
      'game server does not read: connection ended',
    );
  }

  socketError(error: Error): void {
    this.#ctx.logger.debug({ ip: this.ip, err: error.message }, 'game server socket error');
  }

  /** The closing handshake started (either side) or TCP ended: delist now, fail waiting joins. */
  socketClosing(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#heartbeat.stop();
    this.#joins?.failAll({ kind: 'gone' });
    this.#listing.drop();
    this.#ctx.closing(this);
  }

  socketClosed(code: number, reasonBytes: Buffer): void {
    const reason = reasonBytes.toString();
    this.socketClosing();
    this.#state = 'closed';
    // No Close frame came back (1006: the peer or the network is gone): report the close this side sent.
    const sent = code === 1006 ? this.#sent : undefined;
    this.#ctx.closed(this, sent?.code ?? code, sent?.reason ?? reason);
  }
}
