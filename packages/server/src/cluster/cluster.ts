/**
 * Everything an instance needs to join a cluster, connected in one call.
 *
 * @module
 */

import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { ClusterLink, connectRedis, type RedisTarget, redisOptions } from './cluster-link.js';
import { ClusterKeys } from './keys.js';
import { RedisModerationStore } from './redis-moderation-store.js';
import { RedisRegistry } from './redis-registry.js';
import { RedisTokenStore } from './redis-token-store.js';

/** Options of {@link connectCluster}. */
export interface ClusterOptions extends RedisTarget {
  /** Prefix of every key and channel. Default `ms:`. */
  prefix?: string | undefined;
  /** The registration TTL, in ms: listings live that long in Redis without a refresh. */
  registrationTtl: number;
  /** Servers the whole cluster may list; `0` is no limit. */
  maxServers: number;
  logger: Logger;
}

/** A connected cluster: pass it as the MasterServer's `cluster`; it supplies the list, the tokens and the bans. */
export interface Cluster {
  link: ClusterLink;
  registry: RedisRegistry;
  tokenStore: RedisTokenStore;
  /** The bans and the audit log, shared by every instance. */
  moderationStore: RedisModerationStore;
  /** Leaves the cluster (after the MasterServer closed). */
  close(): Promise<void>;
}

/**
 * How long an instance may miss heartbeats before its servers leave every
 * list: half the registration TTL, between 1 s and 15 s, so that a crashed
 * instance's servers are gone well within the TTL.
 */
export function deadAfter(registrationTtl: number): number {
  return Math.max(1000, Math.min(15_000, Math.floor(registrationTtl / 2)));
}

/** Connects to Redis and loads the shared list; rejects when Redis cannot be reached within 5 s. */
export async function connectCluster(options: ClusterOptions): Promise<Cluster> {
  const link = await ClusterLink.connect({
    url: options.url,
    ca: options.ca,
    prefix: options.prefix,
    deadAfterMs: deadAfter(options.registrationTtl),
    logger: options.logger,
  });
  try {
    const registry = await RedisRegistry.create(link, options);
    return {
      link,
      registry,
      tokenStore: new RedisTokenStore({ link }),
      moderationStore: new RedisModerationStore({ link }),
      close: () => link.close(),
    };
  } catch (error) {
    await link.close();
    throw error;
  }
}

/** Where Redis is: a URL, or a URL with the CAs to trust for it. */
type Where = string | RedisTarget;

/** A token store on its own connection, for the `token` commands. */
export async function openRedisTokenStore(target: Where, prefix?: string): Promise<RedisTokenStore> {
  return new RedisTokenStore({ redis: await openRedis(target), keys: new ClusterKeys(prefix) });
}

/** The bans and the audit log on their own connection, for the `ban` and `token` commands. */
export async function openRedisModerationStore(target: Where, prefix?: string): Promise<RedisModerationStore> {
  return new RedisModerationStore({ redis: await openRedis(target), keys: new ClusterKeys(prefix) });
}

/** One connection for a command: it fails at once rather than retry. */
async function openRedis(target: Where): Promise<Redis> {
  const where = typeof target === 'string' ? { url: target } : target;
  const redis = new Redis(
    where.url,
    redisOptions(where, { connectTimeout: 3000, maxRetriesPerRequest: 1, retryStrategy: () => null }),
  );
  redis.on('error', () => {});
  try {
    await connectRedis(redis, where.url, 5000);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return redis;
}
