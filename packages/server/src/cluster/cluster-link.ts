/**
 * One instance's link to the cluster: a command connection and a subscriber
 * connection to Redis, the instance's id and heartbeat, which other instances
 * are alive, and whether Redis can be reached now. Every message that arrives
 * on a channel is parsed here, once; one that cannot be read is logged and
 * dropped.
 *
 * @module
 */

import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import standalone from 'ioredis/built/connectors/StandaloneConnector.js';
import type { Logger } from '../logger.js';
import { ClusterKeys } from './keys.js';

/** Where Redis is, and whom to trust for it. */
export interface RedisTarget {
  /** `redis://[user:password@]host[:port][/db]`, or `rediss://…` for TLS. */
  url: string;
  /** PEM certificates of the CAs that sign the server's certificate, for a `rediss://` URL. Default: Node.js's bundled CAs. */
  ca?: string | Buffer | undefined;
}

/**
 * What Redis keeps across its own restart, as read at start with `CONFIG GET`:
 * an append-only file, RDB snapshots, both, nothing, or `unknown` when the user
 * may not read the configuration.
 */
export type RedisPersistence = 'aof' | 'rdb' | 'aof+rdb' | 'none' | 'unknown';

/** Options of {@link ClusterLink.connect}. */
export interface ClusterLinkOptions extends RedisTarget {
  /** Prefix of every key and channel. Default `ms:`. */
  prefix?: string | undefined;
  /** An instance whose heartbeat is older than this is dead, in ms (its servers leave every list). */
  deadAfterMs: number;
  /** How long {@link ClusterLink.connect} waits for Redis, in ms. Default `5000`. */
  connectTimeoutMs?: number | undefined;
  logger: Logger;
}

/**
 * A message on a channel the link listens to, parsed from its JSON text. A
 * channel may have several listeners: each ignores a message of a kind it does
 * not know (another listener's, or a newer instance's), and throws on one that
 * is not a message at all or is its kind with bad fields; the link logs that
 * and drops it.
 */
export type ChannelListener = (message: unknown) => void;

/** Connection options of ioredis (with its default reply mapping). */
type ConnectionOptions = Omit<RedisOptions, 'replyMapping'>;

/**
 * ioredis's connector, with a lasting listener for its socket's errors. ioredis listens for one error per
 * socket, but a TLS socket can fail twice (our verification of the certificate, then the server's alert), and
 * an `error` event nobody listens to ends the process.
 */
class Connector extends standalone.default {
  constructor(options: unknown) {
    super(options as ConstructorParameters<typeof standalone.default>[0]);
  }

  override async connect(...args: Parameters<InstanceType<typeof standalone.default>['connect']>) {
    const stream = await super.connect(...args);
    stream.on('error', () => {});
    return stream;
  }
}

/** ioredis options for `target`: its CAs for a `rediss://` URL, and `options`. */
export function redisOptions(target: RedisTarget, options: ConnectionOptions): ConnectionOptions {
  const tls = target.ca !== undefined && target.url.startsWith('rediss:') ? { tls: { ca: target.ca } } : {};
  return { lazyConnect: true, Connector, ...options, ...tls };
}

/** Redis connection settings: fail fast while disconnected, reconnect forever with capped backoff. */
function connectionOptions(target: RedisTarget, name: string): ConnectionOptions {
  return redisOptions(target, {
    connectionName: name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  });
}

/**
 * Connects `redis` (made with `lazyConnect`) within `timeoutMs`. Rejects with
 * what Redis or the network said (a wrong password, a database it does not
 * have, a certificate not trusted) and the URL without its password.
 */
export async function connectRedis(redis: Redis, url: string, timeoutMs: number): Promise<void> {
  let failure: Error | undefined;
  const onError = (error: Error): void => {
    failure ??= error;
  };
  redis.on('error', onError);
  try {
    await withTimeout(redis.connect(), timeoutMs, `no answer within ${timeoutMs} ms`);
    // A failed AUTH closes the connection, but a failed SELECT does not: the connection would use database 0.
    if (failure !== undefined) throw failure;
  } catch (error) {
    throw new Error(`cannot connect to Redis at ${redact(url)}: ${(failure ?? (error as Error)).message}`);
  } finally {
    redis.off('error', onError);
  }
}

/** The link of one instance to the cluster. */
export class ClusterLink {
  /** This instance's id: 12 hex digits, new at every start. */
  readonly id = randomBytes(6).toString('hex');
  readonly keys: ClusterKeys;
  /** The connection for commands. */
  readonly command: Redis;
  /** The connection that only subscribes. */
  readonly subscriber: Redis;
  readonly #logger: Logger;
  readonly #deadAfterMs: number;
  readonly #heartbeatMs: number;
  readonly #channels = new Map<string, ChannelListener[]>();
  readonly #availabilityListeners = new Set<(available: boolean) => void>();
  readonly #deathListeners = new Set<(instances: readonly string[]) => void>();
  readonly #revivalListeners = new Set<() => void>();
  #live: Set<string> | undefined;
  readonly #dead = new Set<string>();
  /** Instances seen alive and not declared dead since. */
  readonly #known = new Set<string>();
  /** Until then, silence is not death (set when Redis comes back). */
  #graceUntil = 0;
  #available = false;
  #synced = false;
  #marks = new Map<string, () => void>();
  #persistence: RedisPersistence = 'unknown';
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  /** Set once {@link connect} finished: reconnections sync on their own after that. */
  #started = false;
  #syncing = false;

