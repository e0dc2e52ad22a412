import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { OptionError as SdkOptionError } from '@masterserver/sdk';
import { waitFor } from '@masterserver/testing';
import { parseDuration, parseInteger, parseListen, parseRate, UsageError } from '../src/cli/values.js';
import { SlidingWindow } from '../src/gateway/sliding-window.js';
import { etagMatches } from '../src/http/api.js';
import { negotiateEncoding } from '../src/http/encoding.js';
import { compareServers, ServerListCache } from '../src/http/server-list.js';
import { OptionError, silentLogger } from '../src/index.js';
import { ServerMetrics } from '../src/metrics.js';
import { resolveOptions } from '../src/options.js';
import { Interned } from '../src/registry/interned.js';
import { MemoryRegistry } from '../src/registry/memory-registry.js';
import { toListedServer } from '../src/registry/registry.js';
import { RegistrationTokens } from '../src/tokens/registration-tokens.js';
import { type AdminTokenEntry, hashToken, type TokenRecord, type TokenStore } from '../src/tokens/token-store.js';

const info = (name: string, curPlayers: number, port = 1) => ({
  name,
  desc: '',
  port,
  map: 'm',
  playlist: 'p',
  curPlayers,
  maxPlayers: 16,
  gameState: 0,
});

describe('ServerMetrics: the join and quick-play duration histograms', () => {
  it('exports cumulative buckets (a value on a bound is in it), +Inf, sum and count per outcome, in Prometheus text', async () => {
    const none = () => 0;
    const metrics = new ServerMetrics({
      connections: none,
      listedServers: none,
      players: none,
      probedAddresses: () => ({ reachable: 0, unreachable: 0, unknown: 0 }),
    });
    for (const seconds of [0.001, 0.005, 0.0051, 12]) metrics.join('accepted', seconds);
    metrics.join('timeout', 5);
    metrics.join('busy', undefined);
    const text = await metrics.registry.getSingleMetricAsString('masterserver_join_duration_seconds');
    const lines = text.split('\n');
    assert.equal(lines[1], '# TYPE masterserver_join_duration_seconds histogram');
    const series = (outcome: string) => lines.filter((line) => line.includes(`outcome="${outcome}"`));
    assert.deepEqual(series('accepted'), [
      'masterserver_join_duration_seconds_bucket{le="0.005",outcome="accepted"} 2',
      ...['0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10'].map(
        (le) => `masterserver_join_duration_seconds_bucket{le="${le}",outcome="accepted"} 3`,
      ),
      'masterserver_join_duration_seconds_bucket{le="+Inf",outcome="accepted"} 4',
      'masterserver_join_duration_seconds_sum{outcome="accepted"} 12.0111',
      'masterserver_join_duration_seconds_count{outcome="accepted"} 4',
    ]);
    assert.ok(series('timeout').includes('masterserver_join_duration_seconds_bucket{le="2.5",outcome="timeout"} 0'));
    assert.ok(series('timeout').includes('masterserver_join_duration_seconds_bucket{le="5",outcome="timeout"} 1'));
    assert.deepEqual(series('busy'), [], 'a join that reached no game server has no duration');
    metrics.registry.resetMetrics();
    assert.doesNotMatch(await metrics.registry.metrics(), /join_duration_seconds_count/);
  });
});

describe('SlidingWindow', () => {
  it('allows `limit` events in any window and refuses the next', () => {
    const w = new SlidingWindow(3, 1000);
    assert.equal(w.tryRecord(0), true);
    assert.equal(w.tryRecord(10), true);
    assert.equal(w.tryRecord(20), true);
    assert.equal(w.tryRecord(999), false);
    assert.equal(w.tryRecord(1000), true, 'the first event left the window');
    assert.equal(w.tryRecord(1001), false);
  });
  it('record() tells when the window holds `limit` events', () => {
    const w = new SlidingWindow(2, 100);
    assert.equal(w.record(0), false);
    assert.equal(w.record(50), true);
    assert.equal(w.record(200), false);
  });
});

describe('negotiateEncoding', () => {
  const cases: Array<[string | undefined, string]> = [
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['br', 'br'],
    ['gzip, br', 'br'],
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['br;q=0', 'identity'],
    ['*;q=0.1', 'br'],
    ['x-gzip', 'gzip'],
    ['deflate', 'identity'],
    ['GZIP', 'gzip'],
    ['gzip;q=nonsense', 'identity'],
  ];
  for (const [header, expected] of cases) {
    it(`${JSON.stringify(header)} → ${expected}`, () => assert.equal(negotiateEncoding(header), expected));
  }
});

