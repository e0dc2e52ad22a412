/**
 * The admin API as the admin view calls it: each call sends the admin token
 * as `Authorization: Bearer` and comes back as a value, with a sentence for
 * the operator when it failed, never as an exception.
 *
 * @module
 */

import type { AdminServer, AuditEntry, Ban, NewBan } from './types.js';

/** The outcome of a call: its value, or the status, the error code and a sentence. */
export type AdminResult<T> = { ok: true; value: T } | { ok: false; status: number; code: string; message: string };

/** The sentence shown for an error answer of the admin API. */
export function adminErrorMessage(status: number, body: unknown): { code: string; message: string } {
  const error = (typeof body === 'object' && body !== null ? (body as { error?: unknown }).error : undefined) as
    | { code?: unknown; msg?: unknown }
    | undefined;
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`;
  const msg = typeof error?.msg === 'string' ? error.msg : '';
  switch (code) {
    case 'UNAUTHORIZED':
      return { code, message: 'The masterserver did not accept this admin token (not an admin token, or revoked).' };
    case 'TOO_MANY_REQUESTS':
      return { code, message: 'Too many requests from this address. Wait a few seconds and try again.' };
    case 'BAD_REQUEST':
      return { code, message: msg === '' ? 'The masterserver did not accept the form.' : `Check the form: ${msg}.` };
    case 'SERVER_NOT_FOUND':
      return { code, message: 'That server is no longer listed.' };
    case 'BAN_NOT_FOUND':
      return { code, message: 'That ban was already lifted.' };
    default:
      return { code, message: `The masterserver answered ${status}${msg === '' ? '' : `: ${msg}`}.` };
  }
}

async function call<T>(token: string, method: string, path: string, body?: unknown): Promise<AdminResult<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    return { ok: false, status: 0, code: 'NETWORK', message: `Could not reach the masterserver (${String(error)}).` };
  }
  let json: unknown;
  try {
    json = res.status === 204 ? undefined : await res.json();
  } catch {
    json = undefined;
  }
  if (res.ok) return { ok: true, value: json as T };
  return { ok: false, status: res.status, ...adminErrorMessage(res.status, json) };
}

/** `GET /v2/admin/servers`. */
export const fetchServers = (token: string) => call<AdminServer[]>(token, 'GET', '/v2/admin/servers');

/** `DELETE /v2/admin/servers/{id}?reason=`. */
export function removeServer(token: string, id: string, reason: string): Promise<AdminResult<void>> {
  const query = reason === '' ? '' : `?reason=${encodeURIComponent(reason)}`;
  return call<void>(token, 'DELETE', `/v2/admin/servers/${encodeURIComponent(id)}${query}`);
}

/** `GET /v2/admin/bans`. */
export const fetchBans = (token: string) => call<Ban[]>(token, 'GET', '/v2/admin/bans');

/** `POST /v2/admin/bans`. */
export const addBan = (token: string, ban: NewBan) => call<Ban>(token, 'POST', '/v2/admin/bans', ban);

/** `DELETE /v2/admin/bans/{id}`. */
export const liftBan = (token: string, id: string) =>
  call<void>(token, 'DELETE', `/v2/admin/bans/${encodeURIComponent(id)}`);

/** `GET /v2/admin/audit?limit=N`. */
export const fetchAudit = (token: string, limit = 100) =>
  call<AuditEntry[]>(token, 'GET', `/v2/admin/audit?limit=${limit}`);
