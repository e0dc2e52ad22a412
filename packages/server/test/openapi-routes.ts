import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetchRaw, postJson, type TestGameServer, type TestResponse, waitFor } from '@masterserver/testing';
import type { AdminMs } from './moderation-helpers.js';
import { startAdminMs } from './moderation-helpers.js';
import type { OpenApiChecker } from './openapi-checker.js';
import { rawHttp } from './openapi-checker.js';
import { SseClient } from './sse-client.js';

/** A body one byte over the 8 KiB the join, quick play and ban bodies may have. */
const OVERSIZED = JSON.stringify({ serverId: 'x', username: 'u', padding: 'x'.repeat(8192) });

/** The answers to the upgrade requests of a WebSocket client, written by hand. */
const upgrade = (key: string): string =>
  'GET /v2/server/ws HTTP/1.1\r\nHost: ms\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
  `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`;

/** An MS for the route outcomes: one pending join per game server, one live stream, samples every 100 ms. */
function startRoutesMs(): Promise<AdminMs> {
  return startAdminMs({ joinTimeout: 600, maxPendingJoins: 1, maxEventStreams: 1, statsInterval: 100 });
}

/** Registers a game server (port `port`, more fields as given) and resolves its id in the list. */
async function listed(t: AdminMs, info: Parameters<TestGameServer['register']>[0] & { port: number }) {
  const gs = await t.connect();
  const answer = await gs.register(info);
  assert.equal(answer.value.success, true, answer.text);
  const server = (await t.list()).find((s) => s.name === info.name);
  assert.ok(server, `${info.name} is listed`);
  return { gs, id: String(server.id) };
}

