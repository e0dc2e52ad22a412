import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitFor } from '@masterserver/testing';
import { type Cluster, connectCluster, deadAfter, openRedisTokenStore } from '../src/cluster/cluster.js';
import { silentLogger } from '../src/index.js';
import { toListedServer, withPublicJson } from '../src/registry/registry.js';
import { RegistrationTokens } from '../src/tokens/registration-tokens.js';
import { TestRedis } from './redis-helpers.js';

const server = (id: string, port: number, curPlayers = 0) =>
  toListedServer(
    id,
    { name: id, desc: '', port, map: 'm', playlist: 'p', curPlayers, maxPlayers: 16, gameState: 0 },
    '10.0.0.1',
    't',
  );

/** Deletes the listing `id` as its holder does. */
const remove = (cluster: Cluster, id: string) => {
  const listed = cluster.registry.get(id);
  assert.ok(listed, `${id} is listed`);
  return cluster.registry.delete(listed);
};

const ids = (cluster: Cluster) => [...cluster.registry.values()].map((s) => s.id).sort();
const snapshot = (cluster: Cluster) =>
  JSON.stringify([...cluster.registry.values()].map((s) => `${s.id}:${s.curPlayers}`).sort());

describe('RedisRegistry', () => {
  let redis: TestRedis;
  let a: Cluster;
  let b: Cluster;
  const connect = (options: { maxServers?: number; registrationTtl?: number } = {}) =>
    connectCluster({
      url: redis.url,
      registrationTtl: options.registrationTtl ?? 5000,
      maxServers: options.maxServers ?? 0,
      logger: silentLogger,
    });

  before(async () => {
    redis = await TestRedis.start();
    a = await connect();
    b = await connect();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.kill();
  });

  it('a put on one instance reaches the mirror of the other, with the owner known', async () => {
    assert.deepEqual(await a.registry.put(server('s1', 1, 3)), { ok: true });
    await waitFor('s1 on b', () => b.registry.get('s1')?.curPlayers === 3);
    assert.equal(b.registry.ownerOf('s1'), a.link.id);
    assert.equal(a.registry.ownerOf('s1'), undefined, 'local servers have no remote owner');
    assert.equal(b.registry.get('s1')?.json, server('s1', 1, 3).json);
    await a.registry.put(server('s1', 1, 7));
    await waitFor('s1 changed on b', () => b.registry.get('s1')?.curPlayers === 7);
    await remove(a, 's1');
    await waitFor('s1 gone from b', () => b.registry.get('s1') === undefined);
  });

  it("a put of a listed id by another holder supersedes it everywhere, tells the old holder's instance, and the old holder's delete does nothing", async () => {
    const evicted: string[] = [];
    const stop = a.registry.onEvict((id, reason, holder) => evicted.push(`${id} ${reason} ${holder}`));
    const old = { ...server('same', 2, 1), holder: 'a:1' };
    await a.registry.put(withPublicJson(old));
    await waitFor('same on b', () => b.registry.get('same')?.holder === 'a:1');
    await b.registry.put(withPublicJson({ ...server('same', 2, 5), holder: 'b:1' }));
    await waitFor('the old holder hears of it', () => evicted.includes('same superseded a:1'));
    await waitFor(
      "the new holder's listing everywhere",
      () => a.registry.get('same')?.holder === 'b:1' && b.registry.get('same')?.holder === 'b:1',
    );
    await a.registry.delete(withPublicJson(old));
    assert.equal(a.registry.get('same')?.holder, 'b:1', "the old holder's delete does nothing");
    await b.registry.resync();
    assert.equal(b.registry.get('same')?.curPlayers, 5, 'and nothing in Redis either');
    stop();
    await remove(b, 'same');
  });

  it('the list size is limited across the cluster', async () => {
    const small = await connect({ maxServers: 2 });
    try {
      await small.registry.put(server('c1', 11));
      await small.registry.put(server('c2', 12));
      assert.deepEqual(await small.registry.put(server('c3', 13)), { ok: false, reason: 'full' });
      assert.deepEqual(await small.registry.put(server('c1', 11, 5)), { ok: true }, 'a listed server refreshes');
      await remove(small, 'c2');
      assert.deepEqual(await small.registry.put(server('c3', 13)), { ok: true });
      await remove(small, 'c1');
      await remove(small, 'c3');
    } finally {
      await small.close();
    }
  });

  it('a resync during a burst of changes ends exactly where the changes do', async () => {
    const puts: Array<Promise<unknown>> = [];
    for (let i = 0; i < 200; i++) puts.push(a.registry.put(server(`burst${i}`, 1000 + i, i % 7)));
    const first = b.registry.resync();
    await Promise.all(puts);
    const changes: Array<Promise<unknown>> = [b.registry.resync()];
    for (let i = 0; i < 200; i += 2) changes.push(remove(a, `burst${i}`));
    for (let i = 1; i < 200; i += 2) changes.push(a.registry.put(server(`burst${i}`, 1000 + i, 9)));
    await Promise.all([first, ...changes]);
    // Every change has reached Redis; b hears of the last ones a moment later.
    await waitFor('b mirrors a, players included', () => snapshot(b) === snapshot(a));
    assert.equal(ids(b).filter((id) => id.startsWith('burst')).length, 100);
    assert.ok([...b.registry.values()].filter((s) => s.id.startsWith('burst')).every((s) => s.curPlayers === 9));
    for (let i = 1; i < 200; i += 2) await remove(a, `burst${i}`);
  });

  it('after Redis comes back empty, live instances are not taken for dead, and their listings come back', async () => {
    const one = await connect({ registrationTtl: 2000 });
    const two = await connect({ registrationTtl: 2000 });
    const deaths: string[] = [];
    two.link.onDeath((instances) => deaths.push(...instances));
    try {
      await one.registry.put(server('kept', 4000));
      await waitFor('kept mirrored', () => two.registry.get('kept') !== undefined);
      await redis.kill();
      await waitFor('both unavailable', () => !one.link.available && !two.link.available, 3000);
      await redis.restart();
      await waitFor('both available', () => one.link.available && two.link.available, 5000);
      await waitFor('kept listed again on two', () => two.registry.get('kept') !== undefined, 2000);
      // Taken for dead, an instance would be at a heartbeat of two once its grace period (deadAfter from when
      // Redis came back) is over: wait for three heartbeats of each after that, as Redis recorded them.
      const graceOver = Date.now() + deadAfter(2000);
      const instances = [one, two];
      const counted = instances.map(() => 0);
      const latest = instances.map(() => graceOver);
      await waitFor(
        'three heartbeats of each after the grace period',
        async () => {
          for (const [i, instance] of instances.entries()) {
            const at = Number(await redis.command('ZSCORE', 'ms:instances', instance.link.id));
            if (at > (latest[i] as number)) {
              latest[i] = at;
              counted[i] = (counted[i] as number) + 1;
            }
          }
          return counted.every((n) => n >= 3);
        },
        10_000,
        50,
      );
      assert.deepEqual(deaths, [], 'no instance was declared dead');
      assert.ok(two.registry.get('kept') !== undefined);
    } finally {
      await one.close();
      await two.close();
    }
  });

  it('the servers of an instance that stops its heartbeat leave the other mirrors', async () => {
    const doomed = await connect({ registrationTtl: 2000 });
    const watcher = await connect({ registrationTtl: 2000 });
    try {
      await doomed.registry.put(server('orphan', 3000));
      await waitFor('orphan mirrored', () => watcher.registry.get('orphan') !== undefined);
      // Stop the heartbeat without a goodbye, as a crash would.
      doomed.link.command.disconnect();
      doomed.link.subscriber.disconnect();
      await waitFor('orphan dropped', () => watcher.registry.get('orphan') === undefined, 2500);
    } finally {
      await watcher.close();
      await doomed.close().catch(() => {});
    }
  });
});

