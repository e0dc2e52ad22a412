/**
 * Small helpers for JSON responses.
 *
 * @module
 */

import type { ServerResponse } from 'node:http';

/** Sends `value` (or JSON text already serialized) as a response that must not be cached. */
export function sendJson(res: ServerResponse, status: number, value: unknown, headers?: Record<string, string>): void {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}
