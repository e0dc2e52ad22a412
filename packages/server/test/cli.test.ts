import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fetchRaw, postJson, TestGameServer, waitFor } from '@masterserver/testing';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { parseServeConfig, type ServeConfig, serveFlags } from '../src/cli/serve.js';
import { JwtPlayerAuth } from '../src/index.js';
import { TOKEN_DB_FILE } from '../src/tokens/sqlite-token-store.js';
import { loggedAt, makeCertificate, runCli, runCliAsync, startServe, tempDir } from './cli-helpers.js';
import { tokenAccepted } from './helpers.js';

const fast = ['--listen', '127.0.0.1:0', '--ping-interval', '500ms', '--pong-timeout', '500ms'];

/** A display-names file holding `text`. */
function badNames(text: string): string {
  const file = join(tempDir(), 'names.json');
  writeFileSync(file, text);
  return file;
}

/** When token `id` was revoked, as the SQLite store in `dataDir` recorded it (ms since the epoch). */
function revokedAt(dataDir: string, id: string): number {
  const db = new Database(join(dataDir, TOKEN_DB_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT revoked_at FROM tokens WHERE id = ?').get(id) as { revoked_at: number }).revoked_at;
  } finally {
    db.close();
  }
}

describe('masterserver serve – flags', () => {
  const ca = makeCertificate(tempDir(), 'redis-ca').cert;
  for (const [args, env, named] of [
    [['--ping-interval', '10x'], {}, '--ping-interval'],
    [['--listen', 'localhost'], {}, '--listen'],
    [['--listen', '127.0.0.1:99999'], {}, '--listen'],
    [['--registration-rate', '10'], {}, '--registration-rate'],
    [['--admin-rate', 'off'], {}, '--admin-rate'],
    [['--max-connections-per-ip', '-1'], {}, '--max-connections-per-ip'],
    [['--max-servers', 'many'], {}, '--max-servers'],
    [['--log-level', 'loud'], {}, '--log-level'],
    [['--join-timeout', '0s'], {}, '--join-timeout'],
    [['--player-auth', 'magic'], {}, '--player-auth'],
    [['--no-such-flag'], {}, '--no-such-flag'],
    [['--listen'], {}, '--listen'],
    [['--max-servers', '-1'], {}, '--max-servers=VALUE'],
    [[], { MS_REGISTRATION_TTL: 'soon' }, 'MS_REGISTRATION_TTL'],
    [[], { MS_MAX_MESSAGE_SIZE: '0' }, 'MS_MAX_MESSAGE_SIZE'],
    [['--max-pending-joins', '0'], {}, '--max-pending-joins'],
    [['--request-timeout', '5s'], {}, '--request-timeout'],
    [['--join-timeout', '40s'], { MS_IDLE_TIMEOUT: '30s' }, 'MS_IDLE_TIMEOUT'],
    [['--display-names', '/no/such/names.json'], {}, '--display-names'],
    [['--display-names', badNames('{"maps": {}, "playlists": ')], {}, '--display-names'],
    [['--display-names', badNames('{"maps": {"mp_glitch": 7}, "playlists": {}}')], {}, '--display-names'],
    [['--display-names', badNames('{"maps": {}}')], {}, '--display-names'],
    [['--display-names', badNames('[]')], {}, '--display-names'],
    [[], { MS_DISPLAY_NAMES: badNames('{"maps": {}, "playlists": {}, "modes": {}}') }, 'MS_DISPLAY_NAMES'],
    [['--redis', 'http://user:hunter2@127.0.0.1:6379'], {}, '--redis'],
    [['--redis', 'redis://user:hunter2@127.0.0.1:6379/cache'], {}, '--redis'],
    [['--redis', 'redis://user:hunter2@127.0.0.1:6379/%zz'], {}, '--redis'],
    [['--redis', 'redis://user:hunter2@127.0.0.1:6379', '--redis-ca', '/etc/hostname'], {}, '--redis-ca'],
    [['--redis', 'redis://user:hunter2@127.0.0.1:6379'], { MS_REDIS_CA: '/no/such/ca.pem' }, 'MS_REDIS_CA'],
    [['--redis', 'redis://user:hunter2@127.0.0.1:6379', '--redis-ca', ca], {}, '--redis-ca'],
    [['--redis-ca', ca], {}, '--redis-ca'],
  ] as const) {
    it(`a bad value (${[...args, ...Object.entries(env).map(([k, v]) => `${k}=${v}`)].join(' ')}) exits 2 with one line naming ${named}`, () => {
      const result = runCli(['serve', ...args], { ...env, MS_DATA_DIR: tempDir() });
      assert.equal(result.status, 2);
      const lines = result.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.ok(lines[0]?.includes(named), lines[0]);
      assert.ok(!result.stderr.includes('hunter2'), 'a password in the --redis URL is never repeated');
      assert.equal(result.stdout, '');
    });
  }

  it('an unknown command exits 2', () => {
    const result = runCli(['frobnicate']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown command "frobnicate"/);
  });

  it('--help lists every flag with its environment variable and exits 0', () => {
    const result = runCli(['serve', '--help']);
    assert.equal(result.status, 0);
    for (const flag of [
      '--listen',
      '--reg-token',
      '--data-dir',
      '--ping-interval',
      '--pong-timeout',
      '--registration-ttl',
      '--join-timeout',
      '--max-message-size',
      '--registration-rate',
      '--max-connections-per-ip',
      '--max-servers',
      '--max-pending-joins',
      '--max-send-buffer',
      '--max-fragments',
      '--max-buffered-chunks',
      '--headers-timeout',
      '--request-timeout',
      '--keep-alive-timeout',
      '--idle-timeout',
      '--max-headers',
      '--max-header-size',
      '--max-event-streams',
      '--display-names',
      '--log-level',
    ]) {
      assert.ok(result.stdout.includes(flag), flag);
    }
    assert.ok(result.stdout.includes('MS_REG_TOKENS'));
  });
});

describe('masterserver serve – running', () => {
  it('logs one ready line with the URL, serves /healthz, and exits 0 on SIGTERM after closing game servers with 1001', async () => {
    const dataDir = tempDir();
    const ms = await startServe([...fast, '--reg-token', 'cli-token', '--data-dir', dataDir]);
    try {
      const ready = ms
        .stdout()
        .split('\n')
        .filter((line) => line.includes('listening on'));
      assert.equal(ready.length, 1);
      assert.equal((await fetchRaw(`${ms.url}/healthz`)).status, 200);
      const gs = await TestGameServer.connect(ms.wsUrl, 'cli-token');
      assert.equal((await gs.register({ name: 'cli' })).value.success, true);
      const status = ms.stop('SIGTERM');
      assert.equal((await gs.socket.closeFrame).code, 1001);
      assert.equal(await status, 0);
      assert.ok(!ms.stdout().includes('cli-token'), 'the token is never logged');
    } finally {
      ms.child.kill('SIGKILL');
    }
  });

  it('SIGINT also shuts down gracefully with exit 0', async () => {
    const ms = await startServe([...fast, '--reg-token', 't', '--data-dir', tempDir()]);
    assert.equal(await ms.stop('SIGINT'), 0);
  });

  it('reads its configuration from the environment', async () => {
    const ms = await startServe([], {
      MS_LISTEN: '127.0.0.1:0',
      MS_REG_TOKENS: 'env-a, env-b',
      MS_DATA_DIR: tempDir(),
      MS_MAX_SERVERS: '1',
    });
    try {
      const a = await TestGameServer.connect(ms.wsUrl, 'env-a');
      const b = await TestGameServer.connect(ms.wsUrl, 'env-b');
      assert.equal((await a.register({ port: 1 })).value.success, true);
      const full = await b.register({ port: 2 });
      assert.equal((full.value.error as { type: number }).type, 4, 'MS_MAX_SERVERS=1 applies, env-b is a valid token');
      a.socket.destroy();
      b.socket.destroy();
    } finally {
      await ms.stop();
    }
  });

  it('without any token it creates one, prints it once, and keeps it across restarts', async () => {
    const dataDir = tempDir();
    const first = await startServe(['--listen', '127.0.0.1:0', '--data-dir', dataDir]);
    let token: string;
    try {
      const printed = /Game servers register with:\n(\S+)\n/.exec(first.stdout());
      assert.ok(printed, first.stdout());
      token = printed[1] as string;
      const gs = await TestGameServer.connect(first.wsUrl, token);
      assert.equal((await gs.register()).value.success, true);
      gs.socket.destroy();
    } finally {
      assert.equal(await first.stop(), 0);
    }
    const second = await startServe(['--listen', '127.0.0.1:0', '--data-dir', dataDir]);
    try {
      assert.ok(!second.stdout().includes('register with'), 'no second token is created');
      const gs = await TestGameServer.connect(second.wsUrl, token);
      assert.equal((await gs.register()).value.success, true, 'the first token still works');
      gs.socket.destroy();
    } finally {
      await second.stop();
    }
  });
});

describe('masterserver token', () => {
  it('create prints the token alone on the last line; list never shows it; --json for scripts', () => {
    const dataDir = tempDir();
    const created = runCli(['token', 'create', '--name', 'eu-west', '--data-dir', dataDir]);
    assert.equal(created.status, 0, created.stderr);
    const token = created.stdout.trimEnd().split('\n').at(-1) as string;
    assert.match(token, /^[0-9a-f]{8}\.[A-Za-z0-9_-]{43}$/);
    const json = runCli(['token', 'create', '--name', 'us-east', '--json', '--data-dir', dataDir]);
    const second = JSON.parse(json.stdout) as { id: string; name: string; token: string };
    assert.equal(second.name, 'us-east');
    const list = runCli(['token', 'list', '--data-dir', dataDir]);
    assert.equal(list.status, 0);
    const lines = list.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2);
    assert.ok(lines[0]?.startsWith(token.split('.')[0] as string));
    assert.ok(lines[0]?.includes('eu-west'));
    assert.ok(!list.stdout.includes(token) && !list.stdout.includes(second.token));
    const listed = JSON.parse(runCli(['token', 'list', '--json', '--data-dir', dataDir]).stdout) as Array<
      Record<string, unknown>
    >;
    assert.deepEqual(Object.keys(listed[0] ?? {}), ['id', 'name', 'role', 'createdAt', 'lastUsedAt', 'revoked']);
    assert.equal(listed[1]?.revoked, false);
  });

  it('create without --name and revoke of an unknown id fail clearly', () => {
    const dataDir = tempDir();
    const noName = runCli(['token', 'create', '--data-dir', dataDir]);
    assert.equal(noName.status, 2);
    assert.match(noName.stderr, /--name/);
    const unknown = runCli(['token', 'revoke', 'deadbeef', '--data-dir', dataDir]);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /no token has the id "deadbeef"/);
  });

  it('a running MS accepts a token created beside it, and revoking it delists within 1 s', async () => {
    const dataDir = tempDir();
    const ms = await startServe([...fast, '--reg-token', 'static', '--data-dir', dataDir]);
    try {
      const { id, token } = JSON.parse(
        (await runCliAsync(['token', 'create', '--name', 'live', '--json', '--data-dir', dataDir])).stdout,
      ) as {
        id: string;
        token: string;
      };
      await tokenAccepted(ms.wsUrl, token);
      const gs = await TestGameServer.connect(ms.wsUrl, token);
      assert.equal((await gs.register({ name: 'revoke-me' })).value.success, true);
      assert.equal((await runCliAsync(['token', 'revoke', id, '--data-dir', dataDir])).status, 0);
      // Measured between the events themselves: the store's time of the revocation, and the MS's log line of it,
      // written as it delists the token's servers.
      const appliedAt = await waitFor('the MS applies the revocation', () =>
        loggedAt(ms.stdout(), 'registration tokens revoked', { tokenIds: [id] }),
      );
      const took = appliedAt - revokedAt(dataDir, id);
      assert.ok(took < 1000, `delisted ${took} ms after the revocation, not within 1 s`);
      await waitFor(
        'delisting after revocation',
        async () => ((await fetchRaw(`${ms.url}/v2/client/servers`)).json as unknown[]).length === 0,
      );
      const answer = await gs.register({ name: 'revoke-me' });
      assert.equal((answer.value.error as { type: number }).type, 1);
      const list = JSON.parse((await runCliAsync(['token', 'list', '--json', '--data-dir', dataDir])).stdout) as Array<{
        id: string;
        revoked: boolean;
        lastUsedAt: string | null;
      }>;
      const entry = list.find((t) => t.id === id);
      assert.equal(entry?.revoked, true);
      assert.notEqual(entry?.lastUsedAt, null, 'last use is recorded');
      gs.socket.destroy();
    } finally {
      await ms.stop();
    }
  });
});

