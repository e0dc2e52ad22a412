/**
 * What a player's request to play (a join, a quick play) goes through before
 * any game server is asked: who the player is (the bearer token's claims, or
 * the body's names), a body that is valid, and no ban on the player. Each
 * refusal is answered here, counted and logged; the handler gets the player
 * and the body.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { checkPlayerNames, type PlayerNames } from '@masterserver/protocol';
import type { AuthResult, PlayerAuthenticator, PlayerIdentity } from '../auth/player-auth.js';
import type { JoinPlayer } from '../joins/outcome.js';
import type { Logger } from '../logger.js';
import type { ServerMetrics } from '../metrics.js';
import type { BanList } from '../moderation/ban-list.js';
import { type JsonBody, takeJsonBody } from './body.js';
import { failRequest, sendError } from './errors.js';

/** Largest body of a join or a quick play, in bytes. */
export const MAX_PLAYER_BODY = 8192;

/** What a player's request is checked with. */
export interface PlayerRequestContext {
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  readonly playerAuth: PlayerAuthenticator | undefined;
  /** The bans: a banned player gets `403 BANNED` before anything is routed. */
  readonly bans: BanList;
  /** The client IP of a request (behind a trusted proxy, the client's). */
  clientIp(req: IncomingMessage): string;
}

/** How a refused request is counted: the outcome label of the route's metric. */
export type RefusedOutcome = 'bad_request' | 'unauthorized' | 'banned';

/** A body parser: the body typed, or a message naming the first bad field; `player` set when it names one. */
export type PlayerBodyParser<B extends { player?: PlayerNames | undefined }> = (
  value: unknown,
  withPlayer: boolean,
) => B | string;

/**
 * `body` with the player its JSON `fields` name (`username`, and `clantag` absent or `null` as `''`, by the rules
 * of `checkPlayerNames`) when `withPlayer`; else `body` as it is. A message naming the bad field otherwise.
 */
export function withPlayerNames<B extends { player?: PlayerNames | undefined }>(
  body: B,
  fields: Record<string, unknown>,
  withPlayer: boolean,
): B | string {
  if (!withPlayer) return body;
  const player = checkPlayerNames(fields.username, fields.clantag);
  if (typeof player === 'string') return player;
  body.player = player;
  return body;
}

/** What the route calls its requests in the log, and how it counts a refusal (one object per route). */
export interface PlayerRoute {
  readonly name: 'join' | 'quickplay';
  refused(metrics: ServerMetrics, outcome: RefusedOutcome): void;
}

/** Called with an admitted request's player and checked body. */
export type Admitted<B> = (player: JoinPlayer, body: B) => void;

/**
 * Identifies the player, reads and checks the body with `parse`, and checks the bans; then calls `admitted` with
 * the player and the body. A refused request is answered here (401, 400, 413, 403 BANNED) or, aborted, dropped,
 * and `admitted` is not called. What throws, here or in `admitted`, is answered `500` (the router's rule).
 * Callbacks, not promises: without player authentication, a join reaches its game server without a microtask.
 */
export function admitPlayer<B extends { player?: PlayerNames | undefined }>(
  ctx: PlayerRequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: PlayerRoute,
  parse: PlayerBodyParser<B>,
  admitted: Admitted<B>,
): void {
  if (ctx.playerAuth === undefined) {
    takeJsonBody(req, res, MAX_PLAYER_BODY, (json) =>
      checkBody(ctx, req, res, route, parse, undefined, json, admitted),
    );
    return;
  }
  ctx.playerAuth
    .authenticate(req.headers.authorization)
    .then((auth) => {
      if (!auth.ok) refuseAuth(ctx, res, route, auth);
      else
        takeJsonBody(req, res, MAX_PLAYER_BODY, (json) =>
          checkBody(ctx, req, res, route, parse, auth.player, json, admitted),
        );
    })
    .catch((error: unknown) => failRequest(ctx.logger, res, error));
}

/** The rest of {@link admitPlayer}, once the body is read: its checks, the bans, and the handler's part. */
function checkBody<B extends { player?: PlayerNames | undefined }>(
  ctx: PlayerRequestContext,
  req: IncomingMessage,
  res: ServerResponse,
  route: PlayerRoute,
  parse: PlayerBodyParser<B>,
  identified: PlayerIdentity | undefined,
  json: JsonBody,
  admitted: Admitted<B>,
): void {
  try {
    const body = json.ok ? parse(json.value, identified === undefined) : json.reason;
    if (json.ok && typeof body === 'string') sendError(res, 'BAD_REQUEST', body);
    if (typeof body === 'string') {
      route.refused(ctx.metrics, 'bad_request');
      ctx.logger.info({ outcome: 'bad-request', reason: body }, route.name);
      return;
    }
    const player: JoinPlayer = identified ?? (body.player as PlayerNames);
    // The one check of a player against the bans: by address, username or JWT `sub`, before anything is routed.
    const ban = ctx.bans.playerBan({ ip: ctx.clientIp(req), username: player.username, sub: identified?.sub });
    if (ban !== undefined) {
      sendError(res, 'BANNED', `Banned: ${ban.reason}`);
      route.refused(ctx.metrics, 'banned');
      ctx.logger.info({ username: player.username, outcome: 'banned', banId: ban.id }, route.name);
      return;
    }
    admitted(player, body);
  } catch (error) {
    failRequest(ctx.logger, res, error);
  }
}

/**
 * Answers a refused bearer token: `401 UNAUTHORIZED` counted by its reason, or
 * `400 BAD_REQUEST` (logged like a bad body) for a claim that is not a valid
 * name. A 401 is logged at debug level, since anyone can send a bad token: with
 * the reason, never the token.
 */
function refuseAuth(
  ctx: PlayerRequestContext,
  res: ServerResponse,
  route: PlayerRoute,
  auth: AuthResult & { ok: false },
): void {
  if (auth.reason === 'invalid_claim') {
    route.refused(ctx.metrics, 'bad_request');
    ctx.logger.info({ outcome: 'bad-request', reason: auth.message }, route.name);
    sendError(res, 'BAD_REQUEST', auth.message);
    return;
  }
  route.refused(ctx.metrics, 'unauthorized');
  ctx.metrics.unauthorizedPlayer(auth.reason);
  ctx.logger.debug({ outcome: 'unauthorized', reason: auth.reason, detail: auth.message }, route.name);
  sendError(res, 'UNAUTHORIZED', auth.message, undefined, { 'www-authenticate': 'Bearer' });
}
