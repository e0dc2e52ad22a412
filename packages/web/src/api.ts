/**
 * The requests the page makes besides the live stream: pages of the list,
 * one server, the join and quick play, the history and the masterserver's
 * settings for the page. Every failure comes back as a value with a sentence
 * for the player, never as an exception.
 *
 * @module
 */

import type { BrowserConfig, History, Server } from './types.js';

/** Who joins: with `playerAuth: none` the player's names, with `bearer` an access token. */
export interface Player {
  /** With `playerAuth: none`. */
  username?: string | undefined;
  clantag?: string | undefined;
  /** With `playerAuth: bearer`: sent as `Authorization: Bearer`. */
  token?: string | undefined;
}

/** What the join form sends. */
export interface JoinRequest extends Player {
  serverId: string;
  /** Sent only when the server asks for one. */
  password?: string | undefined;
}

/** What quick play sends: the playlist (and map) wanted, any when left out. */
export interface QuickPlayRequest extends Player {
  playlist?: string | undefined;
  map?: string | undefined;
}

/** Where to connect, from a join the game server accepted. */
export interface JoinTicket {
  readonly ip: string;
  readonly port: number;
  readonly sessionToken: string;
  readonly conv: number;
}

/** A failed join or quick play: the error's code and a sentence for the player. */
export interface JoinFailure {
  ok: false;
  code: string;
  message: string;
}

/** The outcome of a join: the ticket, or what went wrong. */
export type JoinResult = { ok: true; ticket: JoinTicket } | JoinFailure;

/** The outcome of quick play: the ticket and the server that took the player, or what went wrong. */
export type QuickPlayResult = { ok: true; ticket: JoinTicket; serverId: string } | JoinFailure;

/** An error body of the API, as far as the page reads it. */
interface ErrorBody {
  error?: { code?: unknown; msg?: unknown };
  gsError?: { type?: unknown; msg?: unknown };
  tried?: unknown;
}

/** The sentence shown for an error answer of `POST /v2/client/join` or `POST /v2/client/quickplay`. */
export function joinErrorMessage(status: number, body: unknown): { code: string; message: string } {
  const { error, gsError, tried } = (typeof body === 'object' && body !== null ? body : {}) as ErrorBody;
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
    case 'NO_SERVER_AVAILABLE': {
      const n = typeof tried === 'number' && Number.isInteger(tried) && tried > 0 ? tried : 0;
      return {
        code,
        message:
          n === 0
            ? 'No server can take you right now: none that fits has a free slot without a password.'
            : `No server took you: ${n === 1 ? 'the one server' : `all ${n} servers`} tried refused, went away or did not answer. Try again in a moment.`,
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
    case 'BANNED': {
      const reason = msg.replace(/^Banned:?\s*/, '');
      return { code, message: `You are banned from this masterserver${reason === '' ? '' : `: ${reason}`}.` };
    }
    case 'TOO_MANY_REQUESTS':
      return { code, message: 'Too many joins from your address. Wait a moment and try again.' };
    case 'UNAUTHORIZED':
      return { code, message: `Your access token was not accepted${msg === '' ? '' : `: ${msg}`}.` };
    case 'BAD_REQUEST':
      return { code, message: msg === '' ? 'The masterserver did not accept the form.' : `Check the form: ${msg}.` };
    default:
      return { code, message: `The masterserver answered ${status}${msg === '' ? '' : `: ${msg}`}.` };
  }
}

/**
 * POSTs `fields` and the player to `path`: the status and the parsed body,
 * or the failure when the masterserver could not be reached.
 */
async function postAsPlayer(
  path: string,
  fields: Record<string, string | undefined>,
  player: Player,
  signal: AbortSignal | undefined,
): Promise<{ status: number; json: unknown } | JoinFailure> {
  const body: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...fields, username: player.username, clantag: player.clantag }))
    if (value !== undefined) body[key] = value;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (player.token !== undefined && player.token !== '') headers.authorization = `Bearer ${player.token}`;
  let res: Response;
  try {
    res = await fetch(path, {
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
  return { status: res.status, json };
}

/** `POST /v2/client/join`. */
export async function join(request: JoinRequest, signal?: AbortSignal): Promise<JoinResult> {
  const answer = await postAsPlayer(
    '/v2/client/join',
    { serverId: request.serverId, password: request.password },
    request,
    signal,
  );
  if ('ok' in answer) return answer;
  if (answer.status === 200 && isTicket(answer.json)) return { ok: true, ticket: answer.json };
  return { ok: false, ...joinErrorMessage(answer.status, answer.json) };
}

/** `POST /v2/client/quickplay`: the masterserver picks a server that fits and joins it. */
export async function quickPlay(request: QuickPlayRequest, signal?: AbortSignal): Promise<QuickPlayResult> {
  const answer = await postAsPlayer(
    '/v2/client/quickplay',
    { playlist: request.playlist, map: request.map },
    request,
    signal,
  );
  if ('ok' in answer) return answer;
  const { status, json } = answer;
  if (status === 200 && isTicket(json) && typeof (json as { serverId?: unknown }).serverId === 'string') {
    const { ip, port, sessionToken, conv, serverId } = json as JoinTicket & { serverId: string };
    return { ok: true, ticket: { ip, port, sessionToken, conv }, serverId };
  }
  return { ok: false, ...joinErrorMessage(status, json) };
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

/** What {@link fetchServers} got: a page, the same page as before (`304`), a refusal in words, or nothing. */
export type PageAnswer =
  | { kind: 'page'; servers: Server[]; total: number; etag: string | undefined }
  | { kind: 'same' }
  | { kind: 'refused'; message: string }
  | { kind: 'failed' };

/**
 * `GET /v2/client/servers?QUERY&limit=N&offset=M`: a page of the list, its
 * total (`X-Total-Count`); `etag` (of the page held) makes it conditional.
 */
export async function fetchServers(
  page: { query: string; limit: number; offset: number; etag: string | undefined },
  signal?: AbortSignal,
  base = '',
): Promise<PageAnswer> {
  const { query, limit, offset, etag } = page;
  try {
    const res = await fetch(
      `${base}/v2/client/servers?${query === '' ? '' : `${query}&`}limit=${limit}&offset=${offset}`,
      {
        cache: 'no-store',
        headers: etag === undefined ? {} : { 'if-none-match': etag },
        ...(signal === undefined ? {} : { signal }),
      },
    );
    if (res.status === 304) return { kind: 'same' };
    if (res.status === 400) {
      const body = (await res.json().catch(() => undefined)) as ErrorBody | undefined;
      const msg = typeof body?.error?.msg === 'string' ? body.error.msg : 'the filter is not valid';
      return { kind: 'refused', message: `The masterserver did not take the filters: ${msg}.` };
    }
    if (!res.ok) return { kind: 'failed' };
    const servers = (await res.json()) as Server[];
    const total = Number(res.headers.get('x-total-count') ?? servers.length);
    return { kind: 'page', servers, total, etag: res.headers.get('etag') ?? undefined };
  } catch {
    return { kind: 'failed' };
  }
}

/** `GET /v2/client/servers/{id}`, or `undefined` when it is not listed or cannot be had. */
export async function fetchServer(id: string): Promise<Server | undefined> {
  try {
    const res = await fetch(`/v2/client/servers/${encodeURIComponent(id)}`, { cache: 'no-store' });
    return res.ok ? ((await res.json()) as Server) : undefined;
  } catch {
    return undefined;
  }
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
  return { playerAuth: 'none', reachability: 'mark' };
}
