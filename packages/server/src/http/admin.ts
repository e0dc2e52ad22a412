/**
 * The admin API (`/v2/admin/…`): the listed servers with their address and
 * token, removal, bans and the audit log. Every route is rate limited per
 * client IP and needs `Authorization: Bearer ADMIN_TOKEN`; no answer holds a
 * token or a password.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { cleanLine, codePointLength } from '@masterserver/protocol';
import type { Logger } from '../logger.js';
import { banJson, checkNewBan, isoTime, MAX_BAN_REASON } from '../moderation/bans.js';
import type { Moderation } from '../moderation/moderation.js';
import { auditJson } from '../moderation/moderation-store.js';
import { normalizeIp } from '../net/addresses.js';
import type { RateLimit } from '../options.js';
import type { ListedServer } from '../registry/registry.js';
import type { AdminIdentity, RegistrationTokens } from '../tokens/registration-tokens.js';
import { readJsonBody } from './body.js';
import { sendError } from './errors.js';
import { IpRateLimit } from './ip-rate-limit.js';
import { sendJson } from './respond.js';
import type { Handler, Router } from './router.js';

/** Where the admin API lives. */
export const ADMIN_PATH = '/v2/admin/';

/** Largest body of `POST /v2/admin/bans`, in bytes. */
export const MAX_ADMIN_BODY = 8192;

/** `GET /v2/admin/audit` without `limit`: this many entries. */
export const AUDIT_DEFAULT_LIMIT = 100;

/** The largest `limit` of `GET /v2/admin/audit`. */
export const AUDIT_MAX_LIMIT = 1000;

/** What the admin API works with. */
export interface AdminContext {
  /** Where admin tokens are checked. */
  readonly tokens: RegistrationTokens;
  readonly moderation: Moderation;
  /** The client IP of a request (behind a trusted proxy, the client's): what the rate limit counts by. */
  clientIp(req: IncomingMessage): string;
  /** Requests one client IP may make. */
  readonly rate: RateLimit;
  readonly logger: Logger;
}

/** A route handler that runs once the request passed the rate limit and named an admin token. */
type AdminHandler = (req: IncomingMessage, res: ServerResponse, param: string, actor: AdminIdentity) => unknown;

const BEARER = /^Bearer +(\S+) *$/i;

/** A listed server as the admin API shows it: the public fields, its address, its token and when it connected. */
export function adminServerJson(server: ListedServer): Record<string, unknown> {
  const { json: _json, holder: _holder, connectedAt, ...fields } = server;
  return { ...fields, connectedAt: isoTime(connectedAt ?? null) };
}

/** The query parameters of a request. */
const queryOf = (req: IncomingMessage): URLSearchParams => new URL(req.url ?? '/', 'http://admin').searchParams;

/** Adds the admin routes to `router`. */
export function adminRoutes(router: Router, ctx: AdminContext): Router {
  const limit = new IpRateLimit(ctx.rate);
  const guard =
    (handler: AdminHandler): Handler =>
    async (req, res, param) => {
      const now = Date.now();
      if (!limit.take(ctx.clientIp(req), now)) {
        sendError(res, 'TOO_MANY_REQUESTS', undefined, undefined, { 'retry-after': String(limit.retryAfter(now)) });
        return;
      }
      const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
      const actor = token === undefined ? undefined : ctx.tokens.verifyAdmin(token);
      if (actor === undefined) {
        const msg = 'An admin token is required: Authorization: Bearer ADMIN_TOKEN';
        sendError(res, 'UNAUTHORIZED', msg, undefined, { 'www-authenticate': 'Bearer' });
        return;
      }
      await handler(req, res, param, actor);
    };
  const { moderation } = ctx;

  return router
    .on(
      'GET',
      `${ADMIN_PATH}servers`,
      guard((_req, res) => {
        const servers = moderation.servers().sort((a, b) => b.curPlayers - a.curPlayers || (a.name < b.name ? -1 : 1));
        sendJson(res, 200, servers.map(adminServerJson));
      }),
    )
    .onPrefix(
      'DELETE',
      `${ADMIN_PATH}servers/`,
      guard(async (req, res, id, actor) => {
        const reason = optionalReason(queryOf(req).get('reason'));
        if (typeof reason === 'object' && reason !== null) return sendError(res, 'BAD_REQUEST', reason.error);
        const outcome = await moderation.removeServer(actor, id, reason);
        if (outcome === 'not-found') sendError(res, 'SERVER_NOT_FOUND');
        else if (outcome === 'unavailable') sendError(res, 'CLUSTER_UNAVAILABLE');
        else res.writeHead(204, { 'cache-control': 'no-store' }).end();
      }),
    )
    .on(
      'GET',
      `${ADMIN_PATH}bans`,
      guard(async (_req, res) => sendJson(res, 200, (await moderation.bans()).map(banJson))),
    )
    .on(
      'POST',
      `${ADMIN_PATH}bans`,
      guard(async (req, res, _param, actor) => {
        const body = await readJsonBody(req, res, MAX_ADMIN_BODY);
        if (!body.ok) return;
        const fields = checkNewBan(body.value, Date.now());
        if ('field' in fields) return sendError(res, 'BAD_REQUEST', fields.message);
        sendJson(res, 201, banJson(await moderation.addBan(actor, fields)));
      }),
    )
    .onPrefix(
      'DELETE',
      `${ADMIN_PATH}bans/`,
      guard(async (_req, res, id, actor) => {
        if ((await moderation.liftBan(actor, id)) === undefined) sendError(res, 'BAN_NOT_FOUND');
        else res.writeHead(204, { 'cache-control': 'no-store' }).end();
      }),
    )
    .on(
      'GET',
      `${ADMIN_PATH}audit`,
      guard(async (req, res) => {
        const text = queryOf(req).get('limit');
        const count = text === null ? AUDIT_DEFAULT_LIMIT : /^\d{1,7}$/.test(text) ? Number(text) : 0;
        if (count < 1 || count > AUDIT_MAX_LIMIT) {
          return sendError(res, 'BAD_REQUEST', `limit: must be a whole number from 1 to ${AUDIT_MAX_LIMIT}`);
        }
        sendJson(res, 200, (await moderation.auditLog(count)).map(auditJson));
      }),
    );
}

/** The `reason` parameter of a removal, cleaned: `null` when absent or empty, or what is wrong with it. */
function optionalReason(text: string | null): string | null | { error: string } {
  const reason = text === null ? '' : cleanLine(text);
  if (codePointLength(reason) > MAX_BAN_REASON)
    return { error: `reason: must be at most ${MAX_BAN_REASON} characters` };
  return reason === '' ? null : reason;
}

/** True for a host only this machine can reach: `localhost`, `127.0.0.0/8`, `::1`. */
function isLoopback(host: string): boolean {
  const address = normalizeIp(host.replace(/^\[(.*)\]$/, '$1'));
  return address === 'localhost' || address === '::1' || /^127\.\d+\.\d+\.\d+$/.test(address);
}

/**
 * The warning logged at start when the admin API is reachable beyond this machine without TLS (admin
 * tokens would cross the network in clear, unless a TLS proxy is in front), or `undefined`.
 */
export function plainAdminWarning(host: string, tls: boolean): string | undefined {
  if (tls || isLoopback(host)) return undefined;
  return (
    `the admin API (${ADMIN_PATH}) is reachable on ${host} without TLS: admin tokens cross the network in clear ` +
    'unless a TLS-terminating proxy is in front; serve with --tls-cert/--tls-key, or listen on 127.0.0.1 behind one'
  );
}
