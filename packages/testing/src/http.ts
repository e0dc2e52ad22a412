/**
 * A small HTTP client for tests: the status, the headers and the body, both
 * raw and decoded (gzip/br undone).
 *
 * @module
 */

import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

/** A finished response. */
export interface TestResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The bytes as sent. */
  raw: Buffer;
  /** The body after undoing `content-encoding`, as text. */
  text: string;
  /** `text` parsed as JSON, or `undefined` when it is not JSON. */
  json: unknown;
}

/** Options of {@link fetchRaw}. */
export interface TestRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** For https: accept this CA / skip verification. */
  ca?: string | Buffer;
  rejectUnauthorized?: boolean;
  /** The local address to connect from (e.g. `127.0.0.2`, to be another client IP on loopback). */
  localAddress?: string;
}

/** Sends one request and reads the whole response (no automatic decompression, no redirects). */
export function fetchRaw(url: string, options: TestRequest = {}): Promise<TestResponse> {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      target,
      {
        method: options.method ?? 'GET',
        headers: { ...options.headers },
        agent: false,
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: options.rejectUnauthorized }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          const decoded = encoding === 'gzip' ? gunzipSync(raw) : encoding === 'br' ? brotliDecompressSync(raw) : raw;
          const text = decoded.toString('utf8');
          let json: unknown;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** POSTs `body` as JSON (from `options.localAddress` when given). */
export function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  options: Pick<TestRequest, 'localAddress'> = {},
): Promise<TestResponse> {
  return fetchRaw(url, {
    ...options,
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}