  private constructor(options: ClusterLinkOptions) {
    this.keys = new ClusterKeys(options.prefix);
    this.#logger = options.logger;
    this.#deadAfterMs = options.deadAfterMs;
    this.#heartbeatMs = Math.max(100, Math.min(1000, Math.floor(options.deadAfterMs / 5)));
    this.command = new Redis(options.url, connectionOptions(options, `ms-${this.id}`));
    this.subscriber = new Redis(options.url, connectionOptions(options, `ms-${this.id}-sub`));
    for (const [connection, role] of [
      [this.command, 'command'],
      [this.subscriber, 'subscriber'],
    ] as const) {
      let reported = false;
      connection.on('error', (error: Error) => {
        if (!reported) this.#logger.warn({ role, err: error.message }, 'Redis connection error');
        reported = true;
      });
      connection.on('ready', () => {
        reported = false;
        if (role === 'subscriber') this.#synced = false;
        this.#update();
      });
      connection.on('close', () => {
        if (role === 'subscriber') this.#synced = false;
        this.#update();
      });
    }
    this.subscriber.on('message', (channel: string, text: string) => this.#dispatch(channel, text));
  }

  /** Connects both connections, subscribes and starts the heartbeat; rejects when Redis cannot be reached in time. */
  static async connect(options: ClusterLinkOptions): Promise<ClusterLink> {
    const link = new ClusterLink(options);
    const timeout = options.connectTimeoutMs ?? 5000;
    try {
      await Promise.all([
        connectRedis(link.command, options.url, timeout),
        connectRedis(link.subscriber, options.url, timeout),
      ]);
      const { changes, tokenChanges, banChanges } = link.keys;
      await link.subscriber.subscribe(changes, tokenChanges, banChanges, link.keys.instance(link.id));
      await link.#heartbeat();
      await link.#sync();
      link.#persistence = await link.#readPersistence();
      link.#started = true;
      link.#update();
    } catch (error) {
      link.command.disconnect();
      link.subscriber.disconnect();
      throw error;
    }
    link.#timer = setInterval(() => {
      link.#heartbeat().catch(() => {});
    }, link.#heartbeatMs).unref();
    return link;
  }

  /** What Redis keeps across its own restart, as read at start (a warning was logged if nothing or unknown). */
  get persistence(): RedisPersistence {
    return this.#persistence;
  }

  /** True while both connections are up and the subscription is known to be active. */
  get available(): boolean {
    return this.#available;
  }

  /** True when instance `id` sent a heartbeat recently (or may have: before the first heartbeat, and in a grace period after an outage). */
  isLive(id: string): boolean {
    if (id === this.id) return true;
    if (this.#dead.has(id)) return false;
    return this.#live === undefined || Date.now() < this.#graceUntil || this.#live.has(id);
  }

  /** Watches instance `id` (the owner of a mirrored listing): if it is not alive after the grace period, it is dead. */
  watch(id: string): void {
    if (id !== this.id && !this.#dead.has(id)) this.#known.add(id);
  }

  /**
   * Routes messages of `channel` (the changes channels or this instance's) to `listener`, besides the
   * listeners it has already (each ignores what is not its own).
   */
  listen(channel: string, listener: ChannelListener): void {
    this.#channels.set(channel, [...(this.#channels.get(channel) ?? []), listener]);
  }

  /** Calls `listener` when the link becomes available (after a sync barrier) or unavailable. */
  onAvailability(listener: (available: boolean) => void): void {
    this.#availabilityListeners.add(listener);
  }

  /** Calls `listener` with instances whose heartbeat stopped. */
  onDeath(listener: (instances: readonly string[]) => void): void {
    this.#deathListeners.add(listener);
  }

  /** Calls `listener` when an instance that was counted dead sends heartbeats again. */
  onRevival(listener: () => void): void {
    this.#revivalListeners.add(listener);
  }

  /** Publishes `message` to instance `id`; resolves how many subscribers got it (0: that instance is gone). */
  publishToInstance(id: string, message: string): Promise<number> {
    return this.command.publish(this.keys.instance(id), message);
  }

  /** Stops the heartbeat, leaves the instance set and closes both connections. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    if (this.command.status === 'ready') await this.command.zrem(this.keys.instances, this.id).catch(() => {});
    await Promise.allSettled([this.command.quit(), this.subscriber.quit()]);
    this.command.disconnect();
    this.subscriber.disconnect();
  }

  /**
   * Parses a message that arrived on `channel` and hands it to each of its listeners. One that is not JSON,
   * or that a listener throws on, is logged (once) and dropped; the other listeners still get it.
   */
  #dispatch(channel: string, text: string): void {
    let failure: unknown;
    try {
      const message: unknown = JSON.parse(text);
      const mark = message as { o?: unknown; n?: unknown } | null;
      if (channel === this.keys.changes && mark?.o === 'mark') {
        if (typeof mark.n === 'string') this.#marks.get(mark.n)?.();
        return;
      }
      for (const listener of this.#channels.get(channel) ?? []) {
        try {
          listener(message);
        } catch (error) {
          failure ??= error;
        }
      }
    } catch (error) {
      failure = error;
    }
    if (failure === undefined) return;
    // Never the text itself: a join request carries the server's password.
    this.#logger.warn(
      { channel, bytes: Buffer.byteLength(text), err: (failure as Error).message },
      'dropped a cluster message that could not be read',
    );
  }

