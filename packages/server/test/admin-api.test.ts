import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type DisconnectInfo, GameServerClient } from '@masterserver/sdk';
import { fetchRaw, TestGameServer, waitFor } from '@masterserver/testing';
import { plainAdminWarning } from '../src/http/admin.js';
import { MasterServer } from '../src/index.js';
import { AUDIT_LIMIT, MemoryModerationStore } from '../src/moderation/moderation-store.js';
import { SqliteModerationStore } from '../src/moderation/sqlite-moderation-store.js';
import { tempDir } from './cli-helpers.js';
import { TOKEN } from './helpers.js';
import { type AdminMs, CapturedLog, closeOf, errorCode, startAdminMs } from './moderation-helpers.js';

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Every admin route, with a path that exists. */
const ROUTES: ReadonlyArray<[string, string, unknown?]> = [
  ['GET', '/v2/admin/servers'],
  ['DELETE', '/v2/admin/servers/some-id?reason=x'],
  ['GET', '/v2/admin/bans'],
  ['POST', '/v2/admin/bans', { kind: 'ip', value: '192.0.2.1', reason: 'r' }],
  ['DELETE', '/v2/admin/bans/0badc0de'],
  ['GET', '/v2/admin/audit'],
];

describe('admin API – who may call it', () => {
  let t: AdminMs;
  let registrationToken: string;
  before(async () => {
    t = await startAdminMs();
    registrationToken = (await t.tokenStore.create('community')).token;
    await t.ms.tokens.refresh();
  });
  after(() => t.close());

  for (const [label, token] of [
    ['no Authorization header', null],
    ['an unknown token', 'deadbeef.not-a-token'],
    ['a malformed header', 'Basic abc'],
  ] as const) {
    it(`every route answers 401 UNAUTHORIZED with WWW-Authenticate: Bearer to ${label}, and changes nothing`, async () => {
      for (const [method, path, body] of ROUTES) {
        const res =
          label === 'a malformed header'
            ? await fetchRaw(`${t.url}${path}`, { method, headers: { authorization: token as string } })
            : await t.admin(method, path, body, token);
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(errorCode(res), 'UNAUTHORIZED');
        assert.equal(res.headers['www-authenticate'], 'Bearer');
      }
      assert.deepEqual(await t.moderationStore.bans(), []);
      assert.deepEqual(await t.moderationStore.auditLog(10), []);
    });
  }

  it('a registration token never opens the admin API', async () => {
    for (const [method, path, body] of ROUTES) {
      assert.equal((await t.admin(method, path, body, registrationToken)).status, 401, `${method} ${path}`);
    }
    assert.equal((await t.admin('GET', '/v2/admin/servers', undefined, TOKEN)).status, 401, 'nor a static one');
  });

  it('an admin token never registers a game server: error type 1', async () => {
    const gs = await TestGameServer.connect(t.wsUrl, t.adminToken);
    const answer = await gs.register({ name: 'admin-registers' });
    assert.deepEqual(answer.value.error, { type: 1, msg: 'Invalid registration token' });
    assert.equal((await t.list()).length, 0);
    gs.socket.destroy();
  });

  it('a revoked admin token is refused within 1 s', async () => {
    const { record, token } = await t.tokenStore.create('temp-admin', 'admin');
    await waitFor(
      'the new admin token',
      async () => (await t.admin('GET', '/v2/admin/bans', undefined, token)).status === 200,
      1500,
    );
    await t.tokenStore.revoke(record.id);
    const revokedAt = performance.now();
    await waitFor(
      'the revocation',
      async () => (await t.admin('GET', '/v2/admin/bans', undefined, token)).status === 401,
      1500,
    );
    assert.ok(performance.now() - revokedAt < 1100);
  });
});

