/**
 * The masterserver, embeddable: game servers register over WebSocket on
 * `/v2/server/ws`; players list and join them over HTTP.
 *
 * @example
 * ```ts
 * import { MasterServer } from '@masterserver/server';
 *
 * const ms = new MasterServer({ regTokens: [process.env.REG_TOKEN ?? 'change-me'] });
 * console.log('listening on', await ms.listen({ port: 8080 }));
 * process.once('SIGTERM', () => ms.close());
 * ```
 *
 * Cluster mode is on the subpath `@masterserver/server/cluster` (`connectCluster`), so that a single
 * instance never loads the Redis client.
 *
 * @module
 */

export {
  type AuthResult,
  JwtPlayerAuth,
  type JwtPlayerAuthOptions,
  type PlayerAuthenticator,
  type PlayerIdentity,
  type UnauthorizedReason,
} from './auth/player-auth.js';
export { type DisplayNames, TITANFALL2_DISPLAY_NAMES } from './display-names.js';
export type { JoinOutcome, JoinPlayer } from './joins/outcome.js';
export type { LogFn, Logger } from './logger.js';
export { type ListenOptions, MasterServer } from './masterserver.js';
export type { ServerMetrics } from './metrics.js';
export type { Ban, BanKind } from './moderation/bans.js';
export type { Actor, AuditAction, AuditEntry, ModerationStore } from './moderation/moderation-store.js';
export { SqliteModerationStore } from './moderation/sqlite-moderation-store.js';
export {
  defaultOptions,
  type MasterServerOptions,
  OptionError,
  type RateLimit,
  type ResolvedOptions,
  silentLogger,
  type TlsFiles,
} from './options.js';
export type { ReachabilityMode } from './probe/reachability.js';
export { ApiError, type ApiErrorCode } from './refusal/api-errors.js';
export type { ListedServer, Registry } from './registry/registry.js';
export { SqliteTokenStore } from './tokens/sqlite-token-store.js';
export { generateToken, hashToken, type TokenRecord, type TokenRole, type TokenStore } from './tokens/token-store.js';
