/**
 * Reading a request body, within a size limit, and a JSON body with the
 * answers to one that is too large or not JSON.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './errors.js';

/** The body was larger than allowed. */
class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`the request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/**
 * Reads the whole body of `req` as UTF-8 text, refusing more than `limit` bytes, and calls `done` once: with the
 * text, or with a {@link BodyTooLargeError} or the request's error.
 */
function collectBody(
  req: IncomingMessage,
  limit: number,
  done: (error: Error | undefined, text?: string) => void,
): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    req.resume();
    done(new BodyTooLargeError(limit));
    return;
  }
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  let ended = false;
  req.on('data', (chunk: Buffer) => {
    if (ended) return;
    size += chunk.length;
    if (size > limit) {
      ended = true;
      req.resume();
      done(new BodyTooLargeError(limit));
      return;
    }
    // Most bodies arrive in one chunk: it is decoded as it is, without a copy.
    if (first === undefined) first = chunk;
    else if (chunks === undefined) chunks = [first, chunk];
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (ended) return;
    ended = true;
    const body = chunks === undefined ? first : Buffer.concat(chunks, size);
    done(undefined, body === undefined ? '' : body.toString('utf8'));
  });
  req.on('error', (error) => {
    if (ended) return;
    ended = true;
    done(error);
  });
}

/** A JSON body read by {@link readJsonBody}, or why there is none (already answered). */
export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Reads a JSON body of at most `limit` bytes and calls `done` once with it. When there is none to use, answers
 * `413 PAYLOAD_TOO_LARGE` or `400 BAD_REQUEST` (or drops an aborted request) and calls `done` with why, for the log.
 * (A callback, for the join path: no promise, no microtask.)
 */
export function takeJsonBody(
  req: IncomingMessage,
  res: ServerResponse,
  limit: number,
  done: (body: JsonBody) => void,
): void {
  collectBody(req, limit, (error, text) => {
    if (error instanceof BodyTooLargeError) {
      sendError(res, 'PAYLOAD_TOO_LARGE', error.message);
      done({ ok: false, reason: error.message });
      return;
    }
    if (error !== undefined) {
      res.destroy();
      done({ ok: false, reason: 'the request was aborted' });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text as string);
    } catch {
      const reason = 'the body is not valid JSON';
      sendError(res, 'BAD_REQUEST', reason);
      done({ ok: false, reason });
      return;
    }
    done({ ok: true, value });
  });
}

/** {@link takeJsonBody} as a promise. */
export function readJsonBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<JsonBody> {
  return new Promise((resolve) => takeJsonBody(req, res, limit, resolve));
}
