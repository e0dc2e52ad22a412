import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GameServerClient } from '@masterserver/sdk';
import { delay, FailoverProxy, fetchRaw, postJson, TestGameServer, waitFor } from '@masterserver/testing';
import { runCliAsync, type ServeProcess, startServe, tempDir } from './cli-helpers.js';
import { TOKEN } from './helpers.js';
import { TestRedis } from './redis-helpers.js';

const TTL = 2000;

/** Starts an instance of the cluster on `redis`. */
function instance(redis: TestRedis, extra: string[] = []): Promise<ServeProcess> {
  return startServe([
    '--listen',
    '127.0.0.1:0',
    '--redis',
    redis.url,
    '--reg-token',
    TOKEN,
    '--data-dir',
    tempDir(),
    '--registration-ttl',
    `${TTL}ms`,
    '--join-timeout',
    '1s',
    '--ping-interval',
    '500ms',
    '--pong-timeout',
    '500ms',
    '--registration-rate',
    'off',
    ...extra,
  ]);
}

/** A game server on the SDK that registers every 500 ms and reconnects within 200 ms. */
function sdkServer(url: string, name: string, port: number): GameServerClient {
  return new GameServerClient({
    url,
    regToken: TOKEN,
    info: { name, port, map: 'm', playlist: 'p', maxPlayers: 8 },
    registerInterval: 500,
    minRegisterGap: 100,
    backoff: { initial: 100, max: 200, factor: 2 },
  }).start();
}

async function names(ms: ServeProcess): Promise<string[]> {
  const res = await fetchRaw(`${ms.url}/v2/client/servers`);
  return (res.json as Array<{ name: string }>).map((s) => s.name).sort();
}

async function idOf(ms: ServeProcess, name: string): Promise<string> {
  const res = await fetchRaw(`${ms.url}/v2/client/servers`);
  const server = (res.json as Array<{ id: string; name: string }>).find((s) => s.name === name);
  assert.ok(server, `${name} is listed on ${ms.url}`);
  return server.id;
}