describe('admin API – servers', () => {
  let t: AdminMs;
  before(async () => {
    t = await startAdminMs();
  });
  after(() => t.close());

  it('GET /v2/admin/servers: every listed server with its public fields plus ip, port, tokenId and connectedAt, never its password', async () => {
    const started = Date.now();
    const { record, token } = await t.tokenStore.create('community');
    await t.ms.tokens.refresh();
    const a = await TestGameServer.connect(t.wsUrl, TOKEN, { headers: { 'x-forwarded-for': '198.51.100.7' } });
    assert.equal((await a.register({ name: 'static one', port: 37020, password: 'pw-secret-1' })).value.success, true);
    const b = await TestGameServer.connect(t.wsUrl, token);
    assert.equal((await b.register({ name: 'stored one', port: 37021, curPlayers: 3 })).value.success, true);
    const res = await t.admin('GET', '/v2/admin/servers');
    assert.equal(res.status, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.ok(!res.text.includes('pw-secret-1') && !res.text.includes(token) && !res.text.includes(TOKEN));
    const servers = res.json as Array<Record<string, unknown>>;
    assert.deepEqual(
      servers.map((s) => s.name),
      ['stored one', 'static one'],
    );
    const [stored, listed] = servers as [Record<string, unknown>, Record<string, unknown>];
    assert.deepEqual(Object.keys(listed), [
      'id',
      'name',
      'desc',
      'map',
      'playlist',
      'curPlayers',
      'maxPlayers',
      'hasPassword',
      'gameState',
      'reachable',
      'ip',
      'port',
      'tokenId',
      'connectedAt',
    ]);
    const publicEntry = (await t.list()).find((s) => s.name === 'static one');
    for (const [key, value] of Object.entries(publicEntry ?? {})) assert.deepEqual(listed[key], value, key);
    assert.equal(listed.ip, '198.51.100.7');
    assert.equal(listed.port, 37020);
    assert.equal(listed.tokenId, 'static-1');
    assert.equal(listed.hasPassword, true);
    assert.equal(stored.tokenId, record.id);
    assert.equal(stored.ip, '127.0.0.1');
    assert.match(String(listed.connectedAt), ISO);
    const connectedAt = Date.parse(String(listed.connectedAt));
    assert.ok(connectedAt >= started - 1 && connectedAt <= Date.now(), String(listed.connectedAt));
    a.socket.destroy();
    b.socket.destroy();
  });

  it('DELETE /v2/admin/servers/{id}?reason= → 204: delisted, closed with 4010 and the reason, and audited', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'copycat of a popular one', port: 37030 });
    const id = (await t.list()).find((s) => s.name === 'copycat of a popular one')?.id as string;
    const res = await t.admin('DELETE', `/v2/admin/servers/${id}?reason=${encodeURIComponent('copies "Kodai 24/7"')}`);
    assert.equal(res.status, 204);
    assert.equal(res.text, '');
    assert.deepEqual(await closeOf(gs), { code: 4010, reason: 'copies "Kodai 24/7"' });
    assert.ok(!(await t.list()).some((s) => s.id === id), 'delisted by the time the answer came');
    const [entry] = (await t.admin('GET', '/v2/admin/audit?limit=1')).json as Array<Record<string, unknown>>;
    assert.deepEqual(
      { ...entry, time: 'T' },
      {
        time: 'T',
        actor: { id: t.adminId, name: 'ops' },
        action: 'server.remove',
        target: `server:${id}`,
        reason: 'copies "Kodai 24/7"',
      },
    );
    assert.match(String(entry?.time), ISO);
  });

  it('a removed game server may come back: a new connection registers again under the same id', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'comes back', port: 37031 });
    const id = (await t.list()).find((s) => s.name === 'comes back')?.id as string;
    assert.equal((await t.admin('DELETE', `/v2/admin/servers/${id}`)).status, 204);
    assert.deepEqual(await closeOf(gs), { code: 4010, reason: 'removed by an operator' });
    const again = await t.connect();
    assert.equal((await again.register({ name: 'comes back', port: 37031 })).value.success, true);
    assert.equal((await t.list()).find((s) => s.name === 'comes back')?.id, id);
    const [entry] = (await t.admin('GET', '/v2/admin/audit?limit=1')).json as Array<{ reason: unknown }>;
    assert.equal(entry?.reason, null, 'no reason given');
    again.socket.destroy();
  });

  it('a game server on the SDK that is removed hears 4010 and the reason, reconnects and is listed again', async () => {
    const gs = new GameServerClient({
      url: t.wsUrl,
      regToken: TOKEN,
      info: { name: 'sdk removed', port: 37033, map: 'm', playlist: 'p', maxPlayers: 8 },
      minRegisterGap: 0,
      backoff: { initial: 50, max: 100 },
    }).start();
    try {
      await gs.whenRegistered(AbortSignal.timeout(3000));
      const id = (await t.list()).find((s) => s.name === 'sdk removed')?.id as string;
      const closed = new Promise<DisconnectInfo>((resolve) => gs.once('disconnected', resolve));
      const registeredAgain = new Promise<unknown>((resolve) => gs.once('registered', resolve));
      assert.equal((await t.admin('DELETE', `/v2/admin/servers/${id}?reason=restart%20please`)).status, 204);
      const info = await closed;
      assert.deepEqual([info.code, info.reason], [4010, 'restart please']);
      assert.notEqual(info.reconnectIn, undefined, 'it reconnects');
      await registeredAgain;
      assert.equal((await t.list()).find((s) => s.name === 'sdk removed')?.id, id, 'under the same id');
    } finally {
      await gs.close();
    }
  });

  it('a game server on the SDK that is banned hears 4011 and the reason, stops for good and does not come back', async () => {
    const gs = new GameServerClient({
      url: t.wsUrl,
      regToken: TOKEN,
      info: { name: 'sdk spammer', port: 37034, map: 'm', playlist: 'p', maxPlayers: 8 },
      minRegisterGap: 0,
      backoff: { initial: 50, max: 100 },
    }).start();
    let connects = 0;
    gs.on('connecting', () => connects++);
    const ban = await (async () => {
      await gs.whenRegistered(AbortSignal.timeout(3000));
      const stopped = new Promise<{ code: number; reason: string }>((resolve) => gs.once('stopped', resolve));
      const res = await t.admin('POST', '/v2/admin/bans', { kind: 'name', value: 'spammer', reason: 'spam' });
      assert.equal(res.status, 201, res.text);
      const info = await stopped;
      assert.deepEqual([info.code, info.reason], [4011, 'spam']);
      return (res.json as { id: string }).id;
    })();
    try {
      assert.equal(gs.status.state, 'stopped');
      const before = connects;
      // Four backoff periods: a client that reconnected would have by now.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal(connects, before, 'no reconnect');
      assert.equal(
        (await t.list()).find((s) => s.name === 'sdk spammer'),
        undefined,
      );
    } finally {
      await gs.close();
      await t.admin('DELETE', `/v2/admin/bans/${ban}`);
    }
  });

  it('DELETE of a server that is not listed is 404 SERVER_NOT_FOUND and audits nothing', async () => {
    const before = (await t.admin('GET', '/v2/admin/audit')).json as unknown[];
    const res = await t.admin('DELETE', '/v2/admin/servers/not-a-server?reason=x');
    assert.equal(res.status, 404);
    assert.equal(errorCode(res), 'SERVER_NOT_FOUND');
    assert.deepEqual((await t.admin('GET', '/v2/admin/audit')).json, before);
  });

  it('a reason over 256 characters is 400 BAD_REQUEST naming it, and the server stays', async () => {
    const gs = await t.connect();
    await gs.register({ name: 'stays', port: 37032 });
    const id = (await t.list()).find((s) => s.name === 'stays')?.id as string;
    const res = await t.admin('DELETE', `/v2/admin/servers/${id}?reason=${'x'.repeat(257)}`);
    assert.equal(res.status, 400);
    assert.match(String((res.json as { error: { msg: string } }).error.msg), /^reason:/);
    assert.ok((await t.list()).some((s) => s.id === id));
    gs.socket.destroy();
  });
});

