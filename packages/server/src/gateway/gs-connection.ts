/**
 * One game server's connection: the MS side of the protocol as a state
 * machine (`open` → `closing` → `closed`) with the listing as a second,
 * orthogonal state (listed or not).
 *
 * @module
 */

import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  CloseCode,
  cleanServerInfo,
  decodeAtMasterServer,
  encodeGeneralResponse,
  encodeJoinRequest,
  type Int64,
  int64ToString,
  invalidInfoField,
  type JoinResponse,
  MessageType,
  ProtocolError,
  RegistrationError,
  type RegistrationRequest,
  type ResponseError,
  registrationErrorMessage,
  type ServerInfo,
} from '@masterserver/protocol';
import type { Logger } from '../logger.js';
import { andThen, isPromise, type MaybePromise } from '../maybe-async.js';
import type { RegistrationOutcome, ServerMetrics } from '../metrics.js';
import type { ResolvedOptions } from '../options.js';
import { type ListedServer, type Registry, toListedServer } from '../registry/registry.js';
import type { RegistrationTokens } from '../tokens/registration-tokens.js';
import type { GsSocket } from './gs-socket.js';
import { SlidingWindow } from './sliding-window.js';

/** What a connection needs from the gateway that holds it. */
export interface ConnectionContext {
  readonly options: ResolvedOptions;
  readonly registry: Registry;
  readonly tokens: RegistrationTokens;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  /** The connection got its public server id. */
  identified(connection: GsConnection): void;
  /** The connection started to close. */
  closing(connection: GsConnection): void;
  /** The connection is gone. */
  closed(connection: GsConnection, code: number, reason: string): void;
}

/** A player asking to join, as the HTTP API hands it over. */
export interface JoinPlayer {
  username: string;
  clantag: string;
  password?: string | undefined;
}

/** How a join ended. */
export type JoinOutcome =
  | { kind: 'accepted'; ip: string; port: number; sessionToken: string; conv: number }
  | { kind: 'rejected'; error: ResponseError }
  | { kind: 'not-found' }
  | { kind: 'wrong-password' }
  | { kind: 'timeout' }
  /** As many joins wait on the game server as `maxPendingJoins` allows. */
  | { kind: 'busy' }
  /** The game server left (or, in cluster mode, the instance holding it stopped: `message` says so). */
  | { kind: 'gone'; message?: string }
  /** The instance that holds the server cannot be reached (cluster mode, Redis down). */
  | { kind: 'unavailable' };

interface PendingJoin {
  resolve: (outcome: JoinOutcome) => void;
  timer: NodeJS.Timeout;
  ip: string;
  port: number;
  sessionToken: string;
  conv: number;
}

/** The connection state. */
export type ConnectionState = 'open' | 'closing' | 'closed';

/** Registrations waiting their turn on one connection before the socket stops being read. */
const MAX_QUEUED = 8;
const PRUNE_CONVS_AT = 64;

const REFUSAL_OUTCOME: Record<RegistrationError, RegistrationOutcome> = {
  [RegistrationError.INVALID_TOKEN]: 'invalid_token',
  [RegistrationError.INVALID_INFO]: 'invalid_info',
  [RegistrationError.TOO_MANY_REQUESTS]: 'rate_limited',
  [RegistrationError.LIST_FULL]: 'list_full',
  [RegistrationError.UNREACHABLE]: 'unreachable',
  [RegistrationError.BANNED]: 'banned',
};

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Public server ids: 72 random bits, URL-safe. */
function newServerId(): string {
  return randomBytes(9).toString('base64url');
}

function sameListing(server: ListedServer, info: ServerInfo, tokenId: string): boolean {
  return (
    server.port === info.port &&
    server.curPlayers === info.curPlayers &&
    server.maxPlayers === info.maxPlayers &&
    server.gameState === info.gameState &&
    server.name === info.name &&
    server.map === info.map &&
    server.playlist === info.playlist &&
    server.desc === info.desc &&
    server.tokenId === tokenId
  );
}