describe('etagMatches', () => {
  it('compares weakly and understands lists and *', () => {
    assert.equal(etagMatches('W/"a"', 'W/"a"'), true);
    assert.equal(etagMatches('"a"', 'W/"a"'), true);
    assert.equal(etagMatches('"x", W/"a"', 'W/"a"'), true);
    assert.equal(etagMatches('*', 'W/"a"'), true);
    assert.equal(etagMatches('W/"b"', 'W/"a"'), false);
    assert.equal(etagMatches(undefined, 'W/"a"'), false);
  });
});

describe('ServerListCache', () => {
  it('rebuilds once per change and serves the same buffer in between', () => {
    const registry = new MemoryRegistry();
    const cache = new ServerListCache(registry, { maxStaleMs: 0 });
    registry.put(toListedServer('a', info('a', 1), '1.1.1.1', 't'));
    const first = cache.current();
    assert.equal(cache.current(), first, 'no change: same snapshot');
    registry.put(toListedServer('b', info('b', 5, 2), '1.1.1.1', 't'));
    const second = cache.current();
    assert.notEqual(second, first);
    assert.deepEqual(
      (JSON.parse(second.body.toString()) as Array<{ id: string }>).map((s) => s.id),
      ['b', 'a'],
    );
    assert.notEqual(second.etag, first.etag);
  });

  it('under churn, serves the last snapshot for a while instead of rebuilding on every request', () => {
    const registry = new MemoryRegistry();
    for (let i = 0; i < 20_000; i++) registry.put(toListedServer(`s${i}`, info(`s${i}`, i % 16, i), '1.1.1.1', 't'));
    const cache = new ServerListCache(registry, { maxStaleMs: 10_000 });
    const first = cache.current();
    registry.put(toListedServer('new', info('new', 1, 99999), '1.1.1.1', 't'));
    assert.equal(cache.current(), first, 'a rebuild right after a build waits');
  });

  it('a list of up to 999 servers is rebuilt after every change, however recent the last build', () => {
    const registry = new MemoryRegistry();
    for (let i = 0; i < 998; i++) registry.put(toListedServer(`s${i}`, info(`s${i}`, i % 16, i), '1.1.1.1', 't'));
    const cache = new ServerListCache(registry, { maxStaleMs: 10_000 });
    for (let i = 0; i < 20; i++) {
      const before = cache.current();
      registry.put(toListedServer('changing', info('changing', i, 99999), '1.1.1.1', 't'));
      const after = cache.current();
      assert.notEqual(after, before);
      assert.equal(after.servers.find((s) => s.id === 'changing')?.curPlayers, i);
    }
  });

  it('compresses each encoding once per snapshot', async () => {
    const registry = new MemoryRegistry();
    registry.put(toListedServer('a', info('a', 1), '1.1.1.1', 't'));
    const snapshot = new ServerListCache(registry).current();
    const gzip = snapshot.encoded('gzip');
    assert.equal(snapshot.encoded('gzip'), gzip);
    assert.equal(snapshot.encoded('identity'), snapshot.body);
    const compressed = await gzip;
    assert.ok(compressed.length > 0);
    // Once compressed, the buffer itself: later requests are answered without waiting on a promise.
    assert.equal(snapshot.encoded('gzip'), compressed);
    assert.deepEqual(gunzipSync(compressed), snapshot.body);
  });

  it('orders by players descending, then name, then id', () => {
    const s = (id: string, name: string, players: number) => toListedServer(id, info(name, players), 'ip', 't');
    const sorted = [s('3', 'b', 1), s('2', 'a', 1), s('1', 'a', 1), s('4', 'z', 9)].sort(compareServers);
    assert.deepEqual(
      sorted.map((x) => x.id),
      ['4', '1', '2', '3'],
    );
  });
});

describe('Interned: the texts many game servers share, kept once', () => {
  it('keeps one copy of each text however often it comes, and gives texts equal to what it was given', () => {
    const texts = new Interned(8, 16);
    for (let i = 0; i < 100; i++) assert.equal(texts.of(['mp_', 'glitch'].join('')), 'mp_glitch');
    assert.equal(texts.of('127.0.0.1'), '127.0.0.1');
    assert.equal(texts.size, 2);
  });
  it('does not keep a text longer than its limit', () => {
    const texts = new Interned(8, 16);
    const long = 'x'.repeat(17);
    assert.equal(texts.of(long), long);
    assert.equal(texts.size, 0);
    assert.equal(texts.of('x'.repeat(16)), 'x'.repeat(16));
    assert.equal(texts.size, 1);
  });
  it('starts over when full: ever-new texts neither grow it nor keep the usual ones out', () => {
    const texts = new Interned(3, 64);
    for (let i = 0; i < 1000; i++) {
      texts.of(`junk-${i}`);
      assert.ok(texts.size <= 3);
    }
    texts.of('mp_forwardbase_kodai');
    texts.of('mp_forwardbase_kodai');
    assert.ok(texts.size >= 1 && texts.size <= 3);
  });
});

