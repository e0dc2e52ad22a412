/**
 * The server browser's files (the build of `@masterserver/web`), read into
 * memory once at startup and compressed once (gzip and br at their best
 * level), then served from there: `/` is `index.html` (revalidated on every
 * load), `/assets/NAME` the content-hashed files (cached for a year).
 *
 * Only files found under the root when it was loaded are served, looked up by
 * name in a map, so no request path can reach anything else on the disk.
 *
 * @module
 */

import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import type { Logger } from '../logger.js';
import { CachedBody, sendCached } from './cached-body.js';
import { sendError } from './errors.js';

/** The path under which the hashed assets are served. */
export const ASSETS_PATH = '/assets/';

/** Cache policy of the hashed assets: their name changes with their content. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/** The Content-Security-Policy of the page: everything from this origin, nothing inline, no framing. */
export const PAGE_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Most bytes and files loaded from the root: a guard against pointing it at the wrong directory. */
const MAX_BYTES = 32 * 1024 * 1024;
const MAX_FILES = 500;

const TYPES: Record<string, { type: string; compressible: boolean }> = {
  '.html': { type: 'text/html; charset=utf-8', compressible: true },
  '.js': { type: 'text/javascript; charset=utf-8', compressible: true },
  '.mjs': { type: 'text/javascript; charset=utf-8', compressible: true },
  '.css': { type: 'text/css; charset=utf-8', compressible: true },
  '.json': { type: 'application/json; charset=utf-8', compressible: true },
  '.map': { type: 'application/json; charset=utf-8', compressible: true },
  '.webmanifest': { type: 'application/manifest+json', compressible: true },
  '.txt': { type: 'text/plain; charset=utf-8', compressible: true },
  '.svg': { type: 'image/svg+xml', compressible: true },
  '.ico': { type: 'image/x-icon', compressible: true },
  '.png': { type: 'image/png', compressible: false },
  '.jpg': { type: 'image/jpeg', compressible: false },
  '.jpeg': { type: 'image/jpeg', compressible: false },
  '.gif': { type: 'image/gif', compressible: false },
  '.webp': { type: 'image/webp', compressible: false },
  '.avif': { type: 'image/avif', compressible: false },
  '.woff': { type: 'font/woff', compressible: false },
  '.woff2': { type: 'font/woff2', compressible: false },
};

/** The content type of a file name, and whether compressing it pays. */
export function contentTypeOf(name: string): { type: string; compressible: boolean } {
  return TYPES[extname(name).toLowerCase()] ?? { type: 'application/octet-stream', compressible: false };
}

/** The loaded files by name (`index.html`, `assets/NAME`), or why there are none. */
export type StaticFilesState = { ok: true; files: ReadonlyMap<string, CachedBody> } | { ok: false; reason: string };

/**
 * The files of each root loaded in this process, shared by every instance
 * (the files of a build never change; a failed load is tried again by the
 * next instance).
 */
const loaded = new Map<string, Promise<StaticFilesState>>();

/** The server browser's files, loaded once. */
export class StaticFiles {
  /** The directory the files come from. */
  readonly root: string;
  readonly #logger: Logger;
  readonly #loading: Promise<StaticFilesState>;
  #state: StaticFilesState | undefined;

  /** Starts loading `root` at once; requests that arrive before it finished wait for it. */
  constructor(root: string, logger: Logger) {
    this.root = root;
    this.#logger = logger;
    let loading = loaded.get(root);
    if (loading === undefined) {
      loading = loadFiles(root, logger);
      loaded.set(root, loading);
      void loading.then((state) => {
        if (!state.ok) loaded.delete(root);
      });
    }
    this.#loading = loading.then((state) => {
      this.#state = state;
      if (!state.ok) logger.warn({ root }, `the server browser is not available: ${state.reason}`);
      return state;
    });
  }

  /** Resolves once the files are loaded (or known to be missing). */
  ready(): Promise<StaticFilesState> {
    return this.#loading;
  }

  /** `GET /`: the page. */
  readonly serveIndex = (req: IncomingMessage, res: ServerResponse): void | Promise<void> =>
    this.#serve(req, res, 'index.html');

  /** `GET /assets/NAME`: one hashed asset. */
  readonly serveAsset = (req: IncomingMessage, res: ServerResponse, name: string): void | Promise<void> =>
    this.#serve(req, res, `assets/${name}`);

  #serve(req: IncomingMessage, res: ServerResponse, name: string): void | Promise<void> {
    const state = this.#state;
    if (state === undefined) return this.#loading.then(() => this.#serve(req, res, name));
    if (!state.ok) {
      sendError(res, 'WEB_UNAVAILABLE');
      return;
    }
    const file = state.files.get(name);
    if (file === undefined) sendError(res, 'NOT_FOUND', 'No such file');
    else sendCached(req, res, file, this.#logger);
  }
}

/** Reads `index.html` and the files of `assets/` under `root` and compresses them. */
async function loadFiles(root: string, logger: Logger): Promise<StaticFilesState> {
  try {
    let index: Buffer;
    try {
      index = await readFile(join(root, 'index.html'));
    } catch {
      return { ok: false, reason: `${join(root, 'index.html')} is missing (build it with "npm run build")` };
    }
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, 'assets'), { withFileTypes: true });
    } catch {
      entries = [];
    }
    // Only plain files directly in assets/ (what the router can address); no symbolic links.
    const names = entries.filter((e) => e.isFile()).map((e) => e.name);
    if (names.length > MAX_FILES) return { ok: false, reason: `${root}/assets holds more than ${MAX_FILES} files` };
    const files = new Map<string, CachedBody>();
    let bytes = index.length;
    files.set('index.html', staticFile('index.html', index));
    for (const name of names) {
      const body = await readFile(join(root, 'assets', name));
      bytes += body.length;
      if (bytes > MAX_BYTES) return { ok: false, reason: `${root} holds more than ${MAX_BYTES} bytes` };
      files.set(`assets/${name}`, staticFile(`assets/${name}`, body));
    }
    await Promise.all([...files.values()].map((file) => file.precompress()));
    logger.debug({ root, files: files.size, bytes }, 'server browser loaded');
    return { ok: true, files };
  } catch (error) {
    return { ok: false, reason: `reading the files failed: ${String(error)}` };
  }
}

/** A file with its headers: the page revalidated on every load, the hashed assets cached for a year. */
function staticFile(name: string, content: Buffer): CachedBody {
  const { type, compressible } = contentTypeOf(name);
  const headers: Record<string, string> = { 'content-type': type, 'x-content-type-options': 'nosniff' };
  if (name === 'index.html') {
    headers['cache-control'] = 'no-cache';
    headers['content-security-policy'] = PAGE_CSP;
    headers['referrer-policy'] = 'no-referrer';
  } else {
    headers['cache-control'] = IMMUTABLE;
  }
  return new CachedBody(content, { headers, compressible, effort: 'max' });
}
