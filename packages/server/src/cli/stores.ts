/**
 * Where the `token` and `ban` commands find the stores of a masterserver: the
 * SQLite file under `--data-dir`, or, with `--redis`, the cluster's Redis.
 *
 * @module
 */

import type { RedisTarget } from '../cluster/cluster-link.js';
import type { ModerationStore } from '../moderation/moderation-store.js';
import { SqliteModerationStore } from '../moderation/sqlite-moderation-store.js';
import { SqliteTokenStore } from '../tokens/sqlite-token-store.js';
import type { TokenStore } from '../tokens/token-store.js';
import { type RawFlags, redisTarget, requiredFlag } from './flags.js';

type ClusterModule = typeof import('../cluster/cluster.js');

/** The stores a command works on, opened on first use and closed by {@link CliStores.close}. */
export class CliStores {
  readonly #dataDir: string;
  readonly #redis: RedisTarget | undefined;
  #tokens: TokenStore | undefined;
  #moderation: ModerationStore | undefined;

  /** Reads `--data-dir`, `--redis` and `--redis-ca` (and their environment variables). */
  constructor(raw: RawFlags) {
    this.#dataDir = requiredFlag(raw, 'data-dir', (text) => text);
    this.#redis = redisTarget(raw);
  }

  /** The token store. */
  async tokens(): Promise<TokenStore> {
    this.#tokens ??= await this.#open<TokenStore>(
      (dir) => new SqliteTokenStore(dir),
      (cluster, target) => cluster.openRedisTokenStore(target),
    );
    return this.#tokens;
  }

  /** The bans and the audit log. */
  async moderation(): Promise<ModerationStore> {
    this.#moderation ??= await this.#open<ModerationStore>(
      (dir) => new SqliteModerationStore(dir),
      (cluster, target) => cluster.openRedisModerationStore(target),
    );
    return this.#moderation;
  }

  /** Opens a store in the data dir, or in Redis (the cluster's module is loaded only then). */
  async #open<S>(
    sqlite: (dataDir: string) => S,
    redis: (cluster: ClusterModule, target: RedisTarget) => Promise<S>,
  ): Promise<S> {
    const target = this.#redis;
    return target === undefined ? sqlite(this.#dataDir) : redis(await import('../cluster/cluster.js'), target);
  }

  /** Runs `run` with these stores, and closes what it opened whatever happens. */
  async use<T>(run: (stores: CliStores) => Promise<T>): Promise<T> {
    try {
      return await run(this);
    } finally {
      await this.#tokens?.close();
      await this.#moderation?.close();
    }
  }
}
