/**
 * The flags of `masterserver serve`: each with its environment variable,
 * default and help line. The limits among them are described, threat by
 * threat, in docs/security.md.
 *
 * @module
 */

import { type FlagSpecs, storeFlags } from './flags.js';

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
  'data-dir': storeFlags['data-dir'],
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
  'max-pending-joins': {
    type: 'string',
    env: 'MS_MAX_PENDING_JOINS',
    default: '64',
    value: 'N',
    help: 'joins waiting on one game server; 503 GS_BUSY beyond',
  },
  'max-send-buffer': {
    type: 'string',
    env: 'MS_MAX_SEND_BUFFER',
    default: '1048576',
    value: 'BYTES',
    help: 'unsent bytes a game-server connection may hold before it is terminated',
  },
  'max-fragments': {
    type: 'string',
    env: 'MS_MAX_FRAGMENTS',
    default: '1024',
    value: 'N',
    help: 'fragments of one WebSocket message; close 1008 beyond',
  },
  'max-buffered-chunks': {
    type: 'string',
    env: 'MS_MAX_BUFFERED_CHUNKS',
    default: '4096',
    value: 'N',
    help: 'received chunks a WebSocket may hold unparsed; close 1008 beyond',
  },
  'headers-timeout': {
    type: 'string',
    env: 'MS_HEADERS_TIMEOUT',
    default: '10s',
    value: 'DUR',
    help: "time to send a request's headers (WebSocket upgrades too)",
  },
  'request-timeout': {
    type: 'string',
    env: 'MS_REQUEST_TIMEOUT',
    value: 'DUR',
    help: 'time to send a whole request (default 30s, or --headers-timeout if longer)',
  },
  'keep-alive-timeout': {
    type: 'string',
    env: 'MS_KEEP_ALIVE_TIMEOUT',
    default: '5s',
    value: 'DUR',
    help: 'how long an idle keep-alive HTTP connection is kept',
  },
  'idle-timeout': {
    type: 'string',
    env: 'MS_IDLE_TIMEOUT',
    value: 'DUR',
    help: 'an HTTP connection making no progress this long is closed (default 30s, or --join-timeout + 5s if longer)',
  },
  'max-headers': {
    type: 'string',
    env: 'MS_MAX_HEADERS',
    default: '100',
    value: 'N',
    help: 'headers a request may have; 431 beyond',
  },
  'max-header-size': {
    type: 'string',
    env: 'MS_MAX_HEADER_SIZE',
    default: '16384',
    value: 'BYTES',
    help: "bytes of a request's line and headers; 431 beyond",
  },
  'max-event-streams': {
    type: 'string',
    env: 'MS_MAX_EVENT_STREAMS',
    default: '1000',
    value: 'N',
    help: 'live-list streams open at once; 503 beyond; 0 is no limit',
  },
  'display-names': {
    type: 'string',
    env: 'MS_DISPLAY_NAMES',
    value: 'FILE',
    help: 'JSON file {"maps":{ID:NAME},"playlists":{ID:NAME}} replacing the built-in Titanfall 2 names',
  },
  'tls-cert': { type: 'string', env: 'MS_TLS_CERT', value: 'FILE', help: 'PEM certificate chain: serve HTTPS/WSS' },
  'tls-key': { type: 'string', env: 'MS_TLS_KEY', value: 'FILE', help: 'PEM private key of --tls-cert' },
  'trust-proxy': {
    type: 'string',
    multiple: true,
    env: 'MS_TRUST_PROXY',
    value: 'CIDR',
    help: 'believe X-Forwarded-For from these proxies (repeatable; env comma-separated)',
  },
  'player-auth': {
    type: 'string',
    env: 'MS_PLAYER_AUTH',
    default: 'none',
    value: 'none|jwt',
    help: 'how players are identified: the join body names them, or a bearer JWT does',
  },
  'jwt-key': {
    type: 'string',
    env: 'MS_JWT_KEY',
    value: 'FILE',
    help: 'with --player-auth jwt: a PEM public key, or a file holding an HS256 secret',
  },
  'log-level': {
    type: 'string',
    env: 'MS_LOG_LEVEL',
    default: 'info',
    value: 'LEVEL',
    help: LOG_LEVELS.join('|'),
  },
  redis: storeFlags.redis,
  config: { type: 'string', env: 'MS_CONFIG', value: 'FILE', help: 'JSON file of flag names to values' },
  help: { type: 'boolean', help: 'show this help' },
};
