/**
 * `GET /v2/client/stats/history`: the players and servers history of the
 * last hour, as one cached body made once per sample.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { StatsHistory } from '../registry/stats.js';
import { CachedBody, sendCached } from './cached-body.js';

const HISTORY_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' };

/**
 * The `GET /v2/client/stats/history` handler: `{"intervalMs","windowMs","samples":[{"t","players","servers"}]}`,
 * made once per sample.
 */
export function historyHandler(
  stats: StatsHistory,
  logger: Logger,
): (req: IncomingMessage, res: ServerResponse) => void {
  let made: { taken: number; body: CachedBody } | undefined;
  return (req, res) => {
    if (made === undefined || made.taken !== stats.taken) {
      const text = JSON.stringify({ intervalMs: stats.intervalMs, windowMs: stats.windowMs, samples: stats.samples() });
      made = { taken: stats.taken, body: new CachedBody(Buffer.from(text), { headers: HISTORY_HEADERS }) };
    }
    sendCached(req, res, made.body, logger);
  };
}
