/**
 * `GET /v2/openapi.json`: the OpenAPI 3.1 description of the HTTP API. Its
 * source is `docs/openapi.yaml`; the build writes it as JSON into this
 * package's `dist/openapi.json`, which is read once per process, on the first
 * request, and served like the other fixed bodies (ETag, `304`, gzip or br).
 *
 * @module
 */

import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.js';
import { CachedBody, sendCached } from './cached-body.js';
import { sendError } from './errors.js';

/** The path the OpenAPI document is served at. */
export const OPENAPI_PATH = '/v2/openapi.json';

/** Where the build puts the document: `dist/openapi.json` of this package. */
export const OPENAPI_FILE = fileURLToPath(new URL('../../openapi.json', import.meta.url));

/** The document, once read (a failed read is tried again by the next request). */
let loading: Promise<CachedBody> | undefined;
let loaded: CachedBody | undefined;

function load(): Promise<CachedBody> {
  loading ??= readFile(OPENAPI_FILE).then(
    (body) => {
      loaded = new CachedBody(body, {
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' },
        effort: 'max',
      });
      return loaded;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}

/**
 * The `GET /v2/openapi.json` handler. When the document was not built, answers `500 INTERNAL_ERROR` saying
 * so (and logs it): a package without it is broken, not the request.
 */
export function openApiHandler(logger: Logger): (req: IncomingMessage, res: ServerResponse) => void | Promise<void> {
  return (req, res) => {
    if (loaded !== undefined) {
      sendCached(req, res, loaded, logger);
      return;
    }
    return load().then(
      (document) => sendCached(req, res, document, logger),
      (error: unknown) => {
        logger.error({ err: error, file: OPENAPI_FILE }, 'the OpenAPI document cannot be read');
        sendError(res, 'INTERNAL_ERROR', 'The OpenAPI document was not built (npm run build makes it)');
      },
    );
  };
}
