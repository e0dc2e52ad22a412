/**
 * `POST /v2/client/quickplay`: a join to whichever listed server fits, chosen
 * by the masterserver (see joins/quickplay.ts). The player is identified,
 * checked and ban-checked as for a join.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { codePointLength, InfoLimits, type PlayerNames } from '@masterserver/protocol';
import type { JoinPlayer } from '../joins/outcome.js';
import type { QuickPlay, QuickPlayCandidates, QuickPlayTryOutcome, QuickPlayWish } from '../joins/quickplay.js';
import type { QuickPlayTryMetricOutcome } from '../metrics.js';
import { failRequest, sendError } from './errors.js';
import { JOIN_METRIC } from './join.js';
import type { ListFilter } from './list-query.js';
import { admitPlayer, type PlayerRequestContext, type PlayerRoute, withPlayerNames } from './player-request.js';
import { sendJson } from './respond.js';
import type { ListSnapshot } from './server-list.js';

/** The path of quick play. */
export const QUICK_PLAY_PATH = '/v2/client/quickplay';

/** A valid quick-play body. */
export interface QuickPlayBody extends QuickPlayWish {
  /** Absent when a bearer token names the player. */
  player?: PlayerNames;
}

/** A wished map or playlist: absent (or `null`), or a string of 1 to 64 characters like the list's. */
function wish(value: unknown, field: 'playlist' | 'map'): string | undefined | { bad: string } {
  if (value === undefined || value === null) return undefined;
  const max = field === 'map' ? InfoLimits.MAP_MAX : InfoLimits.PLAYLIST_MAX;
  if (typeof value !== 'string' || value === '' || codePointLength(value) > max) {
    return { bad: `${field} must be a string of 1 to ${max} characters when present` };
  }
  return value;
}

/**
 * Checks a parsed quick-play body; returns it typed, or a message naming the first bad field. `withPlayer`:
 * the body must name the player (`--player-auth none`), as a join body does.
 */
export function parseQuickPlayBody(value: unknown, withPlayer: boolean): QuickPlayBody | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the body must be a JSON object';
  const fields = value as Record<string, unknown>;
  const playlist = wish(fields.playlist, 'playlist');
  if (typeof playlist === 'object') return playlist.bad;
  const map = wish(fields.map, 'map');
  if (typeof map === 'object') return map.bad;
  return withPlayerNames<QuickPlayBody>({ playlist, map }, fields, withPlayer);
}

const TRY_METRIC: Record<QuickPlayTryOutcome, QuickPlayTryMetricOutcome> = { ...JOIN_METRIC, slow: 'slow' };

/** The metric label of a try's outcome. */
export const quickPlayTryMetric = (outcome: QuickPlayTryOutcome): QuickPlayTryMetricOutcome => TRY_METRIC[outcome];

/**
 * Quick play's candidates from the list as players see it: the servers on the wished playlist and map with a
 * free slot, no password and not known to be unreachable, in list order (most players first, so players
 * gather; ties by name), found through the snapshot's index.
 */
export function candidatesFrom(current: () => ListSnapshot): QuickPlayCandidates {
  return (wish, count) => {
    const snapshot = current();
    const filter: ListFilter = {
      maps: wish.map === undefined ? undefined : new Set([wish.map]),
      playlists: wish.playlist === undefined ? undefined : new Set([wish.playlist]),
      gameStates: undefined,
      notFull: true,
      notEmpty: false,
      noPassword: true,
      reachable: false,
      q: undefined,
      filterKey: '',
    };
    const { positions } = snapshot.index.matching(filter, 0, count, { notUnreachable: true, stopAtEnd: true });
    return positions.map((position) => (snapshot.servers[position] as ListSnapshot['servers'][number]).id);
  };
}

/** What the quick-play handler works with. */
export interface QuickPlayContext extends PlayerRequestContext {
  readonly quickPlay: QuickPlay;
}

const QUICK_PLAY_ROUTE: PlayerRoute = { name: 'quickplay', refused: (metrics, outcome) => metrics.quickPlay(outcome) };

/** The `POST /v2/client/quickplay` handler. */
export function handleQuickPlay(ctx: QuickPlayContext, req: IncomingMessage, res: ServerResponse): void {
  admitPlayer(ctx, req, res, QUICK_PLAY_ROUTE, parseQuickPlayBody, (player, body) => {
    play(ctx, res, { username: player.username, clantag: player.clantag }, body).catch((error: unknown) =>
      failRequest(ctx.logger, res, error),
    );
  });
}

/** Plays an admitted quick play and answers it. */
async function play(
  ctx: QuickPlayContext,
  res: ServerResponse,
  player: JoinPlayer,
  body: QuickPlayBody,
): Promise<void> {
  const started = performance.now();
  const outcome = await ctx.quickPlay.play({ playlist: body.playlist, map: body.map }, player);
  const seconds = (performance.now() - started) / 1000;
  ctx.metrics.quickPlay(outcome.kind, outcome.tried > 0 ? seconds : undefined);
  ctx.logger.info(
    {
      playlist: body.playlist,
      map: body.map,
      username: player.username,
      outcome: outcome.kind,
      serverId: outcome.kind === 'joined' ? outcome.serverId : undefined,
      tried: outcome.tried,
      ms: Math.round(seconds * 1000),
    },
    'quickplay',
  );
  if (outcome.kind === 'none') {
    sendError(res, 'NO_SERVER_AVAILABLE', undefined, { tried: outcome.tried });
    return;
  }
  const { join } = outcome;
  sendJson(res, 200, {
    ip: join.ip,
    port: join.port,
    sessionToken: join.sessionToken,
    conv: join.conv,
    serverId: outcome.serverId,
  });
}
