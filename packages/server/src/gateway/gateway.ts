/**
 * The WebSocket side of the masterserver: accepts game-server connections on
 * `/v2/server/ws` within the connection limits, holds them, routes player
 * joins to them and closes them all on shutdown.
 *
 * @module
 */

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { CloseCode, GS_PATH, truncateUtf8 } from '@masterserver/protocol';
import { WebSocketServer } from 'ws';
import { JoinDesk } from '../joins/pending.js';
import type { JoinTarget } from '../joins/router.js';
import type { Logger } from '../logger.js';
import type { ServerMetrics } from '../metrics.js';
import type { BanList } from '../moderation/ban-list.js';
import { banCloseReason } from '../moderation/bans.js';
import { IpCounts } from '../net/ip-counts.js';
import type { ResolvedOptions } from '../options.js';
import { NO_PROBE, type Reachability } from '../probe/reachability.js';
import type { ApiErrorCode } from '../refusal/api-errors.js';
import { MISSING_HOST, missingHost, refuseRaw, tooManyHeaders } from '../refusal/raw.js';
import { interned } from '../registry/interned.js';
import type { Registry } from '../registry/registry.js';
import { ServerIds } from '../registry/server-ids.js';
import type { RegistrationTokens } from '../tokens/registration-tokens.js';
import { type ConnectionContext, GsConnection } from './gs-connection.js';
import { GsSocket } from './gs-socket.js';
import { LivenessClocks } from './liveness.js';

/** What a {@link Gateway} works with. */
export interface GatewayContext {
  readonly options: ResolvedOptions;
  readonly registry: Registry;
  readonly tokens: RegistrationTokens;
  /** The bans in force: checked at every registration, and applied to the open connections when they change. */
  readonly bans: BanList;
  readonly metrics: ServerMetrics;
  /** This instance's id (the cluster's, or one of its own): connection keys start with it. */
  readonly instanceId: string;
}

/** A socket error: the close that follows it is what the gateway acts on. */
function ignore(): void {}

/**
 * Gives the listener array of `event` on `emitter` the room it needs and no
 * more: an emitter's array keeps the room it grew (about 150 bytes) once it
 * held three listeners, as a game server's socket does for `end` and `close`.
 * The same listeners, in the same order; nothing is removed or added.
 */
function compactListeners(emitter: Socket, event: 'end' | 'close'): void {
  const events = (emitter as unknown as { _events?: Record<string, unknown> })._events;
  const listeners = events?.[event];
  if (events !== undefined && Array.isArray(listeners) && listeners.length > 1) events[event] = listeners.slice();
}

/** Holds every game-server connection of this instance. */
export class Gateway implements ConnectionContext {
  readonly options: ResolvedOptions;
  readonly registry: Registry;
  readonly tokens: RegistrationTokens;
  readonly bans: BanList;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly joins: JoinDesk;
  /** The Ping, Pong and registration TTL clocks of every connection. */
  readonly clocks: LivenessClocks;
  /** Derives server ids; the masterserver sets the one made from its store's secret before it accepts connections. */
  serverIds: ServerIds = ServerIds.ephemeral();
  /** The reachability probe; the masterserver sets it (unless probing is off) before it accepts connections. */
  reachability: Reachability = NO_PROBE;
  readonly #instanceId: string;
  #serial = 0;
  readonly #wss: WebSocketServer;
  /** Every connection, by its key. */
  readonly #connections = new Map<string, GsConnection>();
  readonly #byServerId = new Map<string, GsConnection>();
  readonly #perIp = new IpCounts();
  /**
   * Every game-server socket open now (handshakes included): its connection, or its client IP until the handshake
   * is done. A table, not a closure on each socket: the sockets share one listener ({@link #ended}).
   */
  readonly #bySocket = new Map<Socket, GsConnection | string>();
  /**
   * The listener of every game-server socket's `close` (which comes with `hadError`) and, once upgraded, its `end`
   * (with nothing); the socket is `this`.
   */
  readonly #ended: (this: Socket, hadError?: boolean) => void;
  #shuttingDown = false;
  readonly #allClosed: Array<() => void> = [];
  readonly #unsubscribe: Array<() => void> = [];