describe('MemoryRegistry', () => {
  it('a listing of the same id by another holder supersedes the first, and reports its holder', () => {
    const registry = new MemoryRegistry();
    const evicted: string[] = [];
    registry.onEvict((id, reason, holder) => evicted.push(`${id} ${reason} ${holder}`));
    const first = toListedServer('x', info('x', 0, 5), '9.9.9.9', 't', null, 'conn-1');
    registry.put(first);
    registry.put(toListedServer('x', info('x', 1, 5), '9.9.9.9', 't', null, 'conn-1'));
    assert.deepEqual(evicted, [], 'the same holder refreshes its own listing');
    registry.put(toListedServer('x', info('x', 2, 5), '9.9.9.9', 't', null, 'conn-2'));
    assert.deepEqual(evicted, ['x superseded conn-1']);
    registry.delete(first);
    assert.equal(registry.get('x')?.holder, 'conn-2', "the superseded holder's delete leaves the new listing");
  });
  it('a delete by the holder removes the listing', () => {
    const registry = new MemoryRegistry();
    const server = toListedServer('a', info('a', 0, 5), '9.9.9.9', 't', null, 'conn-1');
    registry.put(server);
    const version = registry.version;
    registry.delete(server);
    assert.equal(registry.size, 0);
    assert.ok(registry.version > version);
  });
  it('refuses a new server when full but refreshes a listed one', () => {
    const registry = new MemoryRegistry({ maxServers: 1 });
    assert.deepEqual(registry.put(toListedServer('a', info('a', 0, 1), 'ip', 't')), { ok: true });
    assert.deepEqual(registry.put(toListedServer('b', info('b', 0, 2), 'ip', 't')), { ok: false, reason: 'full' });
    assert.deepEqual(registry.put(toListedServer('a', info('a', 3, 1), 'ip', 't')), { ok: true });
  });
});

describe('options', () => {
  it('fills in the documented defaults', () => {
    const o = resolveOptions();
    assert.equal(o.pingInterval, 10_000);
    assert.equal(o.pongTimeout, 10_000);
    assert.equal(o.registrationTtl, 30_000);
    assert.equal(o.joinTimeout, 5_000);
    assert.equal(o.maxMessageSize, 65_536);
    assert.deepEqual(o.registrationRate, { count: 10, windowMs: 10_000 });
    assert.equal(o.maxConnectionsPerIp, 64);
    assert.equal(o.maxServers, 100_000);
    assert.equal(o.maxPendingJoins, 64);
    assert.equal(o.maxSendBuffer, 1_048_576);
    assert.equal(o.maxFragments, 1024);
    assert.equal(o.maxBufferedChunks, 4096);
    assert.equal(o.headersTimeout, 10_000);
    assert.equal(o.requestTimeout, 30_000);
    assert.equal(o.keepAliveTimeout, 5_000);
    assert.equal(o.idleTimeout, 30_000);
    assert.equal(o.maxHeaders, 100);
    assert.equal(o.maxHeaderSize, 16_384);
  });
  it('names the bad option', () => {
    assert.throws(
      () => resolveOptions({ pingInterval: 0 }),
      (e: unknown) => e instanceof OptionError && e.option === 'pingInterval',
    );
    assert.throws(() => resolveOptions({ registrationRate: { count: 0, windowMs: 1 } }), /registrationRate\.count/);
    assert.throws(() => resolveOptions({ regTokens: [''] }), /regTokens/);
    assert.throws(() => resolveOptions({ maxPendingJoins: 0 }), /maxPendingJoins/);
  });
  it('throws the one OptionError class, the same the SDK throws, with the same code and option fields', () => {
    assert.equal(OptionError, SdkOptionError);
    const fromServer = (() => {
      try {
        resolveOptions({ pingInterval: 0 });
      } catch (error) {
        return error;
      }
    })();
    assert.ok(fromServer instanceof SdkOptionError);
    assert.deepEqual([fromServer.code, fromServer.option], ['INVALID_OPTION', 'pingInterval']);
  });
  it('refuses a request timeout shorter than the headers timeout, and an idle timeout a join could outlast', () => {
    assert.throws(
      () => resolveOptions({ headersTimeout: 10_000, requestTimeout: 5_000 }),
      (e: unknown) => e instanceof OptionError && e.option === 'requestTimeout',
    );
    assert.throws(
      () => resolveOptions({ joinTimeout: 30_000, idleTimeout: 30_000 }),
      (e: unknown) => e instanceof OptionError && e.option === 'idleTimeout',
    );
    assert.equal(resolveOptions({ joinTimeout: 30_000, idleTimeout: 31_001 }).idleTimeout, 31_001);
  });
  it('a longer join or headers timeout alone raises the idle or request timeout it would clash with', () => {
    assert.equal(resolveOptions({ joinTimeout: 60_000 }).idleTimeout, 65_000);
    assert.equal(resolveOptions({ joinTimeout: 20_000 }).idleTimeout, 30_000);
    assert.equal(resolveOptions({ headersTimeout: 45_000 }).requestTimeout, 45_000);
    assert.equal(resolveOptions({ headersTimeout: 5_000 }).requestTimeout, 30_000);
  });
});

