/**
 * The bans and the audit log of a cluster, in Redis, so that a ban posted on
 * any instance (or with `ban add --redis`) applies on all of them.
 *
 * @module
 */

import type { Redis } from 'ioredis';
import { type Ban, generateBanId, type NewBan } from '../moderation/bans.js';
import {
  type Actor,
  AUDIT_LIMIT,
  type AuditEntry,
  banAdded,
  banRemoved,
  type ModerationStore,
} from '../moderation/moderation-store.js';
import type { ClusterKeys } from './keys.js';
import type { RedisTokenStoreConnection } from './redis-token-store.js';

/**
 * Stores a ban and its audit entry, bumps the version and announces it, in one step. KEYS: bans, audit,
 * version. ARGV: id, ban JSON, audit JSON, audit limit, channel. Returns 0 when the id is taken.
 */
const ADD = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('LPUSH', KEYS[2], ARGV[3])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[4]) - 1)
redis.call('PUBLISH', ARGV[5], redis.call('INCR', KEYS[3]))
return 1
`;

/**
 * Deletes a ban, writes its audit entry, bumps the version and announces it, in one step. KEYS: bans,
 * audit, version. ARGV: id, audit JSON, audit limit, channel. Returns the ban's JSON, or nil.
 */
const REMOVE = `
local ban = redis.call('HGET', KEYS[1], ARGV[1])
if not ban then return nil end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('LPUSH', KEYS[2], ARGV[2])
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
redis.call('PUBLISH', ARGV[4], redis.call('INCR', KEYS[3]))
return ban
`;

/** Appends an audit entry. KEYS: audit. ARGV: entry JSON, limit. */
const AUDIT = `
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('LTRIM', KEYS[1], 0, tonumber(ARGV[2]) - 1)
return 1
`;

interface ModerationScripts {
  msBanAdd(bans: string, audit: string, version: string, ...args: Array<string | number>): Promise<0 | 1>;
  msBanRemove(bans: string, audit: string, version: string, ...args: Array<string | number>): Promise<string | null>;
  msAudit(audit: string, entry: string, limit: number): Promise<1>;
}

/**
 * A {@link ModerationStore} in Redis (see `keys.ts`): `bans` a hash, `audit` a list (newest first, trimmed to
 * the limit). Every change of the bans bumps `bans:version` and is published on `bans:changes`, so the
 * instances reload their bans at once; they also poll the version, which covers a message lost to a dropped
 * connection.
 */
export class RedisModerationStore implements ModerationStore {
  readonly #redis: Redis & ModerationScripts;
  readonly #keys: ClusterKeys;
  readonly #ownConnection: boolean;
  readonly #limit: number;
  readonly #listeners = new Set<() => void>();

  /** `auditLimit`: entries kept (default {@link AUDIT_LIMIT}). */
  constructor(connection: RedisTokenStoreConnection, options: { auditLimit?: number } = {}) {
    this.#limit = options.auditLimit ?? AUDIT_LIMIT;
    const redis = 'link' in connection ? connection.link.command : connection.redis;
    this.#keys = 'link' in connection ? connection.link.keys : connection.keys;
    this.#ownConnection = !('link' in connection);
    if ('link' in connection) {
      connection.link.listen(this.#keys.banChanges, () => {
        for (const listener of this.#listeners) listener();
      });
    }
    redis.defineCommand('msBanAdd', { numberOfKeys: 3, lua: ADD });
    redis.defineCommand('msBanRemove', { numberOfKeys: 3, lua: REMOVE });
    redis.defineCommand('msAudit', { numberOfKeys: 1, lua: AUDIT });
    this.#redis = redis as Redis & ModerationScripts;
  }

  async addBan(fields: NewBan, actor: Actor): Promise<Ban> {
    const { bans, audit, bansVersion, banChanges } = this.#keys;
    for (;;) {
      const ban: Ban = { id: generateBanId(), ...fields };
      const entry = JSON.stringify(banAdded(ban, actor));
      const added = await this.#redis.msBanAdd(
        bans,
        audit,
        bansVersion,
        ban.id,
        JSON.stringify(ban),
        entry,
        this.#limit,
        banChanges,
      );
      if (added === 1) return ban;
    }
  }

  async removeBan(id: string, actor: Actor, now: number): Promise<Ban | undefined> {
    const { bans, audit, bansVersion, banChanges } = this.#keys;
    const entry = JSON.stringify(banRemoved(id, actor, now));
    const raw = await this.#redis.msBanRemove(bans, audit, bansVersion, id, entry, this.#limit, banChanges);
    return raw === null ? undefined : (JSON.parse(raw) as Ban);
  }

  async bans(): Promise<Ban[]> {
    const stored = await this.#redis.hgetall(this.#keys.bans);
    return Object.values(stored)
      .map((raw) => JSON.parse(raw) as Ban)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async changeMarker(): Promise<string | null> {
    return this.#redis.get(this.#keys.bansVersion);
  }

  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.#redis.msAudit(this.#keys.audit, JSON.stringify(entry), this.#limit);
  }

  async auditLog(limit: number): Promise<AuditEntry[]> {
    const count = Math.min(limit, this.#limit);
    if (count <= 0) return [];
    const raw = await this.#redis.lrange(this.#keys.audit, 0, count - 1);
    return raw.map((text) => JSON.parse(text) as AuditEntry);
  }

  async close(): Promise<void> {
    this.#listeners.clear();
    if (this.#ownConnection) await this.#redis.quit();
  }
}