/** The MS side of one game server's WebSocket. */
export class GsConnection {
  /** The client IP the listing's address uses. */
  readonly ip: string;
  /** When the connection opened, ms since the epoch. */
  readonly openedAt = Date.now();
  readonly #socket: GsSocket;
  readonly #ctx: ConnectionContext;
  #state: ConnectionState = 'open';
  #serverId: string | undefined;
  #listed: ListedServer | undefined;
  #passwordHash: Buffer | undefined;
  #password = '';
  /** Bumped whenever the TTL timer restarts, so that a stale expiry is recognized. */
  #ttlGeneration = 0;
  #queue: Promise<void> = Promise.resolve();
  /** Tasks waiting on a promise; 0 means the next task runs at once. */
  #queued = 0;
  #violated = false;
  readonly #rate: SlidingWindow | undefined;
  readonly #failures: SlidingWindow;
  /** Joins waiting on the game server; created with the first join (an empty Map is about 200 bytes per connection). */
  #pending: Map<string, PendingJoin> | undefined;
  #nextJoinId = 1;
  /** The last token this connection registered with successfully, to skip re-hashing it while the tokens do not change. */
  #verified: { token: string; id: string; generation: number } | undefined;
  /** Reserved `conv` values and when they expire; created with the first join. */
  #convs: Map<number, number> | undefined;
  #awaitingPong = false;
  /** The close this side started, if it did. */
  #sent: { code: number; reason: string } | undefined;
  readonly #pingTimer: NodeJS.Timeout;
  readonly #pongTimer: NodeJS.Timeout;
  readonly #ttlTimer: NodeJS.Timeout;

  constructor(socket: GsSocket, tcp: Socket, ip: string, ctx: ConnectionContext) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.ip = ip;
    const { options } = ctx;
    this.#rate =
      options.registrationRate === null
        ? undefined
        : new SlidingWindow(options.registrationRate.count, options.registrationRate.windowMs);
    this.#failures = new SlidingWindow(options.failedRegistrationLimit.count, options.failedRegistrationLimit.windowMs);

    this.#pingTimer = setInterval(() => this.#ping(), options.pingInterval).unref();
    this.#pongTimer = setTimeout(() => this.#pongDeadline(), options.pongTimeout).unref();
    this.#ttlTimer = setTimeout(() => this.#ttlExpired(), options.registrationTtl).unref();

    // One handler for every way a close starts (#closing runs once); `on`, not `once`: a socket closes once, and
    // `once` wraps each listener in two more objects that every idle connection would keep.
    const closing = (): void => this.#closing();
    socket.onClosing = closing;
    socket.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    socket.on('pong', () => {
      this.#awaitingPong = false;
    });
    socket.on('error', (error: Error) => ctx.logger.debug({ ip, err: error.message }, 'game server socket error'));
    socket.on('close', (code: number, reason: Buffer) => this.#closed(code, reason.toString()));
    // The peer ending TCP (or TCP breaking) also starts the close, before ws reports it.
    tcp.on('end', closing);
    tcp.on('close', closing);
  }

  /** `open`, `closing` or `closed`. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** The server's public id, once it registered successfully. */
  get serverId(): string | undefined {
    return this.#serverId;
  }

  /** The current listing, or `undefined` while not listed. */
  get listing(): ListedServer | undefined {
    return this.#listed;
  }

