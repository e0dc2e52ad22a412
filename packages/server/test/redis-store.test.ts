import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, postJson, TestGameServer, waitFor } from '@masterserver/testing';
import { type Cluster, connectCluster } from '../src/cluster/cluster.js';
import type { Logger } from '../src/index.js';
import { makeCertificate, runCliAsync, type ServeProcess, startServe, tempDir } from './cli-helpers.js';
import { TestRedis } from './redis-helpers.js';

/** The `ACL SETUSER` line of docs/cluster.md, as arguments, with `password` in place of the example's. */
function documentedAcl(password: string): string[] {
  const doc = readFileSync(new URL('../../../../docs/cluster.md', import.meta.url), 'utf8');
  const line = /^\s*(ACL SETUSER masterserver .*)$/m.exec(doc)?.[1];
  assert.ok(line, 'docs/cluster.md has an ACL SETUSER masterserver line');
  const args = line.split(/\s+/).slice(2);
  assert.ok(args.includes('>s3cret'), 'the example password');
  return args.map((arg) => (arg === '>s3cret' ? `>${password}` : arg));
}

/**
 * The commands Redis ran since its stats were reset, as ACL names them (`get`,
 * `config|get`), and those it refused (a command a script runs is refused like
 * any other).
 */
async function commandStats(redis: TestRedis): Promise<{ called: Set<string>; refused: string[] }> {
  const stats = String(await redis.command('INFO', 'commandstats'));
  const rows = [...stats.matchAll(/^cmdstat_([^:]+):calls=(\d+),.*rejected_calls=(\d+)/gm)];
  return {
    called: new Set(rows.filter((m) => m[2] !== '0').map((m) => m[1] as string)),
    refused: rows.filter((m) => m[3] !== '0').map((m) => m[1] as string),
  };
}

/** A logger that keeps its warnings. */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const noop = (): void => {};
  return { warnings, debug: noop, info: noop, error: noop, warn: (_fields, msg) => warnings.push(msg) };
}

const NO_PERSISTENCE = /Redis keeps no data across a restart/;
const CONFIG_REFUSED = /cannot read the Redis persistence settings/;

/** Starts `serve` on `redis` with a short TTL, its own data dir, and `extra` flags. */
function instance(url: string, extra: string[] = []): Promise<ServeProcess> {
  return startServe([
    '--listen',
    '127.0.0.1:0',
    '--data-dir',
    tempDir(),
    '--redis',
    url,
    '--registration-rate',
    'off',
    '--verify-reachability',
    'off',
    ...extra,
  ]);
}

async function names(ms: ServeProcess): Promise<string[]> {
  return ((await fetchRaw(`${ms.url}/v2/client/servers`)).json as Array<{ name: string }>).map((s) => s.name);
}

