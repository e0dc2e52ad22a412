/**
 * Reading a request body, within a size limit, and a JSON body with the
 * answers to one that is too large or not JSON.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendError } from './errors.js';

/** The body was larger than allowed. */
export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`the request body exceeds ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** Reads the whole body as UTF-8 text, refusing more than `limit` bytes. */
export function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks, size).toString('utf8')));
    req.on('error', reject);
  });
}

/** A JSON body read by {@link readJsonBody}, or why there is none (already answered). */
export type JsonBody = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * Reads a JSON body of at most `limit` bytes. When there is none to use, answers `413 PAYLOAD_TOO_LARGE`
 * or `400 BAD_REQUEST` (or drops an aborted request) and resolves why, for the log.
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<JsonBody> {
  let text: string;
  try {
    text = await readBody(req, limit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendError(res, 'PAYLOAD_TOO_LARGE', error.message);
      return { ok: false, reason: error.message };
    }
    res.destroy();
    return { ok: false, reason: 'the request was aborted' };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    const reason = 'the body is not valid JSON';
    sendError(res, 'BAD_REQUEST', reason);
    return { ok: false, reason };
  }
}
