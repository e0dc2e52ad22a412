/**
 * A tiny router: exact paths and one-segment prefixes, per method. `HEAD` is
 * served by the `GET` handler (node drops the body). Unknown paths get 404
 * `NOT_FOUND`, known paths with another method 405 with `Allow`.
 *
 * @module
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import { failRequest, sendError } from './errors.js';

/** A route handler; `param` is the path segment after a prefix route's prefix (decoded), else `''`. */
export type Handler = (req: IncomingMessage, res: ServerResponse, param: string) => void | Promise<void>;

type Methods = Map<string, Handler>;

/** A matched route: its pattern, its handlers, and its decoded parameter (`undefined` when undecodable). */
interface Match {
  readonly route: string;
  readonly methods: Methods;
  readonly param: string | undefined;
}

/** Called once per finished response with the route's pattern (`unmatched` for 404s) and the status. */
export type ResponseListener = (route: string, status: number) => void;

/** Routes requests by method and path. */
export class Router {
  /** Exact paths, each with its match made once (no object per request). */
  readonly #exact = new Map<string, Match>();
  readonly #prefixes: Array<{ prefix: string; methods: Methods }> = [];
  readonly #logger: Logger;
  readonly #onResponse: ResponseListener | undefined;

  constructor(logger: Logger, onResponse?: ResponseListener) {
    this.#logger = logger;
    this.#onResponse = onResponse;
  }

  /** Adds a handler for `method` (`*` for any) on exactly `path`. */
  on(method: string, path: string, handler: Handler): this {
    let match = this.#exact.get(path);
    if (match === undefined) {
      match = { route: path, methods: new Map<string, Handler>(), param: '' };
      this.#exact.set(path, match);
    }
    match.methods.set(method, handler);
    return this;
  }

  /** Adds a handler for `method` on `prefix` followed by one non-empty path segment. */
  onPrefix(method: string, prefix: string, handler: Handler): this {
    let entry = this.#prefixes.find((p) => p.prefix === prefix);
    if (entry === undefined) {
      entry = { prefix, methods: new Map() };
      this.#prefixes.push(entry);
    }
    entry.methods.set(method, handler);
    return this;
  }

  /** Every route, in the order added: its method (`*`: any) and its path (`{id}`: a prefix route's segment). */
  routes(): Array<{ method: string; path: string }> {
    const exact = [...this.#exact].flatMap(([path, { methods }]) =>
      [...methods.keys()].map((method) => ({ method, path })),
    );
    const prefixed = this.#prefixes.flatMap(({ prefix, methods }) =>
      [...methods.keys()].map((method) => ({ method, path: `${prefix}{id}` })),
    );
    return [...exact, ...prefixed];
  }

  /** The `request` listener. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const match = this.#match(query === -1 ? url : url.slice(0, query));
    this.#route(req, res, match);
    // Counted now when answered at once (the list, most errors), else when the answer is finished.
    const onResponse = this.#onResponse;
    if (onResponse === undefined) return;
    const route = match?.route ?? 'unmatched';
    if (res.writableEnded) onResponse(route, res.statusCode);
    else res.once('finish', () => onResponse(route, res.statusCode));
  };

  #route(req: IncomingMessage, res: ServerResponse, match: Match | undefined): void {
    if (match === undefined) {
      sendError(res, 'NOT_FOUND');
      return;
    }
    if (match.param === undefined) {
      sendError(res, 'BAD_REQUEST', 'the path is not valid percent-encoding');
      return;
    }
    const { methods } = match;
    const method = req.method === 'HEAD' && !methods.has('HEAD') ? 'GET' : (req.method ?? 'GET');
    const handler = methods.get(method) ?? methods.get('*');
    if (handler === undefined) {
      const allow = [...methods.keys()];
      if (allow.includes('GET')) allow.push('HEAD');
      sendError(res, 'METHOD_NOT_ALLOWED', undefined, undefined, { allow: allow.join(', ') });
      return;
    }
    try {
      const result = handler(req, res, match.param);
      if (result !== undefined) result.catch((error: unknown) => this.#fail(res, error));
    } catch (error) {
      this.#fail(res, error);
    }
  }

  /** The route of `path`: its pattern, its handlers and its decoded parameter (`undefined` when undecodable). */
  #match(path: string): Match | undefined {
    const exact = this.#exact.get(path);
    if (exact !== undefined) return exact;
    for (const { prefix, methods } of this.#prefixes) {
      if (!path.startsWith(prefix)) continue;
      const rest = path.slice(prefix.length);
      if (rest === '' || rest.includes('/')) continue;
      let param: string | undefined;
      try {
        param = decodeURIComponent(rest);
      } catch {
        param = undefined;
      }
      return { route: `${prefix}{id}`, methods, param };
    }
    return undefined;
  }

  #fail(res: ServerResponse, error: unknown): void {
    failRequest(this.#logger, res, error);
  }
}
