/**
 * The Redis keys and channels of a masterserver cluster, all under one prefix
 * (default `ms:`) so that several clusters can share a Redis.
 *
 * | key / channel | type | holds |
 * | --- | --- | --- |
 * | `ms:servers` | sorted set | server id → expiry (ms), the index of listed servers |
 * | `ms:server:{id}` | string (JSON, TTL) | one listed server, with its owner instance and holder connection |
 * | `ms:instances` | sorted set | instance id → last heartbeat (ms) |
 * | `ms:tokens` | hash | token id → JSON `{name, hash, createdAt, revokedAt}` |
 * | `ms:tokens:used` | hash | token id → last use (ms) |
 * | `ms:tokens:version` | string | bumped on every token change |
 * | `ms:secret:{name}` | string | a secret of the cluster (`server-id`: what stable server ids are derived with) |
 * | `ms:changes` | channel | `{"o":"put","s":{…}}`, `{"o":"del","id"}`, `{"o":"evict","id","holder"}` |
 * | `ms:tokens:changes` | channel | the new `ms:tokens:version`, after every token change |
 * | `ms:instance:{id}` | channel | join requests to, and join answers for, one instance |
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

  constructor(prefix = 'ms:') {
    this.prefix = prefix;
    this.servers = `${prefix}servers`;
    this.instances = `${prefix}instances`;
    this.tokens = `${prefix}tokens`;
    this.tokensUsed = `${prefix}tokens:used`;
    this.tokensVersion = `${prefix}tokens:version`;
    this.changes = `${prefix}changes`;
    this.tokenChanges = `${prefix}tokens:changes`;
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