  constructor(ctx: GatewayContext) {
    const { options, registry, tokens, bans } = ctx;
    this.options = options;
    this.metrics = ctx.metrics;
    this.registry = registry;
    this.tokens = tokens;
    this.bans = bans;
    this.logger = options.logger;
    this.#instanceId = ctx.instanceId;
    this.joins = new JoinDesk(options);
    this.clocks = new LivenessClocks(options);
    const gateway = this;
    this.#ended = function ended(this: Socket, hadError?: boolean): void {
      gateway.#socketEnded(this, hadError);
    };
    this.#wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      perMessageDeflate: false,
      maxPayload: options.maxMessageSize,
      maxFragments: options.maxFragments,
      maxBufferedChunks: options.maxBufferedChunks,
      skipUTF8Validation: false,
      WebSocket: GsSocket,
      closeTimeout: options.closeTimeout,
    } as ConstructorParameters<typeof WebSocketServer>[0]);
    // A handshake `ws` refuses (a bad key or version, a method other than GET) gets the API's JSON error.
    this.#wss.on('wsClientError', (error: Error, socket: Duplex, req: IncomingMessage) => {
      if (req.method !== 'GET') refuseRaw(socket, 'METHOD_NOT_ALLOWED', undefined, { Allow: 'GET' });
      else refuseRaw(socket, 'BAD_REQUEST', `not a WebSocket handshake: ${error.message}`);
    });
    this.#unsubscribe.push(
      registry.onEvict((_serverId, reason, holder) => {
        if (reason === 'superseded') this.#connections.get(holder)?.close(CloseCode.SUPERSEDED, 'superseded');
      }),
      tokens.onRevoked((tokenIds) => {
        const revoked = new Set(tokenIds);
        for (const connection of this.#byServerId.values()) {
          const listing = connection.listing;
          if (listing !== undefined && revoked.has(listing.tokenId)) connection.delist();
        }
      }),
      bans.onChange(() => this.#applyBans()),
    );
  }

  /** Closes with `4011` every connection whose address, or listed name, a ban in force now matches. */
  #applyBans(): void {
    const now = Date.now();
    for (const connection of this.#connections.values()) {
      const ban = this.bans.serverBan(connection.ip, connection.listing?.name, now);
      if (ban === undefined) continue;
      this.logger.info({ ip: connection.ip, serverId: connection.serverId, banId: ban.id }, 'closing: banned');
      connection.close(CloseCode.BANNED, banCloseReason(ban.reason));
    }
  }

  /**
   * Removes the server `serverId` if this instance holds it: it is delisted and its connection closed with
   * `4010` and `reason` (cut to fit a close frame). Returns whether it was here.
   */
  remove(serverId: string, reason: string): boolean {
    const connection = this.#byServerId.get(serverId);
    if (connection?.listing === undefined) return false;
    this.logger.info({ ip: connection.ip, serverId }, 'closing: removed by an operator');
    connection.close(CloseCode.REMOVED, truncateUtf8(reason, 123));
    return true;
  }

  /** Game-server connections open now (including those still in the handshake). */
  get connectionCount(): number {
    return this.#bySocket.size;
  }

  /**
   * Handles an HTTP upgrade: 404 off `/v2/server/ws`, 431 with too many headers,
   * 503 when shutting down or at the global limit, 429 at the per-IP limit, else
   * the WebSocket handshake.
   */
  handleUpgrade(req: IncomingMessage, socket: Socket, head: Buffer, address: string): void {
    socket.on('error', ignore);
    // One copy of a host's address for all its connections (the listing's, the limits', the logs').
    const ip = interned.of(address);
    const path = req.url === undefined ? '' : req.url.split('?', 1)[0];
    const { maxConnections, maxConnectionsPerIp } = this.options;
    const fromIp = this.#perIp.of(ip);
    const refusal: ApiErrorCode | undefined =
      path !== GS_PATH
        ? 'NOT_FOUND'
        : tooManyHeaders(req, this.options.maxHeaders)
          ? 'HEADERS_TOO_LARGE'
          : missingHost(req)
            ? 'BAD_REQUEST'
            : this.#shuttingDown
              ? 'SHUTTING_DOWN'
              : maxConnections > 0 && this.#bySocket.size >= maxConnections
                ? 'CONNECTION_LIMIT'
                : maxConnectionsPerIp > 0 && fromIp >= maxConnectionsPerIp
                  ? 'TOO_MANY_CONNECTIONS'
                  : undefined;
    if (refusal !== undefined) {
      refuseRaw(socket, refusal, refusal === 'BAD_REQUEST' ? MISSING_HOST : undefined);
      return;
    }

    this.#perIp.add(ip);
    this.#bySocket.set(socket, ip);
    // TCP ending or breaking starts the connection's close before ws reports it (docs/protocol.md#liveness), and
    // `close` also gives its place in the limits back. (`on`: a socket closes once; `once` keeps two more objects a
    // connection.)
    socket.on('close', this.#ended);
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      if (this.#shuttingDown) {
        ws.close(CloseCode.GOING_AWAY, 'going away');
        return;
      }
      const gs = ws as GsSocket;
      gs.maxBufferedAmount = this.options.maxSendBuffer;
      // Joined, not concatenated: a flat string, where a concatenation keeps its parts.
      const connection = new GsConnection(gs, ip, [this.#instanceId, ++this.#serial].join(':'), this);
      this.#bySocket.set(socket, connection);
      socket.on('end', this.#ended);
      // `ws` listens for errors on the socket from now on: the handshake's listener goes (and with it an array).
      socket.off('error', ignore);
      compactListeners(socket, 'end');
      compactListeners(socket, 'close');
      this.#connections.set(connection.key, connection);
      this.logger.info({ ip }, 'game server connected');
    });
  }

  /** `socket` ended (`hadError` undefined) or closed: its connection starts closing; a close frees its place. */
  #socketEnded(socket: Socket, hadError: boolean | undefined): void {
    const held = this.#bySocket.get(socket);
    if (held === undefined) return;
    if (typeof held !== 'string') held.socketClosing();
    if (hadError === undefined) return;
    this.#bySocket.delete(socket);
    this.#perIp.release(typeof held === 'string' ? held : held.ip);
    if (this.#bySocket.size === 0) for (const resolve of this.#allClosed.splice(0)) resolve();
  }

  /** This instance's connection with the public id `serverId`, for a join; `undefined` if none. */
  readonly local = (serverId: string): JoinTarget | undefined => this.#byServerId.get(serverId);

  identified(connection: GsConnection, previous: string | undefined): void {
    if (previous !== undefined) this.#forget(previous, connection);
    if (connection.serverId !== undefined) this.#byServerId.set(connection.serverId, connection);
  }

  closing(connection: GsConnection): void {
    if (connection.serverId !== undefined) this.#forget(connection.serverId, connection);
  }

  #forget(serverId: string, connection: GsConnection): void {
    if (this.#byServerId.get(serverId) === connection) this.#byServerId.delete(serverId);
  }

  closed(connection: GsConnection, code: number, reason: string): void {
    this.#connections.delete(connection.key);
    this.metrics.closed(code);
    this.logger.info(
      { ip: connection.ip, serverId: connection.serverId, code, reason, ms: Date.now() - connection.openedAt },
      'game server disconnected',
    );
  }

  /** Refuses new connections, closes every open one with 1001 and resolves when all are gone. */
  async close(): Promise<void> {
    this.#shuttingDown = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) unsubscribe();
    const allClosed = new Promise<void>((resolve) => {
      if (this.#bySocket.size === 0) resolve();
      else this.#allClosed.push(resolve);
    });
    for (const connection of this.#connections.values()) connection.close(CloseCode.GOING_AWAY, 'going away');
    await allClosed;
    this.joins.close();
    this.clocks.clear();
  }
}
