/**
 * The masterserver: one object that owns the registry, the tokens, the bans,
 * the gateway and the HTTP API, and serves them on its own port or on an HTTP
 * server it is given.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Gateway } from './gateway/gateway.js';
import { plainAdminWarning } from './http/admin.js';
import { type Api, createApi } from './http/api.js';
import { ClientAddresses } from './http/client-ip.js';
import { sendError } from './http/errors.js';
import { type HardenedServer, hardenServer } from './http/harden.js';
import { RemoteJoins } from './joins/remote.js';
import { JoinRouter } from './joins/router.js';
import { ServerMetrics } from './metrics.js';
import { BanList } from './moderation/ban-list.js';
import { Moderation } from './moderation/moderation.js';
import { RemoteRemovals } from './moderation/remote-removals.js';
import {
  type MasterServerOptions,
  OptionError,
  type ResolvedOptions,
  resolveOptions,
  type TlsFiles,
} from './options.js';
import { Prober } from './probe/prober.js';
import { MISSING_HOST, missingHost, tooManyHeaders } from './refusal/raw.js';
import { MemoryRegistry } from './registry/memory-registry.js';
import type { Registry } from './registry/registry.js';
import { SERVER_ID_SECRET, SERVER_ID_SECRET_BYTES, ServerIds } from './registry/server-ids.js';
import { StatsHistory } from './registry/stats.js';
import { RegistrationTokens } from './tokens/registration-tokens.js';

/** How often the token store is checked for new and revoked tokens, in ms. */
export const TOKEN_REFRESH_MS = 500;

/** How often the moderation store is checked for new and lifted bans, in ms (a change notice comes sooner). */
export const BAN_REFRESH_MS = 500;

/** Where to listen. */
export interface ListenOptions {
  /** Default `0.0.0.0`. */
  host?: string;
  /** Default `8080`; `0` picks a free port. */
  port?: number;
}

/**
 * A masterserver instance.
 *
 * @example
 * ```ts
 * const ms = new MasterServer({ regTokens: ['secret'] });
 * const url = await ms.listen({ port: 8080 });
 * // ... later
 * await ms.close();
 * ```
 */
