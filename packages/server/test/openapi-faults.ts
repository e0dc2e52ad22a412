import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { fetchRaw, postJson, TestGameServer, type TestResponse, waitFor } from '@masterserver/testing';
import { connectCluster } from '../src/cluster/cluster.js';
import { JwtPlayerAuth, MasterServer, silentLogger } from '../src/index.js';
import { MemoryModerationStore } from '../src/moderation/moderation-store.js';
import { startMs, TOKEN } from './helpers.js';
import { startAdminMs } from './moderation-helpers.js';
import { type OpenApiChecker, rawHttp } from './openapi-checker.js';
import { TestRedis } from './redis-helpers.js';

/** The upgrade request of a WebSocket client. */
const UPGRADE =
  'GET /v2/server/ws HTTP/1.1\r\nHost: ms\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
  'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';

/** Opens a TCP connection to `url` and resolves once it is established. */
function hold(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => resolve(socket));
    socket.on('error', reject);
  });
}

/** The limits of every request: 408, 429, 431, and bytes that are not HTTP. */
export function limitOutcomes(checker: OpenApiChecker): void {
  describe('the limits answer as the document says', () => {
    it('408 REQUEST_TIMEOUT when the headers do not arrive within --headers-timeout', async () => {
      const t = await startMs({ headersTimeout: 300 });
      try {
        const res = await rawHttp(t.url, 'GET /healthz HTTP/1.1\r\nHost: ms\r\n');
        assert.equal(res.status, 408);
        checker.check('GET', '/healthz', res);
      } finally {
        await t.close();
      }
    });

    it('429 TOO_MANY_CONNECTIONS beyond --max-http-conns-per-ip, on a public and on an admin route', async () => {
      const t = await startMs({ maxHttpConnsPerIp: 2 });
      const held: Socket[] = [];
      try {
        held.push(await hold(t.url), await hold(t.url));
        const refused = await fetchRaw(`${t.url}/healthz`);
        assert.equal(refused.status, 429);
        checker.check('GET', '/healthz', refused);
        const admin = await fetchRaw(`${t.url}/v2/admin/servers`);
        assert.equal(admin.status, 429);
        checker.check('GET', '/v2/admin/servers', admin);
      } finally {
        for (const socket of held) socket.destroy();
        await t.close();
      }
    });

    it('429 TOO_MANY_REQUESTS beyond --admin-rate; 431 beyond --max-headers; 503 CONNECTION_LIMIT; 400 for bytes that are not HTTP', async () => {
      const t = await startMs({ maxHeaders: 10, maxConnections: 1, adminRate: { count: 1, windowMs: 60_000 } });
      try {
        assert.equal((await fetchRaw(`${t.url}/v2/admin/servers`)).status, 401, 'the one request the rate allows');
        const limited = await fetchRaw(`${t.url}/v2/admin/servers`);
        assert.equal(limited.status, 429);
        checker.check('GET', '/v2/admin/servers', limited);

        // Host first: Node.js keeps only the first headers, and without Host it answers 400 itself.
        const extra = Array.from({ length: 11 }, (_, i) => `x-extra-${i}: v\r\n`).join('');
        const tooMany = await rawHttp(t.url, `GET /healthz HTTP/1.1\r\nHost: ms\r\n${extra}\r\n`);
        assert.equal(tooMany.status, 431);
        checker.check('GET', '/healthz', tooMany);

        await t.connect();
        const full = await rawHttp(t.url, UPGRADE);
        assert.equal(full.status, 503);
        checker.check('GET', '/v2/server/ws', full);

        const notHttp = await rawHttp(t.url, 'HELLO THERE\r\n\r\n');
        assert.equal(notHttp.status, 400);
        checker.checkComponent('NotHttp', notHttp);
      } finally {
        await t.close();
      }
    });
  });
}

