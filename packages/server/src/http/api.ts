/**
 * The HTTP API of HTTP-API.md: the server list, one server, joins, health,
 * the admin API; and the server browser: its page (and its admin view at
 * `/admin`), the live list and the players history.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { PlayerAuthenticator } from '../auth/player-auth.js';
import { GS_PATH } from '../gateway/gateway.js';
import type { JoinRouter } from '../joins/router.js';
import type { Logger } from '../logger.js';
import type { ServerMetrics } from '../metrics.js';
import type { BanList } from '../moderation/ban-list.js';
import type { Registry } from '../registry/registry.js';
import { type AdminContext, adminRoutes } from './admin.js';
import { etagMatches } from './cached-body.js';
import { negotiateEncoding } from './encoding.js';
import { sendError } from './errors.js';
import { EVENTS_PATH, ServerEvents } from './events.js';
import { handleJoin } from './join.js';
import { sendJson } from './respond.js';
import { Router } from './router.js';
import { type ListSnapshot, ServerListCache } from './server-list.js';
import { ASSETS_PATH, StaticFiles } from './static.js';
import { historyHandler, type StatsHistory } from './stats.js';

/** What the API serves from. */
export interface ApiContext {
  readonly registry: Registry;
  readonly joins: JoinRouter;
  readonly logger: Logger;
  readonly metrics: ServerMetrics;
  /** How joining players are identified; `undefined`: by the join body. */
  readonly playerAuth: PlayerAuthenticator | undefined;
  /** The bans in force: banned players get `403 BANNED`. */
  readonly bans: BanList;
  /** The client IP of a request (behind a trusted proxy, the client's). */
  clientIp(req: IncomingMessage): string;
  /** What the admin API works with. */
  readonly admin: AdminContext;
  /** True once shutdown began. */
  isShuttingDown(): boolean;
  /** The players and servers history (`GET /v2/client/stats/history`). */
  readonly stats: StatsHistory;
  /** The server browser's built files, served at `/`; `null`: no page. */
  readonly webRoot: string | null;
  /** Live-list streams open at once; `0` is no limit. */
  readonly maxEventStreams: number;
  /** Milliseconds a connection may make no progress before it is closed: live-list streams send more often. */
  readonly idleTimeout: number;
}

/** The API: the `request` listener, and what ends its live streams at shutdown. */
export interface Api {
  readonly handle: Router['handle'];
  /** Ends the live-list streams and refuses new ones. */
  close(): void;
}

export { etagMatches };

/** Builds the public API. */
export function createApi(ctx: ApiContext): Api {
  const cache = new ServerListCache(ctx.registry);

  const sendList = (req: IncomingMessage, res: ServerResponse, snapshot: ListSnapshot): void => {
    const headers: Record<string, string | number> = {
      etag: snapshot.etag,
      'cache-control': 'no-cache',
      vary: 'accept-encoding',
    };
    if (etagMatches(req.headers['if-none-match'], snapshot.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    const encoding = negotiateEncoding(req.headers['accept-encoding']);
    headers['content-type'] = 'application/json; charset=utf-8';
    if (encoding !== 'identity') headers['content-encoding'] = encoding;
    const send = (body: Buffer): void => {
      headers['content-length'] = body.length;
      res.writeHead(200, headers);
      res.end(body);
    };
    const body = snapshot.encoded(encoding);
    if (Buffer.isBuffer(body)) send(body);
    else
      body.then(send, (error: unknown) => {
        ctx.logger.error({ err: error }, 'compressing the server list failed');
        sendError(res, 'INTERNAL_ERROR');
      });
  };

  const router = new Router(ctx.logger, (route, status) => ctx.metrics.http(route, status))
    .on('GET', '/v2/client/servers', (req, res) => sendList(req, res, cache.current()))
    .onPrefix('GET', '/v2/client/servers/', (_req, res, id) => {
      const server = ctx.registry.get(id);
      if (server === undefined) {
        sendError(res, 'SERVER_NOT_FOUND');
        return;
      }
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(server.json),
        'cache-control': 'no-cache',
      });
      res.end(server.json);
    })
    .on('POST', '/v2/client/join', (req, res) => handleJoin(ctx, req, res))
    .on('GET', '/healthz', (_req, res) => {
      if (ctx.isShuttingDown()) sendJson(res, 503, { status: 'shutting_down' });
      else if (ctx.registry.available === false) sendJson(res, 503, { status: 'degraded' });
      else sendJson(res, 200, { status: 'ok' });
    })
    .on('GET', '/metrics', async (_req, res) => {
      const { contentType, body } = await ctx.metrics.expose();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    })
    .on('*', GS_PATH, (_req, res) => {
      sendError(res, 'UPGRADE_REQUIRED', undefined, undefined, { upgrade: 'websocket' });
    });

  const events = new ServerEvents(cache, {
    maxStreams: ctx.maxEventStreams,
    heartbeatMs: Math.min(15_000, Math.floor(ctx.idleTimeout / 2)),
    isShuttingDown: ctx.isShuttingDown,
    logger: ctx.logger,
  });
  const stopSamples = ctx.stats.onSample((sample) => events.sample(sample));
  router
    .on('GET', EVENTS_PATH, events.handle)
    .on('GET', '/v2/client/stats/history', historyHandler(ctx.stats, ctx.logger))
    .on('GET', '/v2/client/config', (_req, res) => {
      sendJson(res, 200, { playerAuth: ctx.playerAuth === undefined ? 'none' : 'bearer' });
    });
  adminRoutes(router, ctx.admin);
  if (ctx.webRoot !== null) {
    const files = new StaticFiles(ctx.webRoot, ctx.logger);
    // The admin view is a route of the same page.
    router
      .on('GET', '/', files.serveIndex)
      .on('GET', '/admin', files.serveIndex)
      .onPrefix('GET', ASSETS_PATH, files.serveAsset);
  }
  return {
    handle: router.handle,
    close() {
      stopSamples();
      events.close();
    },
  };
}