describe('cluster: three instances on one Redis', () => {
  let redis: TestRedis;
  let a: ServeProcess;
  let b: ServeProcess;
  let c: ServeProcess;
  before(async () => {
    redis = await TestRedis.start();
    [a, b, c] = await Promise.all([instance(redis), instance(redis), instance(redis)]);
  });
  after(async () => {
    await Promise.all([a, b, c].map((ms) => ms?.stop()));
    await redis?.kill();
  });

  it('a registration on A is listed on B and C within 1 s, with the same id and the same ETag', async () => {
    const gs = await TestGameServer.connect(a.wsUrl, TOKEN);
    assert.equal((await gs.register({ name: 'on-a', port: 41000, curPlayers: 4 })).value.success, true);
    const registeredAt = performance.now();
    await waitFor(
      'listed on B and C',
      async () => (await names(b)).includes('on-a') && (await names(c)).includes('on-a'),
      1000,
    );
    assert.ok(performance.now() - registeredAt < 1000);
    const [la, lb, lc] = await Promise.all([a, b, c].map((ms) => fetchRaw(`${ms.url}/v2/client/servers`)));
    assert.equal(lb?.text, la?.text);
    assert.equal(lc?.text, la?.text);
    assert.equal(lb?.headers.etag, la?.headers.etag);
    const single = await fetchRaw(`${c.url}/v2/client/servers/${await idOf(a, 'on-a')}`);
    assert.equal(single.status, 200);
    await gs.close();
    await waitFor('delisted everywhere', async () => !(await names(c)).includes('on-a'), 1000);
  });

  it('a join through C reaches the game server on A: accepted, rejected, timed out', async () => {
    const gs = await TestGameServer.connect(a.wsUrl, TOKEN);
    await gs.register({ name: 'join-me', port: 41001, password: 'pw' });
    await waitFor('listed on C', async () => (await names(c)).includes('join-me'), 1000);
    const serverId = await idOf(c, 'join-me');
    const join = (password = 'pw') =>
      postJson(`${c.url}/v2/client/join`, { serverId, username: 'Viper', clantag: 'C', password });

    const accepted = join();
    const request = await gs.next();
    assert.equal(request.value.username, 'Viper');
    gs.answer(request);
    const ok = await accepted;
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.json, {
      ip: '127.0.0.1',
      port: 41001,
      sessionToken: request.value.sessionToken,
      conv: request.value.conv,
    });

    const rejected = join();
    gs.answer(await gs.next(), { type: 2, msg: 'full' });
    const no = await rejected;
    assert.equal(no.status, 409);
    assert.deepEqual((no.json as { gsError: unknown }).gsError, { type: 2, msg: 'full' });

    const started = performance.now();
    const silent = join();
    await gs.next();
    const late = await silent;
    assert.equal(late.status, 504);
    assert.ok(performance.now() - started < 2500, 'the owner answers 504 at its join timeout');

    const wrong = await join('nope');
    assert.equal(wrong.status, 403, 'the owner checks the password');
    await gs.close();
  });

  it('supersede across instances: the server on A is closed with 4005 when B lists its address', async () => {
    const old = await TestGameServer.connect(a.wsUrl, TOKEN);
    await old.register({ name: 'old-one', port: 41002 });
    const newer = await TestGameServer.connect(b.wsUrl, TOKEN);
    await newer.register({ name: 'new-one', port: 41002 });
    assert.equal((await old.socket.closeFrame).code, 4005);
    for (const ms of [a, b, c]) {
      await waitFor(
        `only new-one on ${ms.url}`,
        async () => {
          const listed = await names(ms);
          return listed.includes('new-one') && !listed.includes('old-one');
        },
        1000,
      );
    }
    await newer.close();
  });

  it('tokens live in Redis: created with --redis they work on every instance; revoked, they delist within 1 s', async () => {
    const created = await runCliAsync(['token', 'create', '--name', 'shared', '--json', '--redis', redis.url]);
    assert.equal(created.status, 0, created.stderr);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    await delay(700);
    const onB = await TestGameServer.connect(b.wsUrl, token);
    const onC = await TestGameServer.connect(c.wsUrl, token);
    assert.equal((await onB.register({ name: 'tok-b', port: 41003 })).value.success, true);
    assert.equal((await onC.register({ name: 'tok-c', port: 41004 })).value.success, true);
    const list = await runCliAsync(['token', 'list', '--json', '--redis', redis.url]);
    assert.ok((JSON.parse(list.stdout) as Array<{ id: string }>).some((t) => t.id === id));
    assert.equal((await runCliAsync(['token', 'revoke', id, '--redis', redis.url])).status, 0);
    const revokedAt = performance.now();
    await waitFor(
      'delisted everywhere',
      async () => {
        const listed = await names(a);
        return !listed.includes('tok-b') && !listed.includes('tok-c');
      },
      1500,
    );
    assert.ok(performance.now() - revokedAt < 1200);
    assert.equal(((await onB.register({ name: 'tok-b', port: 41003 })).value.error as { type: number }).type, 1);
    onB.socket.destroy();
    onC.socket.destroy();
  });
});

