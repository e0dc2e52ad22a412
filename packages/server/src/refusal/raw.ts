/**
 * Error answers written straight to a socket, where Node.js's HTTP server
 * does not give a response object: refused WebSocket upgrades, and requests
 * its parser gave up on (headers too large, too slow, not HTTP). The body is
 * the API's usual `{"error":{"code","msg"}}`; the connection is closed.
 *
 * @module
 */

import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, type ApiErrorCode, errorBody } from './api-errors.js';

/** How long a refused peer may take to close its side before its socket is destroyed, in ms. */
const LINGER_MS = 1000;

/** Writes the error response for `code`, ends the socket, and destroys it if the peer does not close. */
export function refuseRaw(socket: Duplex, code: ApiErrorCode): void {
  const { status } = ApiError[code];
  const body = errorBody(code);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n` +
      `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  // A peer that never closes its side must not hold the socket.
  setTimeout(() => socket.destroy(), LINGER_MS).unref();
}

/**
 * True when `req` has more than `maxHeaders` headers (answered `431 HEADERS_TOO_LARGE`, on the API and at the
 * upgrade). Node.js drops headers beyond its own count silently, so the server keeps one more than the limit.
 */
export function tooManyHeaders(req: IncomingMessage, maxHeaders: number): boolean {
  return req.rawHeaders.length > 2 * maxHeaders;
}

/** The answer to each error of Node.js's HTTP parser that has one; any other is `BAD_REQUEST`. */
const PARSER_ERRORS: Readonly<Record<string, ApiErrorCode>> = {
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
  ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
};

/**
 * The `clientError` listener: what Node.js would answer (`431`, `408`, `400`),
 * with a JSON body. A socket that already sent something, or can no longer
 * write, is only destroyed.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || (socket as Socket).bytesWritten > 0) {
    socket.destroy();
    return;
  }
  refuseRaw(socket, PARSER_ERRORS[error.code ?? ''] ?? 'BAD_REQUEST');
}