  /** Starts the closing handshake with `code`; the server is delisted at once. */
  close(code: number, reason: string): void {
    if (this.#state !== 'open') return;
    this.#sent = { code, reason };
    this.#socket.close(code, reason);
  }

  /** Delists the server (e.g. its token was revoked); the connection stays open. */
  delist(): void {
    this.#enqueue(() => this.#delist());
  }

  /** Asks the game server to let a player join, after checking the password. */
  join(player: JoinPlayer): Promise<JoinOutcome> {
    const listed = this.#listed;
    if (this.#state !== 'open' || listed === undefined) return Promise.resolve({ kind: 'not-found' });
    if (this.#passwordHash !== undefined) {
      const given = player.password ?? '';
      if (!timingSafeEqual(sha256(given), this.#passwordHash)) return Promise.resolve({ kind: 'wrong-password' });
    }
    this.#pending ??= new Map();
    const waiting = this.#pending;
    if (waiting.size >= this.#ctx.options.maxPendingJoins) return Promise.resolve({ kind: 'busy' });
    const id = this.#nextJoinId++;
    const sessionToken = randomBytes(24).toString('base64url');
    const conv = this.#allocateConv(Date.now());
    this.#socket.send(
      encodeJoinRequest({ id, sessionToken, username: player.username, clantag: player.clantag, conv }),
    );
    return new Promise((resolve) => {
      const key = String(id);
      const timer = setTimeout(() => {
        waiting.delete(key);
        resolve({ kind: 'timeout' });
      }, this.#ctx.options.joinTimeout).unref();
      waiting.set(key, { resolve, timer, ip: listed.ip, port: listed.port, sessionToken, conv });
    });
  }

  #onMessage(data: Buffer, isBinary: boolean): void {
    // Nothing that arrives after a violation, or once the close started, is acted on.
    if (this.#state !== 'open' || this.#violated) return;
    if (isBinary) {
      this.#violation(CloseCode.UNSUPPORTED_DATA, 'binary frames are not accepted');
      return;
    }
    let message: ReturnType<typeof decodeAtMasterServer>;
    try {
      message = decodeAtMasterServer(data.toString(), this.#isAwaiting);
    } catch (error) {
      if (error instanceof ProtocolError) this.#violation(error.closeCode, error.reason);
      else this.#internalError(error);
      return;
    }
    if (message === undefined) return;
    if (message.metadata.type === MessageType.REGISTRATION) {
      const registration = message as RegistrationRequest;
      this.#enqueue(() => this.#register(registration));
    } else {
      this.#answered(message as JoinResponse);
    }
  }

  readonly #isAwaiting = (id: string): boolean => this.#pending?.has(id) === true;

  /** Closes for a broken rule once the registrations that arrived before it are answered. */
  #violation(code: number, reason: string): void {
    this.#violated = true;
    this.#ctx.logger.info({ ip: this.ip, serverId: this.#serverId, code }, `closing: ${reason}`);
    this.#enqueue(() => this.close(code, reason));
  }

  /**
   * Runs what changes the listing (registrations, expiry, revocation) one at a
   * time, in arrival order: at once while nothing waits, else after the tasks
   * before it. Only a registry that answers with promises makes tasks wait.
   */
  #enqueue(task: () => MaybePromise<void>): void {
    if (this.#queued === 0) {
      let result: MaybePromise<void>;
      try {
        result = task();
      } catch (error) {
        this.#internalError(error);
        return;
      }
      if (!isPromise(result)) return;
      this.#track(result);
      return;
    }
    this.#track(this.#queue.then(task));
  }

  #track(work: Promise<void>): void {
    if (++this.#queued === MAX_QUEUED) this.#socket.pause();
    this.#queue = work
      .catch((error: unknown) => this.#internalError(error))
      .finally(() => {
        if (this.#queued-- === MAX_QUEUED) this.#socket.resume();
      });
  }

  #internalError(error: unknown): void {
    this.#ctx.logger.error({ ip: this.ip, serverId: this.#serverId, err: error }, 'internal error on a connection');
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  #register(request: RegistrationRequest): MaybePromise<void> {
    if (this.#state !== 'open') return;
    const { id } = request.metadata;
    const now = Date.now();
    if (this.#rate !== undefined && !this.#rate.tryRecord(now)) {
      return this.#refuse(id, RegistrationError.TOO_MANY_REQUESTS, now);
    }
    const tokenId = this.#verifyToken(request.regToken);
    if (tokenId === undefined) return this.#refuse(id, RegistrationError.INVALID_TOKEN, now);
    // The list shows cleaned texts, and the limits apply to them (a name of zero-width spaces is empty).
    const info = cleanServerInfo(request.info);
    const field = invalidInfoField(info);
    if (field !== undefined) return this.#refuse(id, RegistrationError.INVALID_INFO, now, field);

    const { registry } = this.#ctx;
    const password = info.password ?? '';
    const listed = this.#listed;
    if (listed !== undefined && password === this.#password && sameListing(listed, info, tokenId)) {
      return andThen(registry.refresh(listed.id), () => this.#registered(id));
    }
    const serverId = this.#serverId ?? newServerId();
    const server = toListedServer(serverId, info, this.ip, tokenId);
    return andThen(registry.put(server), (result) => {
      if (this.#state !== 'open') return result.ok ? registry.delete(serverId) : undefined;
      if (!result.ok) return this.#refuse(id, RegistrationError.LIST_FULL, now);
      this.#listed = server;
      if (password !== this.#password) {
        this.#password = password;
        this.#passwordHash = password === '' ? undefined : sha256(password);
      }
      if (this.#serverId === undefined) {
        this.#serverId = serverId;
        this.#ctx.identified(this);
      }
      this.#registered(id);
    });
  }

  /**
   * The token's id, or `undefined`. A connection repeats its token every few
   * seconds: the same text as its last verified one, while no token changed,
   * is that token (the comparison is against the peer's own earlier message,
   * so its timing tells the peer nothing it did not send).
   */
  #verifyToken(token: string): string | undefined {
    const { tokens } = this.#ctx;
    const verified = this.#verified;
    if (verified !== undefined && verified.generation === tokens.generation && verified.token === token) {
      tokens.markUsed(verified.id);
      return verified.id;
    }
    const id = tokens.verify(token);
    this.#verified = id === undefined ? undefined : { token, id, generation: tokens.generation };
    return id;
  }

  #registered(id: Int64): void {
    if (this.#state !== 'open') return;
    this.#ctx.metrics.registration('success');
    this.#restartTtl();
    this.#socket.send(encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, id));
  }

  #refuse(id: Int64, type: RegistrationError, now: number, field?: string): MaybePromise<void> {
    const msg = field === undefined ? registrationErrorMessage[type] : `${registrationErrorMessage[type]}: ${field}`;
    this.#socket.send(encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, id, { type, msg }));
    this.#ctx.metrics.registration(REFUSAL_OUTCOME[type]);
    this.#ctx.logger.info({ ip: this.ip, serverId: this.#serverId, errorType: type }, `registration refused: ${msg}`);
    if (this.#failures.record(now)) {
      this.close(CloseCode.POLICY_VIOLATION, 'too many failed registrations');
      return;
    }
    return this.#delist();
  }

  #delist(): MaybePromise<void> {
    const listed = this.#listed;
    if (listed === undefined || this.#state !== 'open') return;
    this.#listed = undefined;
    this.#restartTtl();
    return this.#ctx.registry.delete(listed.id);
  }

  #restartTtl(): void {
    this.#ttlGeneration++;
    this.#ttlTimer.refresh();
  }

  #ttlExpired(): void {
    const generation = this.#ttlGeneration;
    this.#enqueue(() => {
      // A registration queued before this expiry may have restarted the TTL meanwhile.
      if (generation !== this.#ttlGeneration || this.#state !== 'open') return;
      if (this.#listed !== undefined) return this.#delist();
      this.close(CloseCode.POLICY_VIOLATION, 'registration required');
    });
  }

  #ping(): void {
    if (this.#state !== 'open') return;
    this.#socket.ping();
    if (!this.#awaitingPong) {
      this.#awaitingPong = true;
      this.#pongTimer.refresh();
    }
  }

  #pongDeadline(): void {
    if (this.#awaitingPong) this.close(CloseCode.PONG_TIMEOUT, 'pong timeout');
  }

  #answered(response: JoinResponse): void {
    const key = int64ToString(response.metadata.id);
    const pending = this.#pending?.get(key);
    if (pending === undefined) return;
    this.#pending?.delete(key);
    clearTimeout(pending.timer);
    if (response.success) {
      const { ip, port, sessionToken, conv } = pending;
      pending.resolve({ kind: 'accepted', ip, port, sessionToken, conv });
    } else {
      pending.resolve({ kind: 'rejected', error: response.error });
    }
  }

  /** A random non-zero UINT32 that no unexpired join to this server holds. */
  #allocateConv(now: number): number {
    this.#convs ??= new Map();
    const convs = this.#convs;
    if (convs.size >= PRUNE_CONVS_AT) {
      // Reservations expire in insertion order: drop from the front.
      for (const [conv, until] of convs) {
        if (until > now) break;
        convs.delete(conv);
      }
    }
    for (;;) {
      const conv = randomInt(1, 0x1_0000_0000);
      if (!convs.has(conv)) {
        convs.set(conv, now + this.#ctx.options.convReservation);
        return conv;
      }
    }
  }

  /** The closing handshake started (either side) or TCP ended: delist now, fail waiting joins. */
  #closing(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#socket.onClosing = undefined;
    clearInterval(this.#pingTimer);
    clearTimeout(this.#pongTimer);
    clearTimeout(this.#ttlTimer);
    for (const pending of this.#pending?.values() ?? []) {
      clearTimeout(pending.timer);
      pending.resolve({ kind: 'gone' });
    }
    this.#pending?.clear();
    const listed = this.#listed;
    this.#listed = undefined;
    if (listed !== undefined) {
      const deleted = this.#ctx.registry.delete(listed.id);
      if (isPromise(deleted)) {
        deleted.catch((error: unknown) =>
          this.#ctx.logger.error({ serverId: listed.id, err: error }, 'delisting failed'),
        );
      }
    }
    this.#ctx.closing(this);
  }

  #closed(code: number, reason: string): void {
    this.#closing();
    this.#state = 'closed';
    // No Close frame came back (1006: the peer or the network is gone): report the close this side sent.
    const sent = code === 1006 ? this.#sent : undefined;
    this.#ctx.closed(this, sent?.code ?? code, sent?.reason ?? reason);
  }
}
