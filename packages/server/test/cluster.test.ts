import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GameServerClient } from '@masterserver/sdk';
import {
  FailoverProxy,
  fetchRaw,
  postJson,
  registrationText,
  serverInfo,
  TestGameServer,
  waitFor,
} from '@masterserver/testing';
import { ClusterKeys } from '../src/cluster/keys.js';
import { loggedAt, runCliAsync, type ServeProcess, startServe, tempDir } from './cli-helpers.js';
import { TOKEN, tokenAccepted } from './helpers.js';
import { TestRedis } from './redis-helpers.js';
import { GamePort } from './udp-helpers.js';

const TTL = 2000;
const JOIN_TIMEOUT = 1000;
/** How long after it sent a join an instance gives up on the owner (docs/cluster.md: the join timeout plus one second). */
const REMOTE_JOIN_LIMIT = JOIN_TIMEOUT + 1000;

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
    `${JOIN_TIMEOUT}ms`,
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

/** The ids `ms` lists under `name`. */
async function idsOf(ms: ServeProcess, name: string): Promise<string[]> {
  const res = await fetchRaw(`${ms.url}/v2/client/servers`);
  return (res.json as Array<{ id: string; name: string }>).filter((s) => s.name === name).map((s) => s.id);
}

async function idOf(ms: ServeProcess, name: string): Promise<string> {
  const res = await fetchRaw(`${ms.url}/v2/client/servers`);
  const server = (res.json as Array<{ id: string; name: string }>).find((s) => s.name === name);
  assert.ok(server, `${name} is listed on ${ms.url}`);
  return server.id;
}

/**
 * A Redis of its own and the instances a test starts on it. {@link stop} ends
 * every instance (killed, running or still starting) and then Redis.
 */
class TestCluster {
  readonly redis: TestRedis;
  readonly #instances: Array<Promise<ServeProcess>> = [];

  private constructor(redis: TestRedis) {
    this.redis = redis;
  }

  static async start(): Promise<TestCluster> {
    return new TestCluster(await TestRedis.start());
  }

  /** Starts one more instance; `extra` flags override the defaults of {@link instance}. */
  instance(extra: string[] = []): Promise<ServeProcess> {
    const started = instance(this.redis, extra);
    this.#instances.push(started);
    return started;
  }

