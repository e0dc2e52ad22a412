/**
 * `masterserver serve`: runs the MS in the foreground until SIGINT/SIGTERM.
 *
 * @module
 */

import { pino } from 'pino';
import { MasterServer } from '../masterserver.js';
import type { MasterServerOptions } from '../options.js';
import { SqliteTokenStore } from '../tokens/sqlite-token-store.js';
import { type FlagSpecs, flagValue, readFlags } from './flags.js';
import { parseChoice, parseDuration, parseInteger, parseListen, parseRate, UsageError } from './values.js';

/** Log levels `--log-level` takes. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/** The flags of `serve`. */
export const serveFlags: FlagSpecs = {
  listen: {
    type: 'string',
    env: 'MS_LISTEN',
    default: '0.0.0.0:8080',
    value: 'HOST:PORT',
    help: 'address to serve on',
  },
  'reg-token': {
    type: 'string',
    multiple: true,
    env: 'MS_REG_TOKENS',
    value: 'TOKEN',
    help: 'accept this registration token besides the stored ones (repeatable; env comma-separated)',
  },
  'data-dir': {
    type: 'string',
    env: 'MS_DATA_DIR',
    default: './data',
    value: 'DIR',
    help: 'where the token store lives',
  },
  'ping-interval': {
    type: 'string',
    env: 'MS_PING_INTERVAL',
    default: '10s',
    value: 'DUR',
    help: 'time between Pings',
  },
  'pong-timeout': {
    type: 'string',
    env: 'MS_PONG_TIMEOUT',
    default: '10s',
    value: 'DUR',
    help: 'time to answer a Ping',
  },
  'registration-ttl': {
    type: 'string',
    env: 'MS_REGISTRATION_TTL',
    default: '30s',
    value: 'DUR',
    help: 'how long a registration keeps a server listed',
  },
  'join-timeout': {
    type: 'string',
    env: 'MS_JOIN_TIMEOUT',
    default: '5s',
    value: 'DUR',
    help: "how long to wait for a game server's join answer",
  },
  'max-message-size': {
    type: 'string',
    env: 'MS_MAX_MESSAGE_SIZE',
    default: '65536',
    value: 'BYTES',
    help: 'largest WebSocket message',
  },
  'registration-rate': {
    type: 'string',
    env: 'MS_REGISTRATION_RATE',
    default: '10/10s',
    value: 'N/DUR',
    help: 'registrations allowed per connection, or off',
  },
  'max-connections-per-ip': {
    type: 'string',
    env: 'MS_MAX_CONNECTIONS_PER_IP',
    default: '64',
    value: 'N',
    help: 'game-server connections per IP; 0 is no limit',
  },
  'max-connections': {
    type: 'string',
    env: 'MS_MAX_CONNECTIONS',
    default: '10000',
    value: 'N',
    help: 'game-server connections in all; 0 is no limit',
  },
  'max-servers': {
    type: 'string',
    env: 'MS_MAX_SERVERS',
    default: '100000',
    value: 'N',
    help: 'servers the list may hold; 0 is no limit',
  },
  'player-auth': {
    type: 'string',
    env: 'MS_PLAYER_AUTH',
    default: 'none',
    value: 'MODE',
    help: 'how players are identified (none: username and clantag from the join body)',
  },
  'log-level': {
    type: 'string',
    env: 'MS_LOG_LEVEL',
    default: 'info',
    value: 'LEVEL',
    help: LOG_LEVELS.join('|'),
  },
  help: { type: 'boolean', help: 'show this help' },
};

/** Everything `serve` runs with, parsed and checked. */
export interface ServeConfig {
  host: string;
  port: number;
  dataDir: string;
  logLevel: (typeof LOG_LEVELS)[number];
  options: MasterServerOptions;
}

/** Parses and checks the flags and environment of `serve`. */
export function parseServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): ServeConfig | 'help' {
  const raw = readFlags(argv, serveFlags, env);
  if (raw.values.has('help')) return 'help';
  const get = <T>(name: string, parse: (text: string) => T): T => {
    const value = flagValue(raw, name, parse);
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    return value;
  };
  const { host, port } = get('listen', parseListen);
  const regTokens = raw.values.get('reg-token') ?? [];
  if (regTokens.some((token) => token === '')) throw new UsageError('--reg-token: a token cannot be empty');
  get('player-auth', (text) => parseChoice(text, ['none'] as const));
  const pingInterval = get('ping-interval', parseDuration);
  const pongTimeout = get('pong-timeout', parseDuration);
  return {
    host,
    port,
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
      maxConnectionsPerIp: get('max-connections-per-ip', (text) => parseInteger(text, 0)),
      maxConnections: get('max-connections', (text) => parseInteger(text, 0)),
      maxServers: get('max-servers', (text) => parseInteger(text, 0)),
    },
  };
}

/** Runs `serve` until a signal; resolves the exit status. */
export async function serve(config: ServeConfig): Promise<number> {
  const logger = pino({ level: config.logLevel, base: null });
  const store = new SqliteTokenStore(config.dataDir);
  const regTokens = config.options.regTokens ?? [];
  if (regTokens.length === 0 && (await store.activeHashes()).size === 0) {
    const { record, token } = await store.create('default');
    process.stdout.write(
      `No registration token existed, so one was created (id ${record.id}); it is stored hashed in ${config.dataDir} ` +
        'and will not be shown again. Game servers register with:\n' +
        `${token}\n`,
    );
  }
  const ms = new MasterServer({ ...config.options, tokenStore: store, logger });
  let url: string;
  try {
    url = await ms.listen({ host: config.host, port: config.port });
  } catch (error) {
    await ms.close();
    await store.close();
    throw error;
  }
  logger.info({ url, tokens: ms.tokens.size }, `masterserver listening on ${url}`);

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting at once');
        resolve(1);
        return;
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      ms.close()
        .then(() => store.close())
        .then(
          () => {
            logger.info({}, 'shut down');
            resolve(0);
          },
          (error: unknown) => {
            logger.error({ err: error }, 'shutdown failed');
            resolve(1);
          },
        );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
