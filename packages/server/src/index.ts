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
export { Gateway, GS_PATH } from './gateway/gateway.js';
export { ClientAddresses, normalizeIp, parseCidr } from './http/client-ip.js';
export { ApiError, type ApiErrorCode } from './http/errors.js';
export { EVENTS_PATH } from './http/events.js';
export { defaultWebRoot } from './http/static.js';
export { STATS_WINDOW_MS, StatsHistory, type StatsHistoryOptions, type StatsSample } from './http/stats.js';
export type { JoinOutcome, JoinPlayer } from './joins/outcome.js';
export type { LogFn, Logger } from './logger.js';
export { BAN_REFRESH_MS, type ListenOptions, MasterServer, TOKEN_REFRESH_MS } from './masterserver.js';
export { type JoinMetricOutcome, type MetricsSources, type RegistrationOutcome, ServerMetrics } from './metrics.js';
export { BanList, type BannablePlayer } from './moderation/ban-list.js';
export { BAN_KINDS, type Ban, type BanKind, checkNewBan, type NewBan } from './moderation/bans.js';
export { Moderation } from './moderation/moderation.js';
export {
  type Actor,
  AUDIT_LIMIT,
  type AuditAction,
  type AuditEntry,
  CLI_ACTOR,
  MemoryModerationStore,
  type ModerationStore,
} from './moderation/moderation-store.js';
export { refuseBannedPlayer } from './moderation/player-ban.js';
export { SqliteModerationStore } from './moderation/sqlite-moderation-store.js';
export {
  defaultOptions,
  type MasterServerOptions,
  OptionError,
  type RateLimit,
  type ResolvedOptions,
  resolveOptions,
  silentLogger,
  type TlsFiles,
} from './options.js';
export { MemoryRegistry } from './registry/memory-registry.js';
export {
  type EvictReason,
  type ListedServer,
  type PutResult,
  publicServerJson,
  type Registry,
  toListedServer,
} from './registry/registry.js';
export { type AdminIdentity, RegistrationTokens } from './tokens/registration-tokens.js';
export { SqliteTokenStore, TOKEN_DB_FILE } from './tokens/sqlite-token-store.js';
export {
  type AdminTokenEntry,
  generateToken,
  hashToken,
  TOKEN_ROLES,
  type TokenRecord,
  type TokenRole,
  type TokenStore,
} from './tokens/token-store.js';
