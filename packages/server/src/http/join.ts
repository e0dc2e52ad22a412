/**
 * `POST /v2/client/join`: identifies the player, checks the body, asks the
 * game server through the gateway, and maps the outcome to the status table
 * of the HTTP API.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkPlayerNames, type PlayerNames } from '@masterserver/protocol';
import type { AuthResult, PlayerAuthenticator } from '../auth/player-auth.js';
import { type JoinOutcome, type JoinOutcomeKind, type JoinPlayer, NOT_SENT } from '../joins/outcome.js';
import type { JoinRouter } from '../joins/router.js';
import type { Logger } from '../logger.js';
import type { JoinMetricOutcome, ServerMetrics } from '../metrics.js';
import type { BanList } from '../moderation/ban-list.js';
import { refuseBannedPlayer } from '../moderation/player-ban.js';
import { readJsonBody } from './body.js';
import { sendError } from './errors.js';
import { sendJson } from './respond.js';

/** Largest join body accepted, in bytes. */
export const MAX_JOIN_BODY = 8192;

/** A valid join body. */
export interface JoinBody {
  serverId: string;
  password: string | undefined;
  /** Absent when a bearer token names the player. */
  player: PlayerNames | undefined;
}

/**
 * Checks a parsed join body; returns it typed, or a message naming the first
 * bad field. `withPlayer`: the body must name the player (`--player-auth none`):
 * `username`, and `clantag` (absent or `null` is `''`), by the rules of
 * `checkPlayerNames`.
 */
export function parseJoinBody(value: unknown, withPlayer: boolean): JoinBody | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the body must be a JSON object';
  const { serverId, password, username, clantag } = value as Record<string, unknown>;
  if (typeof serverId !== 'string' || serverId === '') return 'serverId must be a non-empty string';
  if (password !== undefined && password !== null && typeof password !== 'string') {
    return 'password must be a string when present';
  }
  const body: JoinBody = { serverId, password: typeof password === 'string' ? password : undefined, player: undefined };
  if (!withPlayer) return body;
  const player = checkPlayerNames(username, clantag);
  if (typeof player === 'string') return player;
  body.player = player;
  return body;
}

const METRIC_OUTCOME: Record<JoinOutcomeKind, JoinMetricOutcome> = {
  accepted: 'accepted',
  rejected: 'rejected',
  'not-found': 'not_found',
  'wrong-password': 'wrong_password',
  timeout: 'timeout',
  busy: 'busy',
  gone: 'gone',
  unavailable: 'unavailable',
};

/** Sends the response for a join's outcome. */
export function sendJoinOutcome(res: ServerResponse, outcome: JoinOutcome): void {
  switch (outcome.kind) {
    case 'accepted':
      sendJson(res, 200, {
        ip: outcome.ip,
        port: outcome.port,
        sessionToken: outcome.sessionToken,
        conv: outcome.conv,
      });
      return;
    case 'rejected':
      sendError(res, 'JOIN_REJECTED', undefined, { gsError: { type: outcome.error.type, msg: outcome.error.msg } });
      return;
    case 'not-found':
      sendError(res, 'SERVER_NOT_FOUND');
      return;
    case 'wrong-password':
      sendError(res, 'WRONG_PASSWORD');
      return;
    case 'timeout':
      sendError(res, 'GS_TIMEOUT');
      return;
    case 'busy':
      sendError(res, 'GS_BUSY', undefined, undefined, { 'retry-after': '1' });
      return;
    case 'gone':
      sendError(res, 'GS_GONE', outcome.message);
      return;
    case 'unavailable':
      sendError(res, 'CLUSTER_UNAVAILABLE');
      return;
  }
}

/** What the join handler works with. */
export interface JoinContext {
  readonly joins: JoinRouter;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly playerAuth: PlayerAuthenticator | undefined;
  /** The bans: a banned player gets `403 BANNED` before anything is routed. */
  readonly bans: BanList;
  /** The client IP of a request (behind a trusted proxy, the client's). */
  clientIp(req: IncomingMessage): string;
}

/** The `POST /v2/client/join` handler. */
export async function handleJoin(ctx: JoinContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let identified: (JoinPlayer & { sub?: string | undefined }) | undefined;
  if (ctx.playerAuth !== undefined) {
    const auth = await ctx.playerAuth.authenticate(req.headers.authorization);
    if (!auth.ok) {
      refuseAuth(ctx, res, auth);
      return;
    }
    identified = auth.player;
  }
  const body = await readJoinBody(req, res, identified === undefined);
  if (typeof body === 'string') {
    ctx.metrics.join('bad_request');
    ctx.logger.info({ outcome: 'bad-request', reason: body }, 'join');
    return;
  }
  const player = identified ?? (body.player as JoinPlayer);
  const who = { ip: ctx.clientIp(req), username: player.username, sub: identified?.sub };
  const ban = refuseBannedPlayer(ctx.bans, res, who);
  if (ban !== undefined) {
    ctx.metrics.join('banned');
    ctx.logger.info({ serverId: body.serverId, username: player.username, outcome: 'banned', banId: ban.id }, 'join');
    return;
  }
  const started = performance.now();
  const outcome = await ctx.joins.join(body.serverId, { ...player, password: body.password });
  const seconds = (performance.now() - started) / 1000;
  const sent = !NOT_SENT.has(outcome.kind);
  ctx.metrics.join(METRIC_OUTCOME[outcome.kind], sent ? seconds : undefined);
  ctx.logger.info(
    { serverId: body.serverId, username: player.username, outcome: outcome.kind, ms: Math.round(seconds * 1000) },
    'join',
  );
  sendJoinOutcome(res, outcome);
}

/**
 * Answers a refused bearer token: `401 UNAUTHORIZED` counted by its reason, or
 * `400 BAD_REQUEST` (logged like a bad body) for a claim that is not a valid
 * name. A 401 is logged at debug level, since anyone can send a bad token: with
 * the reason, never the token.
 */
function refuseAuth(ctx: JoinContext, res: ServerResponse, auth: AuthResult & { ok: false }): void {
  if (auth.reason === 'invalid_claim') {
    ctx.metrics.join('bad_request');
    ctx.logger.info({ outcome: 'bad-request', reason: auth.message }, 'join');
    sendError(res, 'BAD_REQUEST', auth.message);
    return;
  }
  ctx.metrics.unauthorizedJoin(auth.reason);
  ctx.logger.debug({ outcome: 'unauthorized', reason: auth.reason, detail: auth.message }, 'join');
  sendError(res, 'UNAUTHORIZED', auth.message, undefined, { 'www-authenticate': 'Bearer' });
}

/**
 * Reads and checks a join body. When it is not valid, sends 400/413 (or drops
 * an aborted request) and resolves why, for the log.
 */
async function readJoinBody(
  req: IncomingMessage,
  res: ServerResponse,
  withPlayer: boolean,
): Promise<JoinBody | string> {
  const json = await readJsonBody(req, res, MAX_JOIN_BODY);
  if (!json.ok) return json.reason;
  const body = parseJoinBody(json.value, withPlayer);
  if (typeof body === 'string') sendError(res, 'BAD_REQUEST', body);
  return body;
}
