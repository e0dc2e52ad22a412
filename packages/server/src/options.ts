/**
 * The masterserver's options: one interface, its defaults, and the one place
 * that checks them. Only the CLI reads `process.argv` and the environment; an
 * embedding program passes these directly.
 *
 * @module
 */

import { INT32_MAX, OptionError } from '@masterserver/protocol';
import type { PlayerAuthenticator } from './auth/player-auth.js';
import type { Cluster } from './cluster/cluster.js';
import { checkDisplayNames, type DisplayNames, TITANFALL2_DISPLAY_NAMES } from './display-names.js';
import type { Logger } from './logger.js';
import { MemoryModerationStore, type ModerationStore } from './moderation/moderation-store.js';
import { parseCidr } from './net/addresses.js';
import { REACHABILITY_MODES, type ReachabilityMode } from './probe/reachability.js';
import type { TokenStore } from './tokens/token-store.js';
import { defaultWebRoot } from './web-root.js';

/** A limit of `count` events per `windowMs` milliseconds. */
export interface RateLimit {
  count: number;
  windowMs: number;
}

/** Options of {@link MasterServer}. Every field is optional; see {@link defaultOptions}. */
export interface MasterServerOptions {
  /** Registration tokens accepted besides those of {@link tokenStore}. Default: none. */
  regTokens?: readonly string[] | undefined;
  /**
   * Where registration tokens live (hashed), and the secret stable server ids are derived with. Default: the
   * {@link cluster}'s, else none: only {@link regTokens} are accepted, and server ids are stable only for
   * the life of the process.
   */
  tokenStore?: TokenStore | undefined;
  /**
   * Where bans and the audit log live. Default: the {@link cluster}'s, else one in this process's memory (the
   * bans and the audit log then last as long as the process; `masterserver serve` keeps them in the data dir).
   */
  moderationStore?: ModerationStore | undefined;
  /** Requests to the admin API one client IP may make (`429 TOO_MANY_REQUESTS` beyond). Default `{ count: 60, windowMs: 10000 }`. */
  adminRate?: RateLimit | undefined;
  /** Milliseconds between WebSocket Pings to each game server. Default `10000`. */
  pingInterval?: number | undefined;
  /** Milliseconds a game server has to answer a Ping before it is closed with 4008. Default `10000`. */
  pongTimeout?: number | undefined;
  /** Milliseconds a registration keeps a server listed; also how long a connection may stay unlisted. Default `30000`. */
  registrationTtl?: number | undefined;
  /** Milliseconds the MS waits for a game server's answer to a join request. Default `5000`. */
  joinTimeout?: number | undefined;
  /** Largest accepted WebSocket message, in bytes; larger ones close with 1009. Default `65536`. */
  maxMessageSize?: number | undefined;
  /** Registrations allowed per connection; `null` turns the limit off. Default `{ count: 10, windowMs: 10000 }`. */
  registrationRate?: RateLimit | null | undefined;
  /** Failed registrations per connection before it is closed with 1008. Default `{ count: 5, windowMs: 60000 }`. */
  failedRegistrationLimit?: RateLimit | undefined;
  /** Game-server connections allowed from one IP address (refused with 429); `0` is no limit. Default `64`. */
  maxConnectionsPerIp?: number | undefined;
  /** Game-server connections allowed in all (refused with 503); `0` is no limit. Default `10000`. */
  maxConnections?: number | undefined;
  /** Servers the list may hold (registration error 4 beyond); `0` is no limit. Default `100000`. */
  maxServers?: number | undefined;
  /** Milliseconds the MS waits for the peer's Close before it ends the TCP connection. Default `1000`. */
  closeTimeout?: number | undefined;
  /** Joins that may wait on one game-server connection; more are answered `503 GS_BUSY`. Default `64`. */
  maxPendingJoins?: number | undefined;
  /** Bytes a game-server connection may have unsent before it is terminated (and delisted). Default `1048576`. */
  maxSendBuffer?: number | undefined;
  /** Fragments one WebSocket message may arrive in; more close with 1008. Default `1024`. */
  maxFragments?: number | undefined;
  /** Received chunks a WebSocket may hold unparsed (e.g. a message sent a byte at a time); more close with 1008. Default `4096`. */
  maxBufferedChunks?: number | undefined;
  /**
   * Milliseconds a client has to send a request's headers, WebSocket upgrades included (`408` beyond); a
   * connection that sends nothing is closed after it too, and a TLS handshake must end within it. Default
   * `10000`.
   */
  headersTimeout?: number | undefined;
  /**
   * Milliseconds a client has to send a whole request (`408` beyond); at least {@link headersTimeout}. Default
   * `30000`, or {@link headersTimeout} when that is longer.
   */
  requestTimeout?: number | undefined;
  /** Milliseconds an idle keep-alive HTTP connection is kept. Default `5000`. */
  keepAliveTimeout?: number | undefined;
  /**
   * Milliseconds an HTTP connection may make no progress (nothing read from it, nothing of its response
   * written) before it is closed (Node.js grants a write in progress one more period); longer than
   * {@link joinTimeout} plus 1 s. Live-list streams send a comment at least twice per period. Default `30000`,
   * or {@link joinTimeout} plus 5 s when that is longer.
   */
  idleTimeout?: number | undefined;
  /**
   * HTTP connections one client IP may hold open at once (a WebSocket that a game server opened counts under
   * {@link maxConnectionsPerIp} instead); more are answered `429 TOO_MANY_CONNECTIONS` and closed.
   * Connections from a {@link trustProxy} proxy are not capped. `0` is no limit. Default `64`.
   */
  maxHttpConnsPerIp?: number | undefined;
  /** Headers a request may have; more are answered `431 HEADERS_TOO_LARGE`. Default `100`. */
  maxHeaders?: number | undefined;
  /** Bytes the request line and headers may take; more are answered `431 HEADERS_TOO_LARGE`. Default `16384`. */
  maxHeaderSize?: number | undefined;
  /** Milliseconds a join's `conv` stays reserved (no other join, to any server, gets the same one). Default `600000` (10 min). */
  convReservation?: number | undefined;
  /**
   * Directory of the server browser's built files (`index.html`, `assets/`), served at `/`; `null` serves no
   * page. Default: the copy of the page's build in this package's `dist/public` (see {@link defaultWebRoot}).
   */
  webRoot?: string | null | undefined;
  /** Milliseconds between samples of the players and servers history (the last hour is kept). Default `5000`. */
  statsInterval?: number | undefined;
  /** Live-list streams (`GET /v2/client/servers/events`) open at once (503 beyond); `0` is no limit. Default `1000`. */
  maxEventStreams?: number | undefined;
  /**
   * The names shown for the list's `map` and `playlist` values (`GET /v2/client/display-names`); replaces the
   * built-in table. Default {@link TITANFALL2_DISPLAY_NAMES}.
   */
  displayNames?: DisplayNames | undefined;
  /** Proxies (CIDR ranges or addresses) whose `X-Forwarded-For` names the client. Default: none. */
  trustProxy?: readonly string[] | undefined;
  /**
   * The UDP reachability probe (docs/protocol.md#reachability): `off` probes nothing; `mark` lists at once
   * and shows the verdict in the list's `reachable`; `require` lists only servers whose game port answered.
   * Default `mark`.
   */
  verifyReachability?: ReachabilityMode | undefined;
  /** Milliseconds between probe rounds of an address that stays listed. Default `300000` (5 min). */
  probeInterval?: number | undefined;
  /**
   * Where the probe's UDP socket binds. Default: the host {@link MasterServer.listen} listens on (or
   * `0.0.0.0` with {@link MasterServer.attach}), port `0` (ephemeral).
   */
  probeListen?: { host?: string | undefined; port?: number | undefined } | undefined;
  /** Probe datagrams sent per second at most, over every address (the rest wait their turn). Default `2000`. */
  probeRate?: number | undefined;
  /** How joining players are identified. Default: none (the join body names them). */
  playerAuth?: PlayerAuthenticator | undefined;
  /** Certificate and key (PEM): the port speaks HTTPS/WSS (TLS ≥ 1.2). Default: none (plain HTTP). */
  tls?: TlsFiles | undefined;
  /**
   * A cluster joined with `connectCluster`: it supplies the shared server list, the token store and the
   * joins to servers held by other instances. The caller closes it after the masterserver. Default: none
   * (one instance, the list in memory).
   */
  cluster?: Cluster | undefined;
  /** Where log lines go (pino-compatible). Default: nowhere. */
  logger?: Logger | undefined;
}

