/**
 * `POST /v2/client/join`: identifies the player, checks the body, asks the
 * game server through the gateway, and maps the outcome to the status table
 * of the HTTP API.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlayerNames } from '@masterserver/protocol';
import { type JoinOutcome, type JoinOutcomeKind, NOT_SENT } from '../joins/outcome.js';
import type { JoinRouter } from '../joins/router.js';
import type { JoinMetricOutcome } from '../metrics.js';
import { failRequest, sendError } from './errors.js';
import { admitPlayer, type PlayerRequestContext, type PlayerRoute, withPlayerNames } from './player-request.js';
import { sendJson } from './respond.js';

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
  const fields = value as Record<string, unknown>;
  const { serverId, password } = fields;
  if (typeof serverId !== 'string' || serverId === '') return 'serverId must be a non-empty string';
  if (password !== undefined && password !== null && typeof password !== 'string') {
    return 'password must be a string when present';
  }
  const body: JoinBody = { serverId, password: typeof password === 'string' ? password : undefined, player: undefined };
  return withPlayerNames(body, fields, withPlayer);
}

/** The join metric's label of each outcome. */
export const JOIN_METRIC = {
  accepted: 'accepted',
  rejected: 'rejected',
  'not-found': 'not_found',
  'wrong-password': 'wrong_password',
  timeout: 'timeout',
  busy: 'busy',
  gone: 'gone',
  unavailable: 'unavailable',
} as const satisfies Record<JoinOutcomeKind, JoinMetricOutcome>;

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
export interface JoinContext extends PlayerRequestContext {
  readonly joins: JoinRouter;
}

const JOIN_ROUTE: PlayerRoute = { name: 'join', refused: (metrics, outcome) => metrics.join(outcome) };

/** The `POST /v2/client/join` handler. */
export function handleJoin(ctx: JoinContext, req: IncomingMessage, res: ServerResponse): void {
  admitPlayer(ctx, req, res, JOIN_ROUTE, parseJoinBody, (player, body) => {
    const started = performance.now();
    const { serverId } = body;
    const { username } = player;
    ctx.joins.join(serverId, { username, clantag: player.clantag, password: body.password }, (outcome) => {
      // Runs inside what settled the join (a game server's message, a timer): a failure here is this request's.
      try {
        const seconds = (performance.now() - started) / 1000;
        ctx.metrics.join(JOIN_METRIC[outcome.kind], NOT_SENT.has(outcome.kind) ? undefined : seconds);
        ctx.logger.info({ serverId, username, outcome: outcome.kind, ms: Math.round(seconds * 1000) }, 'join');
        sendJoinOutcome(res, outcome);
      } catch (error) {
        failRequest(ctx.logger, res, error);
      }
    });
  });
}