/** The players' routes, the page, the operations and the WebSocket endpoint: every outcome each can answer. */
export function publicOutcomes(checker: OpenApiChecker): void {
  describe('the public routes answer as the document says', () => {
    let t: AdminMs;
    let gs: TestGameServer;
    let id: string;
    const get = async (path: string, route: string, headers: Record<string, string> = {}): Promise<TestResponse> => {
      const res = await fetchRaw(`${t.url}${path}`, { headers });
      checker.check('GET', route, res);
      return res;
    };
    const join = async (body: unknown): Promise<TestResponse> => {
      const res = await postJson(`${t.url}/v2/client/join`, body);
      checker.check('POST', '/v2/client/join', res);
      return res;
    };
    before(async () => {
      t = await startRoutesMs();
      ({ gs, id } = await listed(t, { name: 'alpha', port: 37701, curPlayers: 3 }));
    });
    after(() => t.close());

    it('the list: 200 (plain, br, gzip, filtered, paged), 304 with X-Total-Count, 400 naming the parameter', async () => {
      const whole = await get('/v2/client/servers', '/v2/client/servers');
      assert.equal(whole.status, 200);
      for (const encoding of ['br', 'gzip']) {
        await get('/v2/client/servers', '/v2/client/servers', { 'accept-encoding': encoding });
      }
      const page = await get('/v2/client/servers?map=mp_forwardbase_kodai&notEmpty=1&limit=1', '/v2/client/servers');
      assert.equal(page.headers['x-total-count'], '1');
      const etag = String(whole.headers.etag);
      assert.equal((await get('/v2/client/servers', '/v2/client/servers', { 'if-none-match': etag })).status, 304);
      const bad = await get('/v2/client/servers?limit=0', '/v2/client/servers');
      assert.match((bad.json as { error: { msg: string } }).error.msg, /^limit: /);
    });

    it('one server: 200, 404 SERVER_NOT_FOUND, 400 for a path that is not percent-encoding', async () => {
      assert.equal((await get(`/v2/client/servers/${id}`, '/v2/client/servers/{id}')).status, 200);
      assert.equal((await get('/v2/client/servers/nope', '/v2/client/servers/{id}')).status, 404);
      assert.equal((await get('/v2/client/servers/%E0%A4%A', '/v2/client/servers/{id}')).status, 400);
    });

    it('the live stream: 200 with servers, delta and sample events of the documented shapes; 400; 503 STREAM_LIMIT', async () => {
      const stream = await SseClient.open(`${t.url}/v2/client/servers/events`);
      try {
        const first = await stream.nextOf('servers');
        checker.checkSchema('ServersEvent', JSON.parse(first.data));
        const { gs: other } = await listed(t, { name: 'beta', port: 37702 });
        checker.checkSchema('DeltaEvent', JSON.parse((await stream.nextOf('delta')).data));
        checker.checkSchema('StatsSample', JSON.parse((await stream.nextOf('sample')).data));
        const { response } = stream;
        const text = stream.text;
        const headers = response.headers as TestResponse['headers'];
        checker.check('GET', '/v2/client/servers/events', {
          status: response.statusCode ?? 0,
          headers,
          raw: Buffer.from(text),
          text,
          json: undefined,
        });
        const full = await get('/v2/client/servers/events', '/v2/client/servers/events');
        assert.equal((full.json as { error: { code: string } }).error.code, 'STREAM_LIMIT');
        await other.close();
      } finally {
        stream.close();
      }
      const paged = await get('/v2/client/servers/events?limit=1', '/v2/client/servers/events');
      assert.equal(paged.status, 400);
    });

    it('join: 200, 409 with gsError, 504, 503 GS_BUSY, 502, 403 WRONG_PASSWORD, 404, 400, 413', async () => {
      const accepted = join({ serverId: id, username: 'Viper', clantag: 'NS' });
      gs.answer(await gs.next());
      assert.equal((await accepted).status, 200);
      const refused = join({ serverId: id, username: 'Viper' });
      gs.answer(await gs.next(), { type: 1, msg: 'Server full' });
      assert.equal((await refused).status, 409);

      const waiting = join({ serverId: id, username: 'Viper' });
      await gs.next();
      assert.equal((await join({ serverId: id, username: 'Other' })).status, 503, 'one join waits already');
      assert.equal((await waiting).status, 504, 'the game server never answered');

      const { gs: leaving, id: leavingId } = await listed(t, { name: 'leaving', port: 37703 });
      const gone = join({ serverId: leavingId, username: 'Viper' });
      await leaving.next();
      leaving.socket.destroy();
      assert.equal((await gone).status, 502);

      const { id: lockedId } = await listed(t, { name: 'locked', port: 37704, password: 'secret' });
      assert.equal((await join({ serverId: lockedId, username: 'Viper' })).status, 403);
      assert.equal((await join({ serverId: 'nope', username: 'Viper' })).status, 404);
      assert.equal((await join({ serverId: id, username: '' })).status, 400);
      const large = await postJson(`${t.url}/v2/client/join`, OVERSIZED);
      checker.check('POST', '/v2/client/join', large);
      assert.equal(large.status, 413);
    });

    it('join: 403 BANNED for a banned player, before the game server is asked', async () => {
      const ban = await t.admin('POST', '/v2/admin/bans', { kind: 'player', value: 'Cheater', reason: 'aimbot' });
      assert.equal(ban.status, 201);
      // The ban applies within 1 s; a join to no server answers 404 until then, and never reaches a game server.
      await waitFor('the ban applies', async () => {
        const res = await postJson(`${t.url}/v2/client/join`, { serverId: 'nope', username: 'Cheater' });
        return res.status === 403;
      });
      const banned = await join({ serverId: id, username: 'Cheater' });
      assert.equal((banned.json as { error: { code: string } }).error.code, 'BANNED');
    });

    it('what the page reads: display names, the players history (200, 304) and the config', async () => {
      for (const route of ['/v2/client/display-names', '/v2/client/stats/history']) {
        // The history changes with every sample (every 100 ms here): a 304 needs two requests between two samples.
        await waitFor(`${route} 304`, async () => {
          const res = await get(route, route, { 'accept-encoding': 'br' });
          return (await get(route, route, { 'if-none-match': String(res.headers.etag) })).status === 304;
        });
      }
      assert.deepEqual((await get('/v2/client/config', '/v2/client/config')).json, {
        playerAuth: 'none',
        reachability: 'off',
      });
    });

    it('the operations: /healthz, /metrics; 404 NOT_FOUND off the routes and 405 with Allow on them', async () => {
      assert.equal((await get('/healthz', '/healthz')).status, 200);
      assert.equal((await get('/metrics', '/metrics')).status, 200);
      checker.checkComponent('NotFound', await fetchRaw(`${t.url}/v2/nothing-here`));
      const wrongMethod = await fetchRaw(`${t.url}/healthz`, { method: 'POST' });
      assert.equal(wrongMethod.status, 405);
      checker.checkComponent('MethodNotAllowed', wrongMethod);
    });

    it('the page: / and /admin (200, 304), an asset (200, 304), 404 for another asset, 400 for a bad name', async () => {
      const page = await get('/', '/', { 'accept-encoding': 'gzip' });
      assert.equal(page.status, 200);
      assert.equal((await get('/', '/', { 'if-none-match': String(page.headers.etag) })).status, 304);
      const admin = await get('/admin', '/admin');
      assert.equal((await get('/admin', '/admin', { 'if-none-match': String(admin.headers.etag) })).status, 304);
      for (const asset of page.text.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g)) {
        const res = await get(`/assets/${asset[1]}`, '/assets/{name}', { 'accept-encoding': 'br' });
        assert.equal(res.status, 200);
        assert.equal(
          (await get(`/assets/${asset[1]}`, '/assets/{name}', { 'if-none-match': String(res.headers.etag) })).status,
          304,
        );
      }
      assert.equal((await get('/assets/nope.js', '/assets/{name}')).status, 404);
      assert.equal((await get('/assets/%E0%A4%A', '/assets/{name}')).status, 400);
    });

    it('the WebSocket endpoint: 101 to a handshake, 400 to a bad one, 405 to a POST, 426 without upgrade headers', async () => {
      const open = await rawHttp(t.url, upgrade('dGhlIHNhbXBsZSBub25jZQ=='));
      checker.check('GET', '/v2/server/ws', open);
      assert.equal(open.status, 101);
      const bad = await rawHttp(t.url, upgrade('not-a-key'));
      checker.check('GET', '/v2/server/ws', bad);
      assert.equal(bad.status, 400);
      // A non-GET upgrade: the method the path does not list, answered like every such request (described once,
      // in the document's info: the shared 405 with Allow).
      const post = await rawHttp(t.url, upgrade('dGhlIHNhbXBsZSBub25jZQ==').replace('GET', 'POST'));
      assert.equal(post.status, 405);
      assert.equal(post.headers.allow, 'GET');
      assert.equal((post.json as { error: { code: string } }).error.code, 'METHOD_NOT_ALLOWED');
      assert.equal((await get('/v2/server/ws', '/v2/server/ws')).status, 426);
    });
  });
}