/** A certificate chain and its private key, PEM. */
export interface TlsFiles {
  cert: string | Buffer;
  key: string | Buffer;
}

/** Options that stay optional once resolved. */
type Optional = 'tokenStore' | 'logger' | 'playerAuth' | 'tls' | 'cluster' | 'probeListen';

/** {@link MasterServerOptions} with every default filled in. */
export type ResolvedOptions = {
  [K in Exclude<keyof MasterServerOptions, Optional>]-?: Exclude<MasterServerOptions[K], undefined>;
} & Pick<MasterServerOptions, 'tokenStore' | 'playerAuth' | 'tls' | 'cluster' | 'probeListen'> & { logger: Logger };

/** The defaults, as documented on each option. */
export const defaultOptions = {
  regTokens: [],
  trustProxy: [],
  pingInterval: 10_000,
  pongTimeout: 10_000,
  registrationTtl: 30_000,
  joinTimeout: 5_000,
  maxMessageSize: 65_536,
  registrationRate: { count: 10, windowMs: 10_000 },
  adminRate: { count: 60, windowMs: 10_000 },
  failedRegistrationLimit: { count: 5, windowMs: 60_000 },
  maxConnectionsPerIp: 64,
  maxConnections: 10_000,
  maxServers: 100_000,
  closeTimeout: 1_000,
  maxPendingJoins: 64,
  maxSendBuffer: 1_048_576,
  maxFragments: 1024,
  maxBufferedChunks: 4096,
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  keepAliveTimeout: 5_000,
  idleTimeout: 30_000,
  maxHttpConnsPerIp: 64,
  maxHeaders: 100,
  maxHeaderSize: 16_384,
  convReservation: 600_000,
  statsInterval: 5_000,
  maxEventStreams: 1_000,
  verifyReachability: 'mark',
  probeInterval: 300_000,
  probeRate: 2_000,
  displayNames: TITANFALL2_DISPLAY_NAMES,
} as const satisfies Partial<MasterServerOptions>;

