/**
 * The HTTP API of docs/http-api.md: the server list, one server, joins, health,
 * the admin API; and the server browser: its page (and its admin view at
 * `/admin`), the live list and the players history.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { GS_PATH } from '@masterserver/protocol';
import type { PlayerAuthenticator } from '../auth/player-auth.js';
import type { DisplayNames } from '../display-names.js';
import { QuickPlay } from '../joins/quickplay.js';
import type { JoinRouter } from '../joins/router.js';
import type { Logger } from '../logger.js';
import type { ServerMetrics } from '../metrics.js';
import type { BanList } from '../moderation/ban-list.js';
import type { ReachabilityMode } from '../probe/reachability.js';
import type { Registry } from '../registry/registry.js';
import type { StatsHistory } from '../registry/stats.js';
import { type AdminContext, adminRoutes } from './admin.js';
import { CachedBody, etagMatches, sendCached } from './cached-body.js';
import { sendError } from './errors.js';
import { EVENTS_PATH, ServerEvents } from './events.js';
import { FilteredLists } from './filtered-lists.js';
import { handleJoin } from './join.js';
import { ListQueryParser } from './list-query.js';
import { OPENAPI_PATH, openApiHandler } from './openapi.js';
import { candidatesFrom, handleQuickPlay, QUICK_PLAY_PATH, quickPlayTryMetric } from './quickplay.js';
import { sendJson } from './respond.js';
import { Router } from './router.js';
import { ServerListCache } from './server-list.js';
import { ASSETS_PATH, StaticFiles } from './static.js';
import { historyHandler } from './stats.js';

/** What the API serves from. */
export interface ApiContext {
  readonly registry: Registry;
  readonly joins: JoinRouter;
  /** The reachability probe's mode (`off`: the list's `reachable` is always `null`), for the page. */
  readonly reachability: ReachabilityMode;
  /** Milliseconds a join waits for its game server: a quick play gives each server it tries a third of it. */
  readonly joinTimeout: number;
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
  /** The names of maps and playlists (`GET /v2/client/display-names`). */
  readonly displayNames: DisplayNames;
}

/** The API: the `request` listener, and what ends its live streams at shutdown. */
export interface Api {
  readonly handle: Router['handle'];
  /** Every route it serves ({@link Router.routes}). */
  routes(): ReturnType<Router['routes']>;
  /** Ends the live-list streams and refuses new ones. */
  close(): void;
}

export { etagMatches };

/** The path of the display names of maps and playlists. */
export const DISPLAY_NAMES_PATH = '/v2/client/display-names';

/** Builds the public API. */
export function createApi(ctx: ApiContext): Api {
  const cache = new ServerListCache(ctx.registry);

  const displayNames = new CachedBody(Buffer.from(JSON.stringify(ctx.displayNames)), {
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' },
  });
  const filtered = new FilteredLists();
  const { reachability } = ctx;
  const quickPlayContext = {
    ...ctx,
    quickPlay: new QuickPlay(
      ctx.joins,
      candidatesFrom(() => cache.current()),
      {
        joinTimeout: ctx.joinTimeout,
        tried: (outcome) => ctx.metrics.quickPlayTry(quickPlayTryMetric(outcome)),
      },
    ),
  };
  const queries = new ListQueryParser(true);

  /** `GET /v2/client/servers`: the whole list, or the answer to its query. */
  const sendList = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url as string;
    const mark = url.indexOf('?');
    if (mark === -1) {
      sendCached(req, res, cache.current(), ctx.logger);
      return;
    }
    const parsed = queries.parse(url, mark + 1);
    if (!parsed.ok) {
      sendError(res, 'BAD_REQUEST', parsed.msg);
      return;
    }
    const snapshot = cache.current();
    const { query } = parsed;
    sendCached(req, res, query.key === '' ? snapshot : filtered.answer(snapshot, query), ctx.logger);
  };

  const router = new Router(ctx.logger, (route, status) => ctx.metrics.http(route, status))
    .on('GET', '/v2/client/servers', sendList)
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
    .on('POST', QUICK_PLAY_PATH, (req, res) => handleQuickPlay(quickPlayContext, req, res))
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
    .on('GET', OPENAPI_PATH, openApiHandler(ctx.logger))
    .on('*', GS_PATH, (_req, res) => {
      sendError(res, 'UPGRADE_REQUIRED', undefined, undefined, { upgrade: 'websocket' });
    });

  const events = new ServerEvents(cache, {
    maxStreams: ctx.maxEventStreams,
    heartbeatMs: Math.min(15_000, Math.floor(ctx.idleTimeout / 2)),
    isShuttingDown: ctx.isShuttingDown,
    logger: ctx.logger,
    lists: filtered,
  });
  const stopSamples = ctx.stats.onSample((sample) => events.sample(sample));
  router
    .on('GET', EVENTS_PATH, events.handle)
    .on('GET', '/v2/client/stats/history', historyHandler(ctx.stats, ctx.logger))
    .on('GET', DISPLAY_NAMES_PATH, (req, res) => sendCached(req, res, displayNames, ctx.logger))
    .on('GET', '/v2/client/config', (_req, res) => {
      sendJson(res, 200, { playerAuth: ctx.playerAuth === undefined ? 'none' : 'bearer', reachability });
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
    routes: () => router.routes(),
    close() {
      stopSamples();
      events.close();
      quickPlayContext.quickPlay.close();
    },
  };
}