/**
 * `POST /v2/client/quickplay`, from the spec. Where the route is missing (it answers `404 NOT_FOUND`), each
 * test fails saying so.
 */
export function quickPlayOutcomes(checker: OpenApiChecker): void {
  describe('quick play answers as the document says', () => {
    let t: AdminMs;
    const quickPlay = async (body: unknown): Promise<TestResponse> => {
      const res = await postJson(`${t.url}/v2/client/quickplay`, body);
      const code = (res.json as { error?: { code?: string } } | undefined)?.error?.code;
      if (res.status === 404 && code === 'NOT_FOUND') {
        assert.fail('POST /v2/client/quickplay answers 404 NOT_FOUND: quick play is missing from this build');
      }
      checker.check('POST', '/v2/client/quickplay', res);
      return res;
    };
    before(async () => {
      t = await startRoutesMs();
    });
    after(() => t.close());

    it('200 with the join fields and serverId; 404 NO_SERVER_AVAILABLE with tried; 400; 413', async () => {
      const { gs, id } = await listed(t, { name: 'quick', port: 37711, playlist: 'qp_only' });
      const accepted = quickPlay({ playlist: 'qp_only', username: 'Viper' });
      gs.answer(await gs.next());
      const res = await accepted;
      assert.equal(res.status, 200);
      assert.equal((res.json as { serverId: string }).serverId, id);
      const none = await quickPlay({ playlist: 'no_such_playlist', username: 'Viper' });
      assert.equal(none.status, 404);
      assert.equal((none.json as { tried: number }).tried, 0);
      assert.equal((await quickPlay({ username: '' })).status, 400);
      assert.equal((await quickPlay(OVERSIZED)).status, 413);
    });

    it('403 BANNED for a banned player', async () => {
      const ban = await t.admin('POST', '/v2/admin/bans', { kind: 'player', value: 'Cheater', reason: 'aimbot' });
      assert.equal(ban.status, 201);
      // No server matches this playlist: until the ban applies the answer is 404, and no game server is asked.
      const banned = await waitFor('the ban applies', async () => {
        const res = await quickPlay({ playlist: 'no_such_playlist', username: 'Cheater' });
        return res.status === 403 && res;
      });
      assert.equal((banned.json as { error: { code: string } }).error.code, 'BANNED');
    });
  });
}