export class MasterServer {
  /** The options with defaults filled in. */
  readonly options: ResolvedOptions;
  /** The server list's storage. */
  readonly registry: Registry;
  /** The valid registration tokens (and the admin tokens). */
  readonly tokens: RegistrationTokens;
  /** The bans in force, mirrored from the moderation store. */
  readonly bans: BanList;
  /** What an operator does through the admin API: removals, bans, the audit log. */
  readonly moderation: Moderation;
  /** The game-server connections. */
  readonly gateway: Gateway;
  /** The Prometheus metrics of this instance. */
  readonly metrics: ServerMetrics;
  /** Total players and listed servers over the last hour, sampled every `statsInterval` ms once started. */
  readonly stats: StatsHistory;
  /** The `request` listener: the HTTP API. */
  readonly handleRequest: (req: IncomingMessage, res: ServerResponse) => void;
  readonly #addresses: ClientAddresses;
  readonly #api: Api;
  #server: Server | TlsServer | undefined;
  #hardened: HardenedServer | undefined;
  #ownsServer = false;
  #started: Promise<void> | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: MasterServerOptions = {}) {
    this.options = resolveOptions(options);
    const { cluster } = this.options;
    this.registry = cluster?.registry ?? new MemoryRegistry({ maxServers: this.options.maxServers });
    this.tokens = new RegistrationTokens(this.options.regTokens, this.options.tokenStore, this.options.logger);
    this.bans = new BanList(this.options.moderationStore, this.options.logger);
    this.#addresses = new ClientAddresses(this.options.trustProxy);
    const registry = this.registry;
    this.metrics = new ServerMetrics({
      connections: () => this.gateway.connectionCount,
      listedServers: () => registry.size,
      players: () => {
        let players = 0;
        for (const server of registry.values()) players += server.curPlayers;
        return players;
      },
      probedAddresses: () => {
        const probe = this.gateway.reachability;
        return probe instanceof Prober ? probe.counts : { reachable: 0, unreachable: 0, unknown: 0 };
      },
    });
    this.gateway = new Gateway({
      options: this.options,
      registry: this.registry,
      tokens: this.tokens,
      bans: this.bans,
      metrics: this.metrics,
      instanceId: cluster?.link.id ?? randomBytes(6).toString('hex'),
    });
    const { joinTimeout, logger } = this.options;
    const removeLocal = (serverId: string, reason: string): boolean => this.gateway.remove(serverId, reason);
    this.moderation = new Moderation({
      store: this.options.moderationStore,
      bans: this.bans,
      registry,
      removeLocal,
      remote: cluster === undefined ? undefined : new RemoteRemovals(cluster.link, removeLocal),
      logger,
    });
    const addresses = this.#addresses;
    const clientIp = (req: IncomingMessage): string => addresses.resolve(req);
    const local = this.gateway.local;
    const joins = new JoinRouter({
      local,
      ownerOf: (serverId) => registry.ownerOf(serverId),
      remote:
        cluster === undefined
          ? undefined
          : new RemoteJoins(
              cluster.link,
              (serverId, player) =>
                new Promise((resolve) => {
                  const target = local(serverId);
                  if (target === undefined) resolve({ kind: 'not-found' });
                  else target.join(player, resolve);
                }),
              joinTimeout,
              logger,
            ),
    });
    this.stats = new StatsHistory(this.registry, { intervalMs: this.options.statsInterval });
    this.#api = createApi({
      registry: this.registry,
      joins,
      joinTimeout,
      reachability: this.options.verifyReachability,
      logger: this.options.logger,
      metrics: this.metrics,
      playerAuth: this.options.playerAuth,
      bans: this.bans,
      clientIp,
      admin: { tokens: this.tokens, moderation: this.moderation, clientIp, rate: this.options.adminRate, logger },
      isShuttingDown: () => this.#closing !== undefined,
      stats: this.stats,
      webRoot: this.options.webRoot,
      maxEventStreams: this.options.maxEventStreams,
      idleTimeout: this.options.idleTimeout,
      displayNames: this.options.displayNames,
    });
    const handle = this.#api.handle;
    const { maxHeaders } = this.options;
    this.handleRequest = (req, res) => {
      if (tooManyHeaders(req, maxHeaders)) {
        sendError(res, 'HEADERS_TOO_LARGE', undefined, undefined, { connection: 'close' });
        return;
      }
      if (missingHost(req)) {
        sendError(res, 'BAD_REQUEST', MISSING_HOST, undefined, { connection: 'close' });
        return;
      }
      if (this.#closing !== undefined) res.setHeader('connection', 'close');
      handle(req, res);
    };
  }

  /**
   * The HTTP routes it serves: method (`*`: any) and path (`{id}`: one path segment). Every `GET` route also
   * answers `HEAD`. docs/openapi.yaml describes each of them.
   */
  routes(): Array<{ method: string; path: string }> {
    return this.#api.routes();
  }

  /** The `upgrade` listener: game-server WebSockets on `/v2/server/ws`, refusals elsewhere. */
  readonly handleUpgrade = (req: IncomingMessage, socket: Socket, head: Buffer): void => {
    this.gateway.handleUpgrade(req, socket, head, this.#addresses.resolve(req));
  };

  /**
   * Loads the tokens, the bans and the server id secret, binds the probe socket and starts sampling {@link stats};
   * {@link listen} and {@link attach} call it. Rejects with an {@link OptionError} naming `probeListen` when
   * the probe socket cannot bind.
   */
  start(): Promise<void> {
    this.#started ??= this.#start('0.0.0.0');
    return this.#started;
  }

  async #start(listenHost: string): Promise<void> {
    const { tokenStore, verifyReachability, probeListen, probeInterval, probeRate, logger } = this.options;
    const ids = tokenStore?.secret(SERVER_ID_SECRET, () => randomBytes(SERVER_ID_SECRET_BYTES));
    await this.tokens.start(TOKEN_REFRESH_MS);
    await this.bans.start(BAN_REFRESH_MS);
    if (ids !== undefined) this.gateway.serverIds = new ServerIds(await ids);
    if (verifyReachability !== 'off') {
      const host = probeListen?.host ?? listenHost;
      const port = probeListen?.port ?? 0;
      try {
        this.gateway.reachability = await Prober.bind({
          mode: verifyReachability,
          host,
          port,
          intervalMs: probeInterval,
          rate: probeRate,
          logger,
          events: this.metrics.probeEvents,
        });
      } catch (error) {
        await this.tokens.stop();
        this.bans.stop();
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        throw new OptionError('probeListen', `cannot bind the UDP probe socket to ${host}:${port}: ${code}`);
      }
    }
    this.stats.start();
  }

  /**
   * Serves on an existing HTTP(S) server (its `request` and `upgrade` events), with the same limits as a
   * server {@link listen} makes: its headers, request, keep-alive and idle timeouts and header limits are
   * set to the masterserver's options, and the HTTP connections per client IP are capped. (Node.js checks
   * the headers and request timeouts every `connectionsCheckingInterval`, 30 s unless the server was
   * created with a shorter one.)
   */
  async attach(server: Server | TlsServer): Promise<void> {
    await this.start();
    this.#serve(server);
  }

  #serve(server: Server | TlsServer): void {
    const o = this.options;
    this.#hardened = hardenServer(server, {
      headersTimeout: o.headersTimeout,
      requestTimeout: o.requestTimeout,
      keepAliveTimeout: o.keepAliveTimeout,
      idleTimeout: o.idleTimeout,
      maxHeaderSize: o.maxHeaderSize,
      maxHeaders: o.maxHeaders,
      maxHttpConnsPerIp: o.maxHttpConnsPerIp,
      isTrustedProxy: (ip) => this.#addresses.isTrusted(ip),
    });
    server.on('request', this.handleRequest);
    server.on('upgrade', this.handleUpgrade);
    this.#server = server;
  }

  /**
   * Creates an HTTP server (HTTPS with the `tls` option), listens, and resolves
   * the base URL (e.g. `http://127.0.0.1:8080`).
   */
  async listen(options: ListenOptions = {}): Promise<string> {
    const { tls, headersTimeout } = this.options;
    // Node.js enforces the headers and request timeouts only when it checks its connections.
    const limits = { connectionsCheckingInterval: Math.min(1000, headersTimeout) };
    const server =
      tls === undefined
        ? createServer(limits)
        : createTlsServer({
            ...limits,
            handshakeTimeout: headersTimeout,
            cert: tls.cert,
            key: tls.key,
            minVersion: 'TLSv1.2',
          });
    this.#ownsServer = true;
    const host = options.host ?? '0.0.0.0';
    const warning = plainAdminWarning(host, tls !== undefined);
    if (warning !== undefined) this.options.logger.warn({ host }, warning);
    this.#started ??= this.#start(host);
    await this.#started;
    this.#serve(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8080, options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return this.url;
  }

  /**
   * Replaces the TLS certificate and key of the server made by {@link listen}.
   * Open connections keep theirs; new handshakes use the new ones. Throws if the
   * pair is not valid, keeping the old one.
   */
  reloadTls(tls: TlsFiles): void {
    const server = this.#server;
    if (server === undefined || !('setSecureContext' in server)) throw new Error('the masterserver does not serve TLS');
    server.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
  }

  /** The base URL the MS listens on (after {@link listen}). */
  get url(): string {
    const address = this.#server?.address();
    if (address === null || address === undefined || typeof address === 'string') {
      throw new Error('the masterserver is not listening');
    }
    const { address: host, port, family } = address as AddressInfo;
    const scheme = this.#server !== undefined && 'setSecureContext' in this.#server ? 'https' : 'http';
    return `${scheme}://${family === 'IPv6' ? `[${host}]` : host}:${port}`;
  }

  /** True once {@link close} was called. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  /**
   * Shuts down gracefully: refuses new connections, closes every game server
   * with 1001, lets in-flight HTTP requests finish, then releases everything.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const server = this.#server;
    // Requests in flight finish, then their connections close instead of idling for keep-alive. (Found through the
    // connections, which change seldom, rather than a set of responses that two writes a request would change.)
    for (const socket of this.#hardened?.connections() ?? []) {
      const res = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (res != null && !res.headersSent) res.setHeader('connection', 'close');
    }
    // Live-list streams never end on their own: end them so that the HTTP server can close.
    this.#api.close();
    this.stats.stop();
    const httpClosed =
      server !== undefined && this.#ownsServer
        ? new Promise<void>((resolve) => server.close(() => resolve()))
        : Promise.resolve();
    if (server !== undefined && this.#ownsServer) server.closeIdleConnections();
    await this.gateway.close();
    if (server !== undefined && this.#ownsServer) server.closeIdleConnections();
    await httpClosed;
    if (server !== undefined) {
      server.off('request', this.handleRequest);
      server.off('upgrade', this.handleUpgrade);
      this.#hardened?.undo();
    }
    await this.tokens.stop();
    this.bans.stop();
    await this.gateway.reachability.close();
    if (this.options.cluster === undefined) await this.registry.close();
  }
}
