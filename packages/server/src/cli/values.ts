/**
 * Parsers for command-line values. Each throws a {@link UsageError} whose
 * message says what was expected; the caller adds the flag's name.
 *
 * @module
 */

import { durationMs } from '../duration.js';

/** A bad command line: the CLI prints one line and exits with status 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `500ms`, `10s`, `1.5s`, `2m` → milliseconds (a whole number, > 0). */
export function parseDuration(text: string): number {
  const ms = durationMs(text, ['ms', 's', 'm']);
  if (ms === undefined) {
    throw new UsageError(`"${text}" is not a duration (a number with ms, s or m, like 500ms, 10s, 2m)`);
  }
  if (ms <= 0) throw new UsageError(`"${text}" must be longer than 0ms`);
  if (ms > 2_147_483_647) throw new UsageError(`"${text}" is longer than the 24.8 days a timer can wait`);
  return ms;
}

/** A whole number ≥ `min`. */
export function parseInteger(text: string, min: number): number {
  const value = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new UsageError(`"${text}" is not a whole number ≥ ${min}`);
  }
  return value;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (all interfaces). */
export function parseListen(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(':');
  if (colon === -1) throw new UsageError(`"${text}" is not HOST:PORT (like 0.0.0.0:8080 or [::]:8080)`);
  let host = text.slice(0, colon);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`"${text}" has no valid port (0–65535)`);
  return { host: host === '' ? '0.0.0.0' : host, port };
}

/** `N/DUR` (e.g. `10/10s`) or `off`. */
export function parseRate(text: string): { count: number; windowMs: number } | null {
  if (text.trim() === 'off') return null;
  const slash = text.indexOf('/');
  if (slash === -1) throw new UsageError(`"${text}" is not N/DURATION (like 10/10s) or off`);
  return { count: parseInteger(text.slice(0, slash), 1), windowMs: parseDuration(text.slice(slash + 1)) };
}

/** One of `choices`. */
export function parseChoice<T extends string>(text: string, choices: readonly T[]): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(`"${text}" is not one of ${choices.join(', ')}`);
  }
  return text as T;
}

/**
 * A `redis://` or `rediss://` URL: `[user:password@]host[:port][/db]`. The
 * errors never repeat the URL, which may hold a password.
 */
export function parseRedisUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError('not a URL (like redis://127.0.0.1:6379 or rediss://user:password@host:6380/0)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new UsageError(`"${url.protocol}" is not redis: or rediss:`);
  }
  if (url.hostname === '') throw new UsageError('the URL names no host');
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d{1,9}$/.test(url.pathname)) {
    throw new UsageError(`the path is a database number (like /0), not "${url.pathname}"`);
  }
  try {
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
  } catch {
    throw new UsageError('the user or password is not valid percent-encoding');
  }
  return text;
}