describe('masterserver serve – every flag, and its environment variable, reaches the masterserver', () => {
  const dir = tempDir();
  const tls = makeCertificate(dir, 'flags');
  const jwtKey = join(dir, 'jwt.secret');
  writeFileSync(jwtKey, 'a-shared-secret-of-at-least-32-bytes!!\n');
  const names = { maps: { mp_custom: 'Custom Map' }, playlists: { mine: 'My Mode' } };
  const namesFile = join(dir, 'names.json');
  writeFileSync(namesFile, JSON.stringify(names));
  const values: Record<string, { flag: string[]; env: string }> = {
    MS_LISTEN: { flag: ['--listen', '127.0.0.2:9123'], env: '127.0.0.2:9123' },
    MS_REG_TOKENS: { flag: ['--reg-token', 'tok-a', '--reg-token', 'tok-b'], env: 'tok-a,tok-b' },
    MS_DATA_DIR: { flag: ['--data-dir', dir], env: dir },
    MS_PING_INTERVAL: { flag: ['--ping-interval', '3s'], env: '3s' },
    MS_PONG_TIMEOUT: { flag: ['--pong-timeout', '4s'], env: '4s' },
    MS_REGISTRATION_TTL: { flag: ['--registration-ttl', '45s'], env: '45s' },
    MS_JOIN_TIMEOUT: { flag: ['--join-timeout', '2500ms'], env: '2500ms' },
    MS_MAX_MESSAGE_SIZE: { flag: ['--max-message-size', '4096'], env: '4096' },
    MS_REGISTRATION_RATE: { flag: ['--registration-rate', '5/20s'], env: '5/20s' },
    MS_ADMIN_RATE: { flag: ['--admin-rate', '7/30s'], env: '7/30s' },
    MS_MAX_CONNECTIONS_PER_IP: { flag: ['--max-connections-per-ip', '7'], env: '7' },
    MS_MAX_CONNECTIONS: { flag: ['--max-connections', '99'], env: '99' },
    MS_MAX_SERVERS: { flag: ['--max-servers', '123'], env: '123' },
    MS_MAX_PENDING_JOINS: { flag: ['--max-pending-joins', '12'], env: '12' },
    MS_MAX_SEND_BUFFER: { flag: ['--max-send-buffer', '65536'], env: '65536' },
    MS_MAX_FRAGMENTS: { flag: ['--max-fragments', '77'], env: '77' },
    MS_MAX_BUFFERED_CHUNKS: { flag: ['--max-buffered-chunks', '555'], env: '555' },
    MS_HEADERS_TIMEOUT: { flag: ['--headers-timeout', '3s'], env: '3s' },
    MS_REQUEST_TIMEOUT: { flag: ['--request-timeout', '7s'], env: '7s' },
    MS_KEEP_ALIVE_TIMEOUT: { flag: ['--keep-alive-timeout', '2s'], env: '2s' },
    MS_IDLE_TIMEOUT: { flag: ['--idle-timeout', '20s'], env: '20s' },
    MS_MAX_HTTP_CONNS_PER_IP: { flag: ['--max-http-conns-per-ip', '9'], env: '9' },
    MS_MAX_HEADERS: { flag: ['--max-headers', '40'], env: '40' },
    MS_MAX_HEADER_SIZE: { flag: ['--max-header-size', '8192'], env: '8192' },
    MS_MAX_EVENT_STREAMS: { flag: ['--max-event-streams', '250'], env: '250' },
    MS_VERIFY_REACHABILITY: { flag: ['--verify-reachability', 'require'], env: 'require' },
    MS_PROBE_INTERVAL: { flag: ['--probe-interval', '2m'], env: '2m' },
    MS_PROBE_LISTEN: { flag: ['--probe-listen', '127.0.0.3:9124'], env: '127.0.0.3:9124' },
    MS_PROBE_RATE: { flag: ['--probe-rate', '300'], env: '300' },
    MS_DISPLAY_NAMES: { flag: ['--display-names', namesFile], env: namesFile },
    MS_TLS_CERT: { flag: ['--tls-cert', tls.cert], env: tls.cert },
    MS_TLS_KEY: { flag: ['--tls-key', tls.key], env: tls.key },
    MS_TRUST_PROXY: {
      flag: ['--trust-proxy', '10.0.0.0/8', '--trust-proxy', '192.168.0.1'],
      env: '10.0.0.0/8,192.168.0.1',
    },
    MS_PLAYER_AUTH: { flag: ['--player-auth', 'jwt'], env: 'jwt' },
    MS_JWT_KEY: { flag: ['--jwt-key', jwtKey], env: jwtKey },
    MS_JWT_ISSUER: { flag: ['--jwt-issuer', 'https://id.example'], env: 'https://id.example' },
    MS_JWT_AUDIENCE: { flag: ['--jwt-audience', 'ms-eu'], env: 'ms-eu' },
    MS_LOG_LEVEL: { flag: ['--log-level', 'debug'], env: 'debug' },
    MS_REDIS_URL: { flag: ['--redis', 'rediss://ms:pw@127.0.0.1:6390/2'], env: 'rediss://ms:pw@127.0.0.1:6390/2' },
    MS_REDIS_CA: { flag: ['--redis-ca', tls.cert], env: tls.cert },
  };
  const expected = {
    host: '127.0.0.2',
    port: 9123,
    dataDir: dir,
    logLevel: 'debug',
    redis: { url: 'rediss://ms:pw@127.0.0.1:6390/2', ca: readFileSync(tls.cert) },
    tlsPaths: tls,
    options: {
      regTokens: ['tok-a', 'tok-b'],
      pingInterval: 3000,
      pongTimeout: 4000,
      registrationTtl: 45_000,
      joinTimeout: 2500,
      maxMessageSize: 4096,
      registrationRate: { count: 5, windowMs: 20_000 },
      adminRate: { count: 7, windowMs: 30_000 },
      maxConnectionsPerIp: 7,
      maxConnections: 99,
      maxServers: 123,
      maxPendingJoins: 12,
      maxSendBuffer: 65_536,
      maxFragments: 77,
      maxBufferedChunks: 555,
      headersTimeout: 3000,
      requestTimeout: 7000,
      keepAliveTimeout: 2000,
      idleTimeout: 20_000,
      maxHttpConnsPerIp: 9,
      maxHeaders: 40,
      maxHeaderSize: 8192,
      maxEventStreams: 250,
      verifyReachability: 'require',
      probeInterval: 120_000,
      probeListen: { host: '127.0.0.3', port: 9124 },
      probeRate: 300,
      displayNames: names,
      trustProxy: ['10.0.0.0/8', '192.168.0.1'],
      tls: { cert: readFileSync(tls.cert), key: readFileSync(tls.key) },
    },
  };
  /** The parsed configuration, its JWT verifier checked and left out. */
  const parsed = (argv: string[], env: NodeJS.ProcessEnv) => {
    const config = parseServeConfig(argv, env);
    assert.notEqual(config, 'help');
    const { playerAuth, ...options } = (config as ServeConfig).options;
    assert.ok(playerAuth instanceof JwtPlayerAuth, '--player-auth jwt with --jwt-key makes a verifier');
    assert.deepEqual(
      { issuer: playerAuth.issuer, audience: playerAuth.audience },
      { issuer: 'https://id.example', audience: 'ms-eu' },
    );
    return { ...(config as ServeConfig), options };
  };

  it('as flags', () => {
    assert.deepEqual(
      parsed(
        Object.values(values).flatMap((v) => v.flag),
        {},
      ),
      expected,
    );
  });

  it('as environment variables, with the names of the HTTP API reference', () => {
    assert.deepEqual(
      parsed([], Object.fromEntries(Object.entries(values).map(([name, v]) => [name, v.env]))),
      expected,
    );
    const documented = new Set(Object.values(serveFlags).flatMap((spec) => (spec.env === undefined ? [] : [spec.env])));
    documented.delete('MS_CONFIG');
    assert.deepEqual([...documented].sort(), Object.keys(values).sort(), 'every environment variable is tried');
  });

  it('as a --config file named by MS_CONFIG', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ 'max-servers': 321, 'join-timeout': '1s', 'reg-token': ['from-file'] }));
    const config = parseServeConfig([], { MS_CONFIG: file, MS_DATA_DIR: dir }) as ServeConfig;
    assert.equal(config.options.maxServers, 321);
    assert.equal(config.options.joinTimeout, 1000);
    assert.deepEqual(config.options.regTokens, ['from-file']);
  });

  it('a flag wins over its environment variable', () => {
    const config = parseServeConfig(['--max-servers', '5'], { MS_MAX_SERVERS: '6', MS_DATA_DIR: dir }) as ServeConfig;
    assert.equal(config.options.maxServers, 5);
  });
});

