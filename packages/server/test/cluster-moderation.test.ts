import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, postJson, TestGameServer, type TestResponse, waitFor } from '@masterserver/testing';
import { Redis } from 'ioredis';
import { ClusterKeys } from '../src/cluster/keys.js';
import { RedisModerationStore } from '../src/cluster/redis-moderation-store.js';
import { runCliAsync, type ServeProcess, startServe, tempDir } from './cli-helpers.js';
import { TOKEN } from './helpers.js';
import { closeOf } from './moderation-helpers.js';
import { TestRedis } from './redis-helpers.js';

/** An instance of the cluster on `redis`, with short timers. */
function instance(redis: TestRedis): Promise<ServeProcess> {
  return startServe([
    ...['--listen', '127.0.0.1:0', '--redis', redis.url, '--reg-token', TOKEN, '--data-dir', tempDir()],
    ...['--registration-ttl', '2s', '--join-timeout', '1s', '--ping-interval', '500ms', '--pong-timeout', '500ms'],
  ]);
}

describe('moderation in a cluster: three instances on one Redis', () => {
  let redis: TestRedis;
  let a: ServeProcess;
  let b: ServeProcess;
  let c: ServeProcess;
  let adminToken: string;
  const opened: TestGameServer[] = [];

  /** Calls the admin API of `ms`. */
  const admin = (ms: ServeProcess, method: string, path: string, body?: unknown): Promise<TestResponse> =>
    fetchRaw(`${ms.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  /** A game server registered on `ms` as `name`, listed on every instance. */
  async function listed(ms: ServeProcess, name: string, port: number): Promise<{ gs: TestGameServer; id: string }> {
    const gs = await TestGameServer.connect(ms.wsUrl, TOKEN);
    opened.push(gs);
    assert.equal((await gs.register({ name, port })).value.success, true);
    const id = await waitFor(`${name} on every instance`, async () => {
      const lists = await Promise.all(
        [a, b, c].map(
          async (m) => (await fetchRaw(`${m.url}/v2/client/servers`)).json as Array<{ id: string; name: string }>,
        ),
      );
      const ids = lists.map((list) => list.find((s) => s.name === name)?.id);
      return ids.every((found) => found !== undefined && found === ids[0]) ? ids[0] : undefined;
    });
    return { gs, id };
  }

  before(async () => {
    redis = await TestRedis.start();
    [a, b, c] = await Promise.all([instance(redis), instance(redis), instance(redis)]);
    const created = await runCliAsync(['token', 'create', '--admin', '--name', 'ops', '--json', '--redis', redis.url]);
    adminToken = (JSON.parse(created.stdout) as { token: string }).token;
    await waitFor('the admin token on every instance', async () => {
      const answers = await Promise.all([a, b, c].map((ms) => admin(ms, 'GET', '/v2/admin/bans')));
      return answers.every((res) => res.status === 200);
    });
  });
  after(async () => {
    for (const gs of opened) gs.socket.destroy();
    await Promise.all([a, b, c].map((ms) => ms?.stop()));
    await redis?.kill();
  });

  it('GET /v2/admin/servers on A lists a server held by B, with its address, token and connection time', async () => {
    const { gs, id } = await listed(b, 'held by B', 39001);
    const servers = (await admin(a, 'GET', '/v2/admin/servers')).json as Array<Record<string, unknown>>;
    const entry = servers.find((s) => s.id === id);
    assert.equal(entry?.ip, '127.0.0.1');
    assert.equal(entry?.port, 39001);
    assert.equal(entry?.tokenId, 'static-1');
    assert.match(String(entry?.connectedAt), /^\d{4}-\d\d-\d\dT.*Z$/);
    gs.socket.destroy();
  });

  it('a ban posted on A closes the matching server held by B with 4011 within 1 s; C refuses it with error 6; a lift on B applies on C', async () => {
    const { gs } = await listed(b, 'Cluster Copycat', 39002);
    const posted = performance.now();
    const res = await admin(a, 'POST', '/v2/admin/bans', { kind: 'name', value: 'copycat', reason: 'cluster-wide' });
    assert.equal(res.status, 201);
    assert.deepEqual(await closeOf(gs, 1500), { code: 4011, reason: 'cluster-wide' });
    assert.ok(performance.now() - posted < 1000, 'within 1 s');
    const onC = await TestGameServer.connect(c.wsUrl, TOKEN);
    assert.deepEqual((await onC.register({ name: 'another copycat', port: 39003 })).value.error, {
      type: 6,
      msg: 'Banned: cluster-wide',
    });
    assert.equal((await closeOf(onC)).code, 4011);

    const { id } = res.json as { id: string };
    assert.equal((await admin(b, 'DELETE', `/v2/admin/bans/${id}`)).status, 204);
    const lifted = performance.now();
    await waitFor(
      'the lift on C',
      async () => {
        const next = await TestGameServer.connect(c.wsUrl, TOKEN);
        opened.push(next);
        return (await next.register({ name: 'another copycat', port: 39003 })).value.success === true;
      },
      1500,
      100,
    );
    assert.ok(performance.now() - lifted < 1100, 'within 1 s');
    const audit = (await admin(c, 'GET', '/v2/admin/audit?limit=2')).json as Array<{ action: string; target: string }>;
    assert.deepEqual(
      audit.map((entry) => [entry.action, entry.target]),
      [
        ['ban.remove', `ban:${id}`],
        ['ban.add', `ban:${id}`],
      ],
      'one audit log for the cluster',
    );
  });

  it('a removal posted on A reaches the server held by B: closed with 4010 and the reason, gone from every list', async () => {
    const { gs, id } = await listed(b, 'remove me remotely', 39004);
    const res = await admin(a, 'DELETE', `/v2/admin/servers/${id}?reason=spam`);
    assert.equal(res.status, 204);
    assert.deepEqual(await closeOf(gs, 1500), { code: 4010, reason: 'spam' });
    await waitFor('gone from every list', async () => {
      const lists = await Promise.all([a, b, c].map(async (m) => (await fetchRaw(`${m.url}/v2/client/servers`)).text));
      return lists.every((text) => !text.includes(id));
    });
  });

  it('a player banned through one instance gets 403 BANNED from every other within 1 s', async () => {
    const res = await admin(b, 'POST', '/v2/admin/bans', { kind: 'player', value: 'Cheater', reason: 'aimbot' });
    const posted = performance.now();
    const { id: banId } = res.json as { id: string };
    // Refused before anything is routed: the server id does not even have to exist.
    const join = (ms: ServeProcess) =>
      postJson(`${ms.url}/v2/client/join`, { serverId: 'any', username: 'Cheater', clantag: '' });
    for (const ms of [a, c]) {
      const refused = await waitFor(
        `the ban on ${ms.url}`,
        async () => {
          const answer = await join(ms);
          return answer.status === 403 ? answer : undefined;
        },
        1000,
      );
      assert.deepEqual(refused.json, { error: { code: 'BANNED', msg: 'Banned: aimbot' } });
    }
    assert.ok(performance.now() - posted < 1000);
    await admin(c, 'DELETE', `/v2/admin/bans/${banId}`);
    await waitFor('the lift on A', async () => (await join(a)).status === 404, 1000);
  });

  it('ban add --redis from the command line applies on every instance within 1 s, audited as cli', async () => {
    const held = await Promise.all([
      listed(a, 'shell target a', 39006),
      listed(b, 'shell target b', 39007),
      listed(c, 'shell target c', 39008),
    ]);
    const added = await runCliAsync([
      'ban',
      'add',
      'name',
      'shell target',
      '--reason',
      'from a shell',
      '--redis',
      redis.url,
    ]);
    assert.equal(added.status, 0, added.stderr);
    const addedAt = performance.now();
    for (const { gs } of held) assert.deepEqual(await closeOf(gs, 1500), { code: 4011, reason: 'from a shell' });
    assert.ok(performance.now() - addedAt < 1000, 'within 1 s');
    const [entry] = (await admin(b, 'GET', '/v2/admin/audit?limit=1')).json as Array<{
      actor: unknown;
      target: string;
    }>;
    assert.deepEqual(entry?.actor, { id: 'cli', name: 'cli' });
    assert.equal(entry?.target, `ban:${added.stdout.trim()}`);
    assert.equal((await runCliAsync(['ban', 'remove', added.stdout.trim(), '--redis', redis.url])).status, 0);
  });

  it('the audit log in Redis keeps the newest entries only', async () => {
    const store = new RedisModerationStore(
      { redis: new Redis(redis.url), keys: new ClusterKeys('bounded:') },
      { auditLimit: 3 },
    );
    try {
      const actor = { id: 'x', name: 'x' };
      for (let i = 1; i <= 8; i++) {
        await store.audit({ time: i, actor, action: 'server.remove', target: `server:${i}`, reason: null });
      }
      assert.deepEqual(
        (await store.auditLog(100)).map((entry) => entry.target),
        ['server:8', 'server:7', 'server:6'],
      );
    } finally {
      await store.close();
    }
  });
});
