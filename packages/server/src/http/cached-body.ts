/**
 * A response body held in memory with its ETag and its compressed variants,
 * each made once, and the one function that sends such a body honouring
 * `If-None-Match` and `Accept-Encoding`.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';
import type { Logger } from '../logger.js';
import { type Encoding, negotiateEncoding } from './encoding.js';
import { sendError } from './errors.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** True when an `If-None-Match` header matches `etag` (weak comparison). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const bare = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const part of header.split(',')) {
    const candidate = part.trim();
    if (candidate === '*' || candidate === bare || candidate === etag || candidate === `W/${bare}`) return true;
  }
  return false;
}

/** How hard {@link CachedBody} compresses: `max` for files made once, `fast` for data that changes. */
export type CompressionEffort = 'max' | 'fast';

/** Options of {@link CachedBody}. */
export interface CachedBodyOptions {
  /** Whether gzip and br variants are offered at all (false for images and the like). Default `true`. */
  compressible?: boolean;
  /** Default `fast`. */
  effort?: CompressionEffort;
}

/**
 * One representation of a resource. The compressed variants are made at most
 * once each (off the main thread); a variant that would not be smaller is
 * replaced by the plain body, which is then sent without `Content-Encoding`.
 */
export class CachedBody {
  /** The bytes, uncompressed. */
  readonly body: Buffer;
  /** Weak ETag of the content (the same for every encoding). */
  readonly etag: string;
  /** Whether the response varies with `Accept-Encoding`. */
  readonly compressible: boolean;
  readonly #effort: CompressionEffort;
  readonly #pending = new Map<Encoding, Promise<Buffer>>();
  readonly #done = new Map<Encoding, Buffer>();

  constructor(body: Buffer, options: CachedBodyOptions = {}) {
    this.body = body;
    this.etag = `W/"${createHash('sha1').update(body).digest('base64url')}"`;
    this.compressible = options.compressible ?? true;
    this.#effort = options.effort ?? 'fast';
  }

  /** The body in `encoding` (the plain body when compressing does not pay); a promise until it was made once. */
  encoded(encoding: Encoding): Buffer | Promise<Buffer> {
    if (encoding === 'identity' || !this.compressible) return this.body;
    const done = this.#done.get(encoding);
    if (done !== undefined) return done;
    let pending = this.#pending.get(encoding);
    if (pending === undefined) {
      pending = this.#compress(encoding).then((compressed) => {
        const kept = compressed.length < this.body.length ? compressed : this.body;
        this.#done.set(encoding, kept);
        return kept;
      });
      this.#pending.set(encoding, pending);
    }
    return pending;
  }

  /** Makes every compressed variant now, so that later requests never wait. */
  async precompress(): Promise<void> {
    await Promise.all([this.encoded('gzip'), this.encoded('br')]);
  }

  #compress(encoding: 'gzip' | 'br'): Promise<Buffer> {
    const max = this.#effort === 'max';
    if (encoding === 'gzip') return gzipAsync(this.body, { level: max ? 9 : 6 });
    return brotliAsync(this.body, {
      params: {
        [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
        [zlib.BROTLI_PARAM_QUALITY]: max ? zlib.BROTLI_MAX_QUALITY : 5,
        [zlib.BROTLI_PARAM_SIZE_HINT]: this.body.length,
      },
    });
  }
}

/**
 * Sends `cached` with `headers` (which must name the content type and cache
 * policy): `304` when `If-None-Match` matches, else `200` in the best encoding
 * the client accepts.
 */
export function sendCached(
  req: IncomingMessage,
  res: ServerResponse,
  cached: CachedBody,
  headers: Record<string, string>,
  logger: Logger,
): void {
  const head: Record<string, string | number> = { ...headers, etag: cached.etag };
  if (cached.compressible) head.vary = 'accept-encoding';
  if (etagMatches(req.headers['if-none-match'], cached.etag)) {
    delete head['content-type'];
    res.writeHead(304, head);
    res.end();
    return;
  }
  const send = (body: Buffer, encoding: Encoding): void => {
    if (body !== cached.body && encoding !== 'identity') head['content-encoding'] = encoding;
    head['content-length'] = body.length;
    res.writeHead(200, head);
    res.end(body);
  };
  const encoding = negotiateEncoding(req.headers['accept-encoding']);
  const body = cached.encoded(encoding);
  if (Buffer.isBuffer(body)) send(body, encoding);
  else
    body.then(
      (ready) => send(ready, encoding),
      (error: unknown) => {
        logger.error({ err: error }, 'compressing a response failed');
        sendError(res, 'INTERNAL_ERROR');
      },
    );
}