/** The admin API: every outcome of each route. */
export function adminOutcomes(checker: OpenApiChecker): void {
  describe('the admin API answers as the document says', () => {
    let t: AdminMs;
    let id: string;
    const admin = async (method: string, path: string, route: string, body?: unknown, token?: string | null) => {
      const res = await t.admin(method, path, body, token);
      checker.check(method, route, res);
      return res;
    };
    before(async () => {
      t = await startRoutesMs();
      ({ id } = await listed(t, { name: 'target', port: 37721 }));
    });
    after(() => t.close());

    it('servers: 200; 401 without a token, or with a wrong one', async () => {
      assert.equal((await admin('GET', '/v2/admin/servers', '/v2/admin/servers')).status, 200);
      assert.equal((await admin('GET', '/v2/admin/servers', '/v2/admin/servers', undefined, null)).status, 401);
      assert.equal((await admin('GET', '/v2/admin/servers', '/v2/admin/servers', undefined, 'wrong')).status, 401);
    });

    it('removal: 204, 404 SERVER_NOT_FOUND, 400 for a reason too long and for a path that is not percent-encoding', async () => {
      const route = '/v2/admin/servers/{id}';
      assert.equal((await admin('DELETE', `/v2/admin/servers/${id}?reason=${'x'.repeat(257)}`, route)).status, 400);
      assert.equal((await admin('DELETE', `/v2/admin/servers/${id}?reason=spam`, route)).status, 204);
      assert.equal((await admin('DELETE', '/v2/admin/servers/nope', route)).status, 404);
      assert.equal((await admin('DELETE', '/v2/admin/servers/%E0%A4%A', route)).status, 400);
    });

    it('bans: 201, 200, 400 naming the field, 413; lifting: 204, 404 BAN_NOT_FOUND, 400', async () => {
      const made = await admin('POST', '/v2/admin/bans', '/v2/admin/bans', {
        kind: 'ip',
        value: '203.0.113.0/24',
        reason: 'flood',
        for: '1h',
      });
      assert.equal(made.status, 201);
      const banId = (made.json as { id: string }).id;
      const bans = await admin('GET', '/v2/admin/bans', '/v2/admin/bans');
      assert.equal((bans.json as unknown[]).length, 1);
      const bad = await admin('POST', '/v2/admin/bans', '/v2/admin/bans', { kind: 'planet', value: 'x', reason: 'r' });
      assert.match((bad.json as { error: { msg: string } }).error.msg, /^kind/);
      assert.equal((await admin('POST', '/v2/admin/bans', '/v2/admin/bans', OVERSIZED)).status, 413);
      assert.equal((await admin('DELETE', `/v2/admin/bans/${banId}`, '/v2/admin/bans/{id}')).status, 204);
      assert.equal((await admin('DELETE', `/v2/admin/bans/${banId}`, '/v2/admin/bans/{id}')).status, 404);
      assert.equal((await admin('DELETE', '/v2/admin/bans/%E0%A4%A', '/v2/admin/bans/{id}')).status, 400);
    });

    it('the audit log: 200 with the actions above, 400 for a bad limit', async () => {
      const log = await admin('GET', '/v2/admin/audit?limit=10', '/v2/admin/audit');
      assert.deepEqual(
        (log.json as Array<{ action: string }>).map((entry) => entry.action),
        ['ban.remove', 'ban.add', 'server.remove'],
      );
      assert.equal((await admin('GET', '/v2/admin/audit?limit=0', '/v2/admin/audit')).status, 400);
    });
  });
}