describe('admin API – the audit log', () => {
  let t: AdminMs;
  before(async () => {
    t = await startAdminMs();
  });
  after(() => t.close());

  it('GET /v2/admin/audit: the latest actions, newest first, each with time, actor, action, target and reason', async () => {
    const first = (await t.admin('POST', '/v2/admin/bans', { kind: 'name', value: 'spam', reason: 'spam names' }))
      .json as { id: string };
    const second = (
      await t.admin('POST', '/v2/admin/bans', { kind: 'ip', value: '192.0.2.0/24', reason: 'flood', for: '1h' })
    ).json as { id: string };
    assert.equal((await t.admin('DELETE', `/v2/admin/bans/${first.id}`)).status, 204);
    const log = (await t.admin('GET', '/v2/admin/audit')).json as Array<Record<string, unknown>>;
    const actor = { id: t.adminId, name: 'ops' };
    assert.deepEqual(
      log.map(({ time: _time, ...rest }) => rest),
      [
        { actor, action: 'ban.remove', target: `ban:${first.id}`, reason: null },
        { actor, action: 'ban.add', target: `ban:${second.id}`, reason: 'flood' },
        { actor, action: 'ban.add', target: `ban:${first.id}`, reason: 'spam names' },
      ],
    );
    const times = log.map((entry) => Date.parse(String(entry.time)));
    assert.ok(
      times.every((time, i) => i === 0 || time <= (times[i - 1] as number)),
      'newest first',
    );
    assert.equal(((await t.admin('GET', '/v2/admin/audit?limit=2')).json as unknown[]).length, 2);
  });

  for (const limit of ['0', '1001', 'ten', '-1', '1.5', '']) {
    it(`?limit=${limit} is 400 BAD_REQUEST naming limit`, async () => {
      const res = await t.admin('GET', `/v2/admin/audit?limit=${limit}`);
      assert.equal(res.status, 400);
      assert.match(String((res.json as { error: { msg: string } }).error.msg), /^limit:/);
    });
  }

  it('keeps the newest entries only: the store drops the oldest beyond its limit (100,000 by default)', async () => {
    assert.equal(AUDIT_LIMIT, 100_000);
    const actor = { id: 'x', name: 'x' };
    for (const store of [
      new SqliteModerationStore(tempDir(), { auditLimit: 3 }),
      new MemoryModerationStore({ auditLimit: 3 }),
    ]) {
      for (let i = 1; i <= 8; i++) {
        await store.audit({ time: i, actor, action: 'server.remove', target: `server:${i}`, reason: null });
      }
      assert.deepEqual(
        (await store.auditLog(100)).map((entry) => entry.target),
        ['server:8', 'server:7', 'server:6'],
      );
      await store.close();
    }
  });
});