describe('masterserver serve --player-auth jwt, end to end', () => {
  it('from the environment: a signed token joins as its claims, a forged one is 401; the logs tell both and hold no secret', async () => {
    const dir = tempDir();
    const secret = 'another-shared-secret-of-32-bytes-or-more';
    const jwtKey = join(dir, 'jwt.secret');
    writeFileSync(jwtKey, `${secret}\n`);
    const ms = await startServe(['--listen', '127.0.0.1:0', '--log-level', 'debug'], {
      MS_PLAYER_AUTH: 'jwt',
      MS_JWT_KEY: jwtKey,
      MS_REG_TOKENS: 'jwt-reg-token',
      MS_DATA_DIR: dir,
    });
    try {
      const gs = await TestGameServer.connect(ms.wsUrl, 'jwt-reg-token');
      assert.equal((await gs.register({ name: 'jwt', password: 'jwt-pass-secret' })).value.success, true);
      const [server] = (await fetchRaw(`${ms.url}/v2/client/servers`)).json as Array<{ id: string }>;
      const signed = await new SignJWT({ username: 'Viper', clantag: 'JWT' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(Buffer.from(secret));
      const body = { serverId: server?.id, password: 'jwt-pass-secret', username: 'body', clantag: 'BODY' };
      const join = postJson(`${ms.url}/v2/client/join`, body, { authorization: `Bearer ${signed}` });
      const request = await gs.next(5000);
      assert.equal(request.value.username, 'Viper');
      assert.equal(request.value.clantag, 'JWT');
      gs.answer(request);
      assert.equal((await join).status, 200);
      const forged = await new SignJWT({ username: 'Viper' })
        .setProtectedHeader({ alg: 'HS256' })
        .setExpirationTime('5m')
        .sign(Buffer.from('x'.repeat(40)));
      const refused = await postJson(`${ms.url}/v2/client/join`, body, { authorization: `Bearer ${forged}` });
      assert.equal(refused.status, 401);
      gs.socket.destroy();
      await waitFor('both joins logged', () => ms.stdout().includes('"outcome":"unauthorized"'));
      const log = ms.stdout();
      assert.ok(log.includes('"outcome":"accepted"'), log);
      for (const kept of [
        secret,
        signed,
        forged,
        'jwt-reg-token',
        'jwt-pass-secret',
        request.value.sessionToken as string,
      ]) {
        assert.ok(!log.includes(kept), `the logs hold ${kept.slice(0, 12)}…`);
      }
    } finally {
      await ms.stop();
    }
  });
});
