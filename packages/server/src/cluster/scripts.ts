/**
 * The Lua scripts that change the shared list. Each runs atomically in Redis
 * and publishes its change on the changes channel in the same step, so every
 * instance sees changes in the order Redis made them.
 *
 * They name some keys in `ARGV` (the superseded server's, the old address), so
 * they need one Redis (or a primary with replicas), not Redis Cluster.
 *
 * @module
 */

import type { Redis } from 'ioredis';

/**
 * Lists or replaces a server. KEYS: index, server key, address key.
 * ARGV: id, record JSON, TTL ms, max servers (0 = none), changes channel, key
 * prefix, previous address key of this id ('' if none).
 * Returns `ok`, or `full` when a new server does not fit.
 */
const PUT = `
local id, record, ttl, max = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if max > 0 and redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= max then return 'full' end
end
if ARGV[7] ~= '' and ARGV[7] ~= KEYS[3] and redis.call('GET', ARGV[7]) == id then
  redis.call('DEL', ARGV[7])
end
local holder = redis.call('GET', KEYS[3])
if holder and holder ~= id then
  redis.call('DEL', ARGV[6] .. 'server:' .. holder)
  redis.call('ZREM', KEYS[1], holder)
  redis.call('PUBLISH', ARGV[5], '{"o":"evict","id":' .. cjson.encode(holder) .. '}')
end
redis.call('SET', KEYS[2], record, 'PX', ttl)
redis.call('SET', KEYS[3], id, 'PX', ttl)
redis.call('ZADD', KEYS[1], now + ttl, id)
redis.call('PUBLISH', ARGV[5], '{"o":"put","s":' .. record .. '}')
return 'ok'
`;

/**
 * Extends a listing's life. KEYS: index, server key, address key. ARGV: id, TTL ms.
 * Returns 1, or 0 when the listing is gone (e.g. Redis lost it) and must be put again.
 */
const REFRESH = `
local ttl = tonumber(ARGV[2])
if redis.call('PEXPIRE', KEYS[2], ttl) == 0 then return 0 end
redis.call('PEXPIRE', KEYS[3], ttl)
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ttl, ARGV[1])
return 1
`;

/**
 * Delists a server. KEYS: index, server key, address key. ARGV: id, changes channel.
 * Returns 1, or 0 when it was not listed.
 */
const DELETE = `
if redis.call('DEL', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[3]) == ARGV[1] then redis.call('DEL', KEYS[3]) end
redis.call('PUBLISH', ARGV[2], '{"o":"del","id":' .. cjson.encode(ARGV[1]) .. '}')
return 1
`;

/** The scripts as commands of a connection. */
export interface ListScripts {
  msPut(
    index: string,
    serverKey: string,
    addressKey: string,
    id: string,
    record: string,
    ttl: number,
    max: number,
    channel: string,
    prefix: string,
    previousAddressKey: string,
  ): Promise<'ok' | 'full'>;
  msRefresh(index: string, serverKey: string, addressKey: string, id: string, ttl: number): Promise<0 | 1>;
  msDelete(index: string, serverKey: string, addressKey: string, id: string, channel: string): Promise<0 | 1>;
}

/** Defines the scripts on `redis` (sent with EVALSHA, loaded on first use). */
export function defineListScripts(redis: Redis): Redis & ListScripts {
  redis.defineCommand('msPut', { numberOfKeys: 3, lua: PUT });
  redis.defineCommand('msRefresh', { numberOfKeys: 3, lua: REFRESH });
  redis.defineCommand('msDelete', { numberOfKeys: 3, lua: DELETE });
  return redis as Redis & ListScripts;
}
