/**
 * One game server's connection: the MS side of the protocol as a state
 * machine (`open` → `closing` → `closed`) with the listing as a second,
 * orthogonal state (listed or not). The checks of a registration, the clocks,
 * the task queue and the joins waiting on the game server live in modules of
 * their own; this class decides what happens when.
 *
 * @module
 */

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import {
  CloseCode,
  decodeAtMasterServer,
  encodeGeneralResponse,
  type Int64,
  type JoinResponse,
  MessageType,
  ProtocolError,
  RegistrationError,
  type RegistrationRequest,
  type ServerInfo,
} from '@masterserver/protocol';
import type { JoinOutcome, JoinPlayer } from '../joins/outcome.js';
import { type JoinDesk, PendingJoins } from '../joins/pending.js';
import type { Logger } from '../logger.js';
import { andThen, isPromise, type MaybePromise } from '../maybe-async.js';
import type { ServerMetrics } from '../metrics.js';
import type { ResolvedOptions } from '../options.js';
import type { AddressWatch, Reachability } from '../probe/reachability.js';
import { type ListedServer, type Registry, toListedServer, withReachable } from '../registry/registry.js';
import type { ServerIds } from '../registry/server-ids.js';
import type { RegistrationTokens } from '../tokens/registration-tokens.js';
import type { GsSocket } from './gs-socket.js';
import { Heartbeat, RegistrationTtl } from './liveness.js';
import { REFUSAL_OUTCOME, type Refusal, RegistrationPolicy, refusalMessage } from './registration-policy.js';
import { SerialQueue } from './serial-queue.js';

/** What a connection needs from the gateway that holds it. */
export interface ConnectionContext {
  readonly options: ResolvedOptions;
  readonly registry: Registry;
  readonly tokens: RegistrationTokens;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly joins: JoinDesk;
  readonly reachability: Reachability;
  /** Derives public server ids from addresses. */
  readonly serverIds: ServerIds;
  /** The connection got a public server id, or another one (`previous`) after it moved to another port. */
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

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The address as a refusal names it: `IP:PORT`, an IPv6 address in brackets. */
export const formatAddress = (ip: string, port: number): string =>
  ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;

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
  /** Unique among every connection of the cluster: the registry tells listings of one address apart by it. */
  readonly key: string;
  /** When the connection opened, ms since the epoch. */
  readonly openedAt = Date.now();
  readonly #socket: GsSocket;
  readonly #ctx: ConnectionContext;
  #state: ConnectionState = 'open';
  #serverId: string | undefined;
  #listed: ListedServer | undefined;
  #passwordHash: Buffer | undefined;
  #password = '';
  /** The probe's watch on the address this connection lists (or is being checked for, in `require` mode). */
  #watch: AddressWatch | undefined;
  #violated = false;
  readonly #policy: RegistrationPolicy;
  readonly #queue: SerialQueue;
  readonly #heartbeat: Heartbeat;
  readonly #ttl: RegistrationTtl;
  /** Joins waiting on the game server; created with the first join. */
  #joins: PendingJoins | undefined;
  /** The close this side started, if it did. */
  #sent: { code: number; reason: string } | undefined;