describe('RedisTokenStore', () => {
  let redis: TestRedis;
  before(async () => {
    redis = await TestRedis.start();
  });
  after(async () => {
    await redis?.kill();
  });

  it('an instance hears of a revocation at once, without waiting for its poll', async () => {
    const cluster = await connectCluster({
      url: redis.url,
      registrationTtl: 5000,
      maxServers: 0,
      logger: silentLogger,
    });
    const admin = await openRedisTokenStore(redis.url);
    const tokens = new RegistrationTokens([], cluster.tokenStore, silentLogger);
    try {
      const { record, token } = await admin.create('watched');
      await tokens.start(3_600_000);
      assert.equal(tokens.verify(token), record.id);
      const revoked: string[] = [];
      tokens.onRevoked((ids) => revoked.push(...ids));
      const started = performance.now();
      assert.equal(await admin.revoke(record.id), true);
      await waitFor('the revocation is heard', () => revoked.includes(record.id), 1000);
      assert.ok(performance.now() - started < 1000);
      assert.equal(tokens.verify(token), undefined);
      const created = await admin.create('new');
      await waitFor('a new token is heard', () => tokens.verify(created.token) === created.record.id, 1000);
    } finally {
      await tokens.stop();
      await admin.close();
      await cluster.close();
    }
  });
});