describe('command-line values', () => {
  it('durations', () => {
    assert.equal(parseDuration('500ms'), 500);
    assert.equal(parseDuration('10s'), 10_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('2m'), 120_000);
    for (const bad of ['10', 's', '-1s', '0ms', '1h', '1e3ms', ' '])
      assert.throws(() => parseDuration(bad), UsageError, bad);
  });
  it('listen addresses', () => {
    assert.deepEqual(parseListen('0.0.0.0:8080'), { host: '0.0.0.0', port: 8080 });
    assert.deepEqual(parseListen('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListen(':9000'), { host: '0.0.0.0', port: 9000 });
    for (const bad of ['8080', 'host:', 'host:65536', 'host:80a'])
      assert.throws(() => parseListen(bad), UsageError, bad);
  });
  it('rates and integers', () => {
    assert.deepEqual(parseRate('10/10s'), { count: 10, windowMs: 10_000 });
    assert.equal(parseRate('off'), null);
    assert.throws(() => parseRate('0/10s'), UsageError);
    assert.equal(parseInteger('0', 0), 0);
    assert.throws(() => parseInteger('1.5', 0), UsageError);
  });
});

describe('RegistrationTokens', () => {
  /** A store whose reads wait until the test lets them go, to catch a change made during a refresh. */
  class GatedStore implements TokenStore {
    hashes = new Map<string, Buffer>();
    version = 0;
    gate: Promise<void> = Promise.resolve();
    reads = 0;
    listener: (() => void) | undefined;
    async create(): Promise<never> {
      throw new Error('not used');
    }
    async list(): Promise<TokenRecord[]> {
      return [];
    }
    async revoke(id: string): Promise<boolean> {
      this.version++;
      return this.hashes.delete(id);
    }
    async secret(_name: string, create: () => Buffer): Promise<Buffer> {
      return create();
    }
    async activeHashes(): Promise<Map<string, Buffer>> {
      return new Map(this.hashes);
    }
    async activeAdminTokens(): Promise<Map<string, AdminTokenEntry>> {
      return new Map();
    }
    async changeMarker(): Promise<string> {
      this.reads++;
      const version = String(this.version);
      await this.gate;
      return version;
    }
    async markUsed(): Promise<void> {}
    onChange(listener: () => void): () => void {
      this.listener = listener;
      return () => {
        this.listener = undefined;
      };
    }
    async close(): Promise<void> {}
  }

  it('a change reported during a refresh is picked up by one more refresh, not left to the next poll', async () => {
    const store = new GatedStore();
    const token = 'abcd1234.secret';
    store.hashes.set('abcd1234', hashToken(token));
    const tokens = new RegistrationTokens([], store, silentLogger);
    await tokens.start(3_600_000);
    assert.equal(tokens.verify(token), 'abcd1234');
    let release!: () => void;
    store.gate = new Promise((resolve) => {
      release = resolve;
    });
    const running = tokens.refresh();
    // The refresh has read the version; now the token is revoked and the store says so.
    await store.revoke('abcd1234');
    store.listener?.();
    release();
    await running;
    await waitFor('the second refresh', () => tokens.verify(token) === undefined, 1000);
    assert.equal(store.reads, 3);
    await tokens.stop();
    assert.equal(store.listener, undefined, 'stop() stops listening');
  });
});