describe('Redis as a store: a user with a password, a database, the documented commands (docs/cluster.md)', () => {
  const password = 'pa:ss@w/rd-of-the-test';
  let redis: TestRedis;
  let url: string;
  before(async () => {
    redis = await TestRedis.start();
    await redis.command('ACL', 'SETUSER', ...documentedAcl(password));
    url = `redis://masterserver:${encodeURIComponent(password)}@127.0.0.1:${redis.port}/3`;
  });
  after(async () => {
    await redis?.kill();
  });

  it('two instances, the token and ban commands and the audit log run every documented command and no other, in database 3; the password is never printed', async () => {
    await redis.command('CONFIG', 'RESETSTAT');
    const created = await runCliAsync(['token', 'create', '--name', 'acl', '--json', '--redis', url]);
    assert.equal(created.status, 0, created.stderr);
    const { id, token } = JSON.parse(created.stdout) as { id: string; token: string };
    const a = await instance(url);
    let b: ServeProcess | undefined;
    let gs: TestGameServer | undefined;
    let listed: Awaited<ReturnType<typeof runCliAsync>> | undefined;
    try {
      gs = await TestGameServer.connect(a.wsUrl, token);
      assert.equal((await gs.register({ name: 'acl-a', port: 42001 })).value.success, true);
      // Refreshed twice: a script is sent with EVAL the first time on a connection, with EVALSHA after.
      for (let i = 0; i < 2; i++) assert.equal((await gs.register({ name: 'acl-a', port: 42001 })).value.success, true);
      // Started now, B loads a list that holds a server.
      b = await instance(url);
      assert.deepEqual(await names(b), ['acl-a']);
      const [server] = (await fetchRaw(`${b.url}/v2/client/servers`)).json as Array<{ id: string }>;
      const join = postJson(`${b.url}/v2/client/join`, { serverId: server?.id, username: 'u', clantag: '' });
      const request = await gs.next();
      // While the join waits, B checks that A still listens on its channel.
      await waitFor('B checks on A', async () => (await commandStats(redis)).called.has('pubsub|numsub'));
      gs.answer(request);
      assert.equal((await join).status, 200);
      listed = await runCliAsync(['token', 'list', '--json', '--redis', url]);
      assert.equal(listed.status, 0, listed.stderr);
      // Bans and the audit log: a ban that matches no one, added, listed and lifted, then the log read back.
      const ban = await runCliAsync(['ban', 'add', 'name', 'nobody-here', '--reason', 'acl', '--json', '--redis', url]);
      assert.equal(ban.status, 0, ban.stderr);
      const banId = (JSON.parse(ban.stdout) as { id: string }).id;
      assert.equal((await runCliAsync(['ban', 'list', '--json', '--redis', url])).status, 0);
      assert.equal((await runCliAsync(['ban', 'remove', banId, '--redis', url])).status, 0);
      const admin = await runCliAsync(['token', 'create', '--admin', '--name', 'ops', '--json', '--redis', url]);
      assert.equal(admin.status, 0, admin.stderr);
      const audit = await fetchRaw(`${b.url}/v2/admin/audit`, {
        headers: { authorization: `Bearer ${(JSON.parse(admin.stdout) as { token: string }).token}` },
      });
      assert.equal(audit.status, 200, audit.text);
      assert.equal((await runCliAsync(['token', 'revoke', id, '--redis', url])).status, 0);
      await waitFor(
        'delisted on B once the token is revoked',
        async () => (await names(b as ServeProcess)).length === 0,
      );
    } finally {
      gs?.socket.destroy();
      await Promise.all([a.stop(), b?.stop()]);
    }
    const keyspace = String(await redis.command('INFO', 'keyspace'));
    assert.match(keyspace, /^db3:keys=/m, 'the keys are in database 3');
    assert.doesNotMatch(keyspace, /^db0:/m, 'and nowhere else');
    const { called, refused } = await commandStats(redis);
    assert.deepEqual(refused, [], 'commands the user may not run');
    const documented = documentedAcl(password).flatMap((arg) => (arg.startsWith('+') ? [arg.slice(1)] : []));
    assert.deepEqual(
      documented.filter((command) => !called.has(command)),
      [],
      'documented commands that were never run',
    );
    for (const [name, text] of [
      ['A', a.stdout()],
      ['B', b?.stdout() ?? ''],
      ['token create', created.stdout + created.stderr],
      ['token list', (listed?.stdout ?? '') + (listed?.stderr ?? '')],
    ] as const) {
      assert.ok(
        !text.includes(password) && !text.includes(encodeURIComponent(password)),
        `${name} printed the password`,
      );
    }
    assert.match(a.stdout(), NO_PERSISTENCE, 'this Redis keeps nothing: the instance says so');
  });

  it('a wrong password, or a database Redis does not have, stops serve and token with exit 1 and what Redis said, never the password', async () => {
    const wrong = 'not-the-password';
    for (const [bad, said] of [
      [`redis://masterserver:${wrong}@127.0.0.1:${redis.port}/3`, /WRONGPASS/],
      [`redis://masterserver:${encodeURIComponent(password)}@127.0.0.1:${redis.port}/99`, /DB index is out of range/],
    ] as const) {
      for (const args of [
        ['serve', '--listen', '127.0.0.1:0', '--data-dir', tempDir(), '--redis', bad],
        ['token', 'list', '--redis', bad],
      ]) {
        const run = await runCliAsync(args);
        assert.equal(run.status, 1, `${args[0]}: ${run.stderr}`);
        const line = run.stderr.trimEnd().split('\n').at(-1) ?? '';
        assert.match(
          line,
          /^masterserver: cannot connect to Redis at redis:\/\/masterserver:\*\*\*@127\.0\.0\.1:\d+\/\d+: /,
        );
        assert.match(line, said);
        for (const secret of [wrong, password, encodeURIComponent(password)]) {
          assert.ok(!(run.stdout + run.stderr).includes(secret), `${args[0]} printed a password`);
        }
      }
    }
  });

  it('a user that may not run CONFIG GET starts with one warning saying the persistence is unknown', async () => {
    const limited = documentedAcl('limited-pw').filter((arg) => arg !== '+config|get');
    await redis.command('ACL', 'SETUSER', 'limited', ...limited.slice(1));
    const logger = recordingLogger();
    const cluster = await connectCluster({
      url: `redis://limited:limited-pw@127.0.0.1:${redis.port}/3`,
      registrationTtl: 5000,
      maxServers: 0,
      logger,
    });
    try {
      assert.equal(cluster.link.persistence, 'unknown');
      assert.equal(logger.warnings.filter((w) => CONFIG_REFUSED.test(w)).length, 1, logger.warnings.join('\n'));
      assert.equal(logger.warnings.filter((w) => NO_PERSISTENCE.test(w)).length, 0);
    } finally {
      await cluster.close();
    }
  });
});