/** Outcomes that need another setup: player tokens, no page, a cluster without Redis, shutdown, a failing store. */
export function faultOutcomes(checker: OpenApiChecker): void {
  describe('the answers of other setups match the document', () => {
    it('with --player-auth jwt: the config says bearer; a join or quick play without a token is 401', async () => {
      const t = await startMs({ playerAuth: new JwtPlayerAuth('a-shared-secret-of-at-least-32-bytes!!') });
      try {
        const config = await fetchRaw(`${t.url}/v2/client/config`);
        checker.check('GET', '/v2/client/config', config);
        assert.deepEqual(config.json, { playerAuth: 'bearer', reachability: 'off' });
        const join = await postJson(`${t.url}/v2/client/join`, { serverId: 'x' });
        assert.equal(join.status, 401);
        checker.check('POST', '/v2/client/join', join);
        const quick = await postJson(`${t.url}/v2/client/quickplay`, {});
        if (quick.status === 404)
          assert.fail('POST /v2/client/quickplay answers 404: quick play is missing from this build');
        assert.equal(quick.status, 401);
        checker.check('POST', '/v2/client/quickplay', quick);
      } finally {
        await t.close();
      }
    });

    it('without the page built: 503 WEB_UNAVAILABLE on /, /admin and /assets/…', async () => {
      const t = await startMs({ webRoot: '/nonexistent/masterserver-web' });
      try {
        for (const [path, route] of [
          ['/', '/'],
          ['/admin', '/admin'],
          ['/assets/index.js', '/assets/{name}'],
        ] as const) {
          const res = await fetchRaw(`${t.url}${path}`);
          assert.equal(res.status, 503);
          checker.check('GET', route, res);
        }
      } finally {
        await t.close();
      }
    });

    it('a failing store: 500 INTERNAL_ERROR', async () => {
      class FailingStore extends MemoryModerationStore {
        override auditLog(): Promise<never> {
          return Promise.reject(new Error('the store is down'));
        }
      }
      const t = await startAdminMs({ moderationStore: new FailingStore() });
      try {
        const res = await t.admin('GET', '/v2/admin/audit');
        assert.equal(res.status, 500);
        checker.check('GET', '/v2/admin/audit', res);
      } finally {
        await t.close();
      }
    });

    it('shutting down: /healthz 503 shutting_down, the live stream and the WebSocket endpoint 503 SHUTTING_DOWN', async () => {
      const ms = new MasterServer({ regTokens: [TOKEN], verifyReachability: 'off' });
      const server = createServer();
      await ms.attach(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
      // A game server that does not answer the close handshake holds the shutdown open meanwhile.
      const gs = await TestGameServer.connect(`${url.replace('http', 'ws')}/v2/server/ws`, TOKEN);
      const closing = ms.close();
      try {
        const health = await fetchRaw(`${url}/healthz`);
        assert.deepEqual(health.json, { status: 'shutting_down' });
        checker.check('GET', '/healthz', health);
        const events = await fetchRaw(`${url}/v2/client/servers/events`);
        assert.equal(events.status, 503);
        checker.check('GET', '/v2/client/servers/events', events);
        const socket = await rawHttp(url, UPGRADE);
        assert.equal(socket.status, 503);
        checker.check('GET', '/v2/server/ws', socket);
      } finally {
        gs.socket.destroy();
        await closing;
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it('a cluster without Redis: /healthz degraded; a join and a removal on another instance 503 CLUSTER_UNAVAILABLE', async () => {
      const redis = await TestRedis.start();
      const connectOne = () =>
        connectCluster({ url: redis.url, registrationTtl: 5000, maxServers: 0, logger: silentLogger });
      const [clusterA, clusterB] = await Promise.all([connectOne(), connectOne()]);
      const { token } = await clusterA.tokenStore.create('ops', 'admin');
      const a = await startMs({ cluster: clusterA });
      const b = await startMs({ cluster: clusterB });
      try {
        const gs = await b.connect();
        await gs.register({ name: 'on-b', port: 37731 });
        const id = await waitFor('listed on A', async () => (await a.list())[0]?.id as string | undefined);
        await redis.kill();
        await waitFor('A degraded', async () => (await fetchRaw(`${a.url}/healthz`)).status === 503);
        const health = await fetchRaw(`${a.url}/healthz`);
        assert.deepEqual(health.json, { status: 'degraded' });
        checker.check('GET', '/healthz', health);
        const join = await postJson(`${a.url}/v2/client/join`, { serverId: id, username: 'Viper' });
        assert.equal(join.status, 503);
        checker.check('POST', '/v2/client/join', join);
        const removal: TestResponse = await fetchRaw(`${a.url}/v2/admin/servers/${id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        });
        assert.equal(removal.status, 503);
        checker.check('DELETE', '/v2/admin/servers/{id}', removal);
      } finally {
        await redis.restart();
        for (const ms of [a, b]) {
          await waitFor('Redis back', async () => (await fetchRaw(`${ms.url}/healthz`)).status === 200, 5000);
        }
        await a.close();
        await b.close();
        await Promise.all([clusterA.close(), clusterB.close()]);
        await redis.kill();
      }
    });
  });
}
