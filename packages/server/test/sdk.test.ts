import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  ClientStoppedError,
  type DisconnectInfo,
  GameServerClient,
  type GameServerClientOptions,
  JoinErrorType,
  type PlayerJoin,
  probeReply,
  type ResponseError,
  rejectJoin,
  type StopInfo,
} from '@masterserver/sdk';
import { delay, fetchRaw, postJson, probeUdp, waitFor } from '@masterserver/testing';
import { MasterServer } from '../src/index.js';
import { spawnCaptured } from './cli-helpers.js';
import { startMs, type TestMs, TOKEN } from './helpers.js';

type Listed = Record<string, unknown>;

async function listAt(url: string): Promise<Listed[]> {
  const res = await fetchRaw(`${url}/v2/client/servers`);
  if (res.status !== 200) throw new Error(`list answered ${res.status}`);
  return res.json as Listed[];
}

interface ErrorBody {
  error: { code: string; msg: string };
  gsError?: ResponseError;
}

describe('SDK ⇄ real MS – registration and joins', () => {
  let t: TestMs;
  const clients: GameServerClient[] = [];
  let nextPort = 41000;

  before(async () => {
    t = await startMs();
  });
  after(async () => {
    await Promise.all(clients.map((client) => client.close()));
    await t.close();
  });

  function client(name: string, overrides: Partial<GameServerClientOptions> = {}): GameServerClient {
    const c = new GameServerClient({
      url: t.wsUrl,
      regToken: TOKEN,
      info: { name, port: nextPort++, map: 'mp_box', playlist: 'tdm', maxPlayers: 12, desc: 'sdk test' },
      registerInterval: 500,
      backoff: { initial: 50, max: 200 },
      ...overrides,
    });
    clients.push(c);
    return c.start();
  }

  const find = async (name: string): Promise<Listed | undefined> => (await t.list()).find((s) => s.name === name);
  const join = (body: unknown) => postJson(`${t.url}/v2/client/join`, body);

  it('register → listed with the info the game gave', async () => {
    const c = client('sdk-listed');
    await c.whenRegistered();
    const listed = await find('sdk-listed');
    assert.deepEqual(listed && { ...listed, id: typeof listed.id }, {
      id: 'string',
      name: 'sdk-listed',
      desc: 'sdk test',
      map: 'mp_box',
      playlist: 'tdm',
      curPlayers: 0,
      maxPlayers: 12,
      hasPassword: false,
      gameState: 0,
      reachable: null,
    });
  });

  it('update(…, { now: true }) shows in the list at once, not at the next interval', async () => {
    const c = client('sdk-update', { registerInterval: 60_000, minRegisterGap: 0 });
    await c.whenRegistered();
    c.update({ curPlayers: 3, map: 'mp_glitch' }, { now: true });
    const listed = await waitFor(
      'the new info',
      async () => {
        const s = await find('sdk-update');
        return s?.curPlayers === 3 ? s : undefined;
      },
      1000,
    );
    assert.equal(listed.map, 'mp_glitch');
  });

  it('join → the handler sees username, clantag and conv; the player gets the same sessionToken and conv', async () => {
    const seen: PlayerJoin[] = [];
    const c = client('sdk-join', {
      onJoin: async (request) => {
        seen.push(request);
        return { accept: true };
      },
    });
    await c.whenRegistered();
    const serverId = (await find('sdk-join'))?.id;
    const res = await join({ serverId, username: 'Viper', clantag: 'NS' });
    assert.equal(res.status, 200, res.text);
    const body = res.json as { ip: string; port: number; sessionToken: string; conv: number };
    assert.equal(body.ip, '127.0.0.1');
    assert.equal(body.port, c.info.port);
    assert.equal(seen.length, 1);
    assert.deepEqual(
      { username: seen[0]?.username, clantag: seen[0]?.clantag, conv: seen[0]?.conv, token: seen[0]?.sessionToken },
      { username: 'Viper', clantag: 'NS', conv: body.conv, token: body.sessionToken },
    );
    const session = c.consumeSession(body.sessionToken);
    assert.deepEqual(session && [session.username, session.clantag, session.conv], ['Viper', 'NS', body.conv]);
    assert.equal(c.consumeSession(body.sessionToken), undefined, 'a session is consumed once');
  });

  it('a rejecting handler → 409 JOIN_REJECTED with the error type and message it chose', async () => {
    const c = client('sdk-reject', { onJoin: () => rejectJoin(JoinErrorType.SERVER_FULL, 'Server is full') });
    await c.whenRegistered();
    const res = await join({ serverId: (await find('sdk-reject'))?.id, username: 'Late', clantag: '' });
    assert.equal(res.status, 409);
    const body = res.json as ErrorBody;
    assert.equal(body.error.code, 'JOIN_REJECTED');
    assert.deepEqual(body.gsError, { type: JoinErrorType.SERVER_FULL, msg: 'Server is full' });
  });

  it('a handler that hangs is rejected at joinTimeout, before the MS gives up', async () => {
    const c = client('sdk-hang', { joinTimeout: 300, onJoin: () => new Promise(() => {}) });
    await c.whenRegistered();
    const started = performance.now();
    const res = await join({ serverId: (await find('sdk-hang'))?.id, username: 'Waiting', clantag: '' });
    const ms = performance.now() - started;
    assert.equal(res.status, 409, 'rejected by the SDK, not 504 from the MS');
    assert.equal((res.json as ErrorBody).gsError?.type, JoinErrorType.HANDLER_TIMEOUT);
    assert.ok(ms >= 290 && ms < 2000, `answered after ${Math.round(ms)} ms`);
  });

  it('close() delists the server at once', async () => {
    const c = client('sdk-close');
    await c.whenRegistered();
    await c.close();
    assert.equal(await find('sdk-close'), undefined);
  });
});