  async stop(): Promise<void> {
    const started = await Promise.allSettled(this.#instances);
    await Promise.all(started.map((ms) => (ms.status === 'fulfilled' ? ms.value.stop() : undefined)));
    await this.redis.kill();
  }
}

/** The address of `ms` for the {@link FailoverProxy}. */
function backend(ms: ServeProcess): { host: string; port: number } {
  return { host: '127.0.0.1', port: Number(new URL(ms.url).port) };
}

describe('cluster: three instances on one Redis', () => {
  let redis: TestRedis;
  let a: ServeProcess;
  let b: ServeProcess;
  let c: ServeProcess;
  before(async () => {
    redis = await TestRedis.start();
    // No test here is about crashes: a TTL long enough that an instance slowed down by a busy machine is not
    // counted dead (half the TTL without a heartbeat) in the middle of one.
    const flags = ['--registration-ttl', '10s'];
    [a, b, c] = await Promise.all([instance(redis, flags), instance(redis, flags), instance(redis, flags)]);
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

  it('joins through C count against the bound on pending joins of A, which holds the game server: 503 GS_BUSY beyond 64', async () => {
    const gs = await TestGameServer.connect(a.wsUrl, TOKEN);
    await gs.register({ name: 'busy-on-a', port: 41002 });
    // Registered again every 500 ms, so that it stays listed however long the joins take.
    const again = registrationText(TOKEN, serverInfo({ name: 'busy-on-a', port: 41002 }));
    const keepListed = setInterval(() => gs.socket.sendText(again), 500);
    let answers: Awaited<ReturnType<typeof postJson>>[];
    try {
      await waitFor('listed on C', async () => (await names(c)).includes('busy-on-a'), 1000);
      const serverId = await idOf(c, 'busy-on-a');
      // 200 players, 50 to an address (the HTTP connections of one address are capped at 64).
      answers = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          postJson(
            `${c.url}/v2/client/join`,
            { serverId, username: 'Flood', clantag: '' },
            {},
            { localAddress: `127.0.2.${1 + (i % 4)}` },
          ),
        ),
      );
    } finally {
      clearInterval(keepListed);
    }
    const busy = answers.filter((r) => r.status === 503);
    const timedOut = answers.filter((r) => r.status === 504);
    const outcomes = answers.map((r) => `${r.status} ${(r.json as { error?: { code: string } }).error?.code}`);
    assert.equal(
      busy.length + timedOut.length,
      200,
      `every join is either refused at once or times out unanswered: ${[...new Set(outcomes)].join(', ')}`,
    );
    assert.ok(busy.length > 0, 'some are refused');
    for (const r of busy) assert.equal((r.json as { error: { code: string } }).error.code, 'GS_BUSY');
    let requests = 0;
    for (;;) {
      const message = await gs.next(500).catch(() => undefined);
      if (message === undefined) break;
      if ((message.value.metadata as { type: number }).type === 2) requests++;
    }
    assert.equal(requests, timedOut.length, 'only the joins that were not refused reached the game server');
    await gs.close();
  });

  it('quick play through C picks the fullest fitting server of the cluster and joins it on A; filters answer the same on every instance', async () => {
    const fuller = await TestGameServer.connect(a.wsUrl, TOKEN);
    const emptier = await TestGameServer.connect(b.wsUrl, TOKEN);
    await fuller.register({ name: 'qp-on-a', port: 41050, playlist: 'qp', curPlayers: 6 });
    await emptier.register({ name: 'qp-on-b', port: 41051, playlist: 'qp', curPlayers: 1 });
    await waitFor(
      'both on C',
      async () => (await names(c)).includes('qp-on-a') && (await names(c)).includes('qp-on-b'),
    );
    const filtered = await Promise.all(
      [a, b, c].map((ms) => fetchRaw(`${ms.url}/v2/client/servers?playlist=qp&notEmpty=1&limit=1`)),
    );
    for (const res of filtered) {
      assert.deepEqual(
        (res.json as Array<{ name: string }>).map((s) => s.name),
        ['qp-on-a'],
      );
      assert.equal(res.headers['x-total-count'], '2');
    }
    const answer = postJson(`${c.url}/v2/client/quickplay`, { playlist: 'qp', username: 'Remote', clantag: '' });
    const request = await fuller.next(3000);
    assert.equal(request.value.username, 'Remote');
    fuller.answer(request);
    const res = await answer;
    assert.equal(res.status, 200, res.text);
    assert.equal((res.json as { serverId: string }).serverId, await idOf(c, 'qp-on-a'));
    await fuller.close();
    await emptier.close();
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
    await Promise.all([tokenAccepted(b.wsUrl, token), tokenAccepted(c.wsUrl, token)]);
    const onB = await TestGameServer.connect(b.wsUrl, token);
    const onC = await TestGameServer.connect(c.wsUrl, token);
    assert.equal((await onB.register({ name: 'tok-b', port: 41003 })).value.success, true);
    assert.equal((await onC.register({ name: 'tok-c', port: 41004 })).value.success, true);
    const list = await runCliAsync(['token', 'list', '--json', '--redis', redis.url]);
    assert.ok((JSON.parse(list.stdout) as Array<{ id: string }>).some((t) => t.id === id));
    assert.equal((await runCliAsync(['token', 'revoke', id, '--redis', redis.url])).status, 0);
    // Measured between the events themselves: the revocation's time in Redis, and the log line of each instance
    // holding a server of the token, written as it delists them.
    const { revokedAt } = JSON.parse(String(await redis.command('HGET', 'ms:tokens', id))) as { revokedAt: number };
    for (const ms of [b, c]) {
      const appliedAt = await waitFor(`${ms.url} applies the revocation`, () =>
        loggedAt(ms.stdout(), 'registration tokens revoked', { tokenIds: [id] }),
      );
      assert.ok(appliedAt - revokedAt < 1000, `${ms.url} delisted ${appliedAt - revokedAt} ms after the revocation`);
    }
    await waitFor('delisted everywhere', async () => {
      const listed = await names(a);
      return !listed.includes('tok-b') && !listed.includes('tok-c');
    });
    assert.equal(((await onB.register({ name: 'tok-b', port: 41003 })).value.error as { type: number }).type, 1);
    onB.socket.destroy();
    onC.socket.destroy();
  });

  it('a message on the cluster channels that cannot be read is logged and dropped: every instance keeps listing and joining', async () => {
    const keys = new ClusterKeys();
    const instances = (await redis.command('ZRANGE', keys.instances, 0, -1)) as string[];
    assert.equal(instances.length, 3);
    // Read by the list's mirror; nudges to reload tokens and bans (any JSON will do); an instance's own.
    const garbage = ['not json', '{"o":"put"}', '{"o":"del","id":7}', 'null', '42', '[]', '{"t":"joined"}'];
    const channels = [keys.changes, keys.tokenChanges, keys.banChanges, ...instances.map((id) => keys.instance(id))];
    for (const channel of channels) for (const text of garbage) await redis.command('PUBLISH', channel, text);
    // What each instance drops (a kind nobody there knows, such as "joined" on the changes channel, is not
    // an error: it may come from a newer instance): on the changes channel all but "joined"; on the two nudge
    // channels "not json"; on its own channel "not json", "null", "42", "[]" and the "joined" without its id.
    const expected = 6 + 1 + 1 + 5;
    const dropped = (ms: ServeProcess) =>
      ms
        .stdout()
        .split('\n')
        .filter((line) => line.includes('could not be read'));
    for (const ms of [a, b, c]) {
      await waitFor(`${ms.url} logged what it dropped`, () => dropped(ms).length >= expected);
      assert.equal(dropped(ms).length, expected, dropped(ms).join('\n'));
    }
    const gs = await TestGameServer.connect(a.wsUrl, TOKEN);
    await gs.register({ name: 'after-garbage', port: 41005 });
    await waitFor('listed on C', async () => (await names(c)).includes('after-garbage'), 1000);
    const join = postJson(`${c.url}/v2/client/join`, {
      serverId: await idOf(c, 'after-garbage'),
      username: 'u',
      clantag: '',
    });
    gs.answer(await gs.next());
    assert.equal((await join).status, 200);
    await gs.close();
  });
});

describe('cluster: reachability', () => {
  it('each instance probes its own game servers, and the verdict reaches every instance’s list', async () => {
    const cluster = await TestCluster.start();
    const port = await GamePort.bind('yes');
    const silent = await GamePort.bind('no');
    try {
      const [a, b] = await Promise.all([cluster.instance(), cluster.instance()]);
      const onA = await TestGameServer.connect(a.wsUrl, TOKEN);
      const onB = await TestGameServer.connect(b.wsUrl, TOKEN);
      await onA.register({ name: 'probed-on-a', port: port.port });
      await onB.register({ name: 'silent-on-b', port: silent.port });
      const verdicts = async (ms: ServeProcess) => {
        const res = await fetchRaw(`${ms.url}/v2/client/servers`);
        return Object.fromEntries(
          (res.json as Array<{ name: string; reachable: boolean | null }>).map((s) => [s.name, s.reachable]),
        );
      };
      for (const ms of [a, b]) {
        await waitFor(
          `both verdicts on ${ms.url}`,
          async () => JSON.stringify(await verdicts(ms)) === '{"probed-on-a":true,"silent-on-b":false}',
          4000,
        );
      }
      assert.equal(port.probes, 1, 'A probed its server once; B did not probe it');
      assert.equal(silent.probes, 3, 'B probed its server; A did not');
      onA.socket.destroy();
      onB.socket.destroy();
    } finally {
      await port.close();
      await silent.close();
      await cluster.stop();
    }
  });
});

describe('cluster: failures', () => {
  it('kill -9 of an instance: its servers leave the lists of both others within the TTL, its game servers come back through another and are listed on both under the same id', async () => {
    const cluster = await TestCluster.start();
    let proxy: FailoverProxy | undefined;
    let sdk: GameServerClient | undefined;
    let stranded: TestGameServer | undefined;
    try {
      const [a, b, c] = await Promise.all([cluster.instance(), cluster.instance(), cluster.instance()]);
      // New connections go to A while it is up, then to B.
      proxy = await FailoverProxy.start([a, b, c].map(backend));
      sdk = sdkServer(`ws://127.0.0.1:${proxy.port}/v2/server/ws`, 'survivor', 41010);
      let registrations = 0;
      sdk.on('registered', () => registrations++);
      stranded = await TestGameServer.connect(a.wsUrl, TOKEN);
      await sdk.whenRegistered();
      await stranded.register({ name: 'stranded', port: 41011 });
      for (const ms of [b, c]) {
        await waitFor(`both listed on ${ms.url}`, async () => (await names(ms)).length === 2, 1000);
      }
      const onA = await idOf(a, 'survivor');
      const killedAt = performance.now();
      a.child.kill('SIGKILL');
      await Promise.all(
        [b, c].map((ms) =>
          waitFor(
            `the listing of A's stranded server gone from ${ms.url}`,
            async () => (await idsOf(ms, 'stranded')).length === 0,
            TTL + 500,
          ),
        ),
      );
      assert.ok(performance.now() - killedAt <= TTL + 200, 'within the registration TTL');
      await waitFor('survivor registered again, through B', () => registrations >= 2, 3000);
      for (const ms of [b, c]) {
        await waitFor(`survivor listed on ${ms.url}`, async () => (await names(ms)).join() === 'survivor', 3000);
        assert.deepEqual(await idsOf(ms, 'survivor'), [onA], `the same id (the same address) on ${ms.url}`);
      }
    } finally {
      stranded?.socket.destroy();
      await sdk?.close();
      await proxy?.close();
      await cluster.stop();
    }
  });

  it('Redis restart: degraded while down (local joins work, remote ones fail fast with 503), everything listed again after on every instance', async () => {
    const cluster = await TestCluster.start();
    const servers: GameServerClient[] = [];
    try {
      const [a, b, c] = await Promise.all([cluster.instance(), cluster.instance(), cluster.instance()]);
      servers.push(
        sdkServer(a.wsUrl, 'gs-a', 41020),
        sdkServer(b.wsUrl, 'gs-b', 41021),
        sdkServer(c.wsUrl, 'gs-c', 41022),
      );
      await Promise.all(servers.map((gs) => gs.whenRegistered()));
      const all = ['gs-a', 'gs-b', 'gs-c'];
      await waitFor('all listed on A', async () => (await names(a)).join() === all.join(), 1000);
      const idA = await idOf(a, 'gs-a');
      const idB = await idOf(a, 'gs-b');

      await cluster.redis.kill();
      await waitFor('A degraded', async () => (await fetchRaw(`${a.url}/healthz`)).status === 503, 3000);
      assert.deepEqual((await fetchRaw(`${a.url}/healthz`)).json, { status: 'degraded' });
      const local = await postJson(`${a.url}/v2/client/join`, { serverId: idA, username: 'u', clantag: '' });
      assert.equal(local.status, 200, 'a join to a server on the same instance still works');
      const started = performance.now();
      const remote = await postJson(`${a.url}/v2/client/join`, { serverId: idB, username: 'u', clantag: '' });
      assert.equal(remote.status, 503);
      assert.equal((remote.json as { error: { code: string } }).error.code, 'CLUSTER_UNAVAILABLE');
      assert.ok(performance.now() - started < 200, 'fails fast');

      await cluster.redis.restart();
      const backAt = performance.now();
      for (const ms of [a, b, c]) {
        await waitFor(`${ms.url} healthy`, async () => (await fetchRaw(`${ms.url}/healthz`)).status === 200, 3000);
        await waitFor(`all listed on ${ms.url} again`, async () => (await names(ms)).join() === all.join(), 1000);
      }
      assert.ok(performance.now() - backAt < 1500, 'within one registration interval (plus reconnect)');
      // The mirrors kept the list through the outage; an instance started now knows only what is in Redis.
      const d = await cluster.instance();
      assert.deepEqual(await names(d), all, 'every instance wrote its listings back to Redis');
      const again = postJson(`${b.url}/v2/client/join`, { serverId: idA, username: 'u', clantag: '' });
      assert.equal((await again).status, 200, 'remote joins work again');
    } finally {
      await Promise.all(servers.map((gs) => gs.close()));
      await cluster.stop();
    }
  });

  it('an owner that dies in the middle of a join: 502 GS_GONE (or 504), never a hang: within the join timeout plus 1 s', async () => {
    const cluster = await TestCluster.start();
    let gs: TestGameServer | undefined;
    try {
      const [a, c] = await Promise.all([cluster.instance(), cluster.instance()]);
      gs = await TestGameServer.connect(a.wsUrl, TOKEN);
      await gs.register({ name: 'doomed', port: 41030 });
      await waitFor('listed on C', async () => (await names(c)).includes('doomed'), 1000);
      const serverId = await idOf(c, 'doomed');
      const started = performance.now();
      const pending = postJson(`${c.url}/v2/client/join`, { serverId, username: 'u', clantag: '' });
      await gs.next();
      a.child.kill('SIGKILL');
      const res = await pending;
      const waited = performance.now() - started;
      const code = (res.json as { error?: { code: string } } | undefined)?.error?.code;
      assert.ok(
        (res.status === 502 && code === 'GS_GONE') || (res.status === 504 && code === 'GS_TIMEOUT'),
        `answered ${res.status} ${code}`,
      );
      // 500 ms of slack for a slow machine.
      assert.ok(waited < REMOTE_JOIN_LIMIT + 500, `answered after ${Math.round(waited)} ms`);
    } finally {
      gs?.socket.destroy();
      await cluster.stop();
    }
  });

  it('with the default TTL and join timeout, an owner that crashes mid-join is noticed by its empty channel: 502 GS_GONE within a second', async () => {
    // Heartbeats would take 15 s to call it dead and the join timeout is 5 s: only the channel check answers this fast.
    const cluster = await TestCluster.start();
    let gs: TestGameServer | undefined;
    try {
      const defaults = ['--registration-ttl', '30s', '--join-timeout', '5s'];
      const [a, c] = await Promise.all([cluster.instance(defaults), cluster.instance(defaults)]);
      gs = await TestGameServer.connect(a.wsUrl, TOKEN);
      await gs.register({ name: 'crashing', port: 41031 });
      await waitFor('listed on C', async () => (await names(c)).includes('crashing'), 1000);
      const serverId = await idOf(c, 'crashing');
      const pending = postJson(`${c.url}/v2/client/join`, { serverId, username: 'u', clantag: '' });
      await gs.next();
      const killedAt = performance.now();
      a.child.kill('SIGKILL');
      const res = await pending;
      const waited = performance.now() - killedAt;
      assert.equal(res.status, 502, res.text);
      const error = (res.json as { error: { code: string; msg: string } }).error;
      assert.equal(error.code, 'GS_GONE');
      assert.match(error.msg, /masterserver instance .* stopped/);
      assert.ok(waited < 1000, `answered ${Math.round(waited)} ms after the crash`);
    } finally {
      gs?.socket.destroy();
      await cluster.stop();
    }
  });
});
