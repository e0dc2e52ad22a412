/**
 * `masterserver serve`: runs the MS in the foreground until SIGINT/SIGTERM.
 *
 * @module
 */

import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { pino } from 'pino';
import { JwtPlayerAuth, type JwtPlayerAuthOptions } from '../auth/player-auth.js';
import type { Cluster } from '../cluster/cluster.js';
import type { RedisTarget } from '../cluster/cluster-link.js';
import { checkDisplayNames, type DisplayNames } from '../display-names.js';
import { MasterServer } from '../masterserver.js';
import { SqliteModerationStore } from '../moderation/sqlite-moderation-store.js';
import { parseCidr } from '../net/addresses.js';
import { defaultOptions, type MasterServerOptions, OptionError, resolveOptions, type TlsFiles } from '../options.js';
import { REACHABILITY_MODES } from '../probe/reachability.js';
import { SqliteTokenStore } from '../tokens/sqlite-token-store.js';
import { flagValue, type RawFlags, readFlags, redisTarget, requiredFlag } from './flags.js';
import { LOG_LEVELS, serveFlags } from './serve-flags.js';
import { parseChoice, parseDuration, parseInteger, parseListen, parseRate, UsageError } from './values.js';

export { LOG_LEVELS, serveFlags };

/** Everything `serve` runs with, parsed and checked. */
export interface ServeConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel: (typeof LOG_LEVELS)[number];
  /** The Redis of cluster mode. */
  redis: RedisTarget | undefined;
  /** Paths of the TLS files, re-read on SIGHUP. */
  tlsPaths: { cert: string; key: string } | undefined;
  options: MasterServerOptions;
}

function readFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(
      `${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/** Largest display-names file read, in bytes. */
const DISPLAY_NAMES_FILE_MAX = 4 * 1024 * 1024;

/** Reads and checks a display-names file (`--display-names`); the caller names the flag in the error. */
export function readDisplayNames(path: string): DisplayNames {
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (text.length > DISPLAY_NAMES_FILE_MAX) throw new UsageError(`${path} is larger than 4 MiB`);
  let value: unknown;
  try {
    value = JSON.parse(text.toString('utf8'));
  } catch {
    throw new UsageError(`${path} is not valid JSON`);
  }
  try {
    return checkDisplayNames(value);
  } catch (error) {
    throw new UsageError(`${path}: ${(error as Error).message}`);
  }
}

/** Reads and checks a certificate and key pair. */
export function readTls(paths: { cert: string; key: string }): TlsFiles {
  const tls = { cert: readFile('--tls-cert', paths.cert), key: readFile('--tls-key', paths.key) };
  try {
    createSecureContext(tls);
  } catch (error) {
    throw new UsageError(
      `--tls-key: ${paths.key} and ${paths.cert} are not a valid key and certificate: ${(error as Error).message}`,
    );
  }
  return tls;
}

/** Parses and checks the flags and environment of `serve`. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  const raw = readFlags(argv, serveFlags, env);
  if (raw.values.has('help')) return 'help';
  const get = <T>(name: string, parse: (text: string) => T): T => requiredFlag(raw, name, parse);
  const { host, port } = get('listen', parseListen);
  const regTokens = raw.values.get('reg-token') ?? [];
  if (regTokens.some((token) => token === '')) throw new UsageError('--reg-token: a token cannot be empty');
  const playerAuth = get('player-auth', (text) => parseChoice(text, ['none', 'jwt'] as const));
  const jwtKey = flagValue(raw, 'jwt-key', (text) => text);
  if (playerAuth === 'jwt' && jwtKey === undefined) throw new UsageError('--player-auth jwt needs --jwt-key FILE');
  const tlsCert = flagValue(raw, 'tls-cert', (text) => text);
  const tlsKey = flagValue(raw, 'tls-key', (text) => text);
  if ((tlsCert === undefined) !== (tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tlsPaths = tlsCert !== undefined && tlsKey !== undefined ? { cert: tlsCert, key: tlsKey } : undefined;
  const trustProxy = raw.values.get('trust-proxy') ?? [];
  for (const range of trustProxy) {
    try {
      parseCidr(range);
    } catch (error) {
      throw new UsageError(`${raw.source.get('trust-proxy')}: ${(error as Error).message}`);
    }
  }
  const pingInterval = get('ping-interval', parseDuration);
  const pongTimeout = get('pong-timeout', parseDuration);
  return checked(raw, {
    host,
    port,
    redis: redisTarget(raw),
    tlsPaths,
    dataDir: get('data-dir', (text) => {
      if (text.trim() === '') throw new UsageError('the directory cannot be empty');
      return text;
    }),
    logLevel: get('log-level', (text) => parseChoice(text, LOG_LEVELS)),
    options: {
      regTokens,
      pingInterval,
      pongTimeout,
      registrationTtl: get('registration-ttl', parseDuration),
      joinTimeout: get('join-timeout', parseDuration),
      maxMessageSize: get('max-message-size', (text) => parseInteger(text, 1)),
      registrationRate: get('registration-rate', parseRate),
      adminRate: get('admin-rate', (text) => {
        const rate = parseRate(text);
        if (rate === null) throw new UsageError('the admin API is always rate limited: give N/DUR');
        return rate;
      }),
      maxConnectionsPerIp: get('max-connections-per-ip', (text) => parseInteger(text, 0)),
      maxConnections: get('max-connections', (text) => parseInteger(text, 0)),
      maxServers: get('max-servers', (text) => parseInteger(text, 0)),
      maxPendingJoins: get('max-pending-joins', (text) => parseInteger(text, 1)),
      maxSendBuffer: get('max-send-buffer', (text) => parseInteger(text, 1)),
      maxFragments: get('max-fragments', (text) => parseInteger(text, 1)),
      maxBufferedChunks: get('max-buffered-chunks', (text) => parseInteger(text, 1)),
      headersTimeout: get('headers-timeout', parseDuration),
      requestTimeout: flagValue(raw, 'request-timeout', parseDuration),
      keepAliveTimeout: get('keep-alive-timeout', parseDuration),
      idleTimeout: flagValue(raw, 'idle-timeout', parseDuration),
      maxHttpConnsPerIp: get('max-http-conns-per-ip', (text) => parseInteger(text, 0)),
      maxHeaders: get('max-headers', (text) => parseInteger(text, 1)),
      maxHeaderSize: get('max-header-size', (text) => parseInteger(text, 1)),
      maxEventStreams: get('max-event-streams', (text) => parseInteger(text, 0)),
      verifyReachability: get('verify-reachability', (text) => parseChoice(text, REACHABILITY_MODES)),
      probeInterval: get('probe-interval', parseDuration),
      probeListen: flagValue(raw, 'probe-listen', parseListen),
      probeRate: get('probe-rate', (text) => parseInteger(text, 1)),
      displayNames: flagValue(raw, 'display-names', readDisplayNames),
      trustProxy,
      tls: tlsPaths === undefined ? undefined : readTls(tlsPaths),
      playerAuth:
        jwtKey === undefined || playerAuth !== 'jwt'
          ? undefined
          : jwtAuth(jwtKey, {
              issuer: flagValue(raw, 'jwt-issuer', nonEmpty),
              audience: flagValue(raw, 'jwt-audience', nonEmpty),
            }),
    },
  });
}

/** The flag of an option: `probeListen` → `--probe-listen`. */
function flagOf(option: string): string {
  return `--${(option.split('.')[0] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** Checks the options as the masterserver will (e.g. one timeout against another), naming the flag at fault. */
function checked(raw: RawFlags, config: ServeConfig): ServeConfig {
  try {
    resolveOptions({ ...config.options, webRoot: null });
  } catch (error) {
    if (!(error instanceof OptionError)) throw error;
    const flag = flagOf(error.option);
    throw new UsageError(`${raw.source.get(flag.slice(2)) ?? flag}: ${error.message.slice(error.option.length + 2)}`);
  }
  return config;
}

function nonEmpty(text: string): string {
  if (text === '') throw new UsageError('cannot be empty');
  return text;
}

function jwtAuth(path: string, options: JwtPlayerAuthOptions): JwtPlayerAuth {
  const contents = readFile('--jwt-key', path);
  try {
    return new JwtPlayerAuth(contents, options);
  } catch (error) {
    throw new UsageError(`--jwt-key: ${path}: ${(error as Error).message}`);
  }
}

/** Runs `serve` until a signal; resolves the exit status. */
export async function serve(config: ServeConfig): Promise<number> {
  const logger = pino({ level: config.logLevel, base: null });
  const { options } = config;
  let cluster: Cluster | undefined;
  if (config.redis !== undefined) {
    // Loaded only in cluster mode: a single instance never needs the Redis client.
    const { connectCluster } = await import('../cluster/cluster.js');
    cluster = await connectCluster({
      ...config.redis,
      registrationTtl: options.registrationTtl ?? defaultOptions.registrationTtl,
      maxServers: options.maxServers ?? defaultOptions.maxServers,
      logger,
    });
  }
  const store = cluster?.tokenStore ?? new SqliteTokenStore(config.dataDir);
  const regTokens = options.regTokens ?? [];
  if (regTokens.length === 0 && (await store.activeHashes()).size === 0) {
    const { record, token } = await store.create('default');
    const where = cluster === undefined ? `in ${config.dataDir}` : 'in Redis';
    process.stdout.write(
      `No registration token existed, so one was created (id ${record.id}); it is stored hashed ${where} ` +
        'and will not be shown again. Game servers register with:\n' +
        `${token}\n`,
    );
  }
  const moderationStore = cluster?.moderationStore ?? new SqliteModerationStore(config.dataDir);
  const ms = new MasterServer({ ...options, tokenStore: store, moderationStore, logger, cluster });
  const release = async (): Promise<void> => {
    await store.close();
    if (cluster === undefined) await moderationStore.close();
    await cluster?.close();
  };
  // Signal handlers come first: a supervisor may signal as soon as it reads the ready line.
  let stopping = false;
  let stopped: (status: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    stopped = resolve;
  });
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting at once');
      stopped(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    ms.close()
      .then(release)
      .then(
        () => {
          logger.info({}, 'shut down');
          stopped(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'shutdown failed');
          stopped(1);
        },
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const { tlsPaths } = config;
  if (tlsPaths !== undefined) {
    process.on('SIGHUP', () => {
      try {
        ms.reloadTls(readTls(tlsPaths));
        logger.info({ cert: tlsPaths.cert }, 'TLS certificate reloaded');
      } catch (error) {
        logger.error({ err: (error as Error).message }, 'TLS reload failed; keeping the current certificate');
      }
    });
  }

  let url: string;
  try {
    url = await ms.listen({ host: config.host, port: config.port });
  } catch (error) {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await ms.close();
    await release();
    // The probe socket is bound at start: a taken address is a bad flag.
    if (error instanceof OptionError)
      throw new UsageError(`${flagOf(error.option)}: ${error.message.slice(error.option.length + 2)}`);
    throw error;
  }
  if (!stopping) {
    logger.info({ url, tokens: ms.tokens.size, instance: cluster?.link.id }, `masterserver listening on ${url}`);
  }
  return done;
}
