/**
 * The one registry of the HTTP API's error codes: each stable code with its
 * status and default message. Responses always have the shape
 * `{"error":{"code":"SNAKE_CASE","msg":"..."}}`.
 *
 * @module
 */

/** Every error code the HTTP API answers with. */
export const ApiError = {
  BAD_REQUEST: { status: 400, msg: 'The request is not valid' },
  UNAUTHORIZED: { status: 401, msg: 'A valid bearer token is required' },
  WRONG_PASSWORD: { status: 403, msg: 'Wrong or missing password' },
  BANNED: { status: 403, msg: 'Banned' },
  SERVER_NOT_FOUND: { status: 404, msg: 'No such listed server' },
  NO_SERVER_AVAILABLE: { status: 404, msg: 'No listed server that fits could take the player' },
  BAN_NOT_FOUND: { status: 404, msg: 'No such ban' },
  NOT_FOUND: { status: 404, msg: 'No such resource' },
  METHOD_NOT_ALLOWED: { status: 405, msg: 'Method not allowed' },
  JOIN_REJECTED: { status: 409, msg: 'The game server refused the join' },
  REQUEST_TIMEOUT: { status: 408, msg: 'The request did not arrive in time' },
  PAYLOAD_TOO_LARGE: { status: 413, msg: 'The request body is too large' },
  UPGRADE_REQUIRED: { status: 426, msg: 'This endpoint speaks WebSocket only' },
  TOO_MANY_CONNECTIONS: { status: 429, msg: 'Too many connections from this address' },
  TOO_MANY_REQUESTS: { status: 429, msg: 'Too many requests from this address; try again shortly' },
  HEADERS_TOO_LARGE: { status: 431, msg: 'The request headers are too many or too large' },
  INTERNAL_ERROR: { status: 500, msg: 'Internal error' },
  GS_GONE: { status: 502, msg: 'The game server disconnected while the join was pending' },
  GS_BUSY: { status: 503, msg: 'Too many joins are waiting on this game server; try again shortly' },
  CONNECTION_LIMIT: { status: 503, msg: 'The masterserver holds as many connections as it may' },
  CLUSTER_UNAVAILABLE: { status: 503, msg: 'The instance that holds this server cannot be reached now' },
  SHUTTING_DOWN: { status: 503, msg: 'The masterserver is shutting down' },
  STREAM_LIMIT: { status: 503, msg: 'As many live-list streams are open as the masterserver allows' },
  WEB_UNAVAILABLE: { status: 503, msg: 'The server browser is not available: its files were not built or not found' },
  GS_TIMEOUT: { status: 504, msg: 'The game server did not answer in time' },
} as const satisfies Record<string, { status: number; msg: string }>;

/** One of the keys of {@link ApiError}. */
export type ApiErrorCode = keyof typeof ApiError;

/** The JSON body of an error response; `extra` fields go beside `error`. */
export function errorBody(code: ApiErrorCode, msg?: string, extra?: Record<string, unknown>): string {
  return JSON.stringify({ error: { code, msg: msg ?? ApiError[code].msg }, ...extra });
}