describe('SDK ⇄ real MS – the stop rule', () => {
  it('two SDK clients register one address: the older stops for good (4005, naming the address), the newer stays listed, no flapping', async () => {
    const t = await startMs();
    const port = 41700;
    const make = (name: string) =>
      new GameServerClient({
        url: t.wsUrl,
        regToken: TOKEN,
        info: { name, port, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
        registerInterval: 200,
        minRegisterGap: 0,
        backoff: { initial: 20, max: 50 },
      });
    const first = make('sdk-first');
    const second = make('sdk-second');
    const stops: StopInfo[] = [];
    const disconnects: Record<string, DisconnectInfo[]> = { first: [], second: [] };
    first.on('stopped', (info) => stops.push(info));
    second.on('stopped', (info) => stops.push(info));
    first.on('disconnected', (info) => disconnects.first?.push(info));
    second.on('disconnected', (info) => disconnects.second?.push(info));
    const names = async () => (await t.list()).map((s) => s.name);
    try {
      await first.start().whenRegistered();
      assert.deepEqual(await names(), ['sdk-first']);
      await second.start().whenRegistered();
      await waitFor('the first stopped', () => stops.length === 1);
      assert.deepEqual(stops, [
        {
          code: 4005,
          reason: 'superseded',
          address: `127.0.0.1:${port}`,
          message:
            `another game server registered 127.0.0.1:${port} with the masterserver, which closed this connection ` +
            '(4005 superseded); not reconnecting',
        },
      ]);
      assert.deepEqual(first.status, { state: 'stopped', code: 4005, reason: 'superseded' });
      await assert.rejects(first.whenRegistered(), ClientStoppedError);
      // Ten of the second's registration intervals, and many times the first's backoff: nothing moves.
      const until = performance.now() + 2_000;
      while (performance.now() < until) {
        assert.deepEqual(await names(), ['sdk-second']);
        await delay(100);
      }
      assert.deepEqual(stops.length, 1, 'exactly one stopped');
      assert.equal(first.status.state, 'stopped');
      assert.equal(second.status.state, 'registered');
      assert.deepEqual(
        disconnects.first?.map((d) => [d.code, d.reconnectIn]),
        [[4005, undefined]],
        'the first never came back',
      );
      assert.deepEqual(disconnects.second, [], 'the second was never disturbed');
    } finally {
      await Promise.all([first.close(), second.close()]);
      await t.close();
    }
  });
});

describe('SDK ⇄ real MS – failures', () => {
  it('MS restart → the client reconnects and is listed again within one backoff step plus one registration', async () => {
    const first = await startMs();
    const port = Number(new URL(first.url).port);
    const backoffMax = 200;
    const c = new GameServerClient({
      url: first.wsUrl,
      regToken: TOKEN,
      info: { name: 'sdk-restart', port: 41500, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
      registerInterval: 10_000,
      backoff: { initial: 100, max: backoffMax },
    });
    const disconnects: DisconnectInfo[] = [];
    c.on('disconnected', (info) => disconnects.push(info));
    const attempts: number[] = [];
    c.on('connecting', () => attempts.push(performance.now()));
    let second: MasterServer | undefined;
    try {
      await c.start().whenRegistered();
      await first.close();
      assert.equal(disconnects[0]?.code, 1001, 'the MS said it is going away');
      second = new MasterServer({ regTokens: [TOKEN], registrationRate: null });
      const url = await second.listen({ host: '127.0.0.1', port });
      const upAt = performance.now();
      await waitFor('listed by the new MS', async () => (await listAt(url)).some((s) => s.name === 'sdk-restart'));
      assert.equal(c.status.state, 'registered');
      // Within one backoff step: while the MS was away every retry was at most backoffMax away, and the first
      // attempt after it came back connected (and registered).
      for (const info of disconnects) {
        assert.ok((info.reconnectIn ?? Infinity) <= backoffMax, `a retry ${info.reconnectIn} ms away`);
      }
      assert.ok(attempts.filter((at) => at >= upAt).length <= 1, 'an attempt after the MS came back failed');
    } finally {
      await c.close();
      await second?.close();
    }
  });

  it('invalid token → registrationFailed with type 1, retried at the registration interval (not faster), across reconnects', async () => {
    const t = await startMs();
    const interval = 200;
    const c = new GameServerClient({
      url: t.wsUrl,
      regToken: 'not-the-token',
      info: { name: 'sdk-bad-token', port: 41600, map: 'mp_box', playlist: 'tdm', maxPlayers: 8 },
      registerInterval: interval,
      backoff: { initial: 20, max: 50 },
    });
    const failures: Array<{ at: number; error: ResponseError }> = [];
    const disconnects: DisconnectInfo[] = [];
    c.on('registrationFailed', (error) => failures.push({ at: performance.now(), error }));
    c.on('disconnected', (info) => disconnects.push(info));
    try {
      c.start();
      // The MS closes a connection after 5 failed registrations (1008); the 7th is on a new connection.
      await waitFor('7 refusals', () => failures.length >= 7, 4000);
      assert.deepEqual(failures[0]?.error, { type: 1, msg: 'Invalid registration token' });
      assert.equal(disconnects[0]?.code, 1008, 'the MS closed the connection after repeated failures');
      const gaps = failures.slice(1).map((f, i) => f.at - (failures[i]?.at ?? 0));
      for (const gap of gaps) {
        assert.ok(gap >= interval - 15, `retried after ${gap.toFixed(0)} ms, not faster than ${interval}`);
        assert.ok(gap < interval + 250, `retried after ${gap.toFixed(0)} ms, not much slower than ${interval}`);
      }
      assert.equal((await t.list()).length, 0);
      assert.equal(c.status.state === 'registered', false);
    } finally {
      await c.close();
      await t.close();
    }
  });
});

describe('examples/game-server.js', () => {
  const example = fileURLToPath(new URL('../../../../examples/game-server.js', import.meta.url));

  async function freeUdpPort(): Promise<number> {
    const probe = createSocket('udp4');
    probe.bind(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address();
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    return port;
  }

  it('gets listed, lets a joined player in over UDP with its session token, counts it, and leaves on SIGTERM', async () => {
    const t = await startMs();
    const port = await freeUdpPort();
    const { child, stdout, stderr, exited } = spawnCaptured(process.execPath, [example], {
      env: { ...process.env, MS_URL: t.wsUrl, MS_REG_TOKEN: TOKEN, PORT: String(port), NAME: 'example-smoke' },
    });
    const player = createSocket('udp4');
    try {
      const listed = await waitFor('the example listed', async () => (await t.list())[0], 10_000);
      assert.equal(listed.name, 'example-smoke');
      const { probe, answer } = await probeUdp('127.0.0.1', port);
      assert.deepEqual(answer, probeReply(probe), 'the reachability probe is answered on the game port');
      const res = await postJson(`${t.url}/v2/client/join`, { serverId: listed.id, username: 'Player', clantag: '' });
      assert.equal(res.status, 200, res.text);
      const { sessionToken, conv } = res.json as { sessionToken: string; conv: number };
      const reply = once(player, 'message');
      player.send(sessionToken, port, '127.0.0.1');
      assert.equal(String((await reply)[0]), `welcome, Player (conv ${conv})\n`);
      await waitFor('curPlayers 1', async () => (await t.list())[0]?.curPlayers === 1, 3000);
      const stranger = createSocket('udp4');
      const refused = once(stranger, 'message');
      stranger.send(sessionToken, port, '127.0.0.1');
      assert.equal(String((await refused)[0]), 'unknown or expired session\n', 'a token lets in one player, once');
      stranger.close();
      const again = once(player, 'message');
      player.send('bye', port, '127.0.0.1');
      assert.equal(String((await again)[0]), 'bye\n');
      child.kill('SIGTERM');
      assert.equal(await exited, 0, stdout() + stderr());
      assert.deepEqual(await t.list(), []);
    } finally {
      player.close();
      child.kill('SIGKILL');
      await t.close();
    }
  });

  it('binds its game port before it registers: a port in use stops it with one line naming the port, unlisted', async () => {
    const t = await startMs();
    const squatter = createSocket('udp4');
    squatter.bind(0, '127.0.0.1');
    await once(squatter, 'listening');
    const { port } = squatter.address();
    const { child, stdout, stderr, exited } = spawnCaptured(process.execPath, [example], {
      env: { ...process.env, MS_URL: t.wsUrl, MS_REG_TOKEN: TOKEN, PORT: String(port) },
    });
    try {
      assert.equal(await exited, 1);
      assert.equal(
        stderr(),
        `game port udp ${port} is in use by another process, perhaps another game server\n`,
        'one line naming the port',
      );
      assert.equal(stdout(), '');
      assert.equal(t.ms.gateway.connectionCount, 0, 'it never connected');
    } finally {
      squatter.close();
      child.kill('SIGKILL');
      await t.close();
    }
  });
});