/** An option has a value it cannot take; `option` names it as in {@link MasterServerOptions}. The SDK throws the same class. */
export { OptionError };

/** The largest delay a Node.js timer takes (about 24.8 days): an INT32. */
const MAX_TIMER = INT32_MAX;

function positiveMs(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_TIMER) {
    throw new OptionError(name, `must be a whole number of milliseconds between 1 and ${MAX_TIMER}, got ${value}`);
  }
  return value;
}

function count(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new OptionError(name, `must be an integer ≥ ${min}, got ${value}`);
  return value;
}

function rate(name: string, value: RateLimit): RateLimit {
  count(`${name}.count`, value.count, 1);
  positiveMs(`${name}.windowMs`, value.windowMs);
  return value;
}

function displayNames(value: DisplayNames): DisplayNames {
  try {
    return checkDisplayNames(value);
  } catch (error) {
    throw new OptionError('displayNames', (error as Error).message);
  }
}

function webRoot(value: string | null | undefined): string | null {
  if (value === undefined) return defaultWebRoot();
  if (value !== null && (typeof value !== 'string' || value === '')) {
    throw new OptionError('webRoot', 'must be a directory path or null');
  }
  return value;
}

function reachabilityMode(value: ReachabilityMode): ReachabilityMode {
  if (!REACHABILITY_MODES.includes(value)) {
    throw new OptionError('verifyReachability', `must be one of ${REACHABILITY_MODES.join(', ')}, got ${value}`);
  }
  return value;
}

function probeListen(value: MasterServerOptions['probeListen']): MasterServerOptions['probeListen'] {
  if (value === undefined) return undefined;
  const { port } = value;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new OptionError('probeListen', `the port must be an integer in 0–65535, got ${port}`);
  }
  return value;
}

