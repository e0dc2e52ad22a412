/**
 * Error responses of the HTTP API: `{"error":{"code":"SNAKE_CASE","msg":"..."}}`
 * with the status of the code in the one registry of codes (refusal/api-errors.ts).
 *
 * @module
 */

import type { ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { ApiError, type ApiErrorCode, errorBody } from '../refusal/api-errors.js';
import { sendJson } from './respond.js';

/** Sends an error response. */
export function sendError(
  res: ServerResponse,
  code: ApiErrorCode,
  msg?: string,
  extra?: Record<string, unknown>,
  headers?: Record<string, string>,
): void {
  sendJson(res, ApiError[code].status, errorBody(code, msg, extra), headers);
}

/** Answers a request whose handler failed: logged, `500 INTERNAL_ERROR`, or the connection dropped once the answer began. */
export function failRequest(logger: Logger, res: ServerResponse, error: unknown): void {
  logger.error({ err: error }, 'request handler failed');
  if (!res.headersSent) sendError(res, 'INTERNAL_ERROR');
  else res.destroy();
}
