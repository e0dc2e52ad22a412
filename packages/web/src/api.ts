/**
 * The requests the page makes besides the live list: the join, the history
 * and the masterserver's settings for the page. Every failure comes back as
 * a value with a sentence for the player, never as an exception.
 *
 * @module
 */

import type { BrowserConfig, History } from './types.js';

/** What the join form sends. */
export interface JoinRequest {
  serverId: string;
  /** Sent only when the server asks for one. */
  password?: string | undefined;
  /** With `playerAuth: none`. */
  username?: string | undefined;
  clantag?: string | undefined;
  /** With `playerAuth: bearer`: sent as `Authorization: Bearer`. */
  token?: string | undefined;
}

/** Where to connect, from a join the game server accepted. */
export interface JoinTicket {
  readonly ip: string;
  readonly port: number;
  readonly sessionToken: string;
  readonly conv: number;
}

/** The outcome of a join: the ticket, or the error's code and a sentence for the player. */
export type JoinResult = { ok: true; ticket: JoinTicket } | { ok: false; code: string; message: string };

/** An error body of the API, as far as the page reads it. */
interface ErrorBody {
  error?: { code?: unknown; msg?: unknown };
  gsError?: { type?: unknown; msg?: unknown };
}

/** The sentence shown for an error answer of `POST /v2/client/join`. */
export function joinErrorMessage(status: number, body: unknown): { code: string; message: string } {
  const { error, gsError } = (typeof body === 'object' && body !== null ? body : {}) as ErrorBody;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const msg = typeof error?.msg === 'string' ? error.msg : '';
  switch (code) {
    case 'WRONG_PASSWORD':
      return { code, message: 'Wrong password. Check it and try again.' };
    case 'JOIN_REJECTED': {
      const reason = typeof gsError?.msg === 'string' && gsError.msg !== '' ? gsError.msg : undefined;
      return {
        code,
        message:
          reason === undefined
            ? 'The game server refused the join and gave no reason.'
            : `The game server refused the join: ${reason}`,
      };
    }
    case 'GS_TIMEOUT':
      return { code, message: 'The game server did not answer in time. Try again in a moment.' };
    case 'GS_GONE':
      return { code, message: 'The game server went offline while you were joining.' };
    case 'GS_BUSY':
      return { code, message: 'Many players are joining this server right now. Try again in a moment.' };
    case 'SERVER_NOT_FOUND':
      return { code, message: 'This server is no longer listed.' };
    case 'UNAUTHORIZED':
      return { code, message: `Your access token was not accepted${msg === '' ? '' : `: ${msg}`}.` };
    case 'BAD_REQUEST':
      return { code, message: msg === '' ? 'The masterserver did not accept the form.' : `Check the form: ${msg}.` };
    default:
      return { code, message: `The masterserver answered ${status}${msg === '' ? '' : `: ${msg}`}.` };
  }
}

/** `POST /v2/client/join`. */
export async function join(request: JoinRequest, signal?: AbortSignal): Promise<JoinResult> {
  const body: Record<string, string> = { serverId: request.serverId };
  if (request.password !== undefined) body.password = request.password;
  if (request.username !== undefined) body.username = request.username;
  if (request.clantag !== undefined) body.clantag = request.clantag;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (request.token !== undefined && request.token !== '') headers.authorization = `Bearer ${request.token}`;
  let res: Response;
  try {
    res = await fetch('/v2/client/join', {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (error) {
    if (signal?.aborted) return { ok: false, code: 'ABORTED', message: 'The join was cancelled.' };
    return {
      ok: false,
      code: 'NETWORK',
      message: `Could not reach the masterserver (${String(error)}). Check the connection and try again.`,
    };
  }
  let json: unknown;
  try {
    json = await res.json();
  } catch {
    json = undefined;
  }
  if (res.status === 200 && isTicket(json)) return { ok: true, ticket: json };
  return { ok: false, ...joinErrorMessage(res.status, json) };
}

function isTicket(value: unknown): value is JoinTicket {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.ip === 'string' &&
    typeof v.port === 'number' &&
    typeof v.sessionToken === 'string' &&
    typeof v.conv === 'number'
  );
}

/** `GET /v2/client/stats/history`, or `undefined` when it cannot be had. */
export async function fetchHistory(): Promise<History | undefined> {
  try {
    const res = await fetch('/v2/client/stats/history');
    return res.ok ? ((await res.json()) as History) : undefined;
  } catch {
    return undefined;
  }
}

/** `GET /v2/client/config`; players name themselves when it cannot be had. */
export async function fetchConfig(): Promise<BrowserConfig> {
  try {
    const res = await fetch('/v2/client/config');
    if (res.ok) return (await res.json()) as BrowserConfig;
  } catch {
    // fall through to the default
  }
  return { playerAuth: 'none' };
}
