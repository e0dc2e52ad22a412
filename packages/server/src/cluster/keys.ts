/**
 * The Redis keys and channels of a masterserver cluster, all under one prefix
 * (default `ms:`) so that several clusters can share a Redis.
 *
 * | key / channel | type | holds |
 * | --- | --- | --- |
 * | `ms:servers` | sorted set | server id → expiry (ms), the index of listed servers |
 * | `ms:server:{id}` | string (JSON, TTL) | one listed server, with its owner instance and holder connection |
 * | `ms:instances` | sorted set | instance id → last heartbeat (ms) |
 * | `ms:tokens` | hash | token id → JSON `{name, role, hash, createdAt, revokedAt}` |
 * | `ms:tokens:used` | hash | token id → last use (ms) |
 * | `ms:tokens:version` | string | bumped on every token change |
 * | `ms:secret:{name}` | string | a secret of the cluster (`server-id`: what stable server ids are derived with) |
 * | `ms:bans` | hash | ban id → JSON `{id, kind, value, reason, createdAt, expiresAt}` |
 * | `ms:bans:version` | string | bumped on every ban change |
 * | `ms:audit` | list | the audit log, newest first, JSON entries, trimmed to the newest 100,000 |
 * | `ms:changes` | channel | `{"o":"put","s":{…}}`, `{"o":"del","id"}`, `{"o":"evict","id","holder"}` |
 * | `ms:tokens:changes` | channel | the new `ms:tokens:version`, after every token change |
 * | `ms:bans:changes` | channel | the new `ms:bans:version`, after every ban change |
 * | `ms:instance:{id}` | channel | join requests to, and join answers for, one instance; removals of its servers |
 *
 * @module
 */

/** Key and channel names under a prefix. */
export class ClusterKeys {
  readonly prefix: string;
  readonly servers: string;
  readonly instances: string;
  readonly tokens: string;
  readonly tokensUsed: string;
  readonly tokensVersion: string;
  readonly changes: string;
  readonly tokenChanges: string;
  readonly bans: string;
  readonly bansVersion: string;
  readonly banChanges: string;
  readonly audit: string;

  constructor(prefix = 'ms:') {
    this.prefix = prefix;
    this.servers = `${prefix}servers`;
    this.instances = `${prefix}instances`;
    this.tokens = `${prefix}tokens`;
    this.tokensUsed = `${prefix}tokens:used`;
    this.tokensVersion = `${prefix}tokens:version`;
    this.changes = `${prefix}changes`;
    this.tokenChanges = `${prefix}tokens:changes`;
    this.bans = `${prefix}bans`;
    this.bansVersion = `${prefix}bans:version`;
    this.banChanges = `${prefix}bans:changes`;
    this.audit = `${prefix}audit`;
  }

  /** The record of one listed server. */
  server(id: string): string {
    return `${this.prefix}server:${id}`;
  }

  /** A secret of the cluster. */
  secret(name: string): string {
    return `${this.prefix}secret:${name}`;
  }

  /** The channel of one instance. */
  instance(id: string): string {
    return `${this.prefix}instance:${id}`;
  }
}
