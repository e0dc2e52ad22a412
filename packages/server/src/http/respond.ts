/**
 * Small helpers for JSON responses.
 *
 * @module
 */

import type { ServerResponse } from 'node:http';

/** Sends `value` as a JSON response that must not be cached. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}
