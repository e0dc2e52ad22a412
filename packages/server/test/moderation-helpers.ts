import { fetchRaw, type TestGameServer, type TestResponse } from '@masterserver/testing';
import type { LogFn, Logger, MasterServerOptions } from '../src/index.js';
import { SqliteModerationStore } from '../src/moderation/sqlite-moderation-store.js';
import { SqliteTokenStore } from '../src/tokens/sqlite-token-store.js';
import { tempDir } from './cli-helpers.js';
import { startMs, type TestMs } from './helpers.js';

/** A logger that keeps every line, as JSON text, for tests that read the logs. */
export class CapturedLog implements Logger {
  readonly lines: string[] = [];
  readonly #at =
    (level: string): LogFn =>
    (fields, message) =>
      this.lines.push(JSON.stringify({ level, ...fields, msg: message }));
  readonly debug = this.#at('debug');
  readonly info = this.#at('info');
  readonly warn = this.#at('warn');
  readonly error = this.#at('error');

  /** Everything logged, as one text. */
  get text(): string {
    return this.lines.join('\n');
  }
}

/** An MS with its tokens, bans and audit log in a data dir, and an admin token. */
export interface AdminMs extends TestMs {
  dataDir: string;
  /** An admin token of the store, and its id. */
  adminToken: string;
  adminId: string;
  tokenStore: SqliteTokenStore;
  moderationStore: SqliteModerationStore;
  /** Calls the admin API with the admin token (or `token`, `null` for none). */
  admin(method: string, path: string, body?: unknown, token?: string | null): Promise<TestResponse>;
}

/**
 * Starts an MS on `dataDir` (a fresh one by default) with SQLite stores and an admin token named `ops` (or
 * the one given, made before on the same data dir), trusting `X-Forwarded-For` from 127.0.0.1 so that tests
 * can play clients at other addresses, and with a high admin rate limit.
 */
export async function startAdminMs(
  options: MasterServerOptions = {},
  dataDir = tempDir(),
  admin?: { token: string; id: string },
): Promise<AdminMs> {
  const tokenStore = new SqliteTokenStore(dataDir);
  const moderationStore = new SqliteModerationStore(dataDir);
  const made =
    admin ??
    (async () => {
      const { record, token } = await tokenStore.create('ops', 'admin');
      return { token, id: record.id };
    })();
  const { token: adminToken, id: adminId } = await made;
  // The admin rate limit is high: tests make many requests from one address (the limit has a test of its own).
  const adminRate = { count: 10_000, windowMs: 10_000 };
  const t = await startMs({ tokenStore, moderationStore, trustProxy: ['127.0.0.1'], adminRate, ...options });
  return {
    ...t,
    dataDir,
    adminToken,
    adminId,
    tokenStore,
    moderationStore,
    admin(method, path, body, token = adminToken) {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      return fetchRaw(`${t.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    },
    async close() {
      await t.close();
      await tokenStore.close();
      await moderationStore.close();
    },
  };
}

/** The error code of an API answer. */
export function errorCode(res: TestResponse): string | undefined {
  return (res.json as { error?: { code?: string } } | undefined)?.error?.code;
}

/** Waits for the close frame of `gs` and returns its code and reason. */
export async function closeOf(
  gs: TestGameServer,
  timeoutMs = 2000,
): Promise<{ code: number | undefined; reason: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      gs.socket.closeFrame,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no close frame within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
