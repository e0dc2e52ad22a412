/**
 * `POST /v2/client/join`: checks the body, asks the game server through the
 * gateway, and maps the outcome to the status table of HTTP-API.md.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { codePointLength, InfoLimits } from '@masterserver/protocol';
import type { JoinOutcome, JoinPlayer } from '../gateway/gs-connection.js';
import { BodyTooLargeError, readBody } from './body.js';
import { sendError } from './errors.js';
import { sendJson } from './respond.js';

/** Largest join body accepted, in bytes. */
export const MAX_JOIN_BODY = 8192;

/** A valid join body. */
export interface JoinBody extends JoinPlayer {
  serverId: string;
}

/** Checks a parsed join body; returns it typed, or a message naming the first bad field. */
export function parseJoinBody(value: unknown): JoinBody | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the body must be a JSON object';
  const body = value as Record<string, unknown>;
  const { serverId, password, username, clantag } = body;
  if (typeof serverId !== 'string' || serverId === '') return 'serverId must be a non-empty string';
  if (password !== undefined && password !== null && typeof password !== 'string') {
    return 'password must be a string when present';
  }
  if (typeof username !== 'string' || username === '' || codePointLength(username) > InfoLimits.USERNAME_MAX) {
    return `username must be a string of 1 to ${InfoLimits.USERNAME_MAX} characters`;
  }
  if (typeof clantag !== 'string' || codePointLength(clantag) > InfoLimits.CLANTAG_MAX) {
    return `clantag must be a string of at most ${InfoLimits.CLANTAG_MAX} characters`;
  }
  return { serverId, password: typeof password === 'string' ? password : undefined, username, clantag };
}

/** Sends the response for a join's outcome. */
export function sendJoinOutcome(res: ServerResponse, outcome: JoinOutcome): void {
  switch (outcome.kind) {
    case 'accepted':
      sendJson(res, 200, {
        ip: outcome.ip,
        port: outcome.port,
        sessionToken: outcome.sessionToken,
        conv: outcome.conv,
      });
      return;
    case 'rejected':
      sendError(res, 'JOIN_REJECTED', undefined, { gsError: { type: outcome.error.type, msg: outcome.error.msg } });
      return;
    case 'not-found':
      sendError(res, 'SERVER_NOT_FOUND');
      return;
    case 'wrong-password':
      sendError(res, 'WRONG_PASSWORD');
      return;
    case 'timeout':
      sendError(res, 'GS_TIMEOUT');
      return;
    case 'gone':
      sendError(res, 'GS_GONE');
      return;
  }
}

/** Reads and checks a join body; sends 400/413 and resolves `undefined` when it is not valid. */
export async function readJoinBody(req: IncomingMessage, res: ServerResponse): Promise<JoinBody | undefined> {
  let text: string;
  try {
    text = await readBody(req, MAX_JOIN_BODY);
  } catch (error) {
    if (error instanceof BodyTooLargeError) sendError(res, 'PAYLOAD_TOO_LARGE', error.message);
    else res.destroy();
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    sendError(res, 'BAD_REQUEST', 'the body is not valid JSON');
    return undefined;
  }
  const body = parseJoinBody(value);
  if (typeof body === 'string') {
    sendError(res, 'BAD_REQUEST', body);
    return undefined;
  }
  return body;
}
