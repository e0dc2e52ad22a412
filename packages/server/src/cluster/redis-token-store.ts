/**
 * The token store of a cluster, in Redis, so that `masterserver token …`
 * against any instance (or with `--redis`) manages the tokens of all.
 *
 * @module
 */

import type { Redis } from 'ioredis';
import {
  type AdminTokenEntry,
  generateToken,
  generateTokenId,
  hashToken,
  type TokenRecord,
  type TokenRole,
  type TokenStore,
} from '../tokens/token-store.js';
import type { ClusterLink } from './cluster-link.js';
import type { ClusterKeys } from './keys.js';

interface StoredToken {
  name: string;
  /** Absent in tokens stored before roles existed: `registration`. */
  role?: TokenRole;
  /** SHA-256 of the token, hex. */
  hash: string;
  createdAt: number;
  revokedAt: number | null;
}

/** Where a {@link RedisTokenStore} talks to Redis. */
export type RedisTokenStoreConnection =
  /** An instance's link: the store uses its command connection and hears token changes on its subscriber. */
  | { link: ClusterLink }
  /** A connection of its own (the `token` commands), quit by {@link RedisTokenStore.close}. */
  | { redis: Redis; keys: ClusterKeys };

/**
 * A {@link TokenStore} in Redis hashes (see `keys.ts`). Every change bumps
 * `tokens:version` and is published on `tokens:changes`, so the instances of a
 * cluster reload their tokens at once; they also poll the version, which
 * covers a message lost to a dropped connection.
 */
export class RedisTokenStore implements TokenStore {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #link: ClusterLink | undefined;
  readonly #changeListeners = new Set<() => void>();

  constructor(connection: RedisTokenStoreConnection) {
    if ('link' in connection) {
      this.#link = connection.link;
      this.#redis = connection.link.command;
      this.#keys = connection.link.keys;
      this.#link.listen(this.#keys.tokenChanges, () => {
        for (const listener of this.#changeListeners) listener();
      });
    } else {
      this.#redis = connection.redis;
      this.#keys = connection.keys;
    }
  }

  async create(name: string, role: TokenRole = 'registration'): Promise<{ record: TokenRecord; token: string }> {
    const createdAt = Date.now();
    for (;;) {
      const id = generateTokenId();
      const token = generateToken(id);
      const stored: StoredToken = { name, role, hash: hashToken(token).toString('hex'), createdAt, revokedAt: null };
      if ((await this.#redis.hsetnx(this.#keys.tokens, id, JSON.stringify(stored))) === 1) {
        await this.#changed();
        return { record: { id, name, role, createdAt, lastUsedAt: null, revoked: false }, token };
      }
    }
  }

  async list(): Promise<TokenRecord[]> {
    const [tokens, used] = await Promise.all([
      this.#redis.hgetall(this.#keys.tokens),
      this.#redis.hgetall(this.#keys.tokensUsed),
    ]);
    return Object.entries(tokens)
      .map(([id, raw]) => {
        const stored = JSON.parse(raw) as StoredToken;
        const lastUsed = used[id];
        return {
          id,
          name: stored.name,
          role: stored.role ?? 'registration',
          createdAt: stored.createdAt,
          lastUsedAt: lastUsed === undefined ? null : Number(lastUsed),
          revoked: stored.revokedAt !== null,
        };
      })
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async revoke(id: string): Promise<boolean> {
    const raw = await this.#redis.hget(this.#keys.tokens, id);
    if (raw === null) return false;
    const stored = JSON.parse(raw) as StoredToken;
    if (stored.revokedAt === null) {
      stored.revokedAt = Date.now();
      await this.#redis.hset(this.#keys.tokens, id, JSON.stringify(stored));
      await this.#changed();
    }
    return true;
  }

  async activeHashes(): Promise<Map<string, Buffer>> {
    const active = new Map<string, Buffer>();
    for (const [id, stored] of await this.#active('registration')) active.set(id, Buffer.from(stored.hash, 'hex'));
    return active;
  }

  async activeAdminTokens(): Promise<Map<string, AdminTokenEntry>> {
    const active = new Map<string, AdminTokenEntry>();
    for (const [id, stored] of await this.#active('admin')) {
      active.set(id, { hash: Buffer.from(stored.hash, 'hex'), name: stored.name });
    }
    return active;
  }

  /** The tokens of `role` that are not revoked. */
  async #active(role: TokenRole): Promise<Array<[string, StoredToken]>> {
    const tokens = await this.#redis.hgetall(this.#keys.tokens);
    return Object.entries(tokens)
      .map(([id, raw]): [string, StoredToken] => [id, JSON.parse(raw) as StoredToken])
      .filter(([, stored]) => stored.revokedAt === null && (stored.role ?? 'registration') === role);
  }

  /** `null` when Redis has no version key: it lost its data (a restart without persistence) or was never used. */
  async changeMarker(): Promise<string | null> {
    return this.#redis.get(this.#keys.tokensVersion);
  }

  async markUsed(ids: readonly string[], at: number): Promise<void> {
    if (ids.length === 0) return;
    await this.#redis.hset(this.#keys.tokensUsed, Object.fromEntries(ids.map((id) => [id, String(at)])));
  }

  onChange(listener: () => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  async secret(name: string, create: () => Buffer): Promise<Buffer> {
    const key = this.#keys.secret(name);
    // SET NX: every instance (and every command run beside them) agrees on the first value written.
    await this.#redis.set(key, create(), 'NX');
    const value = await this.#redis.getBuffer(key);
    if (value === null) throw new Error(`the secret ${name} vanished from Redis`);
    return value;
  }

  async close(): Promise<void> {
    this.#changeListeners.clear();
    if (this.#link === undefined) await this.#redis.quit();
  }

  async #changed(): Promise<void> {
    const version = await this.#redis.incr(this.#keys.tokensVersion);
    await this.#redis.publish(this.#keys.tokenChanges, String(version));
  }
}
