/**
 * The Lua scripts that change the shared list. Each runs atomically in Redis
 * and publishes its change on the changes channel in the same step, so every
 * instance sees changes in the order Redis made them.
 *
 * They decode the stored listing (`cjson`) to tell its holder; the index and
 * the listings must live on one Redis (or a primary with replicas), not Redis Cluster.
 *
 * @module
 */

import type { Redis } from 'ioredis';

/**
 * Lists or replaces a server. KEYS: index, server key. ARGV: id, record JSON,
 * TTL ms, max servers (0 = none), changes channel, holder. A listing of the
 * same id by another holder is superseded: an `evict` naming that holder goes
 * out before the `put`. Returns `ok`, or `full` when a new server does not fit.
 */
const PUT = `
local id, record, ttl, max, holder = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[6]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local previous = redis.call('GET', KEYS[2])
if max > 0 and not previous then
  redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
  if redis.call('ZCARD', KEYS[1]) >= max then return 'full' end
end
if previous then
  local was = cjson.decode(previous).holder
  if was ~= holder then
    redis.call('PUBLISH', ARGV[5], '{"o":"evict","id":' .. cjson.encode(id) .. ',"holder":' .. cjson.encode(was) .. '}')
  end
end
redis.call('SET', KEYS[2], record, 'PX', ttl)
redis.call('ZADD', KEYS[1], now + ttl, id)
redis.call('PUBLISH', ARGV[5], '{"o":"put","s":' .. record .. '}')
return 'ok'
`;

/**
 * Extends a listing's life. KEYS: index, server key. ARGV: id, TTL ms.
 * Returns 1, or 0 when the listing is gone (e.g. Redis lost it) and must be put again.
 */
const REFRESH = `
local ttl = tonumber(ARGV[2])
if redis.call('PEXPIRE', KEYS[2], ttl) == 0 then return 0 end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], 'XX', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ttl, ARGV[1])
return 1
`;

/**
 * Delists a server if `holder` still holds it. KEYS: index, server key. ARGV: id, changes channel, holder.
 * Returns 1, or 0 when it was not listed (or is listed by another holder now).
 */
const DELETE = `
local current = redis.call('GET', KEYS[2])
if not current then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
if cjson.decode(current).holder ~= ARGV[3] then return 0 end
redis.call('DEL', KEYS[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('PUBLISH', ARGV[2], '{"o":"del","id":' .. cjson.encode(ARGV[1]) .. '}')
return 1
`;

/** The scripts as commands of a connection. */
export interface ListScripts {
  msPut(
    index: string,
    serverKey: string,
    id: string,
    record: string,
    ttl: number,
    max: number,
    channel: string,
    holder: string,
  ): Promise<'ok' | 'full'>;
  msRefresh(index: string, serverKey: string, id: string, ttl: number): Promise<0 | 1>;
  msDelete(index: string, serverKey: string, id: string, channel: string, holder: string): Promise<0 | 1>;
}

/** Defines the scripts on `redis` (sent with EVALSHA, loaded on first use). */
export function defineListScripts(redis: Redis): Redis & ListScripts {
  redis.defineCommand('msPut', { numberOfKeys: 2, lua: PUT });
  redis.defineCommand('msRefresh', { numberOfKeys: 2, lua: REFRESH });
  redis.defineCommand('msDelete', { numberOfKeys: 2, lua: DELETE });
  return redis as Redis & ListScripts;
}