  constructor(socket: GsSocket, tcp: Socket, ip: string, key: string, ctx: ConnectionContext) {
    this.#socket = socket;
    this.#ctx = ctx;
    this.ip = ip;
    this.key = key;
    const { options } = ctx;
    this.#policy = new RegistrationPolicy(options, ctx.tokens);
    this.#queue = new SerialQueue(MAX_QUEUED, {
      error: (error) => this.#internalError(error),
      pause: () => socket.pause(),
      resume: () => socket.resume(),
    });
    this.#heartbeat = new Heartbeat(
      options.pingInterval,
      options.pongTimeout,
      () => {
        if (this.#state === 'open') socket.ping();
      },
      () => this.close(CloseCode.PONG_TIMEOUT, 'pong timeout'),
    );
    this.#ttl = new RegistrationTtl(options.registrationTtl, (generation) => this.#ttlExpired(generation));

    // One handler for every way a close starts (#closing runs once); `on`, not `once`: a socket closes once, and
    // `once` wraps each listener in two more objects that every idle connection would keep.
    const closing = (): void => this.#closing();
    socket.onClosing = closing;
    socket.on('message', (data: Buffer, isBinary: boolean) => this.#onMessage(data, isBinary));
    socket.on('pong', () => this.#heartbeat.pong());
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
    this.#queue.run(() => this.#delist());
  }

  /** Asks the game server to let a player join, after checking the password. */
  join(player: JoinPlayer): Promise<JoinOutcome> {
    const listed = this.#listed;
    if (this.#state !== 'open' || listed === undefined) return Promise.resolve({ kind: 'not-found' });
    if (this.#passwordHash !== undefined && !timingSafeEqual(sha256(player.password ?? ''), this.#passwordHash)) {
      return Promise.resolve({ kind: 'wrong-password' });
    }
    this.#joins ??= new PendingJoins(this.#ctx.joins);
    return this.#joins.request({ serverId: listed.id, ip: listed.ip, port: listed.port }, player, this.#send);
  }

  readonly #send = (text: string): void => this.#socket.send(text);

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
      this.#queue.run(() => this.#register(registration));
    } else {
      this.#joins?.answered(message as JoinResponse);
    }
  }

  readonly #isAwaiting = (id: string): boolean => this.#joins?.isAwaiting(id) === true;

  /** Closes for a broken rule once the registrations that arrived before it are answered. */
  #violation(code: number, reason: string): void {
    this.#violated = true;
    this.#ctx.logger.info({ ip: this.ip, serverId: this.#serverId, code }, `closing: ${reason}`);
    this.#queue.run(() => this.close(code, reason));
  }

  #internalError(error: unknown): void {
    this.#ctx.logger.error({ ip: this.ip, serverId: this.#serverId, err: error }, 'internal error on a connection');
    this.close(CloseCode.INTERNAL_ERROR, 'internal error');
  }

  #register(request: RegistrationRequest): MaybePromise<void> {
    if (this.#state !== 'open') return;
    const { id } = request.metadata;
    const now = Date.now();
    const admitted = this.#policy.check(request, now);
    if ('refused' in admitted) return this.#refuse(id, admitted, now);
    const { info, tokenId } = admitted;
    const password = info.password ?? '';
    const listed = this.#listed;
    if (listed !== undefined && listed.port === info.port) {
      if (password === this.#password && sameListing(listed, info, tokenId)) {
        return andThen(this.#ctx.registry.refresh(listed.id), () => this.#registered(id));
      }
      // The same address: the same id, and the probe's verdict stands.
      const server = toListedServer(listed.id, info, this.ip, tokenId, listed.reachable, this.key);
      return this.#put(server, id, password, now);
    }
    // A new address (the first listing, or another port): the old one is delisted, the new one probed.
    return andThen(this.#delist(), () => this.#listAt(info, tokenId, password, id, now));
  }

  #listAt(info: ServerInfo, tokenId: string, password: string, id: Int64, now: number): MaybePromise<void> {
    if (this.#state !== 'open') return;
    const { reachability, serverIds } = this.#ctx;
    const { port } = info;
    const watch = this.#watchAddress(port);
    const server = (reachable: boolean | null): ListedServer =>
      toListedServer(serverIds.of(this.ip, port), info, this.ip, tokenId, reachable, this.key);
    if (reachability.mode !== 'require') return this.#put(server(watch.verdict), id, password, now);
    return watch.settled().then((reachable) => {
      if (this.#state !== 'open' || this.#watch !== watch) return;
      if (!reachable) {
        const detail = `udp ${formatAddress(this.ip, port)}`;
        return this.#refuse(id, { refused: RegistrationError.UNREACHABLE, detail }, now);
      }
      return this.#put(server(true), id, password, now);
    });
  }

  /** Lists `server` (or relists it, `answer` undefined: its reachability changed). */
  #put(server: ListedServer, answer: Int64 | undefined, password: string, now: number): MaybePromise<void> {
    const { registry } = this.#ctx;
    return andThen(registry.put(server), (result) => {
      if (this.#state !== 'open') return result.ok ? registry.delete(server) : undefined;
      if (!result.ok)
        return answer === undefined ? undefined : this.#refuse(answer, { refused: RegistrationError.LIST_FULL }, now);
      this.#listed = server;
      if (password !== this.#password) {
        this.#password = password;
        this.#passwordHash = password === '' ? undefined : sha256(password);
      }
      if (this.#serverId !== server.id) {
        const previous = this.#serverId;
        this.#serverId = server.id;
        this.#ctx.identified(this, previous);
      }
      if (answer !== undefined) this.#registered(answer);
    });
  }

  #registered(id: Int64): void {
    if (this.#state !== 'open') return;
    this.#ctx.metrics.registration('success');
    this.#ttl.restart();
    this.#socket.send(encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, id));
  }

  #refuse(id: Int64, refusal: Refusal, now: number): MaybePromise<void> {
    const msg = refusalMessage(refusal);
    const type = refusal.refused;
    this.#socket.send(encodeGeneralResponse(MessageType.REGISTRATION_RESPONSE, id, { type, msg }));
    this.#ctx.metrics.registration(REFUSAL_OUTCOME[type]);
    this.#ctx.logger.info({ ip: this.ip, serverId: this.#serverId, errorType: type }, `registration refused: ${msg}`);
    if (this.#policy.failed(now)) {
      this.close(CloseCode.POLICY_VIOLATION, 'too many failed registrations');
      return;
    }
    return this.#delist();
  }

  /** Watches the address at `port` for this connection's listing (the same watch while the port stays). */
  #watchAddress(port: number): AddressWatch {
    this.#watch?.release();
    const watch = this.#ctx.reachability.watch(this.ip, port, (reachable) =>
      this.#queue.run(() => this.#reachabilityChanged(watch, reachable)),
    );
    this.#watch = watch;
    return watch;
  }

  #reachabilityChanged(watch: AddressWatch, reachable: boolean): MaybePromise<void> {
    const listed = this.#listed;
    if (this.#watch !== watch || listed === undefined || this.#state !== 'open') return;
    if (!reachable && this.#ctx.reachability.mode === 'require') {
      this.#ctx.logger.info({ ip: this.ip, serverId: listed.id }, 'delisted: the game port stopped answering probes');
      return this.#delist();
    }
    if (listed.reachable === reachable) return;
    return this.#put(withReachable(listed, reachable), undefined, this.#password, Date.now());
  }

  #delist(): MaybePromise<void> {
    this.#watch?.release();
    this.#watch = undefined;
    const listed = this.#listed;
    if (listed === undefined || this.#state !== 'open') return;
    this.#listed = undefined;
    this.#ttl.restart();
    return this.#ctx.registry.delete(listed);
  }

  #ttlExpired(generation: number): void {
    this.#queue.run(() => {
      // A registration queued before this expiry may have restarted the TTL meanwhile.
      if (generation !== this.#ttl.generation || this.#state !== 'open') return;
      if (this.#listed !== undefined) return this.#delist();
      this.close(CloseCode.POLICY_VIOLATION, 'registration required');
    });
  }

  /** The closing handshake started (either side) or TCP ended: delist now, fail waiting joins. */
  #closing(): void {
    if (this.#state !== 'open') return;
    this.#state = 'closing';
    this.#socket.onClosing = undefined;
    this.#heartbeat.stop();
    this.#ttl.stop();
    this.#joins?.failAll({ kind: 'gone' });
    this.#watch?.release();
    this.#watch = undefined;
    const listed = this.#listed;
    this.#listed = undefined;
    if (listed !== undefined) {
      const deleted = this.#ctx.registry.delete(listed);
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