describe('cluster: failures', () => {
  it('kill -9 of an instance: its servers leave every list within the TTL, its game servers come back through another', async () => {
    const redis = await TestRedis.start();
    const a = await instance(redis);
    const b = await instance(redis);
    const proxy = await FailoverProxy.start([
      { host: '127.0.0.1', port: Number(new URL(a.url).port) },
      { host: '127.0.0.1', port: Number(new URL(b.url).port) },
    ]);
    const sdk = sdkServer(`ws://127.0.0.1:${proxy.port}/v2/server/ws`, 'survivor', 41010);
    const stranded = await TestGameServer.connect(a.wsUrl, TOKEN);
    try {
      await sdk.whenRegistered();
      await stranded.register({ name: 'stranded', port: 41011 });
      await waitFor('both listed on B', async () => (await names(b)).length === 2, 1000);
      const killedAt = performance.now();
      a.child.kill('SIGKILL');
      await waitFor('stranded gone from B', async () => !(await names(b)).includes('stranded'), TTL + 500);
      assert.ok(performance.now() - killedAt <= TTL + 200, 'within the registration TTL');
      await waitFor('survivor listed again through B', async () => (await names(b)).includes('survivor'), 3000);
      assert.equal((await names(b)).filter((n) => n === 'survivor').length, 1, 'listed once');
    } finally {
      stranded.socket.destroy();
      await sdk.close();
      await proxy.close();
      await b.stop();
      await redis.kill();
    }
  });

  it('Redis restart: degraded while down (local joins work, remote ones fail fast with 503), everything listed again after', async () => {
    const redis = await TestRedis.start();
    const a = await instance(redis);
    const b = await instance(redis);
    const onA = sdkServer(a.wsUrl, 'gs-a', 41020);
    const onB = sdkServer(b.wsUrl, 'gs-b', 41021);
    try {
      await Promise.all([onA.whenRegistered(), onB.whenRegistered()]);
      await waitFor('both listed on A', async () => (await names(a)).length === 2, 1000);
      const idA = await idOf(a, 'gs-a');
      const idB = await idOf(a, 'gs-b');

      await redis.kill();
      await waitFor('A degraded', async () => (await fetchRaw(`${a.url}/healthz`)).status === 503, 3000);
      assert.deepEqual((await fetchRaw(`${a.url}/healthz`)).json, { status: 'degraded' });
      const local = await postJson(`${a.url}/v2/client/join`, { serverId: idA, username: 'u', clantag: '' });
      assert.equal(local.status, 200, 'a join to a server on the same instance still works');
      const started = performance.now();
      const remote = await postJson(`${a.url}/v2/client/join`, { serverId: idB, username: 'u', clantag: '' });
      assert.equal(remote.status, 503);
      assert.equal((remote.json as { error: { code: string } }).error.code, 'CLUSTER_UNAVAILABLE');
      assert.ok(performance.now() - started < 200, 'fails fast');

      await redis.restart();
      const backAt = performance.now();
      for (const ms of [a, b]) {
        await waitFor(`both listed on ${ms.url} again`, async () => (await names(ms)).length === 2, 3000);
      }
      assert.ok(performance.now() - backAt < 1500, 'within one registration interval (plus reconnect)');
      await waitFor('A healthy', async () => (await fetchRaw(`${a.url}/healthz`)).status === 200, 2000);
      const again = postJson(`${b.url}/v2/client/join`, { serverId: idA, username: 'u', clantag: '' });
      assert.equal((await again).status, 200, 'remote joins work again');
    } finally {
      await Promise.all([onA.close(), onB.close()]);
      await Promise.all([a.stop(), b.stop()]);
      await redis.kill();
    }
  });

  it('an owner that dies in the middle of a join: 502 GS_GONE, not a hang', async () => {
    const redis = await TestRedis.start();
    const a = await instance(redis);
    const c = await instance(redis);
    const gs = await TestGameServer.connect(a.wsUrl, TOKEN);
    try {
      await gs.register({ name: 'doomed', port: 41030 });
      await waitFor('listed on C', async () => (await names(c)).includes('doomed'), 1000);
      const serverId = await idOf(c, 'doomed');
      const pending = postJson(`${c.url}/v2/client/join`, { serverId, username: 'u', clantag: '' });
      await gs.next();
      a.child.kill('SIGKILL');
      const res = await pending;
      assert.ok(res.status === 502 || res.status === 504, `answered ${res.status}`);
    } finally {
      gs.socket.destroy();
      await c.stop();
      await redis.kill();
    }
  });
});