  /**
   * Reads whether Redis persists its data, and warns once when it does not (or
   * may not be asked): the tokens and bans in it would not survive its restart.
   */
  async #readPersistence(): Promise<RedisPersistence> {
    const setting = async (name: string): Promise<string> => {
      const reply = (await this.command.config('GET', name)) as string[];
      return reply[1] ?? '';
    };
    let aof: boolean;
    let rdb: boolean;
    try {
      aof = (await setting('appendonly')) === 'yes';
      rdb = (await setting('save')).trim() !== '';
    } catch (error) {
      this.#logger.warn(
        { err: (error as Error).message },
        'cannot read the Redis persistence settings (CONFIG GET is not allowed for this user): unless Redis keeps ' +
          'its data (appendonly yes, or save snapshots), registration tokens and bans are lost when it restarts ' +
          '(docs/cluster.md)',
      );
      return 'unknown';
    }
    if (aof && rdb) return 'aof+rdb';
    if (aof || rdb) return aof ? 'aof' : 'rdb';
    this.#logger.warn(
      { appendonly: 'no', save: '' },
      'Redis keeps no data across a restart (no AOF, no RDB snapshots): when it restarts, registration tokens ' +
        'and bans are lost and server ids change; turn on appendonly or save (docs/cluster.md)',
    );
    return 'none';
  }

  /**
   * Proves the subscription is active: publishes a marker on the changes
   * channel and waits to receive it. Everything published after the marker
   * reaches this instance.
   */
  async #sync(): Promise<void> {
    const nonce = randomBytes(8).toString('hex');
    const received = new Promise<void>((resolve) => this.#marks.set(nonce, resolve));
    try {
      await this.command.publish(this.keys.changes, `{"o":"mark","n":"${nonce}"}`);
      await withTimeout(received, 2000, 'the Redis subscription did not deliver its marker');
      this.#synced = true;
    } finally {
      this.#marks.delete(nonce);
    }
  }

  /** Recomputes availability, and starts a sync barrier when both connections are up but not yet synced. */
  #update(): void {
    const up = this.command.status === 'ready' && this.subscriber.status === 'ready';
    const available = up && this.#synced && !this.#closed;
    if (available !== this.#available) {
      this.#available = available;
      if (available) this.#graceUntil = Date.now() + this.#deadAfterMs;
      if (available) this.#logger.info({ instance: this.id }, 'Redis available');
      else if (!this.#closed) {
        this.#logger.warn({ instance: this.id }, 'Redis unavailable: serving what this instance knows');
      }
      for (const listener of this.#availabilityListeners) listener(available);
    }
    if (!up || this.#synced || this.#closed || !this.#started || this.#syncing) return;
    this.#syncing = true;
    this.#sync()
      .catch((error: unknown) => this.#logger.warn({ err: String(error) }, 'Redis sync failed; retrying'))
      .finally(() => {
        this.#syncing = false;
        if (this.#synced) this.#update();
        else setTimeout(() => this.#update(), 500).unref();
      });
  }

  /**
   * Records this instance's heartbeat and reads who else is alive. An instance
   * seen before and silent for `deadAfterMs` is dead. Right after Redis came
   * back (possibly empty) nobody is declared dead for one `deadAfterMs`, so that
   * every instance has had time to send a heartbeat again.
   */
  async #heartbeat(): Promise<void> {
    if (this.command.status !== 'ready') return;
    const now = Date.now();
    const [, , live] = (await this.command
      .multi()
      .zadd(this.keys.instances, now, this.id)
      .zremrangebyscore(this.keys.instances, '-inf', now - 10 * this.#deadAfterMs)
      .zrangebyscore(this.keys.instances, now - this.#deadAfterMs, '+inf')
      .exec()) as [unknown, unknown, [Error | null, string[]]];
    const next = new Set(live[1]);
    this.#live = next;
    const revived = [...next].filter((id) => this.#dead.delete(id));
    for (const id of next) this.#known.add(id);
    if (revived.length > 0) {
      this.#logger.info({ instances: revived }, 'instances are back');
      for (const listener of this.#revivalListeners) listener();
    }
    if (now < this.#graceUntil) return;
    const dead = [...this.#known].filter((id) => !next.has(id) && id !== this.id);
    if (dead.length === 0) return;
    for (const id of dead) {
      this.#known.delete(id);
      this.#dead.add(id);
    }
    this.#logger.warn({ instances: dead }, 'instances stopped their heartbeat');
    for (const listener of this.#deathListeners) listener(dead);
  }
}

/** A Redis URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