describe('admin API – safety', () => {
  it('is rate limited per client IP: beyond the limit 429 TOO_MANY_REQUESTS with Retry-After; another IP is still served', async () => {
    const t = await startAdminMs({ adminRate: { count: 3, windowMs: 60_000 } });
    try {
      for (let i = 0; i < 3; i++)
        assert.equal((await t.admin('GET', '/v2/admin/bans', undefined, 'wrong.token')).status, 401);
      const limited = await t.admin('GET', '/v2/admin/bans');
      assert.equal(limited.status, 429, 'failed tries count too');
      assert.equal(errorCode(limited), 'TOO_MANY_REQUESTS');
      assert.ok(Number(limited.headers['retry-after']) >= 1);
      const other = await fetchRaw(`${t.url}/v2/admin/bans`, {
        headers: { authorization: `Bearer ${t.adminToken}`, 'x-forwarded-for': '203.0.113.9' },
      });
      assert.equal(other.status, 200);
      assert.equal((await t.list()).length, 0, 'the public API is not limited by it');
    } finally {
      await t.close();
    }
  });

  it('no answer and no log line holds a token or a password', async () => {
    const log = new CapturedLog();
    const t = await startAdminMs({ logger: log });
    try {
      const { token: registration } = await t.tokenStore.create('community');
      await t.ms.tokens.refresh();
      const gs = await TestGameServer.connect(t.wsUrl, registration);
      await gs.register({ name: 'secretive', password: 'pw-never-shown' });
      const answers = [
        await t.admin('GET', '/v2/admin/servers'),
        await t.admin('POST', '/v2/admin/bans', { kind: 'name', value: 'secretive', reason: 'testing' }),
        await t.admin('GET', '/v2/admin/bans'),
        await t.admin('GET', '/v2/admin/audit'),
        await t.admin('GET', '/v2/admin/audit', undefined, `${t.adminToken}x`),
      ];
      assert.equal((await closeOf(gs)).code, 4011);
      const text = answers.map((res) => res.text).join('\n') + log.text;
      for (const secret of [t.adminToken, t.adminToken.split('.')[1] as string, registration, 'pw-never-shown']) {
        assert.ok(!text.includes(secret), `${secret.slice(0, 12)}… appears`);
      }
      assert.ok(log.text.includes('ban added'), 'the actions are logged');
    } finally {
      await t.close();
    }
  });

  it('logs a warning at start when the admin API is reachable on a non-loopback address without TLS', async () => {
    for (const [host, warned] of [
      ['0.0.0.0', true],
      ['127.0.0.1', false],
    ] as const) {
      const log = new CapturedLog();
      const ms = new MasterServer({ logger: log, verifyReachability: 'off', webRoot: null });
      await ms.listen({ host, port: 0 });
      await ms.close();
      const warnings = log.lines.filter((line) => line.includes('"level":"warn"') && line.includes('admin API'));
      assert.equal(warnings.length, warned ? 1 : 0, `${host}: ${log.text}`);
    }
    assert.equal(plainAdminWarning('0.0.0.0', true), undefined, 'not with TLS');
    assert.equal(plainAdminWarning('::1', false), undefined);
    assert.equal(plainAdminWarning('[::1]', false), undefined);
    assert.equal(plainAdminWarning('localhost', false), undefined);
    assert.equal(plainAdminWarning('127.0.0.2', false), undefined);
    assert.match(String(plainAdminWarning('::', false)), /without TLS/);
    assert.match(String(plainAdminWarning('192.168.1.10', false)), /without TLS/);
  });
});