describe('Redis persistence: one warning at start when tokens and bans would not survive a Redis restart', () => {
  for (const [settings, persistence, warned] of [
    [['--save', '', '--appendonly', 'no'], 'none', true],
    [['--save', '', '--appendonly', 'yes'], 'aof', false],
    [['--save', '3600 1', '--appendonly', 'no'], 'rdb', false],
    [['--save', '3600 1', '--appendonly', 'yes'], 'aof+rdb', false],
  ] as const) {
    it(`${settings.join(' ')}: ${persistence}, ${warned ? 'one warning' : 'no warning'}`, async () => {
      const redis = await TestRedis.start({ persistence: [...settings] });
      const logger = recordingLogger();
      let cluster: Cluster | undefined;
      try {
        cluster = await connectCluster({ url: redis.url, registrationTtl: 5000, maxServers: 0, logger });
        assert.equal(cluster.link.persistence, persistence);
        const warnings = logger.warnings.filter((w) => NO_PERSISTENCE.test(w) || CONFIG_REFUSED.test(w));
        assert.equal(warnings.length, warned ? 1 : 0, logger.warnings.join('\n'));
      } finally {
        await cluster?.close();
        await redis.kill();
      }
    });
  }
});

describe('Redis over TLS: rediss:// and --redis-ca', () => {
  const dir = tempDir();
  const cert = makeCertificate(dir, 'redis');
  let redis: TestRedis;
  before(async () => {
    redis = await TestRedis.start({ tls: cert });
  });
  after(async () => {
    await redis?.kill();
  });

  it('with --redis-ca (or MS_REDIS_CA) naming its CA, serve and token work over TLS', async () => {
    assert.match(redis.url, /^rediss:\/\//);
    const created = await runCliAsync(['token', 'create', '--name', 'tls', '--json', '--redis', redis.url], {
      MS_REDIS_CA: cert.cert,
    });
    assert.equal(created.status, 0, created.stderr);
    const { token } = JSON.parse(created.stdout) as { token: string };
    const ms = await instance(redis.url, ['--redis-ca', cert.cert]);
    try {
      const gs = await TestGameServer.connect(ms.wsUrl, token);
      assert.equal((await gs.register({ name: 'over-tls', port: 42010 })).value.success, true);
      assert.deepEqual(await names(ms), ['over-tls']);
      gs.socket.destroy();
    } finally {
      await ms.stop();
    }
  });

  it('without the CA the server certificate is refused: exit 1 naming the certificate problem', async () => {
    const run = await runCliAsync(['serve', '--listen', '127.0.0.1:0', '--data-dir', tempDir(), '--redis', redis.url]);
    assert.equal(run.status, 1, run.stderr);
    assert.match(
      run.stderr.trimEnd().split('\n').at(-1) ?? '',
      /^masterserver: cannot connect to Redis at rediss:.*certificate/,
    );
  });
});
