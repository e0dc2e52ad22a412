/**
 * A response body held in memory with its ETag, its headers and its
 * compressed variants, each made once, and the one function that sends such a
 * body honouring `If-None-Match` and `Accept-Encoding`. The server list, its
 * filtered answers, the page's files, the display names and the players
 * history are all sent through it.
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
  if (header === etag) return true;
  const bare = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const part of header.split(',')) {
    const candidate = part.trim();
    if (candidate === '*' || candidate === bare || candidate === etag || candidate === `W/${bare}`) return true;
  }
  return false;
}

/** The weak ETag of `content`: a hash of its bytes. */
export function weakEtag(...content: Array<Buffer | string>): string {
  const hash = createHash('sha1');
  for (const part of content) hash.update(part);
  return `W/"${hash.digest('base64url')}"`;
}

/**
 * How hard {@link CachedBody} compresses: `max` (gzip 9, brotli 11) for files
 * made once, `fast` (gzip 6, brotli 5) for data that changes. Brotli 5 makes
 * the server list about a quarter smaller than brotli 4 and as small as
 * brotli 6, in less time than either on lists of up to 10,000 servers.
 */
export type CompressionEffort = 'max' | 'fast';

/** Headers of a response; the values are sent as given. */
export type ResponseHeaders = Readonly<Record<string, string | number>>;

/** Options of {@link CachedBody}. */
export interface CachedBodyOptions {
  /**
   * The response's own headers (at least `content-type` and `cache-control`), sent with every answer;
   * `content-type` is left out of `304`s. Default: none.
   */
  headers?: ResponseHeaders;
  /** Whether gzip and br variants are offered at all (false for images and the like). Default `true`. */
  compressible?: boolean;
  /** Default `fast`. */
  effort?: CompressionEffort;
  /** The ETag. Default: a weak tag of the content's SHA-1 ({@link weakEtag}). */
  etag?: string;
}

/** One encoding of a body with every header of its `200` answer, made once. */
export interface Variant {
  /** The bytes sent. */
  readonly body: Buffer;
  /** Every header of the answer, `content-length` and `content-encoding` included. */
  readonly head: ResponseHeaders;
}

/**
 * One representation of a resource. The compressed variants are made at most
 * once each (off the main thread; a failed compression is forgotten, so that
 * the next request tries again); a variant that would not be smaller is
 * replaced by the plain body, which is then sent without `Content-Encoding`.
 * Every answer's header object is made once too, so that sending a body that
 * is ready costs no allocation of its own.
 */
export class CachedBody {
  /** The bytes, uncompressed. */
  readonly body: Buffer;
  /** The ETag (the same for every encoding). */
  readonly etag: string;
  /** Whether the response varies with `Accept-Encoding`. */
  readonly compressible: boolean;
  /** The headers of a `304 Not Modified`. */
  readonly notModifiedHead: ResponseHeaders;
  readonly #headers: ResponseHeaders;
  readonly #effort: CompressionEffort;
  readonly #identity: Variant;
  #gzip: Variant | undefined;
  #br: Variant | undefined;
  #pendingGzip: Promise<Buffer> | undefined;
  #pendingBr: Promise<Buffer> | undefined;

  constructor(body: Buffer, options: CachedBodyOptions = {}) {
    this.body = body;
    this.etag = options.etag ?? weakEtag(body);
    this.compressible = options.compressible ?? true;
    this.#effort = options.effort ?? 'fast';
    const headers: Record<string, string | number> = { ...options.headers, etag: this.etag };
    if (this.compressible) headers.vary = 'accept-encoding';
    this.#headers = headers;
    const notModified = { ...headers };
    delete notModified['content-type'];
    this.notModifiedHead = notModified;
    this.#identity = { body, head: { ...headers, 'content-length': body.length } };
  }

  /**
   * The variant for `encoding` when it is ready (the plain body for `identity`, or when the body is not
   * compressible or compressing it does not pay); `undefined` while it still has to be made.
   */
  variant(encoding: Encoding): Variant | undefined {
    if (encoding === 'identity' || !this.compressible) return this.#identity;
    return encoding === 'gzip' ? this.#gzip : this.#br;
  }

  /** The body in `encoding` (the plain body when compressing does not pay); a promise until it was made once. */
  encoded(encoding: Encoding): Buffer | Promise<Buffer> {
    const ready = this.variant(encoding);
    if (ready !== undefined) return ready.body;
    const compressing = encoding === 'gzip' ? 'gzip' : 'br';
    const pending = compressing === 'gzip' ? this.#pendingGzip : this.#pendingBr;
    return pending ?? this.#start(compressing);
  }

  /** Makes every compressed variant now, so that later requests never wait. */
  async precompress(): Promise<void> {
    await Promise.all([this.encoded('gzip'), this.encoded('br')]);
  }

  #start(encoding: 'gzip' | 'br'): Promise<Buffer> {
    const pending = this.compress(encoding).then(
      (compressed) => {
        const variant: Variant =
          compressed.length < this.body.length
            ? {
                body: compressed,
                head: { ...this.#headers, 'content-encoding': encoding, 'content-length': compressed.length },
              }
            : this.#identity;
        this.#settle(encoding, variant);
        return variant.body;
      },
      (error: unknown) => {
        this.#settle(encoding, undefined);
        throw error;
      },
    );
    if (encoding === 'gzip') this.#pendingGzip = pending;
    else this.#pendingBr = pending;
    return pending;
  }

  #settle(encoding: 'gzip' | 'br', variant: Variant | undefined): void {
    if (encoding === 'gzip') {
      this.#gzip = variant;
      this.#pendingGzip = undefined;
    } else {
      this.#br = variant;
      this.#pendingBr = undefined;
    }
  }

  /** Compresses the body in `encoding` (off the main thread). */
  protected compress(encoding: 'gzip' | 'br'): Promise<Buffer> {
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
 * Sends `cached`: `304` when `If-None-Match` matches, else `200` in the best
 * encoding the client accepts. A variant already made is written at once from
 * its buffer with its prepared headers; the first requests for a new one wait
 * for its compression (a failure answers `500` and is logged).
 */
export function sendCached(req: IncomingMessage, res: ServerResponse, cached: CachedBody, logger: Logger): void {
  const { headers } = req;
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, cached.etag)) {
    res.writeHead(304, cached.notModifiedHead);
    res.end();
    return;
  }
  const encoding = cached.compressible ? negotiateEncoding(headers['accept-encoding']) : 'identity';
  const ready = cached.variant(encoding);
  if (ready !== undefined) {
    res.writeHead(200, ready.head);
    res.end(ready.body);
    return;
  }
  (cached.encoded(encoding) as Promise<Buffer>).then(
    () => {
      const made = cached.variant(encoding) as Variant;
      res.writeHead(200, made.head);
      res.end(made.body);
    },
    (error: unknown) => {
      logger.error({ err: error }, 'compressing a response failed');
      sendError(res, 'INTERNAL_ERROR');
    },
  );
}