const noop = (): void => {};
/** A logger that drops everything. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Fills in defaults and checks every option once; throws {@link OptionError} naming the first bad one. */
export function resolveOptions(options: MasterServerOptions = {}): ResolvedOptions {
  const d = defaultOptions;
  const o = options;
  const registrationRate = o.registrationRate === undefined ? d.registrationRate : o.registrationRate;
  // Two defaults follow other options, so that raising one of those alone is never refused.
  const joinTimeout = positiveMs('joinTimeout', o.joinTimeout ?? d.joinTimeout);
  const headersTimeout = positiveMs('headersTimeout', o.headersTimeout ?? d.headersTimeout);
  const resolved: ResolvedOptions = {
    regTokens: [...(o.regTokens ?? d.regTokens)],
    pingInterval: positiveMs('pingInterval', o.pingInterval ?? d.pingInterval),
    pongTimeout: positiveMs('pongTimeout', o.pongTimeout ?? d.pongTimeout),
    registrationTtl: positiveMs('registrationTtl', o.registrationTtl ?? d.registrationTtl),
    joinTimeout,
    maxMessageSize: count('maxMessageSize', o.maxMessageSize ?? d.maxMessageSize, 1),
    registrationRate: registrationRate === null ? null : rate('registrationRate', registrationRate),
    failedRegistrationLimit: rate('failedRegistrationLimit', o.failedRegistrationLimit ?? d.failedRegistrationLimit),
    maxConnectionsPerIp: count('maxConnectionsPerIp', o.maxConnectionsPerIp ?? d.maxConnectionsPerIp, 0),
    maxConnections: count('maxConnections', o.maxConnections ?? d.maxConnections, 0),
    maxServers: count('maxServers', o.maxServers ?? d.maxServers, 0),
    closeTimeout: positiveMs('closeTimeout', o.closeTimeout ?? d.closeTimeout),
    maxPendingJoins: count('maxPendingJoins', o.maxPendingJoins ?? d.maxPendingJoins, 1),
    maxSendBuffer: count('maxSendBuffer', o.maxSendBuffer ?? d.maxSendBuffer, 1),
    maxFragments: count('maxFragments', o.maxFragments ?? d.maxFragments, 1),
    maxBufferedChunks: count('maxBufferedChunks', o.maxBufferedChunks ?? d.maxBufferedChunks, 1),
    headersTimeout,
    requestTimeout: positiveMs('requestTimeout', o.requestTimeout ?? Math.max(d.requestTimeout, headersTimeout)),
    keepAliveTimeout: positiveMs('keepAliveTimeout', o.keepAliveTimeout ?? d.keepAliveTimeout),
    idleTimeout: positiveMs('idleTimeout', o.idleTimeout ?? Math.max(d.idleTimeout, joinTimeout + 5_000)),
    maxHttpConnsPerIp: count('maxHttpConnsPerIp', o.maxHttpConnsPerIp ?? d.maxHttpConnsPerIp, 0),
    maxHeaders: count('maxHeaders', o.maxHeaders ?? d.maxHeaders, 1),
    maxHeaderSize: count('maxHeaderSize', o.maxHeaderSize ?? d.maxHeaderSize, 1),
    convReservation: positiveMs('convReservation', o.convReservation ?? d.convReservation),
    webRoot: webRoot(o.webRoot),
    statsInterval: positiveMs('statsInterval', o.statsInterval ?? d.statsInterval),
    maxEventStreams: count('maxEventStreams', o.maxEventStreams ?? d.maxEventStreams, 0),
    displayNames: o.displayNames === undefined ? d.displayNames : displayNames(o.displayNames),
    trustProxy: [...(o.trustProxy ?? d.trustProxy)],
    verifyReachability: reachabilityMode(o.verifyReachability ?? d.verifyReachability),
    probeInterval: positiveMs('probeInterval', o.probeInterval ?? d.probeInterval),
    probeListen: probeListen(o.probeListen),
    probeRate: count('probeRate', o.probeRate ?? d.probeRate, 1),
    playerAuth: o.playerAuth,
    tls: o.tls,
    cluster: o.cluster,
    tokenStore: o.tokenStore ?? o.cluster?.tokenStore,
    moderationStore: o.moderationStore ?? o.cluster?.moderationStore ?? new MemoryModerationStore(),
    adminRate: rate('adminRate', o.adminRate ?? d.adminRate),
    logger: o.logger ?? silentLogger,
  };
  for (const range of resolved.trustProxy) {
    try {
      parseCidr(range);
    } catch (error) {
      throw new OptionError('trustProxy', (error as Error).message);
    }
  }
  if (resolved.requestTimeout < resolved.headersTimeout) {
    throw new OptionError('requestTimeout', `must be at least headersTimeout (${resolved.headersTimeout} ms)`);
  }
  if (resolved.idleTimeout <= resolved.joinTimeout + 1000) {
    throw new OptionError(
      'idleTimeout',
      `must be longer than joinTimeout plus 1000 ms (${resolved.joinTimeout + 1000} ms)`,
    );
  }
  if (o.cluster !== undefined && o.tokenStore !== undefined && o.tokenStore !== o.cluster.tokenStore) {
    throw new OptionError('tokenStore', 'a cluster supplies its own token store: leave tokenStore out');
  }
  const { moderationStore } = o;
  if (o.cluster !== undefined && moderationStore !== undefined && moderationStore !== o.cluster.moderationStore) {
    throw new OptionError('moderationStore', 'a cluster supplies its own moderation store: leave moderationStore out');
  }
  for (const token of resolved.regTokens) {
    if (typeof token !== 'string' || token.length === 0)
      throw new OptionError('regTokens', 'tokens must be non-empty strings');
  }
  return resolved;
}
